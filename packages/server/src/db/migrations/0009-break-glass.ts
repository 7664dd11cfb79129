import type { Kysely } from "kysely";
import type { MigrationContext } from "../migrate.ts";

/**
 * Break-glass stays temporary (issue 9, item 3). An appointment or an encounter written while the
 * clinician's only access to the patient was a break-glass grant carries that grant's id in
 * `break_glass_id`; the relation facts (records/patient-access.ts) ignore such rows, so documenting an
 * emergency never turns into a lasting treating relation. Null for everything written otherwise (and for
 * every row that existed before this migration). No foreign key: appointments and encounters are
 * restored before the records tables, and the id is a reference kept for the review, not a dependency.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as typed now.
export async function up(db: Kysely<any>, _ctx: MigrationContext): Promise<void> {
  // SQLite adds one column per ALTER TABLE statement.
  await db.schema.alterTable("appointments").addColumn("break_glass_id", "text").execute();
  await db.schema.alterTable("encounters").addColumn("break_glass_id", "text").execute();
}

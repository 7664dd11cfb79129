import { type Kysely, sql } from "kysely";
import type { MigrationContext } from "../migrate.ts";

/**
 * Operator safety (issue 9, item 7): `operator_state` holds the installation-wide switches the operator
 * owns, one row per key, its value a small JSON document.
 * - `outbox-paused`: set by `salus restore` in the restore's own transaction; while it exists the outbox
 *   worker claims nothing, so a restored copy never re-sends the reminders the original already sent.
 *   `salus outbox resume` removes it (audited).
 * - `demo-seed:<slug>`: written before `salus demo` creates anything and removed when it has finished, so
 *   an interrupted seeding is recognised and rolled back by the next run instead of blocking it.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as typed now.
export async function up(db: Kysely<any>, { dialect }: MigrationContext): Promise<void> {
  const ts = sql.raw(dialect === "postgres" ? "timestamptz" : "text");
  await db.schema
    .createTable("operator_state")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("value", "text", (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .execute();
}

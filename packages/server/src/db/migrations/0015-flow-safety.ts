import type { Kysely } from "kysely";
import type { MigrationContext } from "../migrate.ts";

/**
 * Re-plan limits, overtime cost, what-if fitting (issue 10, items 2 and 9).
 *
 * Item 2: `flow_settings.overtime_limit_minutes`, how far past a practitioner's end of day a re-plan may
 * keep a visit (default 60): later visits are offered a new time instead, and a lateness or overrun the
 * day cannot hold is refused. Existing practices get the default.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as typed now.
export async function up(db: Kysely<any>, _ctx: MigrationContext): Promise<void> {
  await db.schema
    .alterTable("flow_settings")
    .addColumn("overtime_limit_minutes", "integer", (c) => c.notNull().defaultTo(60))
    .execute();
}

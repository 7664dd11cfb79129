import type { Kysely } from "kysely";
import type { MigrationContext } from "../migrate.ts";

/**
 * Overbooking that matches the practice (issue 10, item 9): `flow_settings.overtime_minute_cost_cents`,
 * what one minute of practitioner overtime (work into a break or past the end of the day) costs the
 * practice, weighed by the overbooking suggestions. Default 400 cents ($4 a minute, $240 an hour: the
 * practitioner and the staff kept late); it used to count as nothing. Existing practices get the default.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as typed now.
export async function up(db: Kysely<any>, _ctx: MigrationContext): Promise<void> {
  await db.schema
    .alterTable("flow_settings")
    .addColumn("overtime_minute_cost_cents", "integer", (c) => c.notNull().defaultTo(400))
    .execute();
}

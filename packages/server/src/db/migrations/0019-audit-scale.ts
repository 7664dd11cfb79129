import type { Kysely } from "kysely";
import type { MigrationContext } from "../migrate.ts";

/** The audited path without one lock per organization (issue 11 item 6): filled by that slice. */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as typed now.
export async function up(_db: Kysely<any>, _ctx: MigrationContext): Promise<void> {}

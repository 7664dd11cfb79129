import type { Kysely } from "kysely";
import type { MigrationContext } from "../migrate.ts";

/** Break-glass stays temporary (issue 9, item 3). Empty until the slice needs tables or columns. */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as typed now.
export async function up(_db: Kysely<any>, _ctx: MigrationContext): Promise<void> {}

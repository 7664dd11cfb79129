import type { Kysely } from "kysely";
import type { MigrationContext } from "../migrate.ts";

/** Accent- and punctuation-insensitive patient search (issue 10, item 6). Empty until the slice needs tables or columns. */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as typed now.
export async function up(_db: Kysely<any>, _ctx: MigrationContext): Promise<void> {}

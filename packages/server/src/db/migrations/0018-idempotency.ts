import type { Kysely } from "kysely";
import type { MigrationContext } from "../migrate.ts";

/** Idempotency keys for HTTP writes (issue 11 item 4): filled by that slice. */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as typed now.
export async function up(_db: Kysely<any>, _ctx: MigrationContext): Promise<void> {}

import { type Kysely, sql } from "kysely";
import type { MigrationContext } from "../migrate.ts";

/**
 * Idempotency keys for HTTP writes (issue 11 item 4): `idempotency_keys` holds each key a caller sent with
 * a write under /api or /fhir, a hash of the request, and the answer (status, content type, body sealed) once it
 * is known, until `expires_at` (24 hours). The primary key (organization, principal, key) is what keeps
 * two concurrent requests with one key from both running: the second insert fails.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as typed now.
export async function up(db: Kysely<any>, { dialect }: MigrationContext): Promise<void> {
  const ts = sql.raw(dialect === "postgres" ? "timestamptz" : "text");
  await db.schema
    .createTable("idempotency_keys")
    .addColumn("organization_id", "text", (c) => c.notNull())
    .addColumn("principal", "text", (c) => c.notNull())
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("request_hash", "text", (c) => c.notNull())
    .addColumn("request_line", "text", (c) => c.notNull())
    .addColumn("response_status", "integer")
    .addColumn("response_content_type", "text")
    .addColumn("response_body_enc", "text")
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("expires_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("idempotency_keys_pk", ["organization_id", "principal", "key"])
    .execute();
  // The clean-up job deletes by expiry across all organizations.
  await db.schema
    .createIndex("idempotency_keys_expires_idx")
    .on("idempotency_keys")
    .column("expires_at")
    .execute();
}

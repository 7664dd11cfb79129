// Tables for Idempotency keys for HTTP writes (issue 11 item 4); migration 0018-idempotency.

/**
 * One `Idempotency-Key` a caller sent with a write, and the answer it got (http/idempotency.ts). Keyed by
 * organization, caller and key: one caller's key never finds another caller's answer.
 */
export interface IdempotencyKeysTable {
  organization_id: string;
  /** Who sent it: `user:<id>` for a session or a token acting as that user. */
  principal: string;
  /** The header's value, as sent (1-255 printable ASCII characters). */
  key: string;
  /** SHA-256 (hex) of the method, the path with its query and the body: "the same request". */
  request_hash: string;
  /** `POST /api/patients`, for people reading the table. */
  request_line: string;
  /** Null while the first request is still being answered. */
  response_status: number | null;
  response_content_type: string | null;
  /**
   * The body exactly as it was sent, sealed (platform/field-crypto.ts): answers carry health information
   * and once-shown secrets (a new token, a calendar feed URL, a one-time password), which must not sit
   * readable in the database or its backups. Null for an empty body.
   */
  response_body_enc: string | null;
  created_at: string;
  /** After this the key is forgotten (cleaned up by the job; a later request with it runs afresh). */
  expires_at: string;
}

export interface IdempotencyTables {
  idempotency_keys: IdempotencyKeysTable;
}

/** Tables in dependency order (parents first), appended to TABLES_IN_ORDER for backup and restore. */
export const IDEMPOTENCY_TABLES_IN_ORDER: readonly (keyof IdempotencyTables)[] = ["idempotency_keys"];

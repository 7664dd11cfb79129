// Tables for Idempotency keys for HTTP writes (issue 11 item 4).
// Add each table's interface here, list it in IdempotencyTables and in IDEMPOTENCY_TABLES_IN_ORDER (parents first).

// biome-ignore lint/suspicious/noEmptyInterface: filled by the slice that needs tables.
export interface IdempotencyTables {}

/** Tables in dependency order (parents first), appended to TABLES_IN_ORDER for backup and restore. */
export const IDEMPOTENCY_TABLES_IN_ORDER: readonly (keyof IdempotencyTables)[] = [];

/**
 * Table types for the records slice (migration 0004-records). Merged into `Database` in schema.ts.
 * Import from schema.ts with `import type` only (no runtime cycle).
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by the records slice.
export interface RecordsTables {}

/** Tables in dependency order (parents first), appended to TABLES_IN_ORDER for backup and restore. */
export const RECORDS_TABLES_IN_ORDER: readonly (keyof RecordsTables)[] = [];

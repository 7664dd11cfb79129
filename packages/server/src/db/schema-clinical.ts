/**
 * Table types for the clinical part of the records slice (migration 0005-clinical). Merged into `Database` in schema.ts.
 * Import from schema.ts with `import type` only (no runtime cycle).
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by the records slice.
export interface ClinicalTables {}

/** Tables in dependency order (parents first), appended to TABLES_IN_ORDER for backup and restore. */
export const CLINICAL_TABLES_IN_ORDER: readonly (keyof ClinicalTables)[] = [];

/**
 * Table types for the flow slice (migration 0003-flow). Merged into `Database` in schema.ts.
 * Import from schema.ts with `import type` only (no runtime cycle).
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by the flow slice.
export interface FlowTables {}

/** Tables in dependency order (parents first), appended to TABLES_IN_ORDER for backup and restore. */
export const FLOW_TABLES_IN_ORDER: readonly (keyof FlowTables)[] = [];

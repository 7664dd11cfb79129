// Tables for patient overlap, no-show undo, scheduling integrity (issue 10, items 3-4).
// Add each table's interface here, list it in SchedulingIntegrityTables and in SCHEDULING_INTEGRITY_TABLES_IN_ORDER (parents first).

// biome-ignore lint/suspicious/noEmptyInterface: filled by the slice that needs tables.
export interface SchedulingIntegrityTables {}

/** Tables in dependency order (parents first), appended to TABLES_IN_ORDER for backup and restore. */
export const SCHEDULING_INTEGRITY_TABLES_IN_ORDER: readonly (keyof SchedulingIntegrityTables)[] = [];

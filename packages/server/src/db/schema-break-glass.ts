// Tables for break-glass stays temporary (issue 9, item 3).
// Add each table's interface here, list it in BreakGlassTables and in BREAK_GLASS_TABLES_IN_ORDER (parents first).

// biome-ignore lint/suspicious/noEmptyInterface: filled by the slice that needs tables.
export interface BreakGlassTables {}

/** Tables in dependency order (parents first), appended to TABLES_IN_ORDER for backup and restore. */
export const BREAK_GLASS_TABLES_IN_ORDER: readonly (keyof BreakGlassTables)[] = [];

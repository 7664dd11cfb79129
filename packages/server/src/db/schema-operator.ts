// Tables for operator safety: demo seeding progress, outbox paused after restore (issue 9, item 7).
// Add each table's interface here, list it in OperatorTables and in OPERATOR_TABLES_IN_ORDER (parents first).

// biome-ignore lint/suspicious/noEmptyInterface: filled by the slice that needs tables.
export interface OperatorTables {}

/** Tables in dependency order (parents first), appended to TABLES_IN_ORDER for backup and restore. */
export const OPERATOR_TABLES_IN_ORDER: readonly (keyof OperatorTables)[] = [];

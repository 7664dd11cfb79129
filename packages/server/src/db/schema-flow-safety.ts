// Tables for re-plan limits, overtime cost, what-if fitting (issue 10, items 2 and 9).
// Add each table's interface here, list it in FlowSafetyTables and in FLOW_SAFETY_TABLES_IN_ORDER (parents first).

// biome-ignore lint/suspicious/noEmptyInterface: filled by the slice that needs tables.
export interface FlowSafetyTables {}

/** Tables in dependency order (parents first), appended to TABLES_IN_ORDER for backup and restore. */
export const FLOW_SAFETY_TABLES_IN_ORDER: readonly (keyof FlowSafetyTables)[] = [];

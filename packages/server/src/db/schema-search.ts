// Tables for accent- and punctuation-insensitive patient search (issue 10, item 6).
// Add each table's interface here, list it in SearchTables and in SEARCH_TABLES_IN_ORDER (parents first).

// biome-ignore lint/suspicious/noEmptyInterface: filled by the slice that needs tables.
export interface SearchTables {}

/** Tables in dependency order (parents first), appended to TABLES_IN_ORDER for backup and restore. */
export const SEARCH_TABLES_IN_ORDER: readonly (keyof SearchTables)[] = [];

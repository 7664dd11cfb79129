// Tables for account invitations, service accounts, per-organization landing choice (issue 9, items 1-2).
// Add each table's interface here, list it in AccountsTables and in ACCOUNTS_TABLES_IN_ORDER (parents first).

// biome-ignore lint/suspicious/noEmptyInterface: filled by the slice that needs tables.
export interface AccountsTables {}

/** Tables in dependency order (parents first), appended to TABLES_IN_ORDER for backup and restore. */
export const ACCOUNTS_TABLES_IN_ORDER: readonly (keyof AccountsTables)[] = [];

// Tables for per-account and per-address guessing counters and lockouts (issue 9, item 4).
// Add each table's interface here, list it in SignInGuardTables and in SIGN_IN_GUARD_TABLES_IN_ORDER (parents first).

// biome-ignore lint/suspicious/noEmptyInterface: filled by the slice that needs tables.
export interface SignInGuardTables {}

/** Tables in dependency order (parents first), appended to TABLES_IN_ORDER for backup and restore. */
export const SIGN_IN_GUARD_TABLES_IN_ORDER: readonly (keyof SignInGuardTables)[] = [];

// Tables for waitlist offers that hold the freed time (issue 10, item 5).
// Add each table's interface here, list it in WaitlistHoldsTables and in WAITLIST_HOLDS_TABLES_IN_ORDER (parents first).

// biome-ignore lint/suspicious/noEmptyInterface: filled by the slice that needs tables.
export interface WaitlistHoldsTables {}

/** Tables in dependency order (parents first), appended to TABLES_IN_ORDER for backup and restore. */
export const WAITLIST_HOLDS_TABLES_IN_ORDER: readonly (keyof WaitlistHoldsTables)[] = [];

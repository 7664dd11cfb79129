// Tables for audit chain seals and verification of wipes (issue 9 item 6, issue 10 item 8).
// Add each table's interface here, list it in AuditSealsTables and in AUDIT_SEALS_TABLES_IN_ORDER (parents first).

// biome-ignore lint/suspicious/noEmptyInterface: filled by the slice that needs tables.
export interface AuditSealsTables {}

/** Tables in dependency order (parents first), appended to TABLES_IN_ORDER for backup and restore. */
export const AUDIT_SEALS_TABLES_IN_ORDER: readonly (keyof AuditSealsTables)[] = [];

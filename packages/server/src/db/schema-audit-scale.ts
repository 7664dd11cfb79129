// Tables for The audited path without one lock per organization (issue 11 item 6).
// Add each table's interface here, list it in AuditScaleTables and in AUDIT_SCALE_TABLES_IN_ORDER (parents first).

// biome-ignore lint/suspicious/noEmptyInterface: filled by the slice that needs tables.
export interface AuditScaleTables {}

/** Tables in dependency order (parents first), appended to TABLES_IN_ORDER for backup and restore. */
export const AUDIT_SCALE_TABLES_IN_ORDER: readonly (keyof AuditScaleTables)[] = [];

/**
 * Tables for account invitations (issue 9, item 1; migration 0007-accounts). The columns that migration
 * adds to `users` (service_account, default_organization_id) are in UsersTable in schema.ts.
 * Import from schema.ts with `import type` only (no runtime cycle).
 */
export interface AccountInvitationsTable {
  organization_id: string;
  id: string;
  email: string;
  email_normalized: string;
  display_name: string;
  /** JSON array of role names. */
  roles: string;
  invited_by: string | null;
  invited_by_label: string;
  created_at: string;
  expires_at: string;
  accepted_at: string | null;
  accepted_by: string | null;
  revoked_at: string | null;
}

export interface AccountsTables {
  account_invitations: AccountInvitationsTable;
}

/** Tables in dependency order (parents first), appended to TABLES_IN_ORDER for backup and restore. */
export const ACCOUNTS_TABLES_IN_ORDER: readonly (keyof AccountsTables)[] = ["account_invitations"];

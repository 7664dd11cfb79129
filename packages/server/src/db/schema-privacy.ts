import type { Selectable } from "kysely";

/**
 * Table types for the privacy part of the records slice (migration 0006-privacy). Merged into `Database` in schema.ts.
 * Import from schema.ts with `import type` only (no runtime cycle).
 */
export interface AmendmentsTable {
  organization_id: string;
  id: string;
  patient_id: string;
  section: string;
  target_type: string | null;
  target_id: string | null;
  requested_change: string;
  reason: string;
  received_on: string;
  extended_due_on: string | null;
  extension_reason: string | null;
  status: "pending" | "accepted" | "denied";
  decision_note: string | null;
  decided_at: string | null;
  decided_by: string | null;
  disagreement: string | null;
  disagreement_at: string | null;
  requested_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface DisclosuresTable {
  organization_id: string;
  id: string;
  patient_id: string;
  disclosed_at: string;
  disclosed_on: string;
  recipient_name: string;
  recipient_address: string | null;
  purpose: string;
  description: string;
  category: string;
  legal_basis: string | null;
  suspended_until: string | null;
  export_format: string | null;
  entered_in_error: number;
  recorded_by: string | null;
  created_at: string;
}

export interface PrivacyTables {
  amendments: AmendmentsTable;
  disclosures: DisclosuresTable;
}

export type AmendmentRow = Selectable<AmendmentsTable>;
export type DisclosureRow = Selectable<DisclosuresTable>;

/** Tables in dependency order (parents first), appended to TABLES_IN_ORDER for backup and restore. */
export const PRIVACY_TABLES_IN_ORDER: readonly (keyof PrivacyTables)[] = ["amendments", "disclosures"];

/**
 * Table types for the records slice (migration 0004-records). Merged into `Database` in schema.ts.
 * Import from schema.ts with `import type` only (no runtime cycle). The patient columns 0004 adds are on
 * PatientsTable in schema.ts.
 */
export interface RecordsSettingsTable {
  organization_id: string;
  break_glass_minutes: number;
  updated_at: string;
}

export type CoverageRelationship = "self" | "spouse" | "child" | "other";

export interface CoveragesTable {
  organization_id: string;
  id: string;
  patient_id: string;
  /** 1 primary, 2 secondary, 3 tertiary. */
  priority: number;
  payer_name: string;
  payer_id: string | null;
  plan_name: string | null;
  member_id: string;
  group_id: string | null;
  subscriber_relationship: CoverageRelationship;
  subscriber_given_name: string | null;
  subscriber_family_name: string | null;
  subscriber_date_of_birth: string | null;
  /** Added by 0020-billing: the payer row (payers.id) this coverage bills, and the subscriber's sex and address (loop 2010BA). */
  payer_ref: string | null;
  subscriber_sex: string | null;
  subscriber_address_line1: string | null;
  subscriber_city: string | null;
  subscriber_state: string | null;
  subscriber_postal_code: string | null;
  effective_from: string;
  effective_to: string | null;
  status: "active" | "entered-in-error";
  created_at: string;
  updated_at: string;
}

export interface PatientConsentsTable {
  organization_id: string;
  id: string;
  patient_id: string;
  kind: string;
  status: "active" | "revoked" | "denied";
  effective_from: string;
  effective_to: string | null;
  note: string | null;
  recorded_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface CareTeamGrantsTable {
  organization_id: string;
  id: string;
  patient_id: string;
  user_id: string;
  granted_by: string | null;
  reason: string | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  revoked_by: string | null;
}

export interface BreakGlassGrantsTable {
  organization_id: string;
  id: string;
  patient_id: string;
  user_id: string;
  reason: string;
  opened_at: string;
  expires_at: string;
  review_status: "pending" | "reviewed";
  review_outcome: "appropriate" | "inappropriate" | null;
  review_note: string | null;
  reviewed_by: string | null;
  reviewed_at: string | null;
}

export interface PatientMergesTable {
  organization_id: string;
  id: string;
  source_patient_id: string;
  target_patient_id: string;
  /** JSON: { "<table>": ["<row id>", …] } of rows moved from source to target. */
  moved: string;
  /** JSON: the source patient's fields the merge changed, as they were. */
  source_before: string;
  merged_by: string | null;
  merged_at: string;
  undone_by: string | null;
  undone_at: string | null;
}

export interface RecordsTables {
  records_settings: RecordsSettingsTable;
  coverages: CoveragesTable;
  patient_consents: PatientConsentsTable;
  care_team_grants: CareTeamGrantsTable;
  break_glass_grants: BreakGlassGrantsTable;
  patient_merges: PatientMergesTable;
}

/** Tables in dependency order (parents first), appended to TABLES_IN_ORDER for backup and restore. */
export const RECORDS_TABLES_IN_ORDER: readonly (keyof RecordsTables)[] = [
  "records_settings",
  "coverages",
  "patient_consents",
  "care_team_grants",
  "break_glass_grants",
  "patient_merges",
];

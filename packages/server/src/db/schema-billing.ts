/**
 * Table types for billing, part 1 (migration 0020-billing). Merged into `Database` in schema.ts.
 * Import from schema.ts with `import type` only (no runtime cycle). Money columns are integer cents;
 * `*_codes`, `modifiers` and `*_pointers` columns hold JSON arrays as text.
 */

export interface BillingSettingsTable {
  organization_id: string;
  billing_name: string;
  billing_npi: string | null;
  tax_id: string | null;
  taxonomy: string | null;
  address_line1: string | null;
  address_line2: string | null;
  city: string | null;
  state: string | null;
  postal_code: string | null;
  phone: string | null;
  submitter_id: string | null;
  submitter_contact_name: string | null;
  submitter_contact_email: string | null;
  receiver_id: string | null;
  receiver_name: string | null;
  usage_indicator: "T" | "P";
  last_interchange_control: number;
  last_group_control: number;
  updated_at: string;
}

export type PayerKind = "medicare" | "medicaid" | "commercial" | "self-pay" | "other";

export interface PayersTable {
  organization_id: string;
  id: string;
  name: string;
  payer_id: string | null;
  claim_filing_indicator: string;
  kind: PayerKind;
  timely_filing_days: number;
  member_id_pattern: string | null;
  address_line1: string | null;
  address_line2: string | null;
  city: string | null;
  state: string | null;
  postal_code: string | null;
  phone: string | null;
  active: number;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface FeeSchedulesTable {
  organization_id: string;
  id: string;
  name: string;
  kind: "practice" | "contract";
  payer_ref: string | null;
  is_default: number;
  effective_from: string;
  effective_to: string | null;
  active: number;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface FeeScheduleEntriesTable {
  organization_id: string;
  fee_schedule_id: string;
  procedure_code: string;
  /** '' = the price without a modifier. */
  modifier: string;
  amount_cents: number;
  description: string | null;
}

export type ChargeStatus = "review" | "approved" | "held" | "claimed" | "void";

export interface ChargesTable {
  organization_id: string;
  id: string;
  /** 'encounter:<encounter id>:<position>' or 'no-show:<fee id>'; unique per organization. */
  source_key: string;
  source: "encounter" | "no-show";
  patient_id: string;
  encounter_id: string | null;
  appointment_id: string | null;
  location_id: string | null;
  rendering_staff_id: string | null;
  date_of_service: string;
  place_of_service: string | null;
  code_system: "cpt" | "hcpcs" | "fee";
  procedure_code: string;
  /** JSON array of up to four modifiers. */
  modifiers: string;
  units: number;
  /** JSON array of the encounter's ICD-10-CM codes the pointers refer to (in encounter order). */
  diagnosis_codes: string;
  /** JSON array of 1-based pointers into diagnosis_codes (at most four). */
  diagnosis_pointers: string;
  unit_price_cents: number;
  amount_cents: number;
  fee_schedule_id: string | null;
  responsibility: "insurance" | "patient";
  status: ChargeStatus;
  claim_id: string | null;
  review_note: string | null;
  created_by: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export type ClaimStatusColumn =
  | "draft"
  | "scrubbed"
  | "ready"
  | "submitted"
  | "accepted"
  | "rejected"
  | "paid"
  | "denied"
  | "closed";

export interface ClaimsTable {
  organization_id: string;
  id: string;
  patient_control_number: string;
  patient_id: string;
  payer_ref: string;
  coverage_id: string | null;
  sequence: "primary" | "secondary" | "tertiary";
  primary_claim_id: string | null;
  rendering_staff_id: string;
  location_id: string | null;
  date_of_service: string;
  place_of_service: string;
  frequency_code: "1" | "7" | "8";
  original_claim_id: string | null;
  payer_claim_number: string | null;
  /** JSON array of ICD-10-CM codes (with the dot), the claim's HI segment in order. */
  diagnosis_codes: string;
  status: ClaimStatusColumn;
  /** JSON array of the last scrub's findings. */
  scrub_findings: string | null;
  scrubbed_at: string | null;
  scrub_count: number;
  /** 1 when the first scrub found no error, 0 when it did, null before any scrub. */
  first_scrub_clean: number | null;
  batch_id: string | null;
  submitted_at: string | null;
  created_by: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface ClaimLinesTable {
  organization_id: string;
  claim_id: string;
  line_number: number;
  charge_id: string;
  procedure_code: string;
  modifiers: string;
  units: number;
  charge_cents: number;
  /** JSON array of 1-based pointers into the claim's diagnosis_codes. */
  diagnosis_pointers: string;
  date_of_service: string;
  place_of_service: string | null;
}

export interface ClaimTransitionsTable {
  organization_id: string;
  id: string;
  claim_id: string;
  from_status: string | null;
  to_status: string;
  reason: string | null;
  source: string;
  at: string;
}

export type LedgerEntryKind = "charge" | "payment" | "adjustment" | "transfer" | "refund" | "write-off";

export interface LedgerEntriesTable {
  organization_id: string;
  id: string;
  transaction_id: string;
  kind: LedgerEntryKind;
  amount_cents: number;
  patient_id: string;
  responsibility: "payer" | "patient";
  payer_ref: string | null;
  claim_id: string | null;
  claim_line: number | null;
  charge_id: string | null;
  source: string;
  group_code: string | null;
  reason_code: string | null;
  memo: string | null;
  reverses_id: string | null;
  /** 'YYYY-MM', the accounting month it posted in. */
  period: string;
  effective_date: string;
  posted_by: string | null;
  posted_at: string;
}

export interface AccountingPeriodsTable {
  organization_id: string;
  period: string;
  closed_at: string;
  closed_by: string | null;
}

export interface ClaimBatchesTable {
  organization_id: string;
  id: string;
  interchange_control_number: number;
  group_control_number: number;
  claims: number;
  total_charge_cents: number;
  sha256: string;
  content: string;
  status: "written" | "accepted" | "partially-accepted" | "rejected";
  created_by: string | null;
  created_at: string;
}

export interface ClaimAcknowledgementsTable {
  organization_id: string;
  id: string;
  kind: "999" | "277CA";
  sha256: string;
  batch_id: string | null;
  /** JSON: what the file said (accepted/rejected counts, per claim). */
  summary: string;
  content: string;
  imported_by: string | null;
  imported_at: string;
}

export interface ClaimRejectionsTable {
  organization_id: string;
  id: string;
  claim_id: string | null;
  batch_id: string | null;
  acknowledgement_id: string;
  code: string | null;
  reason: string;
  status: "open" | "resolved";
  resolved_by: string | null;
  resolved_at: string | null;
  created_at: string;
}

export interface ScrubRuleSettingsTable {
  organization_id: string;
  /** '' = every payer. */
  payer_ref: string;
  rule_id: string;
  enabled: number;
  severity: "error" | "warning" | null;
  params: string | null;
  updated_at: string;
}

export interface BillingTables {
  billing_settings: BillingSettingsTable;
  payers: PayersTable;
  fee_schedules: FeeSchedulesTable;
  fee_schedule_entries: FeeScheduleEntriesTable;
  charges: ChargesTable;
  claims: ClaimsTable;
  claim_lines: ClaimLinesTable;
  claim_transitions: ClaimTransitionsTable;
  ledger_entries: LedgerEntriesTable;
  accounting_periods: AccountingPeriodsTable;
  claim_batches: ClaimBatchesTable;
  claim_acknowledgements: ClaimAcknowledgementsTable;
  claim_rejections: ClaimRejectionsTable;
  scrub_rule_settings: ScrubRuleSettingsTable;
}

/** Tables in dependency order (parents first), appended to TABLES_IN_ORDER for backup and restore. */
export const BILLING_TABLES_IN_ORDER: readonly (keyof BillingTables)[] = [
  "billing_settings",
  "payers",
  "fee_schedules",
  "fee_schedule_entries",
  "charges",
  "claims",
  "claim_lines",
  "claim_transitions",
  "ledger_entries",
  "accounting_periods",
  "claim_batches",
  "claim_acknowledgements",
  "claim_rejections",
  "scrub_rule_settings",
];

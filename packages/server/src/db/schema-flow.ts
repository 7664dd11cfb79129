/**
 * Table types for the flow slice (migration 0003-flow). Merged into `Database` in schema.ts.
 * Import from schema.ts with `import type` only (no runtime cycle).
 */
export type LateAction = "next-gap" | "earlier-of" | "move" | "offer-new-time";

export interface FlowSettingsTable {
  organization_id: string;
  grace_minutes: number;
  late_action: LateAction;
  notify_threshold_minutes: number;
  wait_warn_minutes: number;
  wait_alert_minutes: number;
  no_show_after_minutes: number;
  no_show_fee_cents: number;
  idle_minute_value_cents: number;
  wait_minute_cost_cents: number;
  /** Minutes past a practitioner's end of day a re-plan may keep a visit (migration 0015). */
  overtime_limit_minutes: number;
  /** What one minute of practitioner overtime costs, cents (migration 0017; default 400). */
  overtime_minute_cost_cents: number;
  updated_at: string;
}

export interface VisitFlowTable {
  organization_id: string;
  appointment_id: string;
  arrived_at: string | null;
  checked_in_at: string | null;
  roomed_at: string | null;
  room_id: string | null;
  with_practitioner_at: string | null;
  checked_out_at: string | null;
  demographics_confirmed: number;
  insurance_confirmed: number;
  expected_arrival: string | null;
  planned_start: string | null;
  notified_start: string | null;
  updated_at: string;
}

export interface FlowDaysTable {
  organization_id: string;
  location_id: string;
  date: string;
  seq: number;
  updated_at: string;
}

export interface FlowProposalsTable {
  organization_id: string;
  id: string;
  location_id: string;
  date: string;
  day_version: string;
  body: string;
  status: "open" | "accepted";
  created_by: string | null;
  created_at: string;
  accepted_at: string | null;
  accepted_by: string | null;
}

export interface NoShowFeesTable {
  organization_id: string;
  id: string;
  appointment_id: string;
  patient_id: string;
  amount_cents: number;
  status: "pending" | "waived";
  created_at: string;
  updated_at: string;
}

export interface NoShowModelsTable {
  organization_id: string;
  id: string;
  trained_at: string;
  examples: number;
  brier: number;
  baseline_brier: number;
  model: string;
  reliability: string;
}

export interface AppointmentRisksTable {
  organization_id: string;
  appointment_id: string;
  model_id: string;
  probability: number;
  reasons: string;
  computed_at: string;
}

export interface FlowTables {
  flow_settings: FlowSettingsTable;
  visit_flow: VisitFlowTable;
  flow_days: FlowDaysTable;
  flow_proposals: FlowProposalsTable;
  no_show_fees: NoShowFeesTable;
  no_show_models: NoShowModelsTable;
  appointment_risks: AppointmentRisksTable;
}

/** Tables in dependency order (parents first), appended to TABLES_IN_ORDER for backup and restore. */
export const FLOW_TABLES_IN_ORDER: readonly (keyof FlowTables)[] = [
  "flow_settings",
  "visit_flow",
  "flow_days",
  "flow_proposals",
  "no_show_fees",
  "no_show_models",
  "appointment_risks",
];

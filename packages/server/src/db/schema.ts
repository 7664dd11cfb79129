import type { Generated, Insertable, Selectable, Updateable } from "kysely";
import { ACCOUNTS_TABLES_IN_ORDER, type AccountsTables } from "./schema-accounts.ts";
import { AUDIT_SCALE_TABLES_IN_ORDER, type AuditScaleTables } from "./schema-audit-scale.ts";
import { AUDIT_SEALS_TABLES_IN_ORDER, type AuditSealsTables } from "./schema-audit-seals.ts";
import { BILLING_TABLES_IN_ORDER, type BillingTables } from "./schema-billing.ts";
import { BREAK_GLASS_TABLES_IN_ORDER, type BreakGlassTables } from "./schema-break-glass.ts";
import { CLINICAL_TABLES_IN_ORDER, type ClinicalTables } from "./schema-clinical.ts";
import { FLOW_TABLES_IN_ORDER, type FlowTables } from "./schema-flow.ts";
import { FLOW_SAFETY_TABLES_IN_ORDER, type FlowSafetyTables } from "./schema-flow-safety.ts";
import { IDEMPOTENCY_TABLES_IN_ORDER, type IdempotencyTables } from "./schema-idempotency.ts";
import { OPERATOR_TABLES_IN_ORDER, type OperatorTables } from "./schema-operator.ts";
import { PRIVACY_TABLES_IN_ORDER, type PrivacyTables } from "./schema-privacy.ts";
import { RECORDS_TABLES_IN_ORDER, type RecordsTables } from "./schema-records.ts";
import {
  SCHEDULING_INTEGRITY_TABLES_IN_ORDER,
  type SchedulingIntegrityTables,
} from "./schema-scheduling-integrity.ts";
import { SEARCH_TABLES_IN_ORDER, type SearchTables } from "./schema-search.ts";
import { SIGN_IN_GUARD_TABLES_IN_ORDER, type SignInGuardTables } from "./schema-sign-in-guard.ts";
import { WAITLIST_HOLDS_TABLES_IN_ORDER, type WaitlistHoldsTables } from "./schema-waitlist-holds.ts";

/**
 * The database schema as Kysely sees it. Timestamps are ISO 8601 UTC strings on both databases
 * (PostgreSQL `timestamptz` is parsed back to that form), dates are `YYYY-MM-DD` strings and booleans
 * are 0/1 integers, so rows read the same on SQLite and PostgreSQL. Every table of practice data has
 * `organization_id` first in its primary key, ready to be distributed by it.
 */
export interface OrganizationsTable {
  id: string;
  slug: string;
  name: string;
  mfa_required: number;
  idle_timeout_minutes: number;
  absolute_timeout_hours: number;
  created_at: string;
  updated_at: string;
}

export interface LocationsTable {
  organization_id: string;
  id: string;
  name: string;
  time_zone: string;
  address_line1: string | null;
  address_line2: string | null;
  city: string | null;
  state: string | null;
  postal_code: string | null;
  phone: string | null;
  active: number;
  created_at: string;
  updated_at: string;
}

export interface RoomsTable {
  organization_id: string;
  id: string;
  location_id: string;
  name: string;
  active: number;
  created_at: string;
  updated_at: string;
}

export interface EquipmentTable {
  organization_id: string;
  id: string;
  location_id: string;
  name: string;
  kind: string;
  active: number;
  created_at: string;
  updated_at: string;
}

export interface StaffMembersTable {
  organization_id: string;
  id: string;
  kind: "practitioner" | "staff";
  given_name: string;
  family_name: string;
  job_title: string | null;
  email: string | null;
  phone: string | null;
  npi: string | null;
  taxonomy: string | null;
  user_id: string | null;
  active: number;
  created_at: string;
  updated_at: string;
}

export interface PractitionerLicensesTable {
  organization_id: string;
  id: string;
  staff_id: string;
  state: string;
  number: string;
  expires_on: string;
  created_at: string;
}

export interface PatientsTable {
  organization_id: string;
  id: string;
  mrn: string;
  given_name: string;
  family_name: string;
  date_of_birth: string;
  sex: "female" | "male" | "other" | "unknown";
  phone: string | null;
  email: string | null;
  address_line1: string | null;
  address_line2: string | null;
  city: string | null;
  state: string | null;
  postal_code: string | null;
  active: number;
  created_at: string;
  updated_at: string;
  // Added by 0004-records.
  middle_name: string | null;
  name_suffix: string | null;
  preferred_name: string | null;
  gender_identity: string | null;
  pronouns: string | null;
  language: string | null;
  interpreter_needed: Generated<number>;
  contact_method: "phone" | "sms" | "email" | "mail" | null;
  may_leave_message: number | null;
  may_text: number | null;
  guarantor_relationship: "self" | "parent" | "spouse" | "guardian" | "other" | null;
  guarantor_given_name: string | null;
  guarantor_family_name: string | null;
  guarantor_date_of_birth: string | null;
  guarantor_phone: string | null;
  guarantor_address_line1: string | null;
  guarantor_address_line2: string | null;
  guarantor_city: string | null;
  guarantor_state: string | null;
  guarantor_postal_code: string | null;
  primary_practitioner_id: string | null;
  front_desk_note: string | null;
  ssn_encrypted: string | null;
  ssn_last4: string | null;
  merged_into_id: string | null;
  entered_in_error: Generated<number>;
}

export interface UsersTable {
  id: string;
  email: string;
  email_normalized: string;
  display_name: string;
  password_hash: string;
  must_change_password: number;
  mfa_secret_enc: string | null;
  mfa_enabled: number;
  mfa_last_step: number | null;
  disabled_at: string | null;
  last_sign_in_at: string | null;
  created_at: string;
  updated_at: string;
  // Added by 0007-accounts.
  service_account: Generated<number>;
  default_organization_id: string | null;
}

export interface MembershipsTable {
  organization_id: string;
  user_id: string;
  role: string;
  created_at: string;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  organization_id: string;
  stage: "password_change" | "mfa" | "mfa_enrollment" | "active";
  csrf_token: string;
  pending_mfa_secret_enc: string | null;
  mfa_failures: number;
  mfa_passed: number;
  ip: string | null;
  user_agent: string | null;
  created_at: string;
  last_activity_at: string;
  revoked_at: string | null;
}

export interface ApiTokensTable {
  organization_id: string;
  id: string;
  user_id: string;
  role: string;
  name: string;
  token_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface AuthThrottleTable {
  key: string;
  failures: number;
  last_failure_at: string | null;
}

export interface AuditEntriesTable {
  chain_id: string;
  seq: number;
  at: string;
  organization_id: string | null;
  user_id: string | null;
  actor: string | null;
  action: string;
  resource_type: string | null;
  resource_id: string | null;
  patient_id: string | null;
  outcome: "success" | "failure" | "denied";
  ip: string | null;
  request_id: string | null;
  detail: string | null;
  prev_hash: string;
  hash: string;
}

export interface AuditHeadsTable {
  chain_id: string;
  seq: number;
  hash: string;
  mac: string;
}

export interface SchedulingSettingsTable {
  organization_id: string;
  reminder_offsets_hours: string;
  late_cancel_hours: number;
  practitioner_max_concurrent: number;
  offer_ttl_minutes: number;
  updated_at: string;
}

export interface AppointmentTypesTable {
  organization_id: string;
  id: string;
  name: string;
  duration_minutes: number;
  buffer_before_minutes: number;
  buffer_after_minutes: number;
  min_lead_minutes: number;
  max_per_day: number | null;
  step_minutes: number;
  patient_kind: "any" | "new" | "established";
  practitioner_ids: string | null;
  room_required: number;
  room_ids: string | null;
  equipment_kinds: string;
  bookable_by_patient: number;
  color: string | null;
  active: number;
  created_at: string;
  updated_at: string;
}

export interface AvailabilityTemplatesTable {
  organization_id: string;
  id: string;
  resource_kind: "practitioner" | "room" | "equipment";
  resource_id: string;
  location_id: string;
  weekday: number;
  start_time: string;
  end_time: string;
  effective_from: string;
  effective_to: string | null;
  created_at: string;
}

export interface AvailabilityExceptionsTable {
  organization_id: string;
  id: string;
  kind: "extra" | "unavailable" | "closure";
  resource_kind: "practitioner" | "room" | "equipment" | null;
  resource_id: string | null;
  location_id: string;
  date: string;
  start_time: string | null;
  end_time: string | null;
  reason: string | null;
  created_at: string;
}

export interface AvailabilityBlocksTable {
  organization_id: string;
  id: string;
  resource_kind: "practitioner" | "room" | "equipment";
  resource_id: string;
  start_at: string;
  end_at: string;
  reason: string | null;
  created_at: string;
}

export interface AppointmentSeriesTable {
  organization_id: string;
  id: string;
  rrule: string;
  first_local_date: string;
  local_time: string;
  time_zone: string;
  created_at: string;
}

export type AppointmentStatus =
  | "proposed"
  | "pending"
  | "booked"
  | "arrived"
  | "checked-in"
  | "fulfilled"
  | "cancelled"
  | "noshow"
  | "entered-in-error"
  | "waitlist";

export interface AppointmentsTable {
  organization_id: string;
  id: string;
  location_id: string;
  patient_id: string;
  appointment_type_id: string;
  practitioner_id: string;
  room_id: string | null;
  start_at: string;
  end_at: string;
  status: AppointmentStatus;
  overbooked: number;
  series_id: string | null;
  series_index: number | null;
  rescheduled_from_id: string | null;
  note: string | null;
  created_by: string | null;
  cancelled_at: string | null;
  cancelled_by: string | null;
  cancel_reason: string | null;
  late_cancel: number;
  version: number;
  created_at: string;
  updated_at: string;
  /** The break-glass grant it was booked under (migration 0009): such a visit makes no treating relation. */
  break_glass_id: string | null;
  /** 1 when staff booked it explicitly over another visit of the patient (migration 0013), else 0. */
  patient_overlap_allowed: Generated<number>;
}

export interface AppointmentResourcesTable {
  organization_id: string;
  appointment_id: string;
  resource_kind: "practitioner" | "room" | "equipment";
  resource_id: string;
  busy_start: string;
  busy_end: string;
  active: number;
  exclusive: number;
}

export interface WaitlistEntriesTable {
  organization_id: string;
  id: string;
  patient_id: string;
  appointment_type_id: string;
  location_id: string;
  practitioner_id: string | null;
  current_appointment_id: string | null;
  earliest_date: string;
  latest_date: string;
  weekdays: string;
  time_from: string | null;
  time_to: string | null;
  priority: number;
  status: "waiting" | "offered" | "booked" | "cancelled" | "expired";
  note: string | null;
  booked_appointment_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface WaitlistOffersTable {
  organization_id: string;
  id: string;
  entry_id: string;
  practitioner_id: string;
  room_id: string | null;
  start_at: string;
  end_at: string;
  rank: number;
  status: "open" | "accepted" | "declined" | "expired" | "taken";
  expires_at: string;
  created_at: string;
  responded_at: string | null;
  /** The freed time the offer was cut from, passed on to the next patient in line (migration 0014). */
  freed_start_at: string | null;
  freed_end_at: string | null;
}

export interface OutboxMessagesTable {
  organization_id: string;
  id: string;
  dedupe_key: string;
  channel: "email" | "sms";
  recipient: string;
  subject: string | null;
  body: string;
  appointment_id: string | null;
  available_at: string;
  attempts: number;
  lease_until: string | null;
  last_error: string | null;
  sent_at: string | null;
  cancelled_at: string | null;
  created_at: string;
}

export interface CalendarFeedsTable {
  organization_id: string;
  id: string;
  practitioner_id: string;
  token_hash: string;
  created_at: string;
  revoked_at: string | null;
}

export interface Database
  extends FlowTables,
    RecordsTables,
    ClinicalTables,
    PrivacyTables,
    AccountsTables,
    SignInGuardTables,
    BreakGlassTables,
    OperatorTables,
    AuditSealsTables,
    AuditScaleTables,
    IdempotencyTables,
    SearchTables,
    SchedulingIntegrityTables,
    WaitlistHoldsTables,
    FlowSafetyTables,
    BillingTables {
  organizations: OrganizationsTable;
  locations: LocationsTable;
  rooms: RoomsTable;
  equipment: EquipmentTable;
  staff_members: StaffMembersTable;
  practitioner_licenses: PractitionerLicensesTable;
  patients: PatientsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  auth_throttle: AuthThrottleTable;
  audit_entries: AuditEntriesTable;
  audit_heads: AuditHeadsTable;
  scheduling_settings: SchedulingSettingsTable;
  appointment_types: AppointmentTypesTable;
  availability_templates: AvailabilityTemplatesTable;
  availability_exceptions: AvailabilityExceptionsTable;
  availability_blocks: AvailabilityBlocksTable;
  appointment_series: AppointmentSeriesTable;
  appointments: AppointmentsTable;
  appointment_resources: AppointmentResourcesTable;
  waitlist_entries: WaitlistEntriesTable;
  waitlist_offers: WaitlistOffersTable;
  outbox_messages: OutboxMessagesTable;
  calendar_feeds: CalendarFeedsTable;
}

export type PatientRow = Selectable<PatientsTable>;
export type NewPatientRow = Insertable<PatientsTable>;
export type PatientUpdate = Updateable<PatientsTable>;
export type LocationRow = Selectable<LocationsTable>;
export type RoomRow = Selectable<RoomsTable>;
export type EquipmentRow = Selectable<EquipmentTable>;
export type StaffRow = Selectable<StaffMembersTable>;
export type LicenseRow = Selectable<PractitionerLicensesTable>;
export type UserRow = Selectable<UsersTable>;
export type OrganizationRow = Selectable<OrganizationsTable>;
export type SessionRow = Selectable<SessionsTable>;
export type AuditEntryRow = Selectable<AuditEntriesTable>;
export type { Generated };

/** Tables in dependency order (parents first): backup writes them in this order, restore inserts so. */
export const TABLES_IN_ORDER: readonly (keyof Database)[] = [
  "organizations",
  "users",
  "memberships",
  "locations",
  "rooms",
  "equipment",
  "staff_members",
  "practitioner_licenses",
  "patients",
  "api_tokens",
  "sessions",
  "auth_throttle",
  "audit_heads",
  "audit_entries",
  "scheduling_settings",
  "appointment_types",
  "availability_templates",
  "availability_exceptions",
  "availability_blocks",
  "appointment_series",
  "appointments",
  "appointment_resources",
  "waitlist_entries",
  "waitlist_offers",
  "outbox_messages",
  "calendar_feeds",
  ...FLOW_TABLES_IN_ORDER,
  ...RECORDS_TABLES_IN_ORDER,
  ...CLINICAL_TABLES_IN_ORDER,
  ...PRIVACY_TABLES_IN_ORDER,
  ...ACCOUNTS_TABLES_IN_ORDER,
  ...SIGN_IN_GUARD_TABLES_IN_ORDER,
  ...BREAK_GLASS_TABLES_IN_ORDER,
  ...OPERATOR_TABLES_IN_ORDER,
  ...AUDIT_SEALS_TABLES_IN_ORDER,
  ...SEARCH_TABLES_IN_ORDER,
  ...SCHEDULING_INTEGRITY_TABLES_IN_ORDER,
  ...WAITLIST_HOLDS_TABLES_IN_ORDER,
  ...FLOW_SAFETY_TABLES_IN_ORDER,
  ...IDEMPOTENCY_TABLES_IN_ORDER,
  ...BILLING_TABLES_IN_ORDER,
];

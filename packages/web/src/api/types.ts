// Shapes of the Salus JSON API (docs/api.md). Dates are `YYYY-MM-DD`; times are ISO 8601 instants.

export type IsoDate = string;
export type IsoInstant = string;

export interface ListResponse<T> {
  items: T[];
  total: number;
}

export interface ListParams {
  q?: string;
  limit?: number;
  offset?: number;
}

export interface ApiErrorDetail {
  path?: string | (string | number)[];
  message: string;
}

export interface ApiErrorBody {
  error: {
    code: string;
    message: string;
    requestId?: string;
    details?: ApiErrorDetail[];
  };
}

// ---- Authentication -------------------------------------------------------------------------

export type SignInStatus =
  | "signed_in"
  | "mfa_required"
  | "mfa_enrollment_required"
  | "password_change_required";

export interface AuthStepResponse {
  status: SignInStatus;
  csrfToken: string;
}

export interface LoginRequest {
  email: string;
  password: string;
  organization?: string;
}

export interface MfaEnrollResponse {
  secret: string;
  otpauthUrl: string;
}

export interface PasswordChangeRequest {
  currentPassword: string;
  newPassword: string;
}

export type Role = "admin" | "manager" | "front-desk" | "clinician" | "biller" | "hr" | "privacy-officer";

export const ROLES: readonly Role[] = [
  "admin",
  "manager",
  "front-desk",
  "clinician",
  "biller",
  "hr",
  "privacy-officer",
];

export interface SessionUser {
  id: string;
  email: string;
  displayName: string;
  mfaEnabled: boolean;
}

export interface OrganizationRef {
  slug: string;
  name: string;
}

export interface Session {
  user: SessionUser;
  organization: { id: string; slug: string; name: string };
  organizations: OrganizationRef[];
  roles: Role[];
  permissions: string[];
  csrfToken: string;
  /** `active` once signed in; `mfa`, `mfa_enrollment` or `password_change` while signing in. */
  stage?: "active" | "mfa" | "mfa_enrollment" | "password_change" | string;
}

// ---- Directory ------------------------------------------------------------------------------

export interface Organization {
  id: string;
  slug: string;
  name: string;
  mfaRequired: boolean;
  idleTimeoutMinutes: number;
  absoluteTimeoutHours: number;
}

export interface Location {
  id: string;
  name: string;
  timeZone: string;
  addressLine1: string | null;
  addressLine2: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
  phone: string | null;
  active: boolean;
}

export interface Room {
  id: string;
  locationId: string;
  name: string;
  active: boolean;
}

export interface Equipment {
  id: string;
  locationId: string;
  name: string;
  kind: string;
  active: boolean;
}

export type StaffKind = "practitioner" | "staff";

export interface License {
  id: string;
  state: string;
  number: string;
  expiresOn: IsoDate | null;
}

export interface StaffMember {
  id: string;
  kind: StaffKind;
  givenName: string;
  familyName: string;
  jobTitle: string | null;
  email: string | null;
  phone: string | null;
  npi: string | null;
  taxonomy: string | null;
  /** The person's Salus account, when they sign in (care-team grants name users). */
  userId: string | null;
  active: boolean;
  licenses: License[];
}

export type Sex = "female" | "male" | "other" | "unknown";

export interface Patient {
  id: string;
  mrn: string;
  givenName: string;
  familyName: string;
  dateOfBirth: IsoDate;
  sex: Sex;
  phone: string | null;
  email: string | null;
  addressLine1: string | null;
  addressLine2: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
  active: boolean;
}

// ---- Administration -------------------------------------------------------------------------

export interface User {
  id: string;
  email: string;
  displayName: string;
  roles: Role[];
  disabled: boolean;
  mfaEnabled: boolean;
  lastSignInAt: IsoInstant | null;
  /** An integration's own identity (no password sign-in); tokens may be issued for it. */
  serviceAccount: boolean;
}

export interface Invitation {
  id: string;
  email: string;
  displayName: string;
  roles: Role[];
  invitedBy: string;
  createdAt: IsoInstant;
  expiresAt: IsoInstant;
  status: "pending" | "accepted" | "expired" | "cancelled";
}

/** The same whether or not the email already has a Salus account (nothing is revealed about it). */
export interface CreateUserResponse {
  invitation: Invitation;
}

export interface InvitationPreview {
  organizationName: string;
  email: string;
  roles: Role[];
  expiresAt: IsoInstant;
  /** No account has this email yet: the person chooses a password to accept. */
  needsPassword: boolean;
}

export interface ApiToken {
  id: string;
  name: string;
  role: Role;
  userId: string;
  userEmail: string;
  userName: string;
  serviceAccount: boolean;
  createdAt: IsoInstant;
  lastUsedAt: IsoInstant | null;
  revokedAt: IsoInstant | null;
}

export interface CreateTokenResponse extends Partial<ApiToken> {
  id: string;
  token: string;
}

// ---- Audit ----------------------------------------------------------------------------------

export interface AuditEntry {
  seq: number;
  at: IsoInstant;
  userId: string | null;
  userEmail: string | null;
  organizationId: string | null;
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  patientId: string | null;
  outcome: string;
  ip: string | null;
  requestId: string | null;
  detail: unknown;
}

export interface AuditFilters {
  userId?: string;
  patientId?: string;
  action?: string;
  from?: IsoInstant;
  to?: IsoInstant;
}

export const ROLE_LABELS: Record<Role, string> = {
  admin: "Administrator",
  manager: "Practice manager",
  "front-desk": "Front desk",
  clinician: "Clinician",
  biller: "Biller",
  hr: "HR",
  "privacy-officer": "Privacy officer",
};

export function roleLabel(role: string): string {
  return ROLE_LABELS[role as Role] ?? role;
}

// ---- Scheduling -----------------------------------------------------------------------------

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

export type CancelledBy = "patient" | "practice" | "practitioner";

export interface Appointment {
  id: string;
  status: AppointmentStatus;
  patientId: string;
  patientName: string;
  appointmentTypeId: string;
  locationId: string;
  practitionerId: string;
  roomId: string | null;
  equipmentIds: string[];
  start: IsoInstant;
  end: IsoInstant;
  overbooked: boolean;
  seriesId: string | null;
  note: string | null;
  cancelReason: string | null;
  cancelledAt: IsoInstant | null;
  lateCancel: boolean;
  version: number;
  /** Booked explicitly over another visit of the same patient. */
  patientOverlapAllowed?: boolean;
  /** Only from GET /api/appointments/:id: who confirmed a reminder or accepted a waitlist offer. */
  responses?: AppointmentResponse[];
}

/** A patient's answer about an appointment (issue 10, item 5). */
export interface AppointmentResponse {
  kind: "reminder-confirmed" | "offer-accepted";
  /** "patient" through a link, else the staff member. */
  by: string;
  via: "sms-link" | "email-link" | "link" | "staff" | string;
  link: string | null;
  version: number;
  at: IsoInstant;
}

export interface AppointmentType {
  id: string;
  name: string;
  durationMinutes: number;
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
  minLeadMinutes: number;
  maxPerDay: number | null;
  stepMinutes: number;
  patientKind: "any" | "new" | "established";
  practitionerIds: string[] | null;
  roomRequired: boolean;
  roomIds: string[] | null;
  equipmentKinds: string[];
  bookableByPatient: boolean;
  color: string | null;
  active: boolean;
}

export interface AvailabilityTemplate {
  id: string;
  resourceKind: "practitioner" | "room" | "equipment";
  resourceId: string;
  locationId: string;
  /** ISO weekday, Monday 1 … Sunday 7. */
  weekday: number;
  /** Local wall time `HH:mm` at the location. */
  start: string;
  end: string;
  effectiveFrom: IsoDate;
  effectiveTo: IsoDate | null;
}

export interface AvailabilityException {
  id: string;
  kind: "extra" | "unavailable" | "closure";
  resourceKind: "practitioner" | "room" | "equipment" | null;
  resourceId: string | null;
  locationId: string;
  date: IsoDate;
  start: string | null;
  end: string | null;
  reason: string | null;
}

export interface AvailabilityBlock {
  id: string;
  resourceKind: "practitioner" | "room" | "equipment";
  resourceId: string;
  start: IsoInstant;
  end: IsoInstant;
  reason: string | null;
}

export interface Slot {
  start: IsoInstant;
  end: IsoInstant;
  practitionerId: string;
  roomId: string | null;
  equipmentIds: string[];
}

/** When a visit starts: an instant, or a local date and time at the location (the server applies the DST rule). */
export type When = { start: IsoInstant } | { localDate: IsoDate; localTime: string };

export interface BookRequest {
  patientId: string;
  appointmentTypeId: string;
  locationId: string;
  practitionerId: string;
  roomId?: string | null;
  equipmentIds?: string[];
  when: When;
  note?: string;
  /** Book over another visit of the same patient (staff asked explicitly; audited). */
  allowPatientOverlap?: boolean;
  /** Keep a custom end past the type's bound (staff asked explicitly; audited). */
  allowLongVisit?: boolean;
}

export interface RescheduleRequest {
  when: When;
  practitionerId?: string;
  roomId?: string | null;
  equipmentIds?: string[];
  expectedVersion?: number;
  allowPatientOverlap?: boolean;
}

/** POST /api/appointments/:id/undo-no-show. */
export interface UndoNoShowResult {
  appointment: Appointment;
  reversedFee: { id: string; amountCents: number; status: "pending" | "waived" } | null;
}

export interface SchedulingSettings {
  reminderOffsetsHours: number[];
  lateCancelHours: number;
  practitionerMaxConcurrent: number;
  offerTtlMinutes: number;
}

export interface WaitlistOffer {
  id: string;
  start: IsoInstant;
  end: IsoInstant;
  practitionerId: string;
  roomId: string | null;
  rank: number;
  status: string;
  expiresAt: IsoInstant;
}

export interface WaitlistEntry {
  id: string;
  patientId: string;
  patientName: string;
  appointmentTypeId: string;
  locationId: string;
  practitionerId: string | null;
  currentAppointmentId: string | null;
  earliestDate: IsoDate;
  latestDate: IsoDate;
  weekdays: number[];
  timeFrom: string | null;
  timeTo: string | null;
  priority: number;
  status: string;
  note: string | null;
  bookedAppointmentId: string | null;
  createdAt: IsoInstant;
  offers: WaitlistOffer[];
}

export interface NewWaitlistEntry {
  patientId: string;
  appointmentTypeId: string;
  locationId: string;
  practitionerId?: string | null;
  earliestDate: IsoDate;
  latestDate: IsoDate;
  weekdays?: number[];
  timeFrom?: string | null;
  timeTo?: string | null;
  priority?: number;
  note?: string;
}

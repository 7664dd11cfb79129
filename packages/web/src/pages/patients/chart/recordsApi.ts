// The patient record API of the records slice (packages/server/src/http/routes/records-routes.ts and the
// directory's patient routes): extended demographics, coverages, consents and restrictions, care team and
// break-glass. Kept beside the chart pages so the slice's types live in one place.
import { ApiError, api } from "../../../api/client.ts";
import type { IsoDate, IsoInstant, ListResponse, Patient } from "../../../api/types.ts";

const enc = encodeURIComponent;

export interface Guarantor {
  name: string | null;
  relationship: string | null;
  phone: string | null;
  addressLine1?: string | null;
  city?: string | null;
  state?: string | null;
  postalCode?: string | null;
}

/** A patient with the record's extended demographics (fields absent on older servers are optional). */
export interface PatientRecord extends Patient {
  preferredName?: string | null;
  legalGivenName?: string | null;
  legalFamilyName?: string | null;
  middleName?: string | null;
  sexAssignedAtBirth?: string | null;
  genderIdentity?: string | null;
  pronouns?: string | null;
  language?: string | null;
  interpreterNeeded?: boolean | null;
  contactMethod?: string | null;
  mayLeaveMessage?: boolean | null;
  mayText?: boolean | null;
  guarantor?: Guarantor | null;
  primaryPractitionerId?: string | null;
  frontDeskNote?: string | null;
  ssnLast4?: string | null;
  /** Flags the server computes for the chart header (sensitive encounters, self-pay restrictions). */
  flags?: { sensitive?: boolean; selfPayRestriction?: boolean } | null;
  /** How the caller may see this patient (clinicians): treating, care-team or break-glass. */
  access?: { via: string; breakGlassId?: string | null; expiresAt?: IsoInstant | null } | null;
}

export interface DuplicateCandidate {
  id: string;
  mrn: string;
  givenName: string;
  familyName: string;
  dateOfBirth: IsoDate;
  /** Why it looks like the same person (e.g. "same birth date, similar name"). */
  reason?: string | null;
  score?: number | null;
}

export type CoverageOrder = "primary" | "secondary" | "tertiary";

export interface Coverage {
  id: string;
  patientId: string;
  payerName: string;
  payerId?: string | null;
  memberId: string;
  groupId: string | null;
  subscriberName: string | null;
  subscriberDateOfBirth?: IsoDate | null;
  relationship: string;
  order: CoverageOrder;
  effectiveFrom: IsoDate | null;
  effectiveTo: IsoDate | null;
  active?: boolean;
}

export interface Consent {
  id: string;
  patientId: string;
  kind: string;
  status: string;
  effectiveFrom: IsoDate | null;
  effectiveTo: IsoDate | null;
  note: string | null;
  createdAt?: IsoInstant;
}

export interface CareTeamMember {
  userId: string;
  displayName?: string | null;
  email?: string | null;
  role?: string | null;
  grantedAt?: IsoInstant;
  expiresAt?: IsoInstant | null;
  reason?: string | null;
}

export interface BreakGlassGrant {
  id: string;
  patientId: string;
  patientName?: string | null;
  mrn?: string | null;
  userId?: string;
  userEmail?: string | null;
  userName?: string | null;
  reason?: string;
  openedAt?: IsoInstant;
  expiresAt: IsoInstant;
  status?: string;
  reviewedAt?: IsoInstant | null;
  reviewedBy?: string | null;
  reviewerEmail?: string | null;
  outcome?: "appropriate" | "inappropriate" | null;
  reviewNote?: string | null;
}

function items<T>(answer: ListResponse<T> | T[]): T[] {
  return Array.isArray(answer) ? answer : (answer?.items ?? []);
}

export const records = {
  get: (id: string, signal?: AbortSignal) => api<PatientRecord>(`/api/patients/${enc(id)}`, { signal }),
  update: (id: string, body: Partial<PatientRecord>) =>
    api<PatientRecord>(`/api/patients/${enc(id)}`, { method: "PATCH", body }),
  create: (body: Partial<PatientRecord> & { confirmedNotDuplicate?: boolean }) =>
    api<PatientRecord>("/api/patients", { method: "POST", body }),
  duplicates: async (
    q: { givenName: string; familyName: string; dateOfBirth: string },
    signal?: AbortSignal,
  ) =>
    items(
      await api<ListResponse<DuplicateCandidate>>("/api/patients/duplicates", { query: { ...q }, signal }),
    ),

  coverages: async (patientId: string, signal?: AbortSignal) =>
    items(await api<ListResponse<Coverage>>(`/api/patients/${enc(patientId)}/coverages`, { signal })),
  addCoverage: (patientId: string, body: Partial<Coverage>) =>
    api<Coverage>(`/api/patients/${enc(patientId)}/coverages`, { method: "POST", body }),
  updateCoverage: (patientId: string, coverageId: string, body: Partial<Coverage>) =>
    api<Coverage>(`/api/patients/${enc(patientId)}/coverages/${enc(coverageId)}`, { method: "PATCH", body }),

  consents: async (patientId: string, signal?: AbortSignal) =>
    items(await api<ListResponse<Consent>>(`/api/patients/${enc(patientId)}/consents`, { signal })),
  addConsent: (patientId: string, body: Partial<Consent>) =>
    api<Consent>(`/api/patients/${enc(patientId)}/consents`, { method: "POST", body }),

  careTeam: async (patientId: string, signal?: AbortSignal) =>
    items(await api<ListResponse<CareTeamMember>>(`/api/patients/${enc(patientId)}/care-team`, { signal })),
  addCareTeam: (
    patientId: string,
    body: { userId?: string; email?: string; reason?: string; expiresOn?: string },
  ) => api<CareTeamMember>(`/api/patients/${enc(patientId)}/care-team`, { method: "POST", body }),
  removeCareTeam: (patientId: string, userId: string) =>
    api<void>(`/api/patients/${enc(patientId)}/care-team/${enc(userId)}`, { method: "DELETE" }),
};

export const breakGlass = {
  open: (body: { patientId?: string; mrn?: string; reason: string }) =>
    api<BreakGlassGrant>("/api/break-glass", { method: "POST", body }),
  mine: async (signal?: AbortSignal) =>
    items(await api<ListResponse<BreakGlassGrant>>("/api/break-glass/mine", { signal })),
  list: (status: "pending" | "reviewed", signal?: AbortSignal) =>
    api<ListResponse<BreakGlassGrant>>("/api/break-glass", { query: { status, limit: 200 }, signal }),
  review: (id: string, body: { outcome: "appropriate" | "inappropriate"; note: string }) =>
    api<BreakGlassGrant>(`/api/break-glass/${enc(id)}/review`, { method: "POST", body }),
};

/** True when the error is the server's "this may be a patient you already have" answer. */
export function isPossibleDuplicate(error: unknown): error is ApiError {
  return error instanceof ApiError && error.status === 409 && error.code === "possible_duplicate";
}

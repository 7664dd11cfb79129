// The patient record API of the records slice (packages/server/src/http/routes/records-routes.ts and the
// directory's patient routes): extended demographics, coverages, consents and restrictions, care team and
// break-glass. Kept beside the chart pages so the slice's types live in one place.

import { CONSENT_KINDS, type ConsentKind } from "@salus/core/records/consent-kinds";
import type { PatientView as Patient } from "@salus/server/directory/schemas";
import type { IsoDate, IsoInstant, ListResponse } from "../../../api/client.ts";
import { ApiError, api } from "../../../api/client.ts";

const enc = encodeURIComponent;

export type GuarantorRelationship = "self" | "parent" | "spouse" | "guardian" | "other";

export interface Guarantor {
  relationship: GuarantorRelationship;
  givenName: string | null;
  familyName: string | null;
  dateOfBirth: IsoDate | null;
  phone: string | null;
  addressLine1: string | null;
  addressLine2: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
}

export type ContactMethod = "phone" | "sms" | "email" | "mail";

/** A patient with the record's demographics (server/src/directory/schemas.ts, patientOut). */
export type PatientRecord = Patient;

export interface DuplicateCandidate {
  id: string;
  mrn: string;
  givenName: string;
  familyName: string;
  dateOfBirth: IsoDate;
  score?: number;
  /** What matched besides the birth date: "name", "phone", "email". */
  reasons?: string[];
}

export type CoverageOrder = "primary" | "secondary" | "tertiary";
export type SubscriberRelationship = "self" | "spouse" | "child" | "other";

export interface Coverage {
  id: string;
  patientId: string;
  order: CoverageOrder;
  payerName: string;
  payerId: string | null;
  planName: string | null;
  memberId: string;
  groupId: string | null;
  subscriberRelationship: SubscriberRelationship;
  subscriberGivenName: string | null;
  subscriberFamilyName: string | null;
  subscriberDateOfBirth: IsoDate | null;
  effectiveFrom: IsoDate;
  effectiveTo: IsoDate | null;
  status: "active" | "entered-in-error";
}

export type CoverageInput = Omit<Coverage, "id" | "patientId" | "status">;

export { CONSENT_KINDS, type ConsentKind };
export type ConsentStatus = "active" | "revoked" | "denied";

export interface Consent {
  id: string;
  patientId: string;
  kind: ConsentKind;
  status: ConsentStatus;
  effectiveFrom: IsoDate;
  effectiveTo: IsoDate | null;
  note: string | null;
  recordedBy?: string | null;
  createdAt?: IsoInstant;
}

export interface CareTeamMember {
  id: string;
  userId: string;
  displayName: string;
  email: string;
  grantedBy: string | null;
  reason: string | null;
  createdAt: IsoInstant;
  expiresAt: IsoInstant | null;
}

export type ReviewOutcome = "appropriate" | "inappropriate";

/** A break-glass grant (the caller's own, from /api/break-glass/mine). */
export interface BreakGlassGrant {
  id: string;
  patientId: string;
  reason: string;
  openedAt: IsoInstant;
  expiresAt: IsoInstant;
  active: boolean;
  reviewStatus: "pending" | "reviewed";
  reviewOutcome: ReviewOutcome | null;
}

/** A grant in the privacy officer's review queue, with the patient and the user. */
export interface BreakGlassQueueItem extends BreakGlassGrant {
  patient: { id: string; mrn: string; givenName: string; familyName: string; dateOfBirth: IsoDate };
  user: { id: string; email: string; displayName: string };
  reviewNote: string | null;
  reviewedBy: string | null;
  reviewedAt: IsoInstant | null;
  /** Everything read and written under the grant, oldest first, in plain words. */
  activity: BreakGlassActivity[];
  /** More happened than the list holds (the rest is in the audit trail). */
  activityTruncated: boolean;
}

/** One thing done under a break-glass grant (from the audit entries naming it). */
export interface BreakGlassActivity {
  at: IsoInstant;
  action: string;
  text: string;
  /** It created or changed something (a visit booked, an encounter recorded). */
  wrote: boolean;
  outcome: "success" | "failure" | "denied";
  resourceType: string | null;
  resourceId: string | null;
  /** Where the reviewer may open it in the chart; null when their role does not see that part. */
  open: { patientId: string; tab: string } | null;
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
  addCoverage: (patientId: string, body: CoverageInput) =>
    api<Coverage>(`/api/patients/${enc(patientId)}/coverages`, { method: "POST", body }),
  updateCoverage: (
    patientId: string,
    coverageId: string,
    body: Partial<CoverageInput> & { status?: Coverage["status"] },
  ) =>
    api<Coverage>(`/api/patients/${enc(patientId)}/coverages/${enc(coverageId)}`, { method: "PATCH", body }),

  consents: async (patientId: string, signal?: AbortSignal) =>
    items(await api<ListResponse<Consent>>(`/api/patients/${enc(patientId)}/consents`, { signal })),
  addConsent: (patientId: string, body: Omit<Consent, "id" | "patientId" | "recordedBy" | "createdAt">) =>
    api<Consent>(`/api/patients/${enc(patientId)}/consents`, { method: "POST", body }),

  careTeam: async (patientId: string, signal?: AbortSignal) =>
    items(await api<ListResponse<CareTeamMember>>(`/api/patients/${enc(patientId)}/care-team`, { signal })),
  addCareTeam: (
    patientId: string,
    body: { userId: string; reason: string | null; expiresAt: string | null },
  ) => api<CareTeamMember>(`/api/patients/${enc(patientId)}/care-team`, { method: "POST", body }),
  removeCareTeam: (patientId: string, userId: string) =>
    api<{ revoked: number }>(`/api/patients/${enc(patientId)}/care-team/${enc(userId)}`, {
      method: "DELETE",
    }),
};

export const breakGlass = {
  open: (body: { patientId?: string; mrn?: string; reason: string }) =>
    api<{ id: string; patientId: string; openedAt: IsoInstant; expiresAt: IsoInstant }>("/api/break-glass", {
      method: "POST",
      body,
    }),
  mine: async (signal?: AbortSignal) =>
    items(await api<ListResponse<BreakGlassGrant>>("/api/break-glass/mine", { signal })),
  list: (status: "pending" | "reviewed", signal?: AbortSignal) =>
    api<ListResponse<BreakGlassQueueItem>>("/api/break-glass", { query: { status, limit: 200 }, signal }),
  review: (id: string, body: { outcome: ReviewOutcome; note: string | null }) =>
    api<BreakGlassQueueItem>(`/api/break-glass/${enc(id)}/review`, { method: "POST", body }),
};

/** True when the error is the server's "this may be a patient you already have" answer. */
export function isPossibleDuplicate(error: unknown): error is ApiError {
  return error instanceof ApiError && error.status === 409 && error.code === "possible_duplicate";
}

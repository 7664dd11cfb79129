// The patient record API of the records slice (packages/server/src/http/routes/records-routes.ts and the
// directory's patient routes): extended demographics, coverages, consents and restrictions, care team and
// break-glass. Kept beside the chart pages so the slice's types live in one place.

import { CONSENT_KINDS, type ConsentKind } from "@salus/core/records/consent-kinds";
import type {
  DuplicateCandidateView,
  GuarantorRelationship,
  GuarantorView,
  PatientView as Patient,
} from "@salus/server/directory/schemas";
import type {
  BreakGlassActivityItem,
  BreakGlassGrantView,
  BreakGlassQueueItem,
  CareTeamMemberView,
  ConsentRequest,
  ConsentView,
  CoverageOrder,
  CoverageRequest,
  CoverageView,
} from "@salus/server/records/schemas";
import type { IsoDate, IsoInstant, ListResponse } from "../../../api/client.ts";
import { ApiError, api } from "../../../api/client.ts";

const enc = encodeURIComponent;

export type { GuarantorRelationship };
export type Guarantor = GuarantorView;
export type ContactMethod = NonNullable<Patient["contactMethod"]>;

/** A patient with the record's demographics (server/src/directory/schemas.ts, patientOut). */
export type PatientRecord = Patient;
export type DuplicateCandidate = DuplicateCandidateView;

export type { CoverageOrder };
export type Coverage = CoverageView;
export type SubscriberRelationship = Coverage["subscriberRelationship"];
export type CoverageInput = CoverageRequest;

export { CONSENT_KINDS, type ConsentKind };
export type Consent = ConsentView;
export type ConsentStatus = Consent["status"];
export type ConsentInput = ConsentRequest;

export type CareTeamMember = CareTeamMemberView;

/** A break-glass grant (the caller's own, from /api/break-glass/mine). */
export type BreakGlassGrant = BreakGlassGrantView;
export type ReviewOutcome = NonNullable<BreakGlassGrant["reviewOutcome"]>;
/** A grant in the privacy officer's review queue, with the patient, the user and what was done under it. */
export type { BreakGlassQueueItem };
export type BreakGlassActivity = BreakGlassActivityItem;

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
  addConsent: (patientId: string, body: ConsentInput) =>
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

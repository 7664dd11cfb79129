import { CONSENT_KINDS } from "@salus/core/records/consent-kinds";
import { z } from "zod";
import { id, optionalText, patchOf, plainDate, stateCode, text } from "../http/schemas.ts";

/**
 * The record's API shapes (coverages, consents, merges, the care team, break-glass and its review
 * queue): the zod schemas the routes validate and serialize with, and the view types inferred from them.
 * The use cases return these views; the web imports the types (type-only).
 */

export const COVERAGE_ORDERS = ["primary", "secondary", "tertiary"] as const;

export const relationship = z.enum(["self", "spouse", "child", "other"]);
export const coverageFields = {
  order: z.enum(COVERAGE_ORDERS),
  payerName: text(200),
  payerId: optionalText(80),
  planName: optionalText(200),
  memberId: text(80),
  groupId: optionalText(80),
  subscriberRelationship: relationship,
  subscriberGivenName: optionalText(100),
  subscriberFamilyName: optionalText(100),
  subscriberDateOfBirth: z.union([plainDate, z.null()]).optional(),
  // Billing (issue 13): the payer this coverage bills (payers.id), and the subscriber's sex and address
  // for claims where the patient is not the subscriber (837P loop 2010BA).
  payerRef: z.union([id, z.null()]).optional(),
  subscriberSex: z.union([z.enum(["female", "male", "unknown"]), z.null()]).optional(),
  subscriberAddressLine1: optionalText(55),
  subscriberCity: optionalText(30),
  subscriberState: stateCode,
  subscriberPostalCode: optionalText(10),
  effectiveFrom: plainDate,
  effectiveTo: z.union([plainDate, z.null()]).optional(),
};
export const coverageIn = z.strictObject(coverageFields);
export const coveragePatch = patchOf(
  z.strictObject({ ...coverageFields, status: z.enum(["active", "entered-in-error"]) }),
);
export const coverageOut = z.object({
  id: z.string(),
  patientId: z.string(),
  order: z.enum(COVERAGE_ORDERS),
  payerName: z.string(),
  payerId: z.string().nullable(),
  planName: z.string().nullable(),
  memberId: z.string(),
  groupId: z.string().nullable(),
  subscriberRelationship: relationship,
  subscriberGivenName: z.string().nullable(),
  subscriberFamilyName: z.string().nullable(),
  subscriberDateOfBirth: z.string().nullable(),
  payerRef: z.string().nullable(),
  subscriberSex: z.string().nullable(),
  subscriberAddressLine1: z.string().nullable(),
  subscriberCity: z.string().nullable(),
  subscriberState: z.string().nullable(),
  subscriberPostalCode: z.string().nullable(),
  effectiveFrom: z.string(),
  effectiveTo: z.string().nullable(),
  status: z.enum(["active", "entered-in-error"]),
});

export const consentStatus = z.enum(["active", "revoked", "denied"]);
export const consentIn = z.strictObject({
  kind: z.enum(CONSENT_KINDS),
  status: consentStatus,
  effectiveFrom: plainDate,
  effectiveTo: z.union([plainDate, z.null()]).optional(),
  note: optionalText(2000),
});
export const consentPatch = patchOf(
  z.strictObject({
    status: consentStatus,
    effectiveTo: z.union([plainDate, z.null()]),
    note: optionalText(2000),
  }),
);
export const consentOut = z.object({
  id: z.string(),
  patientId: z.string(),
  kind: z.enum(CONSENT_KINDS),
  status: consentStatus,
  effectiveFrom: z.string(),
  effectiveTo: z.string().nullable(),
  note: z.string().nullable(),
  recordedBy: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const mergeOut = z.object({
  id: z.string(),
  sourcePatientId: z.string(),
  targetPatientId: z.string(),
  moved: z.record(z.string(), z.number()),
  mergedAt: z.string(),
  undoneAt: z.string().nullable(),
});

export const careTeamOut = z.object({
  id: z.string(),
  userId: z.string(),
  displayName: z.string(),
  email: z.string(),
  grantedBy: z.string().nullable(),
  reason: z.string().nullable(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
});

export const reviewStatus = z.enum(["pending", "reviewed"]);
export const reviewOutcome = z.enum(["appropriate", "inappropriate"]);
export const grantOut = z.object({
  id: z.string(),
  patientId: z.string(),
  reason: z.string(),
  openedAt: z.string(),
  expiresAt: z.string(),
  active: z.boolean(),
  reviewStatus,
  reviewOutcome: reviewOutcome.nullable(),
});
/** One thing done under a grant, in plain words, with where the reviewer may open it. */
export const activityItemOut = z.object({
  at: z.string(),
  action: z.string(),
  text: z.string(),
  wrote: z.boolean(),
  outcome: z.enum(["success", "failure", "denied"]),
  resourceType: z.string().nullable(),
  resourceId: z.string().nullable(),
  open: z.object({ patientId: z.string(), tab: z.string() }).nullable(),
});
export const queueItemOut = grantOut.extend({
  patient: z.object({
    id: z.string(),
    mrn: z.string(),
    givenName: z.string(),
    familyName: z.string(),
    dateOfBirth: z.string(),
  }),
  user: z.object({ id: z.string(), email: z.string(), displayName: z.string() }),
  reviewNote: z.string().nullable(),
  reviewedBy: z.string().nullable(),
  reviewedAt: z.string().nullable(),
  // Everything read and written under the grant, in plain words (from the audit entries naming it).
  activity: z.array(activityItemOut),
  activityTruncated: z.boolean(),
});
export const recordsSettingsOut = z.object({ breakGlassMinutes: z.number().int() });

export type CoverageOrder = (typeof COVERAGE_ORDERS)[number];
export type CoverageView = z.output<typeof coverageOut>;
export type ConsentView = z.output<typeof consentOut>;
export type MergeView = z.output<typeof mergeOut>;
export type CareTeamMemberView = z.output<typeof careTeamOut>;
export type BreakGlassGrantView = z.output<typeof grantOut>;
export type BreakGlassQueueItem = z.output<typeof queueItemOut>;
export type BreakGlassActivityItem = z.output<typeof activityItemOut>;
export type RecordsSettings = z.output<typeof recordsSettingsOut>;
/** What the web sends to add a coverage or a consent (before the server's transforms). */
export type CoverageRequest = z.input<typeof coverageIn>;
export type ConsentRequest = z.input<typeof consentIn>;

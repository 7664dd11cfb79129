import { DISCLOSURE_CATEGORY_CODES } from "@salus/core/privacy/patient-rights";
import { z } from "zod";
import { id, optionalText, plainDate, text } from "../http/schemas.ts";

/**
 * The patient's rights' API shapes (amendment requests, disclosures and their accounting, the access
 * report): the zod schemas the routes validate and serialize with, and the view types inferred from them.
 * The use cases return these views; the web imports the types (type-only).
 */

export const AMENDMENT_SECTIONS = [
  "demographics",
  "coverage",
  "encounter",
  "diagnosis",
  "procedure",
  "problem",
  "allergy",
  "medication",
  "note",
  "document",
  "billing",
  "other",
] as const;
export type AmendmentSection = (typeof AMENDMENT_SECTIONS)[number];

export const amendmentOut = z.object({
  id: z.string(),
  patientId: z.string(),
  patientName: z.string().nullable(),
  section: z.string(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  requestedChange: z.string(),
  reason: z.string(),
  receivedOn: z.string(),
  dueOn: z.string(),
  extended: z.boolean(),
  extensionReason: z.string().nullable(),
  overdue: z.boolean(),
  status: z.enum(["pending", "accepted", "denied"]),
  decisionNote: z.string().nullable(),
  decidedAt: z.string().nullable(),
  decidedBy: z.string().nullable(),
  disagreement: z.string().nullable(),
  disagreementAt: z.string().nullable(),
  createdAt: z.string(),
});
export const amendmentIn = z.strictObject({
  section: z.enum(AMENDMENT_SECTIONS),
  targetType: z
    .enum([
      "Encounter",
      "Condition",
      "Procedure",
      "AllergyIntolerance",
      "MedicationStatement",
      "Note",
      "Document",
      "Coverage",
    ])
    .nullable()
    .optional(),
  targetId: id.nullable().optional(),
  requestedChange: text(4000),
  reason: text(4000),
  receivedOn: plainDate.optional(),
});

export const category = z.enum(DISCLOSURE_CATEGORY_CODES as [string, ...string[]]);
export const disclosureOut = z.object({
  id: z.string(),
  patientId: z.string(),
  disclosedAt: z.string(),
  disclosedOn: z.string(),
  recipientName: z.string(),
  recipientAddress: z.string().nullable(),
  purpose: z.string(),
  description: z.string(),
  category: z.string(),
  categoryLabel: z.string(),
  accountable: z.boolean(),
  legalBasis: z.string().nullable(),
  suspendedUntil: z.string().nullable(),
  exportFormat: z.string().nullable(),
  recordedBy: z.string().nullable(),
  createdAt: z.string(),
});
export const disclosureIn = z.strictObject({
  disclosedAt: z.iso.datetime({ offset: true }).optional(),
  recipientName: text(200),
  recipientAddress: optionalText(500),
  purpose: text(1000),
  description: text(2000),
  category,
  legalBasis: optionalText(500),
  suspendedUntil: plainDate.nullable().optional(),
});

export const documentFormat = z.enum(["json", "csv", "pdf"]).default("json");
export const disclosureCategoryOut = z.object({
  code: z.string(),
  label: z.string(),
  accountable: z.boolean(),
});
export const accountingOut = z.object({
  patientId: z.string(),
  patientName: z.string(),
  mrn: z.string(),
  from: z.string(),
  to: z.string(),
  producedAt: z.string(),
  years: z.number(),
  items: z.array(disclosureOut),
});
export const accessReportEntryOut = z.object({
  at: z.string(),
  userId: z.string().nullable(),
  userName: z.string().nullable(),
  userEmail: z.string().nullable(),
  roles: z.array(z.string()),
  action: z.string(),
  /** The action in words ("Opened the chart"). */
  actionText: z.string(),
  outcome: z.enum(["success", "failure", "denied"]),
  breakGlass: z.boolean(),
  via: z.string().nullable(),
});
export const accessReportOut = z.object({
  patientId: z.string(),
  patientName: z.string(),
  mrn: z.string(),
  from: z.string(),
  to: z.string(),
  timeZone: z.string(),
  producedAt: z.string(),
  items: z.array(accessReportEntryOut),
  truncated: z.boolean(),
});

export type AmendmentView = z.output<typeof amendmentOut>;
export type AmendmentStatus = AmendmentView["status"];
export type DisclosureView = z.output<typeof disclosureOut>;
export type DisclosureCategoryView = z.output<typeof disclosureCategoryOut>;
export type Accounting = z.output<typeof accountingOut>;
export type AccessReportEntry = z.output<typeof accessReportEntryOut>;
export type AccessReport = z.output<typeof accessReportOut>;
/** What the web sends to request an amendment or record a disclosure. */
export type AmendmentRequest = z.input<typeof amendmentIn>;
export type DisclosureRequest = z.input<typeof disclosureIn>;

/**
 * Billing's API shapes for charges, the ledger, accounting months, claims and the biller's home (the
 * ledger area of billing/schemas.ts, which re-exports this file; kept apart so four helpers do not edit
 * one file at once). Money is integer cents out; amounts typed by a person come in as text ("12.50")
 * and are parsed by core's parseMoney (more than two decimals refused, never rounded).
 */
import { z } from "zod";
import { id, optionalText, plainDate, text } from "../http/schemas.ts";

const cents = z.number().int();
const moneyText = z
  .string()
  .max(20)
  .regex(/^-?\d*(\.\d*)?$/, "must be an amount such as 12.50");
const procedureCode = z.string().regex(/^[A-Za-z0-9]{5}$/, "must be a five-character CPT or HCPCS code");
const modifier = z.string().regex(/^[A-Za-z0-9]{2}$/, "must be a two-character modifier such as 25");
const pointer = z.number().int().min(1, "points at the first diagnosis or later").max(12);

export const chargeStatus = z.enum(["review", "approved", "held", "claimed", "void"]);

export const chargeOut = z.object({
  id: z.string(),
  source: z.enum(["encounter", "no-show"]),
  sourceKey: z.string(),
  patientId: z.string(),
  patientName: z.string().nullable(),
  patientMrn: z.string().nullable(),
  encounterId: z.string().nullable(),
  appointmentId: z.string().nullable(),
  renderingStaffId: z.string().nullable(),
  renderingName: z.string().nullable(),
  dateOfService: z.string(),
  placeOfService: z.string().nullable(),
  codeSystem: z.enum(["cpt", "hcpcs", "fee"]),
  procedureCode: z.string(),
  modifiers: z.array(z.string()),
  units: z.number().int(),
  diagnosisCodes: z.array(z.string()),
  diagnosisPointers: z.array(z.number().int()),
  unitPriceCents: cents,
  amountCents: cents,
  feeScheduleId: z.string().nullable(),
  responsibility: z.enum(["insurance", "patient"]),
  status: chargeStatus,
  claimId: z.string().nullable(),
  reviewNote: z.string().nullable(),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ChargeView = z.output<typeof chargeOut>;

export const chargeListQuery = z.strictObject({
  status: chargeStatus.optional(),
  patientId: id.optional(),
  from: plainDate.optional(),
  to: plainDate.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
export type ChargeListQuery = z.output<typeof chargeListQuery>;

export const chargeListOut = z.object({
  items: z.array(chargeOut),
  total: z.number().int(),
  totalAmountCents: cents,
});

export const captureIn = z.strictObject({ encounterId: id.optional() });
export const captureOut = z.object({
  captured: z.number().int(),
  noShowFees: z.number().int(),
  noShowFeesReversed: z.number().int(),
  unpriced: z.number().int(),
});
export type CaptureView = z.output<typeof captureOut>;

/** approve / hold / void: the version the biller saw, and a note (required to hold or void). */
export const chargeActionIn = z.strictObject({
  version: z.number().int().min(1).optional(),
  note: optionalText(500),
});
export type ChargeActionRequest = z.input<typeof chargeActionIn>;

export const chargeEditIn = z.strictObject({
  version: z.number().int().min(1),
  procedureCode: procedureCode.optional(),
  modifiers: z.array(modifier).max(4, "at most four modifiers").optional(),
  units: z.number().int().min(1, "units must be at least 1").max(999).optional(),
  diagnosisPointers: z
    .array(pointer)
    .min(1, "point at least one diagnosis")
    .max(4, "at most four pointers")
    .optional(),
  unitPrice: moneyText.optional(),
  responsibility: z.enum(["insurance", "patient"]).optional(),
  placeOfService: z
    .string()
    .regex(/^\d{2}$/, "must be a two-digit place-of-service code")
    .optional(),
  note: optionalText(500),
});
export type ChargeEditRequest = z.input<typeof chargeEditIn>;

export const bulkApproveIn = z.strictObject({ ids: z.array(id).min(1).max(500) });
export const bulkApproveOut = z.object({ approved: z.number().int() });

// ---- the ledger ----

const account = z.strictObject({
  responsibility: z.enum(["payer", "patient"]),
  payerRef: id.nullable(),
  claimId: id.nullable(),
  claimLine: z.number().int().min(1).nullable(),
});

export const ledgerEntryOut = z.object({
  id: z.string(),
  transactionId: z.string(),
  kind: z.enum(["charge", "payment", "adjustment", "transfer", "refund", "write-off"]),
  amountCents: cents,
  responsibility: z.enum(["payer", "patient"]),
  payerRef: z.string().nullable(),
  payerName: z.string().nullable(),
  claimId: z.string().nullable(),
  claimLine: z.number().int().nullable(),
  chargeId: z.string().nullable(),
  source: z.string(),
  groupCode: z.string().nullable(),
  reasonCode: z.string().nullable(),
  memo: z.string().nullable(),
  reversesId: z.string().nullable(),
  reversed: z.boolean(),
  period: z.string(),
  effectiveDate: z.string(),
  postedAt: z.string(),
});
export type LedgerEntryView = z.output<typeof ledgerEntryOut>;

export const bucketOut = z.object({
  chargeId: z.string(),
  responsibility: z.enum(["payer", "patient"]),
  payerRef: z.string().nullable(),
  payerName: z.string().nullable(),
  claimId: z.string().nullable(),
  claimLine: z.number().int().nullable(),
  balanceCents: cents,
  paidCents: cents,
});

export const accountOut = z.object({
  patientId: z.string(),
  patientName: z.string(),
  mrn: z.string(),
  totalCents: cents,
  patientCents: cents,
  insuranceCents: cents,
  byPayer: z.array(z.object({ payerRef: z.string(), payerName: z.string().nullable(), balanceCents: cents })),
  /** What is owed, charge by charge and account by account (the buckets with money or payments). */
  open: z.array(bucketOut),
  entries: z.array(ledgerEntryOut),
  charges: z.array(chargeOut),
});
export type AccountView = z.output<typeof accountOut>;

/** A posting typed by a biller: a patient payment at the desk, an adjustment, a write-off, a refund, a transfer. */
export const postingIn = z.strictObject({
  kind: z.enum(["payment", "adjustment", "write-off", "refund", "transfer"]),
  chargeId: id,
  account,
  /** For a transfer: where the amount goes. */
  to: account.optional(),
  amount: moneyText,
  effectiveDate: plainDate.optional(),
  groupCode: z.enum(["CO", "PR", "OA", "PI", "CR"]).optional(),
  reasonCode: z
    .string()
    .regex(/^[A-Z0-9]{1,5}$/)
    .optional(),
  memo: optionalText(300),
});
export type PostingRequest = z.input<typeof postingIn>;

export const reverseIn = z.strictObject({ transactionId: id, memo: optionalText(300) });

export const postingOut = z.object({ entries: z.array(ledgerEntryOut) });

export const periodOut = z.object({
  period: z.string(),
  closed: z.boolean(),
  closedAt: z.string().nullable(),
  closedBy: z.string().nullable(),
  entries: z.number().int(),
  chargesCents: cents,
  paymentsCents: cents,
  adjustmentsCents: cents,
});
export type PeriodView = z.output<typeof periodOut>;
export const closeMonthIn = z.strictObject({
  period: z.string().regex(/^\d{4}-\d{2}$/, "must be a month written YYYY-MM"),
});

// ---- claims ----

export const claimStatus = z.enum([
  "draft",
  "scrubbed",
  "ready",
  "submitted",
  "accepted",
  "rejected",
  "paid",
  "denied",
  "closed",
]);

export const claimListItemOut = z.object({
  id: z.string(),
  patientControlNumber: z.string(),
  status: claimStatus,
  patientId: z.string(),
  patientName: z.string(),
  payerRef: z.string(),
  payerName: z.string(),
  sequence: z.enum(["primary", "secondary", "tertiary"]),
  frequencyCode: z.enum(["1", "7", "8"]),
  dateOfService: z.string(),
  renderingName: z.string().nullable(),
  totalChargeCents: cents,
  lines: z.number().int(),
  errors: z.number().int(),
  warnings: z.number().int(),
  /** The first error of the last scrub, in words, and the rule ids of its errors. */
  firstError: z.string().nullable(),
  errorRules: z.array(z.string()),
  updatedAt: z.string(),
});
export type ClaimListItemView = z.output<typeof claimListItemOut>;

export const claimListQuery = z.strictObject({
  status: claimStatus.optional(),
  patientId: id.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
export type ClaimListQuery = z.output<typeof claimListQuery>;
export const claimListOut = z.object({ items: z.array(claimListItemOut), total: z.number().int() });

const finding = z.object({
  ruleId: z.string(),
  severity: z.enum(["error", "warning"]),
  message: z.string(),
  path: z.string(),
});

export const claimLineOut = z.object({
  lineNumber: z.number().int(),
  chargeId: z.string(),
  procedureCode: z.string(),
  modifiers: z.array(z.string()),
  units: z.number().int(),
  chargeCents: cents,
  diagnosisPointers: z.array(z.number().int()),
  dateOfService: z.string(),
  placeOfService: z.string().nullable(),
  balanceCents: cents,
});

export const claimOut = z.object({
  id: z.string(),
  patientControlNumber: z.string(),
  status: claimStatus,
  version: z.number().int(),
  patientId: z.string(),
  patientName: z.string(),
  patientBirthDate: z.string(),
  patientSex: z.string(),
  payerRef: z.string(),
  payerName: z.string(),
  payerId: z.string().nullable(),
  coverageId: z.string().nullable(),
  memberId: z.string().nullable(),
  sequence: z.enum(["primary", "secondary", "tertiary"]),
  primaryClaimId: z.string().nullable(),
  frequencyCode: z.enum(["1", "7", "8"]),
  originalClaimId: z.string().nullable(),
  payerClaimNumber: z.string().nullable(),
  renderingStaffId: z.string(),
  renderingName: z.string().nullable(),
  renderingNpi: z.string().nullable(),
  dateOfService: z.string(),
  placeOfService: z.string(),
  diagnosisCodes: z.array(z.string()),
  totalChargeCents: cents,
  balanceCents: cents,
  lines: z.array(claimLineOut),
  findings: z.array(finding),
  scrubbedAt: z.string().nullable(),
  scrubCount: z.number().int(),
  batchId: z.string().nullable(),
  submittedAt: z.string().nullable(),
  history: z.array(
    z.object({
      from: z.string().nullable(),
      to: z.string(),
      reason: z.string().nullable(),
      source: z.string(),
      at: z.string(),
    }),
  ),
  /** What may be done to it now: edit (unsent), replace and void (sent), secondary (paid, a second coverage), close. */
  actions: z.array(z.enum(["edit", "replace", "void", "secondary", "close"])),
  /** Claims made from this one (replacement, void, secondary). */
  related: z.array(
    z.object({ id: z.string(), patientControlNumber: z.string(), relation: z.string(), status: claimStatus }),
  ),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ClaimView = z.output<typeof claimOut>;

export const buildClaimsIn = z.strictObject({
  /** Only these approved charges (default: every approved insurance charge). */
  chargeIds: z.array(id).max(5000).optional(),
});
export const buildClaimsOut = z.object({
  created: z.number().int(),
  claimIds: z.array(z.string()),
  /** Approved insurance charges left out, with why (no coverage on the date, no rendering practitioner). */
  skipped: z.array(z.object({ chargeId: z.string(), reason: z.string() })),
});
export type BuildClaimsView = z.output<typeof buildClaimsOut>;

export const claimEditIn = z.strictObject({
  version: z.number().int().min(1),
  placeOfService: z
    .string()
    .regex(/^\d{2}$/, "must be a two-digit place-of-service code")
    .optional(),
  diagnosisCodes: z
    .array(text(8))
    .min(1, "a claim needs at least one diagnosis")
    .max(12, "at most twelve diagnoses")
    .optional(),
  lines: z
    .array(
      z.strictObject({
        lineNumber: z.number().int().min(1),
        modifiers: z.array(modifier).max(4, "at most four modifiers").optional(),
        diagnosisPointers: z
          .array(pointer)
          .min(1, "point at least one diagnosis")
          .max(4, "at most four pointers")
          .optional(),
      }),
    )
    .max(50)
    .optional(),
  reason: optionalText(300),
});
export type ClaimEditRequest = z.input<typeof claimEditIn>;

export const claimCorrectIn = z.strictObject({
  version: z.number().int().min(1).optional(),
  reason: text(300),
});
export const claimCloseIn = z.strictObject({
  version: z.number().int().min(1).optional(),
  reason: text(300),
});

// ---- the biller's home ----

export const billerHomeOut = z.object({
  chargesToReview: z.number().int(),
  chargesHeld: z.number().int(),
  approvedNotClaimed: z.number().int(),
  claimsDraft: z.number().int(),
  claimsWithErrors: z.number().int(),
  claimsReady: z.number().int(),
  readyTotalCents: cents,
  claimsSubmitted: z.number().int(),
  claimsRejected: z.number().int(),
  openRejections: z.number().int(),
  claimsDenied: z.number().int(),
  paidWithSecondaryToPrepare: z.number().int(),
  insuranceOwedCents: cents,
  patientOwedCents: cents,
  openPeriod: z.string(),
});
export type BillerHomeView = z.output<typeof billerHomeOut>;

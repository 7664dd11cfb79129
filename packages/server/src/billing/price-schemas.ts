import { CLAIM_FILING_INDICATORS, PAYER_KINDS } from "@salus/core/billing/payers";
import { z } from "zod";
import { id, optionalText, plainDate, stateCode, text } from "../http/schemas.ts";

/**
 * Billing's prices (issue 13, item 1): the practice's billing identity (billing settings), payers, fee
 * schedules and their entries, CSV import and export, place-of-service codes. Re-exported by
 * billing/schemas.ts (the prices section), so the web imports these types from
 * `@salus/server/billing/schemas` like the rest of billing.
 */

// ---- billing settings ----

/** Digits only, for identifiers people write with dashes or spaces (tax id 12-3456789, ZIP 78701-1234). */
const digitsOf = (v: string | null | undefined) => (v == null ? v : v.replace(/\D/g, ""));

export const billingSettingsIn = z.strictObject({
  billingName: text(60),
  billingNpi: optionalText(10),
  taxId: optionalText(11).transform(digitsOf),
  taxonomy: optionalText(10),
  addressLine1: optionalText(55),
  addressLine2: optionalText(55),
  city: optionalText(30),
  state: stateCode,
  postalCode: optionalText(10).transform(digitsOf),
  phone: optionalText(20).transform(digitsOf),
  submitterId: optionalText(80),
  submitterContactName: optionalText(60),
  submitterContactEmail: optionalText(80),
  receiverId: optionalText(80),
  receiverName: optionalText(60),
  usageIndicator: z.enum(["T", "P"]),
});
export type BillingSettingsRequest = z.input<typeof billingSettingsIn>;

export const billingSettingsOut = z.object({
  /** False until the practice saves its billing identity (the fields are then empty). */
  configured: z.boolean(),
  billingName: z.string(),
  billingNpi: z.string().nullable(),
  taxId: z.string().nullable(),
  taxonomy: z.string().nullable(),
  addressLine1: z.string().nullable(),
  addressLine2: z.string().nullable(),
  city: z.string().nullable(),
  state: z.string().nullable(),
  postalCode: z.string().nullable(),
  phone: z.string().nullable(),
  submitterId: z.string().nullable(),
  submitterContactName: z.string().nullable(),
  submitterContactEmail: z.string().nullable(),
  receiverId: z.string().nullable(),
  receiverName: z.string().nullable(),
  usageIndicator: z.enum(["T", "P"]),
  /** The last ISA13 and GS06 used (batches take the next ones); read-only here. */
  lastInterchangeControl: z.number().int(),
  lastGroupControl: z.number().int(),
  /** What a claim needs from these settings and is still missing, in words (empty when complete). */
  missing: z.array(z.object({ path: z.string(), message: z.string() })),
  updatedAt: z.string().nullable(),
});
export type BillingSettingsView = z.output<typeof billingSettingsOut>;

// ---- payers ----

const payerKind = z.enum(PAYER_KINDS);
const filingIndicator = z
  .string()
  .refine(
    (v) => v in CLAIM_FILING_INDICATORS,
    "is not an X12 claim filing indicator (such as MB, MC, CI, BL, HM, 09)",
  );

const payerFields = {
  name: text(60),
  payerId: optionalText(80),
  kind: payerKind,
  claimFilingIndicator: filingIndicator,
  timelyFilingDays: z.number().int().min(1).max(1826),
  memberIdPattern: optionalText(120),
  addressLine1: optionalText(55),
  addressLine2: optionalText(55),
  city: optionalText(30),
  state: stateCode,
  postalCode: optionalText(10).transform(digitsOf),
  phone: optionalText(20).transform(digitsOf),
};
export const payerIn = z.strictObject(payerFields);
export type PayerRequest = z.input<typeof payerIn>;
export const payerPatch = z
  .strictObject({
    ...payerFields,
    active: z.boolean(),
    /** The version the change was made against: a change made meanwhile is refused (409). */
    version: z.number().int().min(1),
  })
  .partial()
  .required({ version: true })
  .refine((v) => Object.keys(v).length > 1, "send at least one field to change");
export type PayerPatchRequest = z.input<typeof payerPatch>;

export const payerOut = z.object({
  id: z.string(),
  name: z.string(),
  payerId: z.string().nullable(),
  kind: payerKind,
  claimFilingIndicator: z.string(),
  /** The claim filing indicator in words. */
  claimFilingIndicatorLabel: z.string(),
  timelyFilingDays: z.number().int(),
  memberIdPattern: z.string().nullable(),
  addressLine1: z.string().nullable(),
  addressLine2: z.string().nullable(),
  city: z.string().nullable(),
  state: z.string().nullable(),
  postalCode: z.string().nullable(),
  phone: z.string().nullable(),
  active: z.boolean(),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type PayerView = z.output<typeof payerOut>;
/** What the coverage form needs to offer a payer (readable with patients:read). */
export const payerChoiceOut = z.object({
  id: z.string(),
  name: z.string(),
  kind: payerKind,
  payerId: z.string().nullable(),
  memberIdPattern: z.string().nullable(),
});
export type PayerChoiceView = z.output<typeof payerChoiceOut>;
export const payerListQuery = z.strictObject({
  includeInactive: z.enum(["true", "false"]).optional(),
});

// ---- fee schedules ----

export const feeScheduleKind = z.enum(["practice", "contract"]);
const feeScheduleFields = {
  name: text(120),
  kind: feeScheduleKind,
  /** The payer a contract is with (required for 'contract'); for 'practice', a price list for that payer. */
  payerRef: z.union([id, z.null()]).optional(),
  /** The practice's default price list (practice schedules without a payer only). */
  isDefault: z.boolean().optional(),
  effectiveFrom: plainDate,
  effectiveTo: z.union([plainDate, z.null()]).optional(),
};
export const feeScheduleIn = z.strictObject({
  ...feeScheduleFields,
  /** Start with a copy of this schedule's prices. */
  copyFrom: z.union([id, z.null()]).optional(),
});
export type FeeScheduleRequest = z.input<typeof feeScheduleIn>;
export const feeSchedulePatch = z
  .strictObject({
    name: feeScheduleFields.name,
    isDefault: z.boolean(),
    effectiveFrom: plainDate,
    effectiveTo: z.union([plainDate, z.null()]),
    active: z.boolean(),
    version: z.number().int().min(1),
  })
  .partial()
  .required({ version: true })
  .refine((v) => Object.keys(v).length > 1, "send at least one field to change");
export type FeeSchedulePatchRequest = z.input<typeof feeSchedulePatch>;

export const feeScheduleOut = z.object({
  id: z.string(),
  name: z.string(),
  kind: feeScheduleKind,
  payerRef: z.string().nullable(),
  payerName: z.string().nullable(),
  isDefault: z.boolean(),
  effectiveFrom: z.string(),
  effectiveTo: z.string().nullable(),
  active: z.boolean(),
  /** How many procedure code and modifier prices it lists. */
  entries: z.number().int(),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type FeeScheduleView = z.output<typeof feeScheduleOut>;

const procedureCode = z
  .string()
  .trim()
  .toUpperCase()
  .regex(
    /^(?:\d{5}|\d{4}[FT]|[A-V]\d{4})$/,
    "must be a CPT code (5 digits, or 4 digits and F or T) or a HCPCS code (a letter A-V and 4 digits)",
  );
const modifier = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^(?:[A-Z0-9]{2})?$/, "must be empty or 2 letters or digits");

export const feeEntryOut = z.object({
  procedureCode: z.string(),
  modifier: z.string(),
  amountCents: z.number().int(),
  description: z.string().nullable(),
});
export type FeeEntryView = z.output<typeof feeEntryOut>;
export const feeEntriesQuery = z.strictObject({
  /** A code prefix ("992") or words of the description. */
  q: z.string().max(60).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
export const feeEntriesOut = z.object({ items: z.array(feeEntryOut), total: z.number().int() });
export type FeeEntriesView = z.output<typeof feeEntriesOut>;

export const feeEntryIn = z.strictObject({
  procedureCode,
  modifier: modifier.default(""),
  amountCents: z.number().int().min(0).max(100_000_000),
  description: optionalText(200),
  /** The schedule's version as the biller saw it (optional; refused with 409 when it changed). */
  version: z.number().int().min(1).optional(),
});
export type FeeEntryRequest = z.input<typeof feeEntryIn>;
export const feeEntryParams = z.strictObject({ id, procedureCode });
export const feeEntryDeleteQuery = z.strictObject({ modifier: modifier.default("") });

/** CSV import: the file's text in JSON (the API takes JSON bodies only). */
export const feeImportIn = z.strictObject({
  csv: z.string().min(1, "the file is empty").max(5_000_000, "the file is larger than 5 MB"),
  /** Check and report what would change without changing anything. */
  dryRun: z.boolean().default(false),
  /** The schedule's version as the biller saw it (optional; refused with 409 when it changed). */
  version: z.number().int().min(1).optional(),
});
export type FeeImportRequest = z.input<typeof feeImportIn>;

const changedEntry = z.object({
  procedureCode: z.string(),
  modifier: z.string(),
  beforeCents: z.number().int().nullable(),
  afterCents: z.number().int().nullable(),
});
export const feeImportOut = z.object({
  feeScheduleId: z.string(),
  dryRun: z.boolean(),
  rows: z.number().int(),
  added: z.number().int(),
  changed: z.number().int(),
  removed: z.number().int(),
  unchanged: z.number().int(),
  /** The schedule's version after the import (unchanged by a dry run or a file that changes nothing). */
  version: z.number().int(),
  /** The first 50 added, changed and removed prices, for the biller to check. */
  sample: z.array(changedEntry),
});
export type FeeImportView = z.output<typeof feeImportOut>;

// ---- place of service ----

export const placeOfServiceOut = z.object({
  code: z.string(),
  /** CMS's name of the place (the text before the description), e.g. "OFFICE". */
  name: z.string(),
  description: z.string(),
});
export type PlaceOfServiceView = z.output<typeof placeOfServiceOut>;
export const placeOfServiceQuery = z.strictObject({ date: plainDate.optional() });
export const placesOfServiceOut = z.object({
  /** The loaded list's version and dates of service, or null when none is loaded for the date. */
  version: z.string().nullable(),
  validFrom: z.string().nullable(),
  validTo: z.string().nullable(),
  items: z.array(placeOfServiceOut),
});
export type PlacesOfServiceView = z.output<typeof placesOfServiceOut>;

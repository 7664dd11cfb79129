/**
 * Billing's API shapes (issue 13): the zod input and output schemas are the single source; view types
 * are inferred from them (`z.output`) and the web imports them type-only from
 * `@salus/server/billing/schemas`. Sections per area; each helper area keeps to its own section.
 */
import { z } from "zod";

// ---- prices: billing identity, payers, fee schedules ----

export * from "./price-schemas.ts";

// ---- charges, ledger, claims ----

// In a file of its own (one helper per file at a time); the web imports these from here as from the rest.
export * from "./ledger-schemas.ts";

// ---- batches, acknowledgements, worklist ----

export * from "./batch-schemas.ts";

// ---- scrubber ----

const scrubSeverity = z.enum(["error", "warning"]);

/** One finding of the claim scrubber: the rule, its severity, what to fix, the field it is about. */
export const scrubFindingOut = z.object({
  ruleId: z.string(),
  severity: scrubSeverity,
  message: z.string(),
  path: z.string(),
});
export type ScrubFindingView = z.output<typeof scrubFindingOut>;

export const scrubResultOut = z.object({
  claimId: z.string(),
  status: z.string(),
  version: z.number().int(),
  findings: z.array(scrubFindingOut),
  errors: z.number().int(),
  warnings: z.number().int(),
  clean: z.boolean(),
  scrubbedAt: z.string(),
  scrubCount: z.number().int(),
  /** Whether the claim's first scrub was clean (the first-pass rate counts these). */
  firstScrubClean: z.boolean(),
});
export type ScrubResultView = z.output<typeof scrubResultOut>;

export const scrubClaimIn = z.strictObject({
  /** The claim's version as the biller saw it: refused (409) when it changed meanwhile. */
  version: z.number().int().min(1).optional(),
});

/** Every draft claim scrubbed at once: counts and each claim's outcome. */
export const scrubDraftsOut = z.object({
  scrubbed: z.number().int(),
  ready: z.number().int(),
  withErrors: z.number().int(),
  /** More drafts wait than one call scrubs (500): call again. */
  more: z.boolean(),
  claims: z.array(
    z.object({
      claimId: z.string(),
      patientControlNumber: z.string(),
      status: z.string(),
      errors: z.number().int(),
      warnings: z.number().int(),
    }),
  ),
});
export type ScrubDraftsView = z.output<typeof scrubDraftsOut>;

const scrubParamSpecOut = z.object({
  name: z.string(),
  kind: z.enum(["integer", "pattern", "code-list"]),
  label: z.string(),
  min: z.number().int().nullable(),
  max: z.number().int().nullable(),
  /** Absent when the parameter has no default (a pattern, a limit taken from the payer). */
  default: z.union([z.number(), z.string(), z.array(z.string())]).optional(),
});

/** A stored parameter value (nulls are dropped when a setting is saved). */
const scrubParamStored = z.union([z.number(), z.string(), z.array(z.string())]);

const scrubParamValue = z.union([
  z.number().int(),
  z.string().max(200),
  z.array(z.string().max(20)).max(500),
  z.null(),
]);

/** A stored setting: payerRef '' for every payer. */
export const scrubRuleSettingOut = z.object({
  payerRef: z.string(),
  payerName: z.string().nullable(),
  enabled: z.boolean(),
  severity: scrubSeverity.nullable(),
  params: z.record(z.string(), scrubParamStored),
  updatedAt: z.string(),
});

export const scrubRuleOut = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string(),
  defaultSeverity: scrubSeverity,
  params: z.array(scrubParamSpecOut),
  settings: z.array(scrubRuleSettingOut),
});
export type ScrubRuleView = z.output<typeof scrubRuleOut>;
export const scrubRulesOut = z.object({ items: z.array(scrubRuleOut) });
export type ScrubRulesView = z.output<typeof scrubRulesOut>;

export const scrubRuleParams = z.strictObject({ ruleId: z.string().regex(/^[a-z0-9-]{1,60}$/) });

export const scrubRuleSettingIn = z.strictObject({
  /** '' (or absent) for every payer, else the payer's id. */
  payerRef: z.string().max(64).default(""),
  enabled: z.boolean(),
  severity: scrubSeverity.nullable().default(null),
  params: z.record(z.string().max(40), scrubParamValue).default({}),
});
export type ScrubRuleSettingRequest = z.input<typeof scrubRuleSettingIn>;

export const scrubRuleSettingDeleteQuery = z.strictObject({ payerRef: z.string().max(64).default("") });

export const firstPassQuery = z.strictObject({
  from: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date written YYYY-MM-DD")
    .optional(),
  to: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date written YYYY-MM-DD")
    .optional(),
});

const firstPassRow = z.object({
  scrubbed: z.number().int(),
  clean: z.number().int(),
  /** clean / scrubbed, 0..1; null when nothing was scrubbed. */
  rate: z.number().nullable(),
});

/** First-pass rate: claims scrubbed clean the first time, over claims scrubbed, by date of service. */
export const firstPassReportOut = z.object({
  from: z.string(),
  to: z.string(),
  total: firstPassRow,
  byPayer: z.array(firstPassRow.extend({ payerRef: z.string(), payerName: z.string() })),
  /** The rules behind the errors of claims waiting in 'scrubbed', most frequent first. */
  openFindings: z.array(z.object({ ruleId: z.string(), title: z.string(), claims: z.number().int() })),
});
export type FirstPassReportView = z.output<typeof firstPassReportOut>;

export const billingSchemasVersion = z.literal(1);

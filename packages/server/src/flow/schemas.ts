import { FLOW_STEPS } from "@salus/core/flow/flow-states";
import { z } from "zod";
import { id, plainDate } from "../http/schemas.ts";
import { LATE_ACTIONS } from "./flow-settings.ts";

/**
 * The day-of flow's API shapes (the board and its visits, re-plan proposals, the flow policy): the zod
 * schemas the routes validate and serialize with, and the view types inferred from them for the web
 * (type-only), the no-show fees, the overbooking suggestions and the manager's reports.
 */

export const dayQuery = z.strictObject({ locationId: id, date: plainDate });

export const visitOut = z.object({
  appointmentId: z.string(),
  version: z.number().int(),
  patientId: z.string(),
  patientName: z.string(),
  practitionerId: z.string(),
  appointmentTypeId: z.string(),
  typeName: z.string(),
  start: z.string(),
  end: z.string(),
  status: z.string(),
  flowStep: z.enum(FLOW_STEPS).nullable(),
  arrivedAt: z.string().nullable(),
  checkedInAt: z.string().nullable(),
  roomedAt: z.string().nullable(),
  roomId: z.string().nullable(),
  roomName: z.string().nullable(),
  withPractitionerAt: z.string().nullable(),
  checkedOutAt: z.string().nullable(),
  waitingSince: z.string().nullable(),
  waitingMinutes: z.number().nullable(),
  lateMinutes: z.number(),
  expectedStart: z.string().nullable(),
  expectedEnd: z.string().nullable(),
  maxMinutesLate: z.number().nullable(),
  noShowRisk: z.object({ probability: z.number(), reasons: z.array(z.string()) }).nullable(),
});

export const boardOut = z.object({
  locationId: z.string(),
  date: z.string(),
  timeZone: z.string(),
  dayVersion: z.string(),
  now: z.string(),
  thresholds: z.object({ waitWarnMinutes: z.number(), waitAlertMinutes: z.number() }),
  practitioners: z.array(
    z.object({ id: z.string(), name: z.string(), expectedEndOfDay: z.string(), overtimeMinutes: z.number() }),
  ),
  visits: z.array(visitOut),
});

export const instant = z
  .string()
  .max(40)
  .refine((v) => !Number.isNaN(Date.parse(v)) && /T/.test(v), "must be an ISO 8601 date and time");
export const place = z.object({ practitionerId: z.string(), expectedStart: z.string() });
export const proposalOut = z.object({
  id: z.string(),
  kind: z.enum(["keep", "next-gap", "serve-waiting", "move", "offer-new-time"]),
  title: z.string(),
  explanation: z.string(),
  recommended: z.boolean(),
  score: z.number(),
  scoreParts: z.object({
    waitMinutes: z.number(),
    overtimeMinutes: z.number(),
    moveMinutes: z.number(),
    offerMinutes: z.number(),
  }),
  changes: z.array(
    z.object({ appointmentId: z.string(), patientName: z.string(), from: place, to: place.nullable() }),
  ),
  planned: z.array(z.object({ appointmentId: z.string(), expectedStart: z.string() })),
  metrics: z.object({
    totalWaitMinutes: z.number(),
    maxWaitMinutes: z.number(),
    overtimeMinutes: z.number(),
    moved: z.number(),
    offered: z.number(),
  }),
  notify: z.array(
    z.object({
      appointmentId: z.string(),
      patientName: z.string(),
      reason: z.enum(["later", "earlier", "moved"]),
      practitionerId: z.string(),
      oldExpectedStart: z.string(),
      newExpectedStart: z.string(),
    }),
  ),
  dayVersion: z.string(),
});
export const replanOut = z.object({ dayVersion: z.string(), proposals: z.array(proposalOut) });

export const minutes = (max: number) => z.number().int().min(0).max(max);
export const flowSettingsFields = z.strictObject({
  graceMinutes: minutes(120),
  lateAction: z
    .enum(LATE_ACTIONS as [string, ...string[]])
    .transform((v) => v as (typeof LATE_ACTIONS)[number]),
  notifyThresholdMinutes: z.number().int().min(1).max(240),
  waitWarnMinutes: z.number().int().min(1).max(240),
  waitAlertMinutes: z.number().int().min(1).max(480),
  noShowAfterMinutes: z.number().int().min(5).max(480),
  noShowFeeCents: minutes(100_000),
  idleMinuteValueCents: minutes(100_000),
  waitMinuteCostCents: minutes(100_000),
  // Optional so that clients written before it keep working: absent, the stored value stays.
  overtimeLimitMinutes: minutes(240).optional(),
  overtimeMinuteCostCents: minutes(100_000).optional(),
});
export const flowSettingsOut = z.object({
  graceMinutes: z.number(),
  lateAction: z.enum(["next-gap", "earlier-of", "move", "offer-new-time"]),
  notifyThresholdMinutes: z.number(),
  waitWarnMinutes: z.number(),
  waitAlertMinutes: z.number(),
  noShowAfterMinutes: z.number(),
  noShowFeeCents: z.number(),
  idleMinuteValueCents: z.number(),
  waitMinuteCostCents: z.number(),
  overtimeLimitMinutes: z.number(),
  overtimeMinuteCostCents: z.number(),
});

export type FlowVisitView = z.output<typeof visitOut>;
export type FlowBoardView = z.output<typeof boardOut>;
export type ReplanProposalView = z.output<typeof proposalOut>;
export type ReplanView = z.output<typeof replanOut>;
export type FlowSettingsView = z.output<typeof flowSettingsOut>;
export type FlowSettingsRequest = z.input<typeof flowSettingsFields>;

// ---- No-show fees ----

export const waivedFeeOut = z.object({
  id: z.string(),
  appointmentId: z.string(),
  amountCents: z.number().int(),
  status: z.literal("waived"),
});

export const patientNoShowsOut = z.object({
  items: z.array(
    z.object({
      appointmentId: z.string(),
      start: z.string(),
      locationId: z.string(),
      practitionerId: z.string(),
      appointmentTypeId: z.string(),
      typeName: z.string(),
      fee: z
        .object({ id: z.string(), amountCents: z.number().int(), status: z.enum(["pending", "waived"]) })
        .nullable(),
    }),
  ),
  total: z.number().int(),
});

// ---- Overbooking suggestions ----

/** The practice's minute values the suggestions weigh (flow settings), in cents. */
export const overbookingCostsOut = z.object({
  idleMinuteValueCents: z.number(),
  waitMinuteCostCents: z.number(),
  overtimeMinuteCostCents: z.number(),
});

export const overbookingSuggestionOut = z.object({
  practitionerId: z.string(),
  start: z.string(),
  end: z.string(),
  noShowProbability: z.number(),
  expectedEmptyMinutesAvoided: z.number(),
  expectedExtraWaitMinutes: z.number(),
  expectedOvertimeMinutes: z.number(),
  emptySlotCostCents: z.number().int(),
  extraWaitingCostCents: z.number().int(),
  netGainCents: z.number().int(),
  /** Never suggested: the slot is in or across a break, or its extra visit would run into one. */
  blockedBy: z.enum(["in-break", "into-break"]).nullable(),
  recommend: z.boolean(),
});

export const overbookingOut = z.object({
  locationId: z.string(),
  date: z.string(),
  costs: overbookingCostsOut,
  suggestions: z.array(overbookingSuggestionOut),
});

// ---- Reports ----

export const flowReportQuery = z.strictObject({
  locationId: id,
  from: plainDate,
  to: plainDate,
  groupBy: z.enum(["day", "practitioner"]).default("day"),
  format: z.enum(["json", "csv"]).default("json"),
});

/** One row of the flow report (docs/guide-reports.md defines each figure; rates are 0..1). */
export const flowReportRowOut = z.object({
  key: z.string(),
  label: z.string(),
  visits: z.number(),
  meanWaitMinutes: z.number().nullable(),
  p90WaitMinutes: z.number().nullable(),
  meanCycleMinutes: z.number().nullable(),
  noShowRate: z.number().nullable(),
  lateRate: z.number().nullable(),
  utilisation: z.number().nullable(),
});

export const flowReportOut = z.object({ rows: z.array(flowReportRowOut) });

export const noShowModelOut = z.object({
  trainedAt: z.string().nullable(),
  examples: z.number(),
  brier: z.number().nullable(),
  baselineBrier: z.number().nullable(),
  reliability: z.array(
    z.object({ decile: z.number(), meanPredicted: z.number(), observedRate: z.number(), n: z.number() }),
  ),
  weights: z.array(z.object({ feature: z.string(), weight: z.number() })),
});

export const whatIfIn = z.strictObject({
  locationId: id,
  from: plainDate,
  to: plainDate,
  runs: z.number().int().min(10).max(2000).optional(),
  seed: z.number().int().min(0).max(4294967295).optional(),
});

export const whatIfBasisOut = z.object({
  visits: z.number(),
  /** Mean practitioner time per visit: with the practitioner → checked out, plus the changeover. */
  meanServiceMinutes: z.number(),
  /** Mean with the practitioner → checked out alone, as observed. */
  observedServiceMinutes: z.number(),
  /** Fitted minutes per visit between one patient's check-out and the next being seen. */
  changeoverMinutes: z.number(),
  /** Sessions (practitioner-days) the basis was fitted on. */
  sessions: z.number(),
  cv: z.number(),
  noShowRate: z.number(),
  punctuality: z.object({
    meanMinutes: z.number(),
    sdMinutes: z.number(),
    lateShare: z.number(),
    samples: z.number(),
  }),
  sessionPatients: z.number(),
  /** Booked time per patient in a typical session, its gaps spread between the visits. */
  intervalMinutes: z.number(),
});

/** One recent period replayed: the flow report's measured mean wait against the basis' prediction. */
export const backTestPeriodOut = z.object({
  from: z.string(),
  to: z.string(),
  sessions: z.number(),
  /** Patients with a measured wait (the flow report's definition). */
  patients: z.number(),
  measuredMeanWait: z.number(),
  predictedMeanWait: z.number(),
  /** (predicted − measured) / measured; null when nothing was measured. */
  relativeError: z.number().nullable(),
});

export const whatIfRowOut = z.object({
  rule: z.string(),
  policy: z.string(),
  /** Extra patients double-booked per session (0: none). */
  overbook: z.number(),
  meanWait: z.number(),
  meanWaitCi: z.tuple([z.number(), z.number()]).nullable(),
  p90Wait: z.number(),
  idle: z.number(),
  overtime: z.number(),
});

export const whatIfOut = z.object({
  basis: whatIfBasisOut,
  /** The practice's own recent sessions replayed with this basis, period by period. */
  backTest: z.object({
    periods: z.array(backTestPeriodOut),
    measuredMeanWait: z.number(),
    predictedMeanWait: z.number(),
    relativeError: z.number().nullable(),
    /** The largest |relative error| of a period; the page warns above `tolerance`. */
    worstRelativeError: z.number().nullable(),
    tolerance: z.number(),
    withinTolerance: z.boolean(),
  }),
  rows: z.array(whatIfRowOut),
});

export type WaivedFeeView = z.output<typeof waivedFeeOut>;
export type PatientNoShowsView = z.output<typeof patientNoShowsOut>;
export type OverbookingCostsView = z.output<typeof overbookingCostsOut>;
export type OverbookingSuggestionView = z.output<typeof overbookingSuggestionOut>;
export type OverbookingView = z.output<typeof overbookingOut>;
export type FlowReportQuery = z.input<typeof flowReportQuery>;
export type FlowReportRow = z.output<typeof flowReportRowOut>;
export type FlowReportView = z.output<typeof flowReportOut>;
export type NoShowModelView = z.output<typeof noShowModelOut>;
export type WhatIfRequest = z.input<typeof whatIfIn>;
export type WhatIfInput = z.output<typeof whatIfIn>;
export type WhatIfBasis = z.output<typeof whatIfBasisOut>;
export type BackTestPeriod = z.output<typeof backTestPeriodOut>;
export type WhatIfRow = z.output<typeof whatIfRowOut>;
export type WhatIfAnswer = z.output<typeof whatIfOut>;

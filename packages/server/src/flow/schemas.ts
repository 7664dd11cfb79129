import { FLOW_STEPS } from "@salus/core/flow/flow-states";
import { z } from "zod";
import { id, plainDate } from "../http/schemas.ts";
import { LATE_ACTIONS } from "./flow-settings.ts";

/**
 * The day-of flow's API shapes (the board and its visits, re-plan proposals, the flow policy): the zod
 * schemas the routes validate and serialize with, and the view types inferred from them for the web
 * (type-only). The reports' answers are still declared in flow/routes.ts (loose; next step).
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

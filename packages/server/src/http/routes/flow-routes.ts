import { FLOW_STEPS } from "@salus/core/flow/flow-states";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { getBoard } from "../../flow/board.ts";
import { closeBoardStreams, type StreamRegistry, serveBoardStream } from "../../flow/board-stream.ts";
import { locationDay } from "../../flow/day-version.ts";
import { LATE_ACTIONS, loadFlowSettings, updateFlowSettings } from "../../flow/flow-settings.ts";
import { recordFlowStep } from "../../flow/record-flow-step.ts";
import { acceptProposal, markLate, replanDay } from "../../flow/replan.ts";
import type { Services } from "../../platform/services.ts";
import { actorOf } from "../guard.ts";
import { id, idParams, plainDate } from "../schemas.ts";

const dayQuery = z.strictObject({ locationId: id, date: plainDate });

const visitOut = z.object({
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
  noShowRisk: z.object({ probability: z.number(), reasons: z.array(z.string()) }).nullable(),
});

const boardOut = z.object({
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

const instant = z
  .string()
  .max(40)
  .refine((v) => !Number.isNaN(Date.parse(v)) && /T/.test(v), "must be an ISO 8601 date and time");
const place = z.object({ practitionerId: z.string(), expectedStart: z.string() });
const proposalOut = z.object({
  id: z.string(),
  kind: z.enum(["keep", "next-gap", "serve-waiting", "move", "offer-new-time"]),
  title: z.string(),
  explanation: z.string(),
  recommended: z.boolean(),
  changes: z.array(
    z.object({ appointmentId: z.string(), patientName: z.string(), from: place, to: place.nullable() }),
  ),
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
      oldExpectedStart: z.string(),
      newExpectedStart: z.string(),
    }),
  ),
  dayVersion: z.string(),
});
const replanOut = z.object({ dayVersion: z.string(), proposals: z.array(proposalOut) });

const minutes = (max: number) => z.number().int().min(0).max(max);
const settingsFields = z.strictObject({
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
});
const settingsOut = z.object({
  graceMinutes: z.number(),
  lateAction: z.enum(["next-gap", "earlier-of", "move", "offer-new-time"]),
  notifyThresholdMinutes: z.number(),
  waitWarnMinutes: z.number(),
  waitAlertMinutes: z.number(),
  noShowAfterMinutes: z.number(),
  noShowFeeCents: z.number(),
  idleMinuteValueCents: z.number(),
  waitMinuteCostCents: z.number(),
});

/** Day-of flow: the board and its live stream, flow steps, late arrivals and re-plans, settings. */
export function flowRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ["Day-of flow"];
  const streams: StreamRegistry = new Set();
  app.addHook("preClose", async () => closeBoardStreams(streams));

  r.get("/api/flow/board", {
    config: { permission: "flow:read" },
    schema: {
      tags,
      summary: "The flow board of a location-day (who waits where, for how long, expected times)",
      querystring: dayQuery,
      response: { 200: boardOut },
    },
    handler: async (req) => getBoard(services, actorOf(req), req.query.locationId, req.query.date),
  });

  r.get("/api/flow/board/stream", {
    config: { permission: "flow:read" },
    schema: {
      tags,
      summary: "Server-sent events: `event: board` with the new dayVersion whenever the location-day changes",
      querystring: dayQuery,
    },
    handler: async (req, reply) => {
      const actor = actorOf(req);
      const day = await locationDay(
        services.db.kysely,
        actor.organizationId,
        req.query.locationId,
        req.query.date,
      );
      await serveBoardStream(services, req, reply, actor, day, streams);
    },
  });

  r.post("/api/appointments/:id/flow", {
    config: { permission: "schedule:write" },
    schema: {
      tags,
      summary: "Record a flow step (arrived, checked-in, roomed, with-practitioner, checked-out)",
      params: idParams,
      body: z.strictObject({
        step: z.enum(FLOW_STEPS),
        roomId: id.optional(),
        demographicsConfirmed: z.boolean().optional(),
        insuranceConfirmed: z.boolean().optional(),
        version: z.number().int().min(1),
      }),
      response: { 200: visitOut },
    },
    handler: async (req) => recordFlowStep(services, actorOf(req), req.params.id, req.body),
  });

  r.post("/api/flow/late", {
    config: { permission: "schedule:write" },
    schema: {
      tags,
      summary: "A patient will be late: record the expected arrival and propose re-plans of the day",
      body: z
        .strictObject({
          appointmentId: id,
          minutesLate: z.number().int().min(1).max(480).optional(),
          expectedArrival: instant.optional(),
        })
        .refine((v) => (v.minutesLate === undefined) !== (v.expectedArrival === undefined), {
          message: "give either minutesLate or expectedArrival",
          path: ["minutesLate"],
        }),
      response: { 200: replanOut },
    },
    handler: async (req) => markLate(services, actorOf(req), req.body),
  });

  r.post("/api/flow/replan", {
    config: { permission: "schedule:write" },
    schema: {
      tags,
      summary: "Re-plan a location-day (refresh, or a visit running over)",
      body: z.strictObject({
        locationId: id,
        date: plainDate,
        overrun: z.strictObject({ appointmentId: id, expectedEnd: instant.optional() }).optional(),
      }),
      response: { 200: replanOut },
    },
    handler: async (req) => replanDay(services, actorOf(req), req.body),
  });

  r.post("/api/flow/proposals/:id/accept", {
    config: { permission: "schedule:write" },
    schema: {
      tags,
      summary: "Accept a re-plan proposal (409 if the day changed since it was made)",
      params: idParams,
      body: z.strictObject({}).optional(),
      response: { 200: z.object({ applied: z.literal(true), dayVersion: z.string() }) },
    },
    handler: async (req) => acceptProposal(services, actorOf(req), req.params.id),
  });

  r.get("/api/flow/settings", {
    config: { permission: "flow:read" },
    schema: { tags, summary: "The practice's day-of flow policy", response: { 200: settingsOut } },
    handler: async (req) => loadFlowSettings(services.db.kysely, actorOf(req).organizationId),
  });
  r.put("/api/flow/settings", {
    config: { permission: "scheduling:manage" },
    schema: {
      tags,
      summary: "Replace the day-of flow policy (grace, late action, thresholds, no-show rule and fee, costs)",
      body: settingsFields.refine((v) => v.waitAlertMinutes >= v.waitWarnMinutes, {
        message: "waitAlertMinutes must be at least waitWarnMinutes",
        path: ["waitAlertMinutes"],
      }),
      response: { 200: settingsOut },
    },
    handler: async (req) => updateFlowSettings(services, actorOf(req), req.body),
  });
}

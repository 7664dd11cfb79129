import { FLOW_STEPS } from "@salus/core/flow/flow-states";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { organizationDb } from "../db/scoped.ts";
import { actorOf } from "../http/guard.ts";
import { fileAnswer, id, idParams, plainDate, text } from "../http/schemas.ts";
import type { Services } from "../platform/services.ts";
import { getBoard } from "./board.ts";
import { closeBoardStreams, type StreamRegistry, serveBoardStream } from "./board-stream.ts";
import { locationDay } from "./day-version.ts";
import { flowReport, flowReportCsv } from "./flow-report.ts";
import { loadFlowSettings, updateFlowSettings } from "./flow-settings.ts";
import { getModelReport, trainModel } from "./no-show-model.ts";
import { markNoShows, patientNoShows, waiveNoShowFee } from "./no-shows.ts";
import { overbookingSuggestions } from "./overbooking-suggestions.ts";
import { recordFlowStep } from "./record-flow-step.ts";
import { acceptProposal, markLate, replanDay } from "./replan.ts";
import {
  boardOut,
  dayQuery,
  flowReportOut,
  flowReportQuery,
  flowSettingsFields,
  flowSettingsOut,
  instant,
  noShowModelOut,
  overbookingOut,
  patientNoShowsOut,
  replanOut,
  visitOut,
  waivedFeeOut,
  whatIfIn,
  whatIfOut,
} from "./schemas.ts";
import { runSimulation, whatIf } from "./what-if.ts";

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
      response: {
        200: fileAnswer("An event stream (`event: board`, `data: {dayVersion}`)", ["text/event-stream"]),
      },
    },
    handler: async (req, reply) => {
      const actor = actorOf(req);
      const day = await locationDay(
        organizationDb(services.db, actor.organizationId),
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
          // The day's own limit (end of day plus the overtime limit) is checked by the use case, with
          // the most minutes this visit can be late in the message; this bound only stops nonsense.
          minutesLate: z.number().int().min(1).max(1440).optional(),
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

  r.post("/api/flow/no-shows/run", {
    config: { permission: "scheduling:manage" },
    schema: {
      tags,
      summary: "Mark due no-shows now (the job runs every minute) and record their fees",
      body: z.strictObject({}).optional(),
      response: { 200: z.object({ marked: z.number(), fees: z.number() }) },
    },
    handler: async (req) => markNoShows(services, actorOf(req)),
  });

  r.post("/api/no-show-fees/:id/waive", {
    config: { permission: "scheduling:manage" },
    schema: {
      tags,
      summary: "Waive a pending no-show fee, with the reason",
      params: idParams,
      body: z.strictObject({ reason: text(500) }),
      response: { 200: waivedFeeOut },
    },
    handler: async (req) => waiveNoShowFee(services, actorOf(req), req.params.id, req.body.reason),
  });

  r.get("/api/patients/:id/no-shows", {
    config: { permission: "patients:read" },
    schema: {
      tags,
      summary: "A patient's no-shows with their fees",
      params: idParams,
      response: { 200: patientNoShowsOut },
    },
    handler: async (req) => patientNoShows(services, actorOf(req), req.params.id),
  });

  r.get("/api/flow/overbooking", {
    config: { permission: "schedule:read" },
    schema: {
      tags,
      summary:
        "Where a second patient is worth booking (expected empty minutes against extra waiting and overtime)",
      querystring: dayQuery,
      response: { 200: overbookingOut },
    },
    handler: async (req) =>
      overbookingSuggestions(services, actorOf(req), req.query.locationId, req.query.date),
  });

  const rtags = ["Reports"];
  r.get("/api/reports/flow", {
    config: { permission: "reports:read" },
    schema: {
      tags: rtags,
      summary:
        "Waiting, cycle time, no-show and late rates, utilisation per day or practitioner (JSON or CSV)",
      querystring: flowReportQuery,
      response: {
        200: fileAnswer("The rows as JSON, or as CSV with format=csv", ["text/csv"], flowReportOut),
      },
    },
    handler: async (req, reply) => {
      const rows = await flowReport(services, actorOf(req), req.query);
      if (req.query.format === "csv")
        return reply
          .type("text/csv; charset=utf-8")
          .header(
            "content-disposition",
            `attachment; filename="flow-report-${req.query.from}-${req.query.to}.csv"`,
          )
          .send(flowReportCsv(rows));
      return { rows };
    },
  });

  r.get("/api/reports/no-show-model", {
    config: { permission: "reports:read" },
    schema: {
      tags: rtags,
      summary: "The no-show risk model: calibration and weights",
      response: { 200: noShowModelOut },
    },
    handler: async (req) => getModelReport(services, actorOf(req)),
  });
  for (const path of ["/api/reports/no-show-model/train", "/api/reports/no-show-model/retrain"])
    r.post(path, {
      config: { permission: "scheduling:manage" },
      schema: {
        tags: rtags,
        summary: "Train the no-show risk model from the practice's history now (the job does it daily)",
        body: z.strictObject({}).optional(),
        response: { 200: noShowModelOut },
      },
      handler: async (req) => trainModel(services, actorOf(req)),
    });

  r.post("/api/reports/what-if", {
    config: { permission: "reports:read" },
    schema: {
      tags: rtags,
      summary: "Compare appointment rules, late-arrival policies and overbooking on the practice's own data",
      body: whatIfIn,
      response: { 200: whatIfOut },
    },
    handler: async (req) => whatIf(services, actorOf(req), req.body),
  });

  r.post("/api/reports/simulate", {
    config: { permission: "reports:read" },
    schema: {
      tags: rtags,
      summary: "Run the clinic simulator (the options of `salus simulate`)",
      body: z.strictObject({
        patients: z.number().int().min(1).max(1000),
        interval: z.number().positive().max(480),
        rule: z.string().max(40),
        service: z.string().max(200),
        noShow: z.number().min(0).max(1).default(0),
        runs: z.number().int().min(1).max(100_000).default(1000),
        seed: z.number().int().min(0).max(4294967295).default(1),
        policy: z.string().max(60).optional(),
        punctuality: z.string().max(200).optional(),
        overbook: z.array(z.number().min(0)).max(1000).optional(),
        sessionLength: z
          .number()
          .positive()
          .max(24 * 60)
          .optional(),
      }),
      // The simulator's result (see `salus simulate`): the main figures, loose so nothing is stripped.
      response: {
        200: z.looseObject({
          meanWait: z.number(),
          p90Wait: z.number(),
          idle: z.number(),
          overtime: z.number(),
          runs: z.number(),
          seed: z.number(),
        }),
      },
    },
    handler: async (req) => ({ ...runSimulation(req.body) }),
  });

  r.get("/api/flow/settings", {
    config: { permission: "flow:read" },
    schema: { tags, summary: "The practice's day-of flow policy", response: { 200: flowSettingsOut } },
    handler: async (req) =>
      loadFlowSettings(organizationDb(services.db, actorOf(req).organizationId), actorOf(req).organizationId),
  });
  r.put("/api/flow/settings", {
    config: { permission: "scheduling:manage" },
    schema: {
      tags,
      summary: "Replace the day-of flow policy (grace, late action, thresholds, no-show rule and fee, costs)",
      body: flowSettingsFields.refine((v) => v.waitAlertMinutes >= v.waitWarnMinutes, {
        message: "waitAlertMinutes must be at least waitWarnMinutes",
        path: ["waitAlertMinutes"],
      }),
      response: { 200: flowSettingsOut },
    },
    handler: async (req) => {
      const actor = actorOf(req);
      const { overtimeLimitMinutes, overtimeMinuteCostCents, ...rest } = req.body;
      const current = await loadFlowSettings(
        organizationDb(services.db, actor.organizationId),
        actor.organizationId,
      );
      return updateFlowSettings(services, actor, {
        ...rest,
        overtimeLimitMinutes: overtimeLimitMinutes ?? current.overtimeLimitMinutes,
        overtimeMinuteCostCents: overtimeMinuteCostCents ?? current.overtimeMinuteCostCents,
      });
    },
  });
}

import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { checkDuplicates } from "../directory/patients.ts";
import { duplicateCandidateOut } from "../directory/schemas.ts";
import { actorOf } from "../http/guard.ts";
import { id, idParams, optionalText, page, plainDate, text } from "../http/schemas.ts";
import type { Services } from "../platform/services.ts";
import {
  getRecordsSettings,
  listBreakGlass,
  myBreakGlass,
  openBreakGlass,
  reviewBreakGlass,
  updateRecordsSettings,
} from "./break-glass.ts";
import { grantCareTeam, listCareTeam, revokeCareTeam } from "./care-team.ts";
import { createConsent, listConsents, updateConsent } from "./consents.ts";
import { createCoverage, listCoverages, updateCoverage } from "./coverages.ts";
import { mergePatients, undoMerge } from "./merge.ts";
import {
  careTeamOut,
  consentIn,
  consentOut,
  consentPatch,
  coverageIn,
  coverageOut,
  coveragePatch,
  grantOut,
  mergeOut,
  queueItemOut,
  recordsSettingsOut,
  reviewOutcome,
  reviewStatus,
} from "./schemas.ts";

/**
 * The patient record beyond demographics (coverages, consents and restrictions, duplicates and merge),
 * the care team, and break-glass with the privacy officer's review queue. Every use case goes through
 * records/patient-access.ts, so these routes answer 404 for a patient the caller may not see.
 */

export function recordsRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const pt = ["Patients"];

  r.get("/api/patients/duplicates", {
    config: { permission: "patients:write" },
    schema: {
      tags: pt,
      summary: "Patients already on file that may be this person (only those you may see)",
      querystring: z.strictObject({
        givenName: text(100),
        familyName: text(100),
        dateOfBirth: plainDate,
        phone: text(40).optional(),
        email: text(320).optional(),
      }),
      response: { 200: z.object({ items: z.array(duplicateCandidateOut) }) },
    },
    handler: async (req) => ({ items: await checkDuplicates(services, actorOf(req), req.query) }),
  });

  // Coverages
  const coverageParams = z.strictObject({ id, coverageId: id });
  r.get("/api/patients/:id/coverages", {
    config: { permission: "patients:read" },
    schema: {
      tags: pt,
      summary: "A patient's insurance coverages",
      params: idParams,
      response: { 200: z.object({ items: z.array(coverageOut) }) },
    },
    handler: async (req) => ({ items: await listCoverages(services, actorOf(req), req.params.id) }),
  });
  r.post("/api/patients/:id/coverages", {
    config: { permission: "patients:write" },
    schema: {
      tags: pt,
      summary: "Add a coverage",
      params: idParams,
      body: coverageIn,
      response: { 201: coverageOut },
    },
    handler: async (req, reply) =>
      reply.status(201).send(await createCoverage(services, actorOf(req), req.params.id, req.body)),
  });
  r.patch("/api/patients/:id/coverages/:coverageId", {
    config: { permission: "patients:write" },
    schema: {
      tags: pt,
      summary: "Change a coverage (or mark it entered-in-error)",
      params: coverageParams,
      body: coveragePatch,
      response: { 200: coverageOut },
    },
    handler: async (req) =>
      updateCoverage(services, actorOf(req), req.params.id, req.params.coverageId, req.body),
  });

  // Consents and restrictions
  const consentParams = z.strictObject({ id, consentId: id });
  r.get("/api/patients/:id/consents", {
    config: { permission: "patients:read" },
    schema: {
      tags: pt,
      summary: "A patient's consents and restrictions",
      params: idParams,
      response: { 200: z.object({ items: z.array(consentOut) }) },
    },
    handler: async (req) => ({ items: await listConsents(services, actorOf(req), req.params.id) }),
  });
  r.post("/api/patients/:id/consents", {
    config: { permission: "patients:write" },
    schema: {
      tags: pt,
      summary: "Record a consent or restriction",
      params: idParams,
      body: consentIn,
      response: { 201: consentOut },
    },
    handler: async (req, reply) =>
      reply.status(201).send(await createConsent(services, actorOf(req), req.params.id, req.body)),
  });
  r.patch("/api/patients/:id/consents/:consentId", {
    config: { permission: "patients:write" },
    schema: {
      tags: pt,
      summary: "Change a consent's status, end date or note",
      params: consentParams,
      body: consentPatch,
      response: { 200: consentOut },
    },
    handler: async (req) =>
      updateConsent(services, actorOf(req), req.params.id, req.params.consentId, req.body),
  });

  // Merge
  r.post("/api/patients/:id/merge", {
    config: { permission: "patients:write" },
    schema: {
      tags: pt,
      summary: "Merge a duplicate record (sourcePatientId) into this one; can be undone",
      params: idParams,
      body: z.strictObject({ sourcePatientId: id }),
      response: { 200: mergeOut },
    },
    handler: async (req) => mergePatients(services, actorOf(req), req.params.id, req.body.sourcePatientId),
  });
  r.post("/api/patient-merges/:id/undo", {
    config: { permission: "patients:write" },
    schema: { tags: pt, summary: "Undo a merge exactly", params: idParams, response: { 200: mergeOut } },
    handler: async (req) => undoMerge(services, actorOf(req), req.params.id),
  });

  // Care team
  const ct = ["Care team"];
  r.get("/api/patients/:id/care-team", {
    config: { permission: "chart:read" },
    schema: {
      tags: ct,
      summary: "Clinicians with a care-team grant on this patient",
      params: idParams,
      response: { 200: z.object({ items: z.array(careTeamOut) }) },
    },
    handler: async (req) => ({ items: await listCareTeam(services, actorOf(req), req.params.id) }),
  });
  r.post("/api/patients/:id/care-team", {
    config: { permission: "chart:write" },
    schema: {
      tags: ct,
      summary: "Open this patient's chart to a colleague (treating clinicians only)",
      params: idParams,
      body: z.strictObject({
        userId: id,
        reason: optionalText(500),
        expiresAt: z.union([z.iso.datetime({ offset: true }), z.null()]).optional(),
      }),
      response: { 201: careTeamOut },
    },
    handler: async (req, reply) =>
      reply.status(201).send(await grantCareTeam(services, actorOf(req), req.params.id, req.body)),
  });
  r.delete("/api/patients/:id/care-team/:userId", {
    config: { permission: "chart:write" },
    schema: {
      tags: ct,
      summary: "End a colleague's care-team access",
      params: z.strictObject({ id, userId: id }),
      response: { 200: z.object({ revoked: z.number().int() }) },
    },
    handler: async (req) => revokeCareTeam(services, actorOf(req), req.params.id, req.params.userId),
  });

  // Break-glass
  const bg = ["Break-glass"];
  r.post("/api/break-glass", {
    config: { permission: "break-glass:use" },
    schema: {
      tags: bg,
      summary:
        "Open time-boxed emergency access to one patient, with a reason (privacy officers are alerted)",
      body: z
        .strictObject({
          patientId: id.optional(),
          mrn: z
            .string()
            .regex(/^[A-Za-z0-9-]{1,20}$/, "is not a valid MRN")
            .optional(),
          // A few visible words: checked by the use case (core records/break-glass-reason.ts), one message.
          reason: text(1000),
        })
        .refine((v) => (v.patientId === undefined) !== (v.mrn === undefined), {
          message: "give patientId or mrn (one of them)",
          path: ["patientId"],
        }),
      response: {
        201: z.object({ id: z.string(), patientId: z.string(), openedAt: z.string(), expiresAt: z.string() }),
      },
    },
    handler: async (req, reply) =>
      reply.status(201).send(await openBreakGlass(services, actorOf(req), req.body)),
  });
  r.get("/api/break-glass/mine", {
    config: { permission: "break-glass:use" },
    schema: {
      tags: bg,
      summary: "Your own break-glass uses",
      response: { 200: z.object({ items: z.array(grantOut) }) },
    },
    handler: async (req) => ({ items: await myBreakGlass(services, actorOf(req)) }),
  });
  r.get("/api/break-glass", {
    config: { permission: "privacy:manage" },
    schema: {
      tags: bg,
      summary: "Review queue of break-glass uses",
      querystring: z.strictObject({
        status: reviewStatus.default("pending"),
        limit: z.coerce.number().int().min(1).max(200).default(50),
        offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
      }),
      response: { 200: page(queueItemOut) },
    },
    handler: async (req) => listBreakGlass(services, actorOf(req), req.query),
  });
  r.post("/api/break-glass/:id/review", {
    config: { permission: "privacy:manage" },
    schema: {
      tags: bg,
      summary: "Record the review of one break-glass use",
      params: idParams,
      body: z.strictObject({ outcome: reviewOutcome, note: optionalText(2000) }),
      response: { 200: grantOut },
    },
    handler: async (req) => reviewBreakGlass(services, actorOf(req), req.params.id, req.body),
  });
  r.get("/api/break-glass/settings", {
    config: { permission: "privacy:manage" },
    schema: {
      tags: bg,
      summary: "How long a break-glass grant lasts",
      response: { 200: recordsSettingsOut },
    },
    handler: async (req) => getRecordsSettings(services, actorOf(req)),
  });
  r.put("/api/break-glass/settings", {
    config: { permission: "privacy:manage" },
    schema: {
      tags: bg,
      summary: "Set how long a break-glass grant lasts (5-720 minutes)",
      body: z.strictObject({ breakGlassMinutes: z.number().int().min(5).max(720) }),
      response: { 200: recordsSettingsOut },
    },
    handler: async (req) => updateRecordsSettings(services, actorOf(req), req.body),
  });
}

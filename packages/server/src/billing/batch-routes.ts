import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { actorOf } from "../http/guard.ts";
import { fileAnswer, idParams } from "../http/schemas.ts";
import type { Services } from "../platform/services.ts";
import {
  acknowledgementsOut,
  claimBatchesOut,
  createBatchIn,
  createdBatchOut,
  importAckIn,
  importAckOut,
  rejectionsOut,
  rejectionsQuery,
} from "./batch-schemas.ts";
import { createClaimBatch } from "./create-claim-batch.ts";
import { importAcknowledgement } from "./import-acknowledgement.ts";
import { listAcknowledgements } from "./list-acknowledgements.ts";
import { downloadClaimBatch, listClaimBatches } from "./list-claim-batches.ts";
import { listRejections, resolveRejection } from "./rejection-worklist.ts";

/** Claim batches (X12 837P), acknowledgements (999, 277CA) and the rejection worklist. */
export function billingBatchRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ["Billing"];

  r.get("/api/billing/batches", {
    config: { permission: "billing:read" },
    schema: {
      tags,
      summary: "The practice's 837P claim batches, newest first, and how many claims are ready to batch",
      response: { 200: claimBatchesOut },
    },
    handler: async (req) => listClaimBatches(services, actorOf(req)),
  });

  r.post("/api/billing/batches", {
    config: { permission: "billing:write" },
    schema: {
      tags,
      summary:
        "Write an X12 837P batch from every ready claim (checked against the 005010X222A1 loop map) and mark them submitted",
      body: createBatchIn.optional(),
      response: { 201: createdBatchOut },
    },
    handler: async (req, reply) => {
      const result = await createClaimBatch(services, actorOf(req), { claimIds: req.body?.claimIds });
      return reply.code(201).send(result);
    },
  });

  r.get("/api/billing/batches/:id/download", {
    config: { permission: "billing:read" },
    schema: {
      tags,
      summary: "Download a batch's 837P file",
      params: idParams,
      response: { 200: fileAnswer("The X12 837P interchange (an attachment)", ["application/edi-x12"]) },
    },
    handler: async (req, reply) => {
      const file = await downloadClaimBatch(services, actorOf(req), req.params.id);
      return reply
        .type("application/edi-x12; charset=utf-8")
        .header("content-disposition", `attachment; filename="${file.fileName}"`)
        .header("cache-control", "no-store")
        .send(file.content);
    },
  });

  r.get("/api/billing/acknowledgements", {
    config: { permission: "billing:read" },
    schema: {
      tags,
      summary: "The 999 and 277CA files imported, newest first, with what each did to the claims",
      response: { 200: acknowledgementsOut },
    },
    handler: async (req) => listAcknowledgements(services, actorOf(req)),
  });

  r.post("/api/billing/acknowledgements", {
    config: { permission: "billing:write" },
    schema: {
      tags,
      summary:
        "Import a 999 or 277CA file: claim statuses updated, rejections to the worklist (the same file twice changes nothing)",
      body: importAckIn,
      response: { 200: importAckOut },
    },
    handler: async (req) => importAcknowledgement(services, actorOf(req), { content: req.body.content }),
  });

  r.get("/api/billing/rejections", {
    config: { permission: "billing:read" },
    schema: {
      tags,
      summary: "The rejection worklist: rejected claims with the reason in words",
      querystring: rejectionsQuery,
      response: { 200: rejectionsOut },
    },
    handler: async (req) => listRejections(services, actorOf(req), req.query),
  });

  r.post("/api/billing/rejections/:id/resolve", {
    config: { permission: "billing:write" },
    schema: {
      tags,
      summary: "Take a worked rejection off the worklist",
      params: idParams,
      response: { 200: z.object({ id: z.string(), status: z.literal("resolved") }) },
    },
    handler: async (req) => resolveRejection(services, actorOf(req), req.params.id),
  });
}

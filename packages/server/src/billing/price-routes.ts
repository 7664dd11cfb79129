import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { organizationDb } from "../db/scoped.ts";
import { actorOf } from "../http/guard.ts";
import { fileAnswer, id, idParams, noContent } from "../http/schemas.ts";
import type { Services } from "../platform/services.ts";
import { loadBillingSettings } from "./billing-settings.ts";
import { createFeeSchedule } from "./create-fee-schedule.ts";
import { createPayer } from "./create-payer.ts";
import { deleteFeeEntry, exportFeeSchedule, listFeeEntries, setFeeEntry } from "./fee-entries.ts";
import { listFeeSchedules, loadFeeSchedule } from "./fee-schedule-view.ts";
import { importFeeSchedule } from "./import-fee-schedule.ts";
import { listPayers, loadPayer } from "./load-payer.ts";
import { listPlacesOfService } from "./place-of-service.ts";
import {
  billingSettingsIn,
  billingSettingsOut,
  feeEntriesOut,
  feeEntriesQuery,
  feeEntryDeleteQuery,
  feeEntryIn,
  feeEntryOut,
  feeEntryParams,
  feeImportIn,
  feeImportOut,
  feeScheduleIn,
  feeScheduleOut,
  feeSchedulePatch,
  payerChoiceOut,
  payerIn,
  payerListQuery,
  payerOut,
  payerPatch,
  placeOfServiceQuery,
  placesOfServiceOut,
} from "./price-schemas.ts";
import { updateBillingSettings } from "./update-billing-settings.ts";
import { updateFeeSchedule } from "./update-fee-schedule.ts";
import { updatePayer } from "./update-payer.ts";

/**
 * Billing's prices: the practice's billing identity, payers, fee schedules (the practice's prices and
 * each payer's contracted amounts) with CSV import and export, and place-of-service codes.
 *
 * Reading needs billing:read (billers and managers; the coverage form's short payer list needs only
 * patients:read); changing needs billing:manage. None of this is health
 * information: reads use the organization's scoped pool without an audit entry, every change is
 * audited.
 */
export function billingPriceRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ["Billing"];
  const scoped = (req: Parameters<typeof actorOf>[0]) =>
    organizationDb(services.db, actorOf(req).organizationId);

  r.get("/api/billing/settings", {
    config: { permission: "billing:read" },
    schema: {
      tags,
      summary:
        "The practice's billing identity (billing provider, submitter, receiver) and what claims still need",
      response: { 200: billingSettingsOut },
    },
    handler: async (req) => loadBillingSettings(scoped(req)),
  });
  r.put("/api/billing/settings", {
    config: { permission: "billing:manage" },
    schema: {
      tags,
      summary: "Save the practice's billing identity (all fields)",
      body: billingSettingsIn,
      response: { 200: billingSettingsOut },
    },
    handler: async (req) => updateBillingSettings(services, actorOf(req), req.body),
  });

  // Payers
  r.get("/api/billing/payers", {
    config: { permission: "billing:read" },
    schema: {
      tags,
      summary: "The practice's payers by name (active ones unless includeInactive=true)",
      querystring: payerListQuery,
      response: { 200: z.object({ items: z.array(payerOut) }) },
    },
    handler: async (req) => ({
      items: await listPayers(scoped(req), { includeInactive: req.query.includeInactive === "true" }),
    }),
  });
  r.get("/api/billing/payer-choices", {
    config: { permission: "patients:read" },
    schema: {
      tags,
      summary:
        "The active payers a coverage may name (for the coverage form: id, name, kind, member id format)",
      response: { 200: z.object({ items: z.array(payerChoiceOut) }) },
    },
    handler: async (req) => ({
      items: (await listPayers(scoped(req))).map((p) => ({
        id: p.id,
        name: p.name,
        kind: p.kind,
        payerId: p.payerId,
        memberIdPattern: p.memberIdPattern,
      })),
    }),
  });
  r.get("/api/billing/payers/:id", {
    config: { permission: "billing:read" },
    schema: { tags, summary: "One payer", params: idParams, response: { 200: payerOut } },
    handler: async (req) => loadPayer(scoped(req), req.params.id),
  });
  r.post("/api/billing/payers", {
    config: { permission: "billing:manage" },
    schema: { tags, summary: "Add a payer", body: payerIn, response: { 201: payerOut } },
    handler: async (req, reply) =>
      reply.status(201).send(await createPayer(services, actorOf(req), req.body)),
  });
  r.patch("/api/billing/payers/:id", {
    config: { permission: "billing:manage" },
    schema: {
      tags,
      summary: "Change a payer or deactivate it (send the version you edited; 409 when it changed meanwhile)",
      params: idParams,
      body: payerPatch,
      response: { 200: payerOut },
    },
    handler: async (req) => updatePayer(services, actorOf(req), req.params.id, req.body),
  });

  // Fee schedules
  r.get("/api/billing/fee-schedules", {
    config: { permission: "billing:read" },
    schema: {
      tags,
      summary: "The practice's fee schedules and payers' contracts, with their entry counts",
      response: { 200: z.object({ items: z.array(feeScheduleOut) }) },
    },
    handler: async (req) => ({ items: await listFeeSchedules(scoped(req)) }),
  });
  r.get("/api/billing/fee-schedules/:id", {
    config: { permission: "billing:read" },
    schema: { tags, summary: "One fee schedule", params: idParams, response: { 200: feeScheduleOut } },
    handler: async (req) => loadFeeSchedule(scoped(req), req.params.id),
  });
  r.post("/api/billing/fee-schedules", {
    config: { permission: "billing:manage" },
    schema: {
      tags,
      summary: "Add a fee schedule (empty, or a copy of another's prices with copyFrom)",
      body: feeScheduleIn,
      response: { 201: feeScheduleOut },
    },
    handler: async (req, reply) =>
      reply.status(201).send(await createFeeSchedule(services, actorOf(req), req.body)),
  });
  r.patch("/api/billing/fee-schedules/:id", {
    config: { permission: "billing:manage" },
    schema: {
      tags,
      summary: "Rename a fee schedule, change its dates or default flag, or retire it",
      params: idParams,
      body: feeSchedulePatch,
      response: { 200: feeScheduleOut },
    },
    handler: async (req) => updateFeeSchedule(services, actorOf(req), req.params.id, req.body),
  });
  r.get("/api/billing/fee-schedules/:id/entries", {
    config: { permission: "billing:read" },
    schema: {
      tags,
      summary: "A fee schedule's prices (q: a code prefix or words of the description)",
      params: idParams,
      querystring: feeEntriesQuery,
      response: { 200: feeEntriesOut },
    },
    handler: async (req) => listFeeEntries(scoped(req), req.params.id, req.query),
  });
  r.post("/api/billing/fee-schedules/:id/entries", {
    config: { permission: "billing:manage" },
    schema: {
      tags,
      summary: "Add or change the price of one procedure code and modifier",
      params: idParams,
      body: feeEntryIn,
      response: { 200: feeEntryOut },
    },
    handler: async (req) => setFeeEntry(services, actorOf(req), req.params.id, req.body),
  });
  r.delete("/api/billing/fee-schedules/:id/entries/:procedureCode", {
    config: { permission: "billing:manage" },
    schema: {
      tags,
      summary: "Remove the price of one procedure code (and modifier, default none)",
      params: feeEntryParams,
      querystring: feeEntryDeleteQuery,
      response: { 204: noContent },
    },
    handler: async (req, reply) => {
      await deleteFeeEntry(
        services,
        actorOf(req),
        req.params.id,
        req.params.procedureCode,
        req.query.modifier,
      );
      return reply.status(204).send();
    },
  });
  r.get("/api/billing/fee-schedules/:id/export.csv", {
    config: { permission: "billing:read" },
    schema: {
      tags,
      summary: "A fee schedule as CSV (procedure_code,modifier,amount,description), the import's format",
      params: z.strictObject({ id }),
      response: { 200: fileAnswer("The prices as CSV (an attachment)", ["text/csv"]) },
    },
    handler: async (req, reply) => {
      const { filename, csv } = await exportFeeSchedule(scoped(req), req.params.id);
      return reply
        .type("text/csv; charset=utf-8")
        .header("content-disposition", `attachment; filename="${filename}"`)
        .send(csv);
    },
  });
  r.post("/api/billing/fee-schedules/:id/import", {
    config: { permission: "billing:manage" },
    // A schedule of every CPT and HCPCS code is about 1 MB of CSV, more in JSON.
    bodyLimit: 6 * 1024 * 1024,
    schema: {
      tags,
      summary:
        "Replace a fee schedule's prices with a CSV file's (all or nothing; the same file again changes nothing; dryRun to check first)",
      params: idParams,
      body: feeImportIn,
      response: { 200: feeImportOut },
    },
    handler: async (req) => importFeeSchedule(services, actorOf(req), req.params.id, req.body),
  });

  // Place of service
  r.get("/api/billing/places-of-service", {
    config: { permission: "billing:read" },
    schema: {
      tags,
      summary: "CMS place-of-service codes in force on a date of service (default: the newest list loaded)",
      querystring: placeOfServiceQuery,
      response: { 200: placesOfServiceOut },
    },
    handler: async (req) => listPlacesOfService(scoped(req), req.query.date),
  });
}

import { DISCLOSURE_CATEGORIES, DISCLOSURE_CATEGORY_CODES } from "@salus/core/privacy/patient-rights";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { renderPdf } from "../export/pdf.ts";
import { exportRecord } from "../export/record-export.ts";
import { baseUrl } from "../fhir/fhir-links.ts";
import { actorOf } from "../http/guard.ts";
import { fileAnswer, idParams, optionalText, page, plainDate, text } from "../http/schemas.ts";
import type { Services } from "../platform/services.ts";
import { accessReport, accessReportCsv } from "./access-report.ts";
import {
  decideAmendment,
  extendAmendmentDeadline,
  fileDisagreement,
  listAmendments,
  listPatientAmendments,
  requestAmendment,
} from "./amendments.ts";
import { accountingCsv, disclosureAccounting, listDisclosures, recordDisclosure } from "./disclosures.ts";
import { practiceName } from "./practice-zone.ts";
import { accessReportDocument, accountingDocument } from "./privacy-pdf.ts";
import {
  accessReportOut,
  accountingOut,
  amendmentIn,
  amendmentOut,
  category,
  disclosureCategoryOut,
  disclosureIn,
  disclosureOut,
  documentFormat,
} from "./schemas.ts";

function attachment(reply: FastifyReply, type: string, name: string, body: string | Buffer) {
  return reply
    .type(type)
    .header("content-disposition", `attachment; filename="${name}"`)
    .header("x-content-type-options", "nosniff")
    .send(body);
}

export function privacyRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ["Patient rights"];

  // Amendments (45 CFR 164.526)
  r.post("/api/patients/:id/amendments", {
    config: { permission: "patients:write" },
    schema: {
      tags,
      summary: "Record a patient's request to amend their record",
      params: idParams,
      body: amendmentIn,
      response: { 201: amendmentOut },
    },
    handler: async (req, reply) =>
      reply.status(201).send(await requestAmendment(services, actorOf(req), req.params.id, req.body)),
  });
  r.get("/api/patients/:id/amendments", {
    config: { permission: "privacy:manage" },
    schema: {
      tags,
      summary: "Every amendment request of a patient",
      params: idParams,
      response: { 200: z.array(amendmentOut) },
    },
    handler: async (req) =>
      listPatientAmendments(services, actorOf(req), req.params.id, { acceptedOnly: false }),
  });
  r.get("/api/patients/:id/amendments/accepted", {
    config: { permission: "chart:read" },
    schema: {
      tags,
      summary: "Accepted amendments, shown with the chart",
      params: idParams,
      response: { 200: z.array(amendmentOut) },
    },
    handler: async (req) =>
      listPatientAmendments(services, actorOf(req), req.params.id, { acceptedOnly: true }),
  });
  r.get("/api/amendments", {
    config: { permission: "privacy:manage" },
    schema: {
      tags,
      summary: "The privacy officer's amendment work list (oldest due first)",
      querystring: z.strictObject({
        status: z.enum(["pending", "accepted", "denied"]).optional(),
        overdue: z.enum(["true", "false"]).optional(),
        limit: z.coerce.number().int().min(1).max(200).default(50),
        offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
      }),
      response: { 200: page(amendmentOut) },
    },
    handler: async (req) =>
      listAmendments(services, actorOf(req), { ...req.query, overdue: req.query.overdue === "true" }),
  });
  r.post("/api/amendments/:id/decide", {
    config: { permission: "privacy:manage" },
    schema: {
      tags,
      summary: "Accept or deny an amendment request (a denial needs its reason)",
      params: idParams,
      body: z.strictObject({ outcome: z.enum(["accepted", "denied"]), note: optionalText(4000) }),
      response: { 200: amendmentOut },
    },
    handler: async (req) =>
      decideAmendment(services, actorOf(req), req.params.id, {
        outcome: req.body.outcome,
        note: req.body.note ?? null,
      }),
  });
  r.post("/api/amendments/:id/extend", {
    config: { permission: "privacy:manage" },
    schema: {
      tags,
      summary: "The one 30-day extension of the deadline, with the reason given to the patient",
      params: idParams,
      body: z.strictObject({ reason: text(2000) }),
      response: { 200: amendmentOut },
    },
    handler: async (req) => extendAmendmentDeadline(services, actorOf(req), req.params.id, req.body.reason),
  });
  r.post("/api/amendments/:id/disagreement", {
    config: { permission: "privacy:manage" },
    schema: {
      tags,
      summary: "Attach the patient's statement of disagreement to a denied request",
      params: idParams,
      body: z.strictObject({ statement: text(8000) }),
      response: { 200: amendmentOut },
    },
    handler: async (req) => fileDisagreement(services, actorOf(req), req.params.id, req.body.statement),
  });

  // Disclosures (45 CFR 164.528)
  r.get("/api/disclosure-categories", {
    config: { permission: "privacy:manage" },
    schema: {
      tags,
      summary: "Disclosure categories, and whether each appears in the accounting",
      response: { 200: z.array(disclosureCategoryOut) },
    },
    handler: async () => DISCLOSURE_CATEGORY_CODES.map((code) => ({ code, ...DISCLOSURE_CATEGORIES[code] })),
  });
  r.get("/api/patients/:id/disclosures", {
    config: { permission: "privacy:manage" },
    schema: {
      tags,
      summary: "Every recorded disclosure of a patient (TPO included)",
      params: idParams,
      response: { 200: z.array(disclosureOut) },
    },
    handler: async (req) => listDisclosures(services, actorOf(req), req.params.id),
  });
  r.post("/api/patients/:id/disclosures", {
    config: { permission: "privacy:manage" },
    schema: {
      tags,
      summary: "Record a disclosure",
      params: idParams,
      body: disclosureIn,
      response: { 201: disclosureOut },
    },
    handler: async (req, reply) =>
      reply.status(201).send(
        await recordDisclosure(services, actorOf(req), req.params.id, {
          ...req.body,
          category: req.body.category as keyof typeof DISCLOSURE_CATEGORIES,
        }),
      ),
  });
  r.get("/api/patients/:id/disclosures/accounting", {
    config: { permission: "privacy:manage" },
    schema: {
      tags,
      summary:
        "The accounting of disclosures: six years, TPO and other exempt categories left out (JSON, CSV or PDF)",
      params: idParams,
      querystring: z.strictObject({ format: documentFormat }),
      response: {
        200: fileAnswer(
          "The accounting as JSON, CSV or PDF (an attachment)",
          ["text/csv", "application/pdf"],
          accountingOut,
        ),
      },
    },
    handler: async (req, reply) => {
      const actor = actorOf(req);
      const a = await disclosureAccounting(services, actor, req.params.id, req.query.format);
      if (req.query.format === "csv")
        return attachment(
          reply,
          "text/csv; charset=utf-8",
          "accounting-of-disclosures.csv",
          accountingCsv(a),
        );
      if (req.query.format === "pdf") {
        const pdf = await renderPdf(accountingDocument(a, await practiceName(services, actor)));
        return attachment(reply, "application/pdf", "accounting-of-disclosures.pdf", pdf);
      }
      return a;
    },
  });

  // Access report ("who looked at my record")
  r.get("/api/patients/:id/access-report", {
    config: { permission: "privacy:manage" },
    schema: {
      tags,
      summary: "Who accessed the patient's record, from the audit trail (JSON, CSV or PDF)",
      params: idParams,
      querystring: z.strictObject({
        from: plainDate.optional(),
        to: plainDate.optional(),
        format: documentFormat,
      }),
      response: {
        200: fileAnswer(
          "The report as JSON, CSV or PDF (an attachment)",
          ["text/csv", "application/pdf"],
          accessReportOut,
        ),
      },
    },
    handler: async (req, reply) => {
      const actor = actorOf(req);
      const report = await accessReport(services, actor, req.params.id, req.query);
      if (req.query.format === "csv")
        return attachment(reply, "text/csv; charset=utf-8", "access-report.csv", accessReportCsv(report));
      if (req.query.format === "pdf") {
        const pdf = await renderPdf(accessReportDocument(report, await practiceName(services, actor)));
        return attachment(reply, "application/pdf", "access-report.pdf", pdf);
      }
      return report;
    },
  });

  // Record export (right of access, 45 CFR 164.524)
  const exportFormat = z.enum(["fhir", "pdf"]).default("fhir");
  const exportAnswer = fileAnswer(
    "The record: a FHIR R4 Bundle of type collection (record.json) or a PDF",
    ["application/pdf"],
    z.looseObject({
      resourceType: z.literal("Bundle"),
      type: z.literal("collection"),
      entry: z.array(z.unknown()),
    }),
    "application/fhir+json",
  );
  r.get("/api/patients/:id/export", {
    config: { permission: "records:export" },
    schema: {
      tags,
      summary: "The patient's whole record as a FHIR R4 Bundle (Patient/$everything) or a readable PDF",
      params: idParams,
      querystring: z.strictObject({ format: exportFormat }),
      response: { 200: exportAnswer },
    },
    handler: async (req, reply) => {
      const out = await exportRecord(services, actorOf(req), req.params.id, {
        format: req.query.format,
        baseUrl: baseUrl(req),
      });
      return out.format === "pdf"
        ? attachment(reply, "application/pdf", "record.pdf", out.pdf)
        : attachment(
            reply,
            "application/fhir+json; charset=utf-8",
            "record.json",
            JSON.stringify(out.bundle),
          );
    },
  });
  r.post("/api/patients/:id/export", {
    config: { permission: "records:export" },
    schema: {
      tags,
      summary: "Export the record for a third party: the disclosure is recorded with the export",
      params: idParams,
      body: z.strictObject({
        format: exportFormat,
        recipientName: text(200),
        recipientAddress: optionalText(500),
        purpose: text(1000),
        category,
        legalBasis: optionalText(500),
      }),
      response: { 200: exportAnswer },
    },
    handler: async (req, reply) => {
      const { format, ...recipient } = req.body;
      const out = await exportRecord(services, actorOf(req), req.params.id, {
        format,
        baseUrl: baseUrl(req),
        recipient: { ...recipient, category: recipient.category as keyof typeof DISCLOSURE_CATEGORIES },
      });
      return out.format === "pdf"
        ? attachment(reply, "application/pdf", "record.pdf", out.pdf)
        : attachment(
            reply,
            "application/fhir+json; charset=utf-8",
            "record.json",
            JSON.stringify(out.bundle),
          );
    },
  });
}

import { DOCUMENT_TYPES, DomainError } from "@salus/core";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { lookupIcd10, searchIcd10 } from "../codes/code-lists.ts";
import { actorOf } from "../http/guard.ts";
import { fileAnswer, idParams, page, patchOf, plainDate, text } from "../http/schemas.ts";
import type { Services } from "../platform/services.ts";
import {
  chartItemHistory,
  createChartItem,
  LIST_KINDS,
  LIST_STATUSES,
  listChartItems,
  markChartItemEnteredInError,
  updateChartItem,
} from "./chart-lists.ts";
import {
  getDocument,
  getDocumentContent,
  listDocuments,
  MAX_DOCUMENT_BYTES,
  markDocumentEnteredInError,
  uploadDocument,
} from "./documents.ts";
import {
  createEncounter,
  encounterHistory,
  getEncounter,
  listEncounters,
  markEncounterEnteredInError,
  updateEncounter,
} from "./encounters.ts";
import {
  addAddendum,
  createNote,
  getNote,
  listNotes,
  markNoteEnteredInError,
  signNote,
  updateNote,
} from "./notes.ts";
import {
  codeOut,
  documentOut,
  encounterIn,
  encounterOut,
  encounterPatch,
  errorIn,
  historyOut,
  LISTS,
  noteIn,
  noteOut,
  notePatch,
  uploadQuery,
  withErrors,
} from "./schemas.ts";

/**
 * The clinical record: encounters with their codes, code look-up, problem/allergy/medication lists,
 * notes with addenda, documents. Every use case goes through records/patient-access.ts (404 for a
 * patient, encounter, note or document the caller may not see) and writes its audit entry.
 */

/** Content types an upload may be sent as (text goes as octet-stream: text/plain stays refused app-wide). */
const UPLOAD_TYPES = [
  "application/octet-stream",
  ...Object.keys(DOCUMENT_TYPES).filter((t) => t !== "text/plain"),
];

/** `attachment; filename="ascii"; filename*=UTF-8''…`: the name can never break out of the header. */
function contentDisposition(kind: "inline" | "attachment", filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, "_").replace(/["\\;]/g, "_");
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

export function clinicalRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  // Encounters
  const et = ["Encounters"];
  r.get("/api/patients/:id/encounters", {
    config: { permission: "encounters:read" },
    schema: {
      tags: et,
      summary:
        "A patient's encounters with their diagnoses and procedures (entered-in-error hidden unless asked)",
      params: idParams,
      querystring: withErrors,
      response: { 200: page(encounterOut) },
    },
    handler: async (req) =>
      listEncounters(services, actorOf(req), req.params.id, {
        includeEnteredInError: req.query.includeEnteredInError,
      }),
  });
  r.post("/api/patients/:id/encounters", {
    config: { permission: "encounters:write" },
    schema: {
      tags: et,
      summary: "Record an encounter",
      params: idParams,
      body: encounterIn,
      response: { 201: encounterOut },
    },
    handler: async (req, reply) =>
      reply.status(201).send(await createEncounter(services, actorOf(req), req.params.id, req.body)),
  });
  r.get("/api/encounters/:id", {
    config: { permission: "encounters:read" },
    schema: { tags: et, summary: "Read an encounter", params: idParams, response: { 200: encounterOut } },
    handler: async (req) => getEncounter(services, actorOf(req), req.params.id),
  });
  r.patch("/api/encounters/:id", {
    config: { permission: "encounters:write" },
    schema: {
      tags: et,
      summary: "Change an encounter (diagnoses and procedures are replaced as a whole when sent)",
      params: idParams,
      body: encounterPatch,
      response: { 200: encounterOut },
    },
    handler: async (req) => updateEncounter(services, actorOf(req), req.params.id, req.body),
  });
  r.post("/api/encounters/:id/entered-in-error", {
    config: { permission: "encounters:write" },
    schema: {
      tags: et,
      summary: "Mark an encounter entered in error (it stays in the history)",
      params: idParams,
      body: errorIn,
      response: { 200: encounterOut },
    },
    handler: async (req) =>
      markEncounterEnteredInError(services, actorOf(req), req.params.id, req.body.reason),
  });

  r.get("/api/encounters/:id/history", {
    config: { permission: "encounters:read" },
    schema: {
      tags: et,
      summary: "Every version of an encounter, oldest first (value: the encounter as it was)",
      params: idParams,
      response: { 200: historyOut },
    },
    handler: async (req) => encounterHistory(services, actorOf(req), req.params.id),
  });

  // Code look-up
  const ct = ["Codes"];
  r.get("/api/codes/icd10", {
    config: { permission: "encounters:read" },
    schema: {
      tags: ct,
      summary:
        "Search ICD-10-CM by code prefix or description words, most relevant first (at most 20, the list in force on `date`, the date of service; `warning` when none is loaded for its fiscal year)",
      querystring: z.strictObject({ q: text(100, 0), date: plainDate.optional() }),
      response: {
        200: z.object({
          version: z.string().nullable(),
          warning: z.string().nullable(),
          items: z.array(codeOut),
        }),
      },
    },
    handler: async (req) =>
      searchIcd10(
        services.systemDb,
        req.query.q,
        req.query.date ?? services.clock().toISOString().slice(0, 10),
      ),
  });
  r.get("/api/codes/icd10/:code", {
    config: { permission: "encounters:read" },
    schema: {
      tags: ct,
      summary: "One ICD-10-CM code (billable, or a category)",
      params: z.strictObject({ code: z.string().min(1).max(10) }),
      querystring: z.strictObject({ date: plainDate.optional() }),
      response: { 200: codeOut },
    },
    handler: async (req) => {
      const found = await lookupIcd10(
        services.systemDb,
        req.params.code,
        req.query.date ?? services.clock().toISOString().slice(0, 10),
      );
      if (!found)
        throw new DomainError("not_found", `${req.params.code} is not in the loaded ICD-10-CM list.`);
      return found;
    },
  });

  // Problems, allergies, medications
  for (const kind of LIST_KINDS) {
    const { fields, out, singular, tag } = LISTS[kind];
    const status = z.enum(LIST_STATUSES[kind] as [string, ...string[]]);
    const input = z.strictObject({ ...fields, status: status.optional() });
    const patch = patchOf(z.strictObject({ ...fields, status, version: z.number().int().optional() }));
    r.get(`/api/patients/:id/${kind}`, {
      config: { permission: "chart:read" },
      schema: {
        tags: [tag],
        summary: `A patient's ${kind}`,
        params: idParams,
        querystring: withErrors,
        response: { 200: page(out) },
      },
      handler: async (req) =>
        listChartItems(services, actorOf(req), kind, req.params.id, {
          includeEnteredInError: req.query.includeEnteredInError,
        }),
    });
    r.post(`/api/patients/:id/${kind}`, {
      config: { permission: "chart:write" },
      schema: {
        tags: [tag],
        summary: `Add to a patient's ${kind}`,
        params: idParams,
        body: input,
        response: { 201: out },
      },
      handler: async (req, reply) =>
        reply.status(201).send(await createChartItem(services, actorOf(req), kind, req.params.id, req.body)),
    });
    r.patch(`/api/${kind}/:id`, {
      config: { permission: "chart:write" },
      schema: {
        tags: [tag],
        summary: `Change a ${singular} (status included)`,
        params: idParams,
        body: patch,
        response: { 200: out },
      },
      handler: async (req) => updateChartItem(services, actorOf(req), kind, req.params.id, req.body),
    });
    r.get(`/api/${kind}/:id/history`, {
      config: { permission: "chart:read" },
      schema: {
        tags: [tag],
        summary: `Every version of a ${singular}, oldest first`,
        params: idParams,
        response: { 200: historyOut },
      },
      handler: async (req) => chartItemHistory(services, actorOf(req), kind, req.params.id),
    });
    r.post(`/api/${kind}/:id/entered-in-error`, {
      config: { permission: "chart:write" },
      schema: {
        tags: [tag],
        summary: `Mark a ${singular} entered in error`,
        params: idParams,
        body: errorIn,
        response: { 200: out },
      },
      handler: async (req) =>
        markChartItemEnteredInError(services, actorOf(req), kind, req.params.id, req.body.reason),
    });
  }

  // Notes
  const nt = ["Notes"];
  r.get("/api/encounters/:id/notes", {
    config: { permission: "chart:read" },
    schema: {
      tags: nt,
      summary: "An encounter's notes with their addenda",
      params: idParams,
      querystring: withErrors,
      response: { 200: page(noteOut) },
    },
    handler: async (req) =>
      listNotes(services, actorOf(req), req.params.id, {
        includeEnteredInError: req.query.includeEnteredInError,
      }),
  });
  r.post("/api/encounters/:id/notes", {
    config: { permission: "chart:write" },
    schema: {
      tags: nt,
      summary: "Start a draft note",
      params: idParams,
      body: noteIn,
      response: { 201: noteOut },
    },
    handler: async (req, reply) =>
      reply.status(201).send(await createNote(services, actorOf(req), req.params.id, req.body)),
  });
  r.get("/api/notes/:id", {
    config: { permission: "chart:read" },
    schema: { tags: nt, summary: "Read a note", params: idParams, response: { 200: noteOut } },
    handler: async (req) => getNote(services, actorOf(req), req.params.id),
  });
  r.patch("/api/notes/:id", {
    config: { permission: "chart:write" },
    schema: {
      tags: nt,
      summary: "Change a draft note (its author only; 409 once signed)",
      params: idParams,
      body: notePatch,
      response: { 200: noteOut },
    },
    handler: async (req) => updateNote(services, actorOf(req), req.params.id, req.body),
  });
  r.post("/api/notes/:id/sign", {
    config: { permission: "chart:write" },
    schema: {
      tags: nt,
      summary: "Sign a draft note: it is locked from then on",
      params: idParams,
      body: z.strictObject({}).optional(),
      response: { 200: noteOut },
    },
    handler: async (req) => signNote(services, actorOf(req), req.params.id),
  });
  r.post("/api/notes/:id/addenda", {
    config: { permission: "chart:write" },
    schema: {
      tags: nt,
      summary: "Append a signed addendum to a signed note",
      params: idParams,
      body: z.strictObject({ text: text(100_000) }),
      response: { 201: noteOut },
    },
    handler: async (req, reply) =>
      reply.status(201).send(await addAddendum(services, actorOf(req), req.params.id, req.body)),
  });
  r.post("/api/notes/:id/entered-in-error", {
    config: { permission: "chart:write" },
    schema: {
      tags: nt,
      summary: "Mark a note entered in error (its text stays)",
      params: idParams,
      body: errorIn,
      response: { 200: noteOut },
    },
    handler: async (req) => markNoteEnteredInError(services, actorOf(req), req.params.id, req.body.reason),
  });

  // Documents
  const dt = ["Documents"];
  r.get("/api/patients/:id/documents", {
    config: { permission: "chart:read" },
    schema: {
      tags: dt,
      summary: "A patient's documents (metadata)",
      params: idParams,
      querystring: withErrors,
      response: { 200: page(documentOut) },
    },
    handler: async (req) =>
      listDocuments(services, actorOf(req), req.params.id, {
        includeEnteredInError: req.query.includeEnteredInError,
      }),
  });
  r.get("/api/documents/:id", {
    config: { permission: "chart:read" },
    schema: { tags: dt, summary: "A document's metadata", params: idParams, response: { 200: documentOut } },
    handler: async (req) => getDocument(services, actorOf(req), req.params.id),
  });
  r.get("/api/documents/:id/content", {
    config: { permission: "chart:read" },
    schema: {
      tags: dt,
      summary: "Download a document (decrypted, with the type detected at upload)",
      params: idParams,
      response: { 200: fileAnswer("The file's bytes, with its detected type", Object.keys(DOCUMENT_TYPES)) },
    },
    handler: async (req, reply) => {
      const { document, bytes, inline } = await getDocumentContent(services, actorOf(req), req.params.id);
      return reply
        .type(document.contentType)
        .header(
          "content-disposition",
          contentDisposition(inline ? "inline" : "attachment", document.filename),
        )
        .header("x-content-type-options", "nosniff")
        .header("content-security-policy", "sandbox; default-src 'none';")
        .header("cross-origin-resource-policy", "same-origin")
        .send(bytes);
    },
  });
  r.post("/api/documents/:id/entered-in-error", {
    config: { permission: "chart:write" },
    schema: {
      tags: dt,
      summary: "Mark a document entered in error (it stays)",
      params: idParams,
      body: errorIn,
      response: { 200: documentOut },
    },
    handler: async (req) =>
      markDocumentEnteredInError(services, actorOf(req), req.params.id, req.body.reason),
  });

  // Upload: the raw bytes as the body (application/octet-stream, or the file's own type), the name and
  // labels in the query string. Its own content-type parser and body limit live in this child context,
  // so the rest of the API still takes JSON only, up to SALUS_BODY_LIMIT_BYTES.
  app.register(async (uploads) => {
    uploads.addContentTypeParser(
      UPLOAD_TYPES,
      { parseAs: "buffer", bodyLimit: MAX_DOCUMENT_BYTES },
      (_req, body, done) => done(null, body),
    );
    uploads.withTypeProvider<ZodTypeProvider>().post("/api/patients/:id/documents", {
      config: { permission: "chart:write" },
      bodyLimit: MAX_DOCUMENT_BYTES,
      schema: {
        tags: dt,
        summary: `Upload a document: the file's bytes as the body (application/octet-stream), at most ${MAX_DOCUMENT_BYTES / 1024 / 1024} MB`,
        params: idParams,
        querystring: uploadQuery,
        response: { 201: documentOut },
      },
      handler: async (req, reply) => {
        if (!Buffer.isBuffer(req.body))
          throw new DomainError(
            "unsupported_media_type",
            "Send the file's bytes as the request body with Content-Type: application/octet-stream.",
          );
        const declared = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase() || null;
        const created = await uploadDocument(services, actorOf(req), req.params.id, {
          bytes: req.body,
          filename: req.query.filename,
          title: req.query.title ?? req.query.filename,
          category: req.query.category,
          declaredType: declared,
          encounterId: req.query.encounterId ?? null,
        });
        return reply.status(201).send(created);
      },
    });
  });
}

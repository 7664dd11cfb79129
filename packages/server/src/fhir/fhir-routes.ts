import { notFound } from "@salus/core";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { getOrganization } from "../admin/organizations.ts";
import { organizationsWithPayers, payerOrganization } from "../billing/fhir-billing-resources-routes.ts";
import { getLocation, listLocations } from "../directory/locations.ts";
import { getPatient, listPatients } from "../directory/patients.ts";
import { getStaff, listStaff } from "../directory/staff.ts";
import { DOMAINS } from "../domains.ts";
import { actorOf } from "../http/guard.ts";
import { idParams, text } from "../http/schemas.ts";
import type { Services } from "../platform/services.ts";
import { BASE, baseUrl, nextLink, paging, selfLink, tokenValue } from "./fhir-links.ts";
import {
  capabilityStatement,
  MRN_SYSTEM,
  NPI_SYSTEM,
  searchBundle,
  toLocation,
  toOrganization,
  toPatient,
  toPractitioner,
} from "./fhir-resources.ts";

const emptyPage = { items: [], total: 0 };

/**
 * FHIR R4 at /fhir/R4: metadata, and read and search for Patient, Practitioner, Organization and
 * Location. The handlers call the same use cases as the JSON API, so scoping to the caller's organization
 * and auditing are identical; errors are OperationOutcomes (see http/errors.ts).
 */
export function fhirRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  app.addHook("onSend", async (_request, reply, payload) => {
    if (String(reply.getHeader("content-type") ?? "").startsWith("application/json")) {
      reply.header("content-type", "application/fhir+json; charset=utf-8");
    }
    return payload;
  });
  const tags = ["FHIR R4"];

  r.get(`${BASE}/metadata`, {
    config: { permission: "public" },
    schema: { tags, summary: "CapabilityStatement" },
    handler: async (request) => capabilityStatement(baseUrl(request), services.clock().toISOString()),
  });

  r.get(`${BASE}/Patient`, {
    config: { permission: "patients:read" },
    schema: {
      tags,
      summary: "Search patients",
      querystring: z.strictObject({
        _id: text(64).optional(),
        name: text(100).optional(),
        family: text(100).optional(),
        given: text(100).optional(),
        // `1958`, `1958-08`, `ge1958-08-14`; repeated, all must hold (parsed by the use case, which
        // refuses an impossible date and audits the refusal).
        birthdate: z.union([text(40), z.array(text(40)).max(4)]).optional(),
        // Empty allowed here so that the use case refuses it, audited like `identifier=|`.
        identifier: text(120, 0).optional(),
        ...paging,
      }),
    },
    handler: async (request) => {
      const q = request.query;
      const actor = actorOf(request);
      // `identifier=|` (no system, no value) gives "": the use case refuses it rather than list everyone.
      const mrn = tokenValue(q.identifier, MRN_SYSTEM);
      const page =
        mrn === null
          ? emptyPage
          : await listPatients(services, actor, {
              name: q.name,
              family: q.family,
              given: q.given,
              birthdate: q.birthdate,
              mrn: mrn ?? undefined,
              id: q._id,
              limit: q._count,
              offset: q._offset,
            });
      return searchBundle(
        baseUrl(request),
        "Patient",
        page.items.map((p) => toPatient(p, actor.organizationId)),
        page.total,
        selfLink(request),
        nextLink(request, q._offset, q._count, page.total),
      );
    },
  });
  r.get(`${BASE}/Patient/:id`, {
    config: { permission: "patients:read" },
    schema: { tags, summary: "Read a patient", params: idParams },
    handler: async (request) =>
      toPatient(
        await getPatient(services, actorOf(request), request.params.id),
        actorOf(request).organizationId,
      ),
  });

  r.get(`${BASE}/Practitioner`, {
    config: { permission: "staff:read" },
    schema: {
      tags,
      summary: "Search practitioners",
      querystring: z.strictObject({
        _id: text(64).optional(),
        name: text(100).optional(),
        identifier: text(120).optional(),
        ...paging,
      }),
    },
    handler: async (request) => {
      const q = request.query;
      const npi = tokenValue(q.identifier, NPI_SYSTEM);
      let page =
        npi === null
          ? emptyPage
          : await listStaff(services, actorOf(request), {
              q: [q.name, npi].filter(Boolean).join(" ") || undefined,
              kind: "practitioner",
              limit: q._count,
              offset: q._offset,
            });
      if (q._id)
        page = {
          items: page.items.filter((s) => s.id === q._id),
          total: page.items.some((s) => s.id === q._id) ? 1 : 0,
        };
      return searchBundle(
        baseUrl(request),
        "Practitioner",
        page.items.map(toPractitioner),
        page.total,
        selfLink(request),
        nextLink(request, q._offset, q._count, page.total),
      );
    },
  });
  r.get(`${BASE}/Practitioner/:id`, {
    config: { permission: "staff:read" },
    schema: { tags, summary: "Read a practitioner", params: idParams },
    handler: async (request) => {
      const staff = await getStaff(services, actorOf(request), request.params.id);
      if (staff.kind !== "practitioner") throw notFound("practitioner");
      return toPractitioner(staff);
    },
  });

  r.get(`${BASE}/Organization`, {
    config: { permission: "org:read" },
    schema: {
      tags,
      summary: "Search organizations: your own (type prov) and its payers (type pay)",
      querystring: z.strictObject({
        _id: text(64).optional(),
        name: text(200).optional(),
        type: text(200).optional(),
        identifier: text(200).optional(),
        ...paging,
      }),
    },
    handler: async (request) => {
      const actor = actorOf(request);
      const q = request.query;
      const org = toOrganization(await getOrganization(services, actor));
      // Payers (billing/fhir-billing-resources-routes.ts) follow the practice itself.
      const all = await organizationsWithPayers(services, actor, q, org);
      return searchBundle(
        baseUrl(request),
        "Organization",
        all.slice(q._offset, q._offset + q._count),
        all.length,
        selfLink(request),
        nextLink(request, q._offset, q._count, all.length),
      );
    },
  });
  r.get(`${BASE}/Organization/:id`, {
    config: { permission: "org:read" },
    schema: { tags, summary: "Read your organization or one of its payers", params: idParams },
    handler: async (request) => {
      const actor = actorOf(request);
      if (request.params.id !== actor.organizationId) {
        return payerOrganization(services, actor, request.params.id);
      }
      return toOrganization(await getOrganization(services, actor));
    },
  });

  r.get(`${BASE}/Location`, {
    config: { permission: "locations:read" },
    schema: {
      tags,
      summary: "Search locations",
      querystring: z.strictObject({
        _id: text(64).optional(),
        name: text(200).optional(),
        "address-city": text(100).optional(),
        ...paging,
      }),
    },
    handler: async (request) => {
      const q = request.query;
      const actor = actorOf(request);
      let page = await listLocations(services, actor, {
        q: q.name ?? q["address-city"],
        limit: q._count,
        offset: q._offset,
      });
      if (q._id)
        page = {
          items: page.items.filter((l) => l.id === q._id),
          total: page.items.some((l) => l.id === q._id) ? 1 : 0,
        };
      return searchBundle(
        baseUrl(request),
        "Location",
        page.items.map((l) => toLocation(l, actor.organizationId)),
        page.total,
        selfLink(request),
        nextLink(request, q._offset, q._count, page.total),
      );
    },
  });
  r.get(`${BASE}/Location/:id`, {
    config: { permission: "locations:read" },
    schema: { tags, summary: "Read a location", params: idParams },
    handler: async (request) =>
      toLocation(
        await getLocation(services, actorOf(request), request.params.id),
        actorOf(request).organizationId,
      ),
  });

  // Each domain's FHIR resources (domains.ts, in list order).
  for (const domain of DOMAINS) for (const register of domain.fhirRoutes ?? []) register(app, services);
}

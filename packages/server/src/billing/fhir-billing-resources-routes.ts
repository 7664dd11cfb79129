import type { Organization } from "@medplum/fhirtypes";
import { DomainError, notFound } from "@salus/core";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { grants } from "../auth/role-permissions.ts";
import { BASE, baseUrl, nextLink, paging, selfLink, tokenValue } from "../fhir/fhir-links.ts";
import { searchBundle } from "../fhir/fhir-resources.ts";
import { dateBounds, listOf, practiceZone, query, referenceId } from "../fhir/fhir-scheduling-search.ts";
import { actorOf } from "../http/guard.ts";
import { idParams, text } from "../http/schemas.ts";
import type { Actor, Services } from "../platform/services.ts";
import {
  FHIR_CLAIM_STATUSES,
  type FhirClaimStatus,
  ORGANIZATION_TYPE_SYSTEM,
  PAYER_ID_SYSTEM,
  PCN_SYSTEM,
  plainDateBounds,
} from "./fhir-billing-resources.ts";
import {
  readFhirChargeItem,
  readFhirClaim,
  readFhirPayer,
  searchFhirChargeItems,
  searchFhirClaims,
  searchFhirPayers,
} from "./read-fhir-billing.ts";

/**
 * FHIR R4 billing resources inside /fhir/R4 (issue 13 item 8): Claim and ChargeItem (read, search;
 * billing:read, like the JSON billing API; which patients follows the records slice's `codes` rule, see
 * read-fhir-billing.ts), and the payers as Organization of type `pay` through the Organization routes of
 * fhir/fhir-routes.ts (`organizationsWithPayers`, `readOrganizationOrPayer`). Claim/$validate is the
 * scrubber's (fhir-billing-routes.ts).
 */

function invalid(path: string, message: string): DomainError {
  return new DomainError("invalid_request", message, [{ path, message }]);
}

function claimStatuses(values: string[]): FhirClaimStatus[] | undefined {
  if (!values.length) return undefined;
  const out = new Set<FhirClaimStatus>();
  for (const v of values.flatMap((x) => x.split(","))) {
    const code = v.trim().replace(/^http:\/\/hl7\.org\/fhir\/fm-status\|/, "");
    if (!(FHIR_CLAIM_STATUSES as readonly string[]).includes(code)) {
      throw invalid("status", `status must be one of ${FHIR_CLAIM_STATUSES.join(", ")} (got "${v}").`);
    }
    out.add(code as FhirClaimStatus);
  }
  return [...out];
}

const emptyPage = { items: [], total: 0 };

/**
 * `provider` is Claim.provider, the practice (Organization/{id}: every claim; another organization:
 * none), and, for convenience, a Practitioner/{id} (a bare id too) means the rendering practitioner, as
 * `care-team` does. Answers the practitioner to filter on, and whether nothing can match.
 */
function claimProvider(
  actor: Actor,
  provider: string | undefined,
  careTeam: string | undefined,
): { practitionerId?: string; noMatch?: boolean } {
  const ids = new Set<string>();
  let noMatch = false;
  if (provider !== undefined) {
    const m = /^Organization\/([A-Za-z0-9-]{1,64})$/.exec(provider);
    if (m) noMatch = m[1] !== actor.organizationId;
    else if (provider !== actor.organizationId) ids.add(referenceId("provider", provider, "Practitioner"));
  }
  if (careTeam !== undefined) ids.add(referenceId("care-team", careTeam, "Practitioner"));
  if (ids.size > 1) noMatch = true;
  const [practitionerId] = ids;
  return { ...(practitionerId ? { practitionerId } : {}), ...(noMatch ? { noMatch } : {}) };
}

export function fhirBillingResourcesRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ["FHIR R4"];

  r.get(`${BASE}/Claim`, {
    config: { permission: "billing:read" },
    schema: {
      tags,
      summary: "Search claims: patient, status, created, provider, care-team, insurer, identifier",
      querystring: z.strictObject({
        _id: text(64).optional(),
        patient: text(80).optional(),
        status: query(100),
        created: query(40),
        provider: text(80).optional(),
        "care-team": text(80).optional(),
        insurer: text(80).optional(),
        identifier: text(120).optional(),
        ...paging,
      }),
    },
    handler: async (request) => {
      const actor = actorOf(request);
      const q = request.query;
      const createdValues = listOf(q.created);
      const bounds = createdValues.length
        ? dateBounds("created", createdValues, await practiceZone(services, actor))
        : {};
      const pcn = tokenValue(q.identifier, PCN_SYSTEM);
      const { practitionerId, noMatch } = claimProvider(actor, q.provider, q["care-team"]);
      const page =
        pcn === null
          ? emptyPage
          : await searchFhirClaims(services, actor, {
              id: q._id,
              patientId: q.patient ? referenceId("patient", q.patient, "Patient") : undefined,
              statuses: claimStatuses(listOf(q.status)),
              createdFrom: bounds.from === undefined ? undefined : new Date(bounds.from).toISOString(),
              createdTo: bounds.to === undefined ? undefined : new Date(bounds.to).toISOString(),
              providerId: practitionerId,
              noMatch,
              insurerId: q.insurer ? referenceId("insurer", q.insurer, "Organization") : undefined,
              controlNumber: pcn,
              limit: q._count,
              offset: q._offset,
            });
      return searchBundle(
        baseUrl(request),
        "Claim",
        page.items,
        page.total,
        selfLink(request),
        nextLink(request, q._offset, q._count, page.total),
      );
    },
  });
  r.get(`${BASE}/Claim/:id`, {
    config: { permission: "billing:read" },
    schema: { tags, summary: "Read a claim", params: idParams },
    handler: async (request) => readFhirClaim(services, actorOf(request), request.params.id),
  });

  r.get(`${BASE}/ChargeItem`, {
    config: { permission: "billing:read" },
    schema: {
      tags,
      summary: "Search charges: patient (or subject), context (the visit), occurrence (date of service)",
      querystring: z.strictObject({
        _id: text(64).optional(),
        patient: text(80).optional(),
        subject: text(80).optional(),
        context: text(80).optional(),
        occurrence: query(40),
        ...paging,
      }),
    },
    handler: async (request) => {
      const actor = actorOf(request);
      const q = request.query;
      if (q.patient && q.subject && q.patient !== q.subject) {
        throw invalid("subject", "Give patient or subject, not two different patients.");
      }
      const ref = q.patient ?? q.subject;
      const { from, to } = plainDateBounds("occurrence", listOf(q.occurrence));
      const page = await searchFhirChargeItems(services, actor, {
        id: q._id,
        patientId: ref ? referenceId(q.patient ? "patient" : "subject", ref, "Patient") : undefined,
        encounterId: q.context ? referenceId("context", q.context, "Encounter") : undefined,
        from,
        to,
        limit: q._count,
        offset: q._offset,
      });
      return searchBundle(
        baseUrl(request),
        "ChargeItem",
        page.items,
        page.total,
        selfLink(request),
        nextLink(request, q._offset, q._count, page.total),
      );
    },
  });
  r.get(`${BASE}/ChargeItem/:id`, {
    config: { permission: "billing:read" },
    schema: { tags, summary: "Read a charge", params: idParams },
    handler: async (request) => readFhirChargeItem(services, actorOf(request), request.params.id),
  });
}

/** A token `system|code` or `code` against one system: the code, null for another system. */
function typeCode(value: string): string | null {
  const bar = value.indexOf("|");
  if (bar < 0) return value;
  const system = value.slice(0, bar);
  return system === "" || system === ORGANIZATION_TYPE_SYSTEM ? value.slice(bar + 1) : null;
}

export interface OrganizationSearch {
  _id?: string | undefined;
  name?: string | undefined;
  type?: string | undefined;
  identifier?: string | undefined;
}

/**
 * The Organization search: the practice itself (type prov, identifier urn:salus:organization|{slug})
 * and its payers (type pay, identifier urn:salus:payer-id|{payer id}), practice first, then payers by
 * name. Payers need fhir:read (the practice org:read, as before). The route pages the list.
 */
export async function organizationsWithPayers(
  services: Services,
  actor: Actor,
  q: OrganizationSearch,
  practice: Organization,
): Promise<Organization[]> {
  const types = q.type ? q.type.split(",").map((t) => typeCode(t.trim())) : null;
  const wantsPractice = !types || types.includes("prov");
  const wantsPayers = (!types || types.includes("pay")) && grants(actor.permissions, "fhir:read");
  let practiceIdentifier: string | null | undefined;
  let payerIdentifier: string | null | undefined;
  if (q.identifier !== undefined) {
    const bar = q.identifier.indexOf("|");
    const system = bar < 0 ? "" : q.identifier.slice(0, bar);
    const value = bar < 0 ? q.identifier : q.identifier.slice(bar + 1);
    practiceIdentifier = system === "" || system === "urn:salus:organization" ? value : null;
    payerIdentifier = system === "" || system === PAYER_ID_SYSTEM ? value : null;
  }
  const out: Organization[] = [];
  const slug = practice.identifier?.[0]?.value;
  if (
    wantsPractice &&
    (!q._id || q._id === practice.id) &&
    (!q.name || (practice.name ?? "").toLowerCase().includes(q.name.toLowerCase())) &&
    (practiceIdentifier === undefined || practiceIdentifier === slug)
  ) {
    out.push(practice);
  }
  if (wantsPayers && payerIdentifier !== null && !(q._id && q._id === practice.id)) {
    out.push(
      ...(await searchFhirPayers(services, actor, {
        id: q._id,
        name: q.name,
        payerId: payerIdentifier,
      })),
    );
  }
  return out;
}

/** Organization/{id}: the practice itself, else one of its payers (fhir:read); else the same 404. */
export async function payerOrganization(services: Services, actor: Actor, id: string): Promise<Organization> {
  if (!grants(actor.permissions, "fhir:read")) throw notFound("organization");
  return readFhirPayer(services, actor, id);
}

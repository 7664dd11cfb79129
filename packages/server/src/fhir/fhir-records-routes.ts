import type { AuditEvent, Bundle, Patient as FhirPatient, Resource } from "@medplum/fhirtypes";
import { DomainError, dateInZone, notFound } from "@salus/core";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { audited } from "../audit/audited.ts";
import { searchAuditEvents } from "../audit/query-audit.ts";
import { createPatient, type PatientInput, updatePatient } from "../directory/patients.ts";
import { recordBundle, recordResources } from "../export/fhir-bundle.ts";
import { readRecordForExport } from "../export/record-export.ts";
import { actorOf } from "../http/guard.ts";
import { idParams, STATE_CODE, STATE_CODE_MESSAGE, text } from "../http/schemas.ts";
import type { Actor, Services } from "../platform/services.ts";
import { practiceZone } from "../privacy/practice-zone.ts";
import { BASE, baseUrl, nextLink, paging, selfLink } from "./fhir-links.ts";
import { MRN_SYSTEM, searchBundle, toPatient } from "./fhir-resources.ts";
import { patientOfResource, type RecordType, resourcesOf, TYPES } from "./read-fhir-records.ts";

/**
 * FHIR R4 for the patient record: Patient create and update, Encounter, Condition, Procedure, Coverage
 * and DocumentReference (search by patient, read by id), Patient/$everything and AuditEvent. Every
 * answer is built from the same record reader as the export (export/record-data.ts) after the records
 * slice's access check for the section the resource belongs to, so a patient the caller may not see
 * answers an empty searchset or 404, exactly like a patient that does not exist; every call is audited.
 */
function invalid(path: string, message: string): DomainError {
  return new DomainError("invalid_request", message, [{ path, message }]);
}

/** `Patient/{id}` or a bare id. */
function patientParam(value: string): string {
  const m = /^(?:Patient\/)?([A-Za-z0-9-]{1,64})$/.exec(value);
  if (!m) throw invalid("patient", "patient must be Patient/{id} or an id.");
  return m[1]!;
}

function fromFhirPatient(p: FhirPatient): PatientInput {
  if (p.resourceType !== "Patient") throw invalid("resourceType", "resourceType must be Patient.");
  const name = p.name?.find((n) => n.use === "official") ?? p.name?.[0];
  const family = name?.family?.trim();
  const given = name?.given?.[0]?.trim();
  if (!family || !given) throw invalid("name", "Patient.name needs a family name and a given name.");
  if (!p.birthDate) throw invalid("birthDate", "Patient.birthDate is required.");
  const sex = p.gender ?? "unknown";
  const phone = p.telecom?.find((t) => t.system === "phone")?.value ?? null;
  const email = p.telecom?.find((t) => t.system === "email")?.value ?? null;
  const a = p.address?.[0];
  const mrn = p.identifier?.find((i) => i.system === MRN_SYSTEM)?.value;
  return {
    givenName: given,
    familyName: family,
    dateOfBirth: p.birthDate,
    sex,
    phone,
    email,
    addressLine1: a?.line?.[0] ?? null,
    addressLine2: a?.line?.[1] ?? null,
    city: a?.city ?? null,
    state: a?.state ?? null,
    postalCode: a?.postalCode ?? null,
    ...(mrn ? { mrn } : {}),
    ...(p.active === undefined ? {} : { active: p.active }),
  };
}

const str = (max: number) => z.string().max(max);
/** The subset of Patient Salus stores; any other element is refused (never silently dropped). */
const patientBody = z.strictObject({
  resourceType: z.literal("Patient"),
  id: z.string().max(64).optional(),
  meta: z.object({ versionId: str(64).optional(), lastUpdated: str(64).optional() }).optional(),
  active: z.boolean().optional(),
  identifier: z
    .array(
      z.object({
        use: str(20).optional(),
        type: z.any().optional(),
        system: str(200).optional(),
        value: text(64).optional(),
      }),
    )
    .max(10)
    .optional(),
  name: z
    .array(
      z.strictObject({
        use: str(20).optional(),
        family: text(100).optional(),
        given: z.array(text(100)).max(5).optional(),
        text: str(300).optional(),
      }),
    )
    .min(1)
    .max(5),
  gender: z.enum(["female", "male", "other", "unknown"]).optional(),
  birthDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be YYYY-MM-DD"),
  telecom: z
    .array(z.strictObject({ system: z.enum(["phone", "email"]), value: text(320), use: str(20).optional() }))
    .max(10)
    .optional(),
  address: z
    .array(
      z.strictObject({
        use: str(20).optional(),
        line: z.array(text(200)).max(2).optional(),
        city: text(100).optional(),
        state: z.string().regex(STATE_CODE, STATE_CODE_MESSAGE).optional(),
        postalCode: text(20).optional(),
        country: text(50).optional(),
      }),
    )
    .max(3)
    .optional(),
  managingOrganization: z.object({ reference: str(200) }).optional(),
});

const AUDIT_ACTION: Record<string, "C" | "R" | "U" | "D" | "E"> = {
  create: "C",
  request: "C",
  read: "R",
  list: "R",
  search: "E",
  update: "U",
  decide: "U",
  export: "E",
};

/** An audit entry as a FHIR AuditEvent (DICOM/HL7 audit codes, Medplum's mapping). */
function toAuditEvent(e: {
  seq: number;
  chain_id: string;
  at: string;
  user_id: string | null;
  actor: string | null;
  action: string;
  resource_type: string | null;
  resource_id: string | null;
  patient_id: string | null;
  outcome: string;
  ip: string | null;
  detail: string | null;
}): AuditEvent {
  const verb = e.action.split(".").pop() ?? "";
  const entity: NonNullable<AuditEvent["entity"]> = [];
  if (e.patient_id) {
    entity.push({
      what: { reference: `Patient/${e.patient_id}` },
      role: { system: "http://terminology.hl7.org/CodeSystem/object-role", code: "1", display: "Patient" },
    });
  }
  if (
    e.resource_type &&
    e.resource_id &&
    !(e.resource_type === "Patient" && e.resource_id === e.patient_id)
  ) {
    entity.push({ what: { display: `${e.resource_type}/${e.resource_id}` } });
  }
  return {
    resourceType: "AuditEvent",
    // The chain id keeps its stripe suffix (`<org>.<k>`): entries of two stripes share seq numbers.
    id: `${e.chain_id}-${e.seq}`.slice(0, 64),
    type: { system: "urn:salus:audit-action", code: e.action },
    action: AUDIT_ACTION[verb] ?? "E",
    recorded: e.at,
    outcome: e.outcome === "success" ? "0" : e.outcome === "denied" ? "4" : "8",
    ...(e.outcome !== "success" ? { outcomeDesc: e.outcome } : {}),
    agent: [
      {
        who: {
          display: e.actor ?? "system",
          ...(e.user_id ? { identifier: { system: "urn:salus:user", value: e.user_id } } : {}),
        },
        requestor: true,
        ...(e.ip ? { network: { address: e.ip, type: "2" as const } } : {}),
      },
    ],
    source: { observer: { display: "Salus" } },
    ...(entity.length ? { entity } : {}),
    ...(e.detail ? { extension: [{ url: "urn:salus:fhir:audit-detail", valueString: e.detail }] } : {}),
  };
}

/** FHIR date search values: prefix (eq, ge, gt, le, lt) + a date or date-time. */
function dateBounds(values: string[], zone: string): { from?: string; to?: string } {
  const out: { from?: string; to?: string } = {};
  for (const v of values) {
    const m = /^(eq|ge|gt|le|lt)?(\d{4}-\d{2}-\d{2})(T[0-9:.]+(Z|[+-]\d{2}:\d{2}))?$/.exec(v);
    if (!m) throw invalid("date", "date must be [eq|ge|gt|le|lt]YYYY-MM-DD or a date-time with offset.");
    const prefix = m[1] ?? "eq";
    const instantStart = m[3] ? new Date(`${m[2]}${m[3]}`).toISOString() : null;
    const dayStart = instantStart ?? zonedStart(m[2]!, zone, 0);
    const dayEnd = instantStart ?? zonedStart(m[2]!, zone, 1);
    if (prefix === "eq") {
      out.from = dayStart;
      out.to = dayEnd;
    } else if (prefix === "ge" || prefix === "gt") out.from = prefix === "gt" ? dayEnd : dayStart;
    else out.to = prefix === "le" ? dayEnd : dayStart;
  }
  return out;
}

function zonedStart(date: string, zone: string, plusDays: number): string {
  // The instant at which `date` (+ plusDays) begins in `zone`.
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const guess = Date.UTC(y, m - 1, d + plusDays);
  const fmt = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
  });
  const parts = Object.fromEntries(fmt.formatToParts(new Date(guess)).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(+parts.year!, +parts.month! - 1, +parts.day!, +parts.hour!, +parts.minute!);
  return new Date(guess - (asUtc - guess)).toISOString();
}

const many = (max: number) => z.union([text(max), z.array(text(max)).max(4)]).optional();
const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export function fhirRecordsRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ["FHIR R4"];

  const today = async (actor: Actor) => dateInZone(services.clock(), await practiceZone(services, actor));

  r.post(`${BASE}/Patient`, {
    config: { permission: "patients:write" },
    schema: { tags, summary: "Create a patient", body: patientBody },
    handler: async (request, reply) => {
      const actor = actorOf(request);
      const created = await createPatient(services, actor, fromFhirPatient(request.body as FhirPatient));
      return reply
        .status(201)
        .header("location", `${baseUrl(request)}/Patient/${created.id}`)
        .send(toPatient(created, actor.organizationId));
    },
  });
  r.put(`${BASE}/Patient/:id`, {
    config: { permission: "patients:write" },
    schema: {
      tags,
      summary: "Update a patient (the elements Salus stores)",
      params: idParams,
      body: patientBody,
    },
    handler: async (request) => {
      const actor = actorOf(request);
      const body = request.body as FhirPatient;
      if (body.id !== undefined && body.id !== request.params.id) {
        throw invalid("id", "The resource id must match the id in the URL.");
      }
      const input = fromFhirPatient(body);
      // PUT replaces: elements left out are cleared (MRN and active stay unless sent).
      return toPatient(await updatePatient(services, actor, request.params.id, input), actor.organizationId);
    },
  });

  r.get(`${BASE}/Patient/:id/$everything`, {
    config: { permission: "records:export" },
    schema: {
      tags,
      summary: "Everything about one patient (the record export as a searchset)",
      params: idParams,
    },
    handler: async (request) => {
      const actor = actorOf(request);
      const day = await today(actor);
      const id = request.params.id;
      const resources = await audited(
        services,
        actor,
        { action: "record.everything", resourceType: "Patient", resourceId: id, patientId: id },
        async (trx) => recordResources(await readRecordForExport(trx, services, actor, id, day)),
      );
      return recordBundle(
        baseUrl(request),
        resources,
        "searchset",
        services.clock().toISOString(),
        selfLink(request),
      );
    },
  });

  for (const type of Object.keys(TYPES) as RecordType[]) {
    const permission =
      type === "Coverage" ? "patients:read" : type === "DocumentReference" ? "chart:read" : "encounters:read";
    r.get(`${BASE}/${type}`, {
      config: { permission },
      schema: {
        tags,
        summary: `Search ${type} by patient`,
        querystring: z.strictObject({
          patient: text(80).optional(),
          subject: text(80).optional(),
          ...paging,
        }),
      },
      handler: async (request): Promise<Bundle> => {
        const actor = actorOf(request);
        const q = request.query;
        const ref = q.patient ?? q.subject;
        if (!ref) throw invalid("patient", `Search ${type} by patient (patient=Patient/{id}).`);
        const patientId = patientParam(ref);
        const day = await today(actor);
        const all = await audited(
          services,
          actor,
          {
            action: `fhir.${type.toLowerCase()}.search`,
            resourceType: type,
            patientId,
            fromResult: (rs: Resource[]) => ({ detail: { count: rs.length } }),
          },
          (trx) => resourcesOf(trx, services, actor, type, patientId, day),
        );
        const page = all.slice(q._offset, q._offset + q._count);
        return searchBundle(
          baseUrl(request),
          type,
          page,
          all.length,
          selfLink(request),
          nextLink(request, q._offset, q._count, all.length),
        );
      },
    });
    r.get(`${BASE}/${type}/:id`, {
      config: { permission },
      schema: { tags, summary: `Read a ${type}`, params: idParams },
      handler: async (request) => {
        const actor = actorOf(request);
        const id = request.params.id;
        const day = await today(actor);
        return audited(
          services,
          actor,
          { action: `fhir.${type.toLowerCase()}.read`, resourceType: type, resourceId: id },
          async (trx) => {
            const patientId = await patientOfResource(trx, actor, type, id);
            if (!patientId) throw notFound(type);
            const found = (await resourcesOf(trx, services, actor, type, patientId, day)).find(
              (x) => x.id === id,
            );
            if (!found) throw notFound(type);
            return found;
          },
        );
      },
    });
  }

  r.get(`${BASE}/AuditEvent`, {
    config: { permission: "privacy:manage" },
    schema: {
      tags,
      summary: "Search the audit trail (privacy officer): patient, date, agent",
      querystring: z.strictObject({
        patient: text(80).optional(),
        entity: text(80).optional(),
        agent: text(80).optional(),
        date: many(40),
        action: text(100).optional(),
        ...paging,
      }),
    },
    handler: async (request) => {
      const actor = actorOf(request);
      const q = request.query;
      const ref = q.patient ?? q.entity;
      const patientId = ref ? patientParam(ref) : undefined;
      const agent = q.agent ? q.agent.replace(/^(Practitioner|User)\//, "") : undefined;
      const { from, to } = dateBounds(list(q.date), await practiceZone(services, actor));
      const found = await searchAuditEvents(services, actor, {
        patientId,
        userId: agent,
        from,
        to,
        action: q.action,
        limit: q._count,
        offset: q._offset,
      });
      const page = { items: found.items.map(toAuditEvent), total: found.total };
      return searchBundle(
        baseUrl(request),
        "AuditEvent",
        page.items,
        page.total,
        selfLink(request),
        nextLink(request, q._offset, q._count, page.total),
      );
    },
  });
}

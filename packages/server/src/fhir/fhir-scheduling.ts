import type { Appointment, CodeableConcept, Location, Reference, Schedule, Slot } from "@medplum/fhirtypes";
import { DomainError } from "@salus/core";
import { findSlots } from "@salus/core/scheduling/slots";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { DateTime } from "luxon";
import { z } from "zod";
import type { AppointmentStatus } from "../db/schema.ts";
import { actorOf } from "../http/guard.ts";
import { idParams, text } from "../http/schemas.ts";
import type { Actor, Services } from "../platform/services.ts";
import {
  type AppointmentTypeView,
  listAppointmentTypes,
  loadAppointmentType,
} from "../scheduling/appointment-types.ts";
import {
  type AppointmentView,
  bookAppointment,
  cancelAppointment,
  changeAppointmentStatus,
  getAppointment,
  listAppointments,
  loadAppointment,
  rescheduleAppointment,
  type SlotView,
  searchSlots,
} from "../scheduling/appointments.ts";
import { loadSlotContext } from "../scheduling/slot-context.ts";
import { searchBundle } from "./fhir-resources.ts";
import { BASE, baseUrl, nextLink, paging, selfLink } from "./fhir-routes.ts";

/**
 * FHIR R4 scheduling: Schedule (read, search), Slot (search) and Appointment (create, read, update,
 * search). Slots come from the same slot finder as `GET /api/slots`; appointments are booked, moved,
 * cancelled and read through the same use cases as the JSON API, so scoping, the double-booking guard
 * and the audit trail are identical.
 *
 * Ids (all `[A-Za-z0-9-]`, at most 64 characters, stable and decodable without a lookup table):
 * - Schedule: `p` (practitioner) or `r` (room), then the resource id and the location id, each a UUID
 *   written as 22 base-62 digits (45 characters). One Schedule exists per practitioner or room and per
 *   location where it has weekly hours (or dated extra hours).
 * - Slot: `{scheduleId}-{start, Unix seconds in base 36}-{first 10 base-62 digits of the appointment
 *   type id}`. A client passes it back in `Appointment.slot` to book it.
 */
export const APPOINTMENT_TYPE_SYSTEM = "urn:salus:appointment-type";
export const ROOM_SYSTEM = "urn:salus:room";

// ---------------------------------------------------------------------------------------------------
// Id encoding.

const B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TYPE_KEY_LENGTH = 10;

/** A UUID as 22 base-62 digits, or null when the id is not a UUID. */
export function compactUuid(uuid: string): string | null {
  if (!UUID.test(uuid)) return null;
  let n = BigInt(`0x${uuid.replaceAll("-", "")}`);
  let out = "";
  for (let i = 0; i < 22; i++) {
    out = B62[Number(n % 62n)]! + out;
    n /= 62n;
  }
  return out;
}

export function expandUuid(compact: string): string | null {
  if (!/^[0-9A-Za-z]{22}$/.test(compact)) return null;
  let n = 0n;
  for (const c of compact) n = n * 62n + BigInt(B62.indexOf(c));
  if (n >= 1n << 128n) return null;
  const hex = n.toString(16).padStart(32, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface ScheduleKey {
  kind: "practitioner" | "room";
  resourceId: string;
  locationId: string;
}

export function scheduleId(k: ScheduleKey): string | null {
  const resource = compactUuid(k.resourceId);
  const location = compactUuid(k.locationId);
  if (!resource || !location) return null;
  return `${k.kind === "practitioner" ? "p" : "r"}${resource}${location}`;
}

export function parseScheduleId(id: string): ScheduleKey | null {
  const m = /^([pr])([0-9A-Za-z]{22})([0-9A-Za-z]{22})$/.exec(id);
  if (!m) return null;
  const resourceId = expandUuid(m[2]!);
  const locationId = expandUuid(m[3]!);
  if (!resourceId || !locationId) return null;
  return { kind: m[1] === "p" ? "practitioner" : "room", resourceId, locationId };
}

export function slotId(schedule: string, start: number, appointmentTypeId: string): string {
  const type = compactUuid(appointmentTypeId) ?? "";
  return `${schedule}-${Math.floor(start / 1000).toString(36)}-${type.slice(0, TYPE_KEY_LENGTH)}`;
}

export function parseSlotId(
  id: string,
): { schedule: ScheduleKey; scheduleId: string; start: number; typeKey: string } | null {
  const m = /^([pr][0-9A-Za-z]{44})-([0-9a-z]{1,9})-([0-9A-Za-z]{10})$/.exec(id);
  if (!m) return null;
  const schedule = parseScheduleId(m[1]!);
  if (!schedule) return null;
  return { schedule, scheduleId: m[1]!, start: Number.parseInt(m[2]!, 36) * 1000, typeKey: m[3]! };
}

// ---------------------------------------------------------------------------------------------------
// Schedules: who (practitioner or room) is bookable where.

export interface ScheduleEntry extends ScheduleKey {
  id: string;
  resourceName: string;
  resourceActive: boolean;
  locationName: string;
  locationActive: boolean;
}

/** Every schedule of the caller's organization (not PHI: no patient is involved, so not audited). */
export async function loadSchedules(services: Services, actor: Actor): Promise<ScheduleEntry[]> {
  const db = services.db.kysely;
  const org = actor.organizationId;
  const templates = await db
    .selectFrom("availability_templates")
    .select(["resource_kind", "resource_id", "location_id"])
    .distinct()
    .where("organization_id", "=", org)
    .where("resource_kind", "in", ["practitioner", "room"])
    .execute();
  const extras = await db
    .selectFrom("availability_exceptions")
    .select(["resource_kind", "resource_id", "location_id"])
    .distinct()
    .where("organization_id", "=", org)
    .where("kind", "=", "extra")
    .where("resource_kind", "in", ["practitioner", "room"])
    .execute();
  const keys = new Map<string, ScheduleKey>();
  for (const r of [...templates, ...extras]) {
    if (!r.resource_id || (r.resource_kind !== "practitioner" && r.resource_kind !== "room")) continue;
    const key = { kind: r.resource_kind, resourceId: r.resource_id, locationId: r.location_id } as const;
    keys.set(`${key.kind}|${key.resourceId}|${key.locationId}`, key);
  }
  if (!keys.size) return [];
  const staff = await db
    .selectFrom("staff_members")
    .select(["id", "given_name", "family_name", "active"])
    .where("organization_id", "=", org)
    .where("kind", "=", "practitioner")
    .execute();
  const rooms = await db
    .selectFrom("rooms")
    .select(["id", "name", "active", "location_id"])
    .where("organization_id", "=", org)
    .execute();
  const locations = await db
    .selectFrom("locations")
    .select(["id", "name", "active"])
    .where("organization_id", "=", org)
    .execute();
  const staffBy = new Map(staff.map((s) => [s.id, s]));
  const roomBy = new Map(rooms.map((r) => [r.id, r]));
  const locationBy = new Map(locations.map((l) => [l.id, l]));
  const out: ScheduleEntry[] = [];
  for (const k of keys.values()) {
    const location = locationBy.get(k.locationId);
    const id = scheduleId(k);
    if (!location || !id) continue;
    if (k.kind === "practitioner") {
      const s = staffBy.get(k.resourceId);
      if (!s) continue;
      out.push({
        ...k,
        id,
        resourceName: `${s.given_name} ${s.family_name}`,
        resourceActive: s.active === 1,
        locationName: location.name,
        locationActive: location.active === 1,
      });
    } else {
      const r = roomBy.get(k.resourceId);
      if (!r || r.location_id !== k.locationId) continue;
      out.push({
        ...k,
        id,
        resourceName: r.name,
        resourceActive: r.active === 1,
        locationName: location.name,
        locationActive: location.active === 1,
      });
    }
  }
  return out.sort(
    (a, b) =>
      a.locationName.localeCompare(b.locationName) ||
      a.kind.localeCompare(b.kind) ||
      a.resourceName.localeCompare(b.resourceName) ||
      a.id.localeCompare(b.id),
  );
}

export function toSchedule(s: ScheduleEntry): Schedule {
  const location: Reference<Location> = { reference: `Location/${s.locationId}`, display: s.locationName };
  const actor: NonNullable<Schedule["actor"]> =
    s.kind === "practitioner"
      ? [{ reference: `Practitioner/${s.resourceId}`, display: s.resourceName }, location]
      : [
          location,
          {
            type: "Location",
            identifier: { system: ROOM_SYSTEM, value: s.resourceId },
            display: s.resourceName,
          },
        ];
  return {
    resourceType: "Schedule",
    id: s.id,
    active: s.resourceActive && s.locationActive,
    actor,
    comment: `${s.kind === "practitioner" ? "Practitioner" : "Room"} ${s.resourceName} at ${s.locationName}`,
  };
}

// ---------------------------------------------------------------------------------------------------
// Presenters.

function typeConcept(typeId: string, name?: string): CodeableConcept {
  return {
    coding: [{ system: APPOINTMENT_TYPE_SYSTEM, code: typeId, ...(name ? { display: name } : {}) }],
    ...(name ? { text: name } : {}),
  };
}

export function toSlot(schedule: string, slot: SlotView, type: AppointmentTypeView): Slot {
  const start = Date.parse(slot.start);
  return {
    resourceType: "Slot",
    id: slotId(schedule, start, type.id),
    schedule: { reference: `Schedule/${schedule}` },
    status: "free",
    start: slot.start,
    end: slot.end,
    serviceType: [typeConcept(type.id, type.name)],
    appointmentType: typeConcept(type.id, type.name),
  };
}

export function toAppointment(a: AppointmentView, typeName?: string): Appointment {
  const participant: NonNullable<Appointment["participant"]> = [
    {
      actor: { reference: `Patient/${a.patientId}`, display: a.patientName },
      required: "required",
      status: "accepted",
    },
    { actor: { reference: `Practitioner/${a.practitionerId}` }, required: "required", status: "accepted" },
    { actor: { reference: `Location/${a.locationId}` }, required: "required", status: "accepted" },
    ...(a.roomId
      ? [
          {
            actor: { type: "Location" as const, identifier: { system: ROOM_SYSTEM, value: a.roomId } },
            required: "required" as const,
            status: "accepted" as const,
          },
        ]
      : []),
  ];
  return {
    resourceType: "Appointment",
    id: a.id,
    meta: { versionId: String(a.version) },
    status: a.status,
    ...(a.status === "cancelled" && a.cancelReason ? { cancelationReason: { text: a.cancelReason } } : {}),
    serviceType: [typeConcept(a.appointmentTypeId, typeName)],
    appointmentType: typeConcept(a.appointmentTypeId, typeName),
    start: a.start,
    end: a.end,
    minutesDuration: Math.round((Date.parse(a.end) - Date.parse(a.start)) / 60_000),
    ...(a.note ? { comment: a.note } : {}),
    participant,
  };
}

// ---------------------------------------------------------------------------------------------------
// Search parameter parsing.

function invalid(path: string, message: string): DomainError {
  return new DomainError("invalid_request", message, [{ path, message }]);
}

/** `Type/{id}` (or a bare id when `bare` allows it) → the id; anything else is a 400. */
function referenceId(param: string, value: string, type: string, bare = true): string {
  const m = new RegExp(`^(?:${type}/)${bare ? "?" : ""}([A-Za-z0-9-]{1,64})$`).exec(value);
  if (!m) throw invalid(param, `${param} must be ${type}/{id}${bare ? " or an id" : ""}.`);
  return m[1]!;
}

type DateBound = { from: number; to: number };

/** The UTC instants [lo, hi) a FHIR date or dateTime value covers; values without an offset are read in `zone`. */
function dateRange(param: string, value: string, zone: string): DateBound {
  const m =
    /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/.exec(
      value,
    );
  if (!m)
    throw invalid(
      param,
      `${param} must be a FHIR date or dateTime such as 2026-03-03 or 2026-03-03T09:00:00Z.`,
    );
  const offset = m[8];
  const parsed = DateTime.fromISO(value, offset ? { setZone: true } : { zone });
  if (!parsed.isValid) throw invalid(param, `${param} is not a valid date: ${value}.`);
  const unit = m[7]
    ? "millisecond"
    : m[6]
      ? "second"
      : m[4]
        ? "minute"
        : m[3]
          ? "day"
          : m[2]
            ? "month"
            : "year";
  return { from: parsed.toMillis(), to: parsed.plus({ [`${unit}s`]: 1 }).toMillis() };
}

/** Intersects every `date`/`start` value (prefixes eq, ge, gt, le, lt) into one [from, to) range. */
function dateBounds(param: string, values: string[], zone: string): { from?: number; to?: number } {
  let from: number | undefined;
  let to: number | undefined;
  const lower = (v: number) => {
    from = from === undefined ? v : Math.max(from, v);
  };
  const upper = (v: number) => {
    to = to === undefined ? v : Math.min(to, v);
  };
  for (const raw of values) {
    const m = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)?(.*)$/.exec(raw)!;
    const prefix = m[1] ?? "eq";
    const r = dateRange(param, m[2]!, zone);
    switch (prefix) {
      case "eq":
        lower(r.from);
        upper(r.to);
        break;
      case "ge":
        lower(r.from);
        break;
      case "gt":
        lower(r.to);
        break;
      case "le":
        upper(r.to);
        break;
      case "lt":
        upper(r.from);
        break;
      default:
        throw invalid(param, `${param}: the prefix ${prefix} is not supported; use eq, ge, gt, le or lt.`);
    }
  }
  return { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
}

function listOf(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** A token `system|code` or `code` for our appointment type system: the code, or null (another system). */
function typeToken(value: string): string | null {
  const bar = value.indexOf("|");
  if (bar < 0) return value;
  const system = value.slice(0, bar);
  return system === "" || system === APPOINTMENT_TYPE_SYSTEM ? value.slice(bar + 1) : null;
}

async function requireType(services: Services, actor: Actor, path: string, typeId: string) {
  try {
    return await loadAppointmentType(services.db.kysely, actor, typeId);
  } catch (error) {
    if (error instanceof DomainError && error.code === "not_found")
      throw invalid(path, `${path}: no appointment type with the id ${typeId}.`);
    throw error;
  }
}

async function locationZone(services: Services, actor: Actor, locationId: string): Promise<string | null> {
  const row = await services.db.kysely
    .selectFrom("locations")
    .select("time_zone")
    .where("organization_id", "=", actor.organizationId)
    .where("id", "=", locationId)
    .executeTakeFirst();
  return row?.time_zone ?? null;
}

/** The practice's zone for dates without an offset: the only zone its locations use, else UTC. */
async function practiceZone(services: Services, actor: Actor): Promise<string> {
  const rows = await services.db.kysely
    .selectFrom("locations")
    .select("time_zone")
    .distinct()
    .where("organization_id", "=", actor.organizationId)
    .execute();
  return rows.length === 1 ? rows[0]!.time_zone : "UTC";
}

const query = (max: number) => z.union([text(max), z.array(text(max)).max(6)]).optional();

function single(param: string, v: string | string[] | undefined): string | undefined {
  if (Array.isArray(v)) {
    if (v.length > 1) throw invalid(param, `Give ${param} once.`);
    return v[0];
  }
  return v;
}

// ---------------------------------------------------------------------------------------------------
// Appointment input.

const instant = z
  .string()
  .max(40)
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/,
    "must be a FHIR instant with a time zone, e.g. 2026-03-10T15:00:00Z",
  )
  .refine((v) => !Number.isNaN(Date.parse(v)), "is not a valid date and time");
const coding = z.strictObject({
  system: text(200).optional(),
  code: text(64).optional(),
  display: text(200).optional(),
  version: text(40).optional(),
  userSelected: z.boolean().optional(),
});
const concept = z.strictObject({ coding: z.array(coding).max(10).optional(), text: text(500).optional() });
const identifier = z.strictObject({ system: text(200).optional(), value: text(200).optional() });
const participantIn = z.strictObject({
  actor: z.strictObject({
    reference: text(300).optional(),
    type: text(40).optional(),
    identifier: identifier.optional(),
    display: text(300).optional(),
  }),
  type: z.array(concept).max(5).optional(),
  required: z.enum(["required", "optional", "information-only"]).optional(),
  status: z.enum(["accepted", "declined", "tentative", "needs-action"]),
});
const APPOINTMENT_STATUSES = [
  "proposed",
  "pending",
  "booked",
  "arrived",
  "fulfilled",
  "cancelled",
  "noshow",
  "entered-in-error",
  "checked-in",
  "waitlist",
] as const;
const appointmentIn = z.strictObject({
  resourceType: z.literal("Appointment", { error: 'must be "Appointment"' }),
  id: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,64}$/, "is not a valid id")
    .optional(),
  meta: z
    .strictObject({
      versionId: z
        .string()
        .regex(/^\d{1,9}$/, "must be a version number")
        .optional(),
      lastUpdated: z.string().max(40).optional(),
    })
    .optional(),
  status: z.enum(APPOINTMENT_STATUSES),
  cancelationReason: concept.optional(),
  serviceType: z.array(concept).max(5).optional(),
  appointmentType: concept.optional(),
  start: instant.optional(),
  end: instant.optional(),
  minutesDuration: z.number().int().min(1).max(1440).optional(),
  slot: z
    .array(z.strictObject({ reference: text(200), display: text(200).optional() }))
    .max(1)
    .optional(),
  comment: text(1000).optional(),
  participant: z.array(participantIn).min(1, "must name at least the patient and the practitioner").max(10),
});
type AppointmentIn = z.infer<typeof appointmentIn>;

interface Participants {
  patientIds: string[];
  practitionerIds: string[];
  locationIds: string[];
  roomIds: string[];
}

function participantsOf(body: AppointmentIn): Participants {
  const out: Participants = { patientIds: [], practitionerIds: [], locationIds: [], roomIds: [] };
  body.participant.forEach((p, i) => {
    const path = `participant.${i}.actor`;
    if (p.actor.reference !== undefined) {
      const m = /^(Patient|Practitioner|Location)\/([A-Za-z0-9-]{1,64})$/.exec(p.actor.reference);
      if (!m)
        throw invalid(
          `${path}.reference`,
          `${path}.reference must be Patient/{id}, Practitioner/{id} or Location/{id}.`,
        );
      const list =
        m[1] === "Patient" ? out.patientIds : m[1] === "Practitioner" ? out.practitionerIds : out.locationIds;
      if (!list.includes(m[2]!)) list.push(m[2]!);
    } else if (p.actor.identifier?.system === ROOM_SYSTEM && p.actor.identifier.value) {
      if (!out.roomIds.includes(p.actor.identifier.value)) out.roomIds.push(p.actor.identifier.value);
    } else {
      throw invalid(
        path,
        `${path} needs a reference (Patient/{id}, Practitioner/{id}, Location/{id}) or a room identifier (${ROOM_SYSTEM}).`,
      );
    }
  });
  return out;
}

/** Our appointment type id from appointmentType and serviceType codings, or undefined when none is given. */
function typeIdOf(body: AppointmentIn): string | undefined {
  const codes = new Set<string>();
  for (const c of [...(body.appointmentType ? [body.appointmentType] : []), ...(body.serviceType ?? [])]) {
    for (const code of c.coding ?? [])
      if (code.system === APPOINTMENT_TYPE_SYSTEM && code.code) codes.add(code.code);
  }
  if (codes.size > 1)
    throw invalid("appointmentType", "appointmentType and serviceType name different appointment types.");
  return [...codes][0];
}

function atMostOne(list: string[], path: string, what: string): string | undefined {
  if (list.length > 1) throw invalid(path, `Give at most one ${what} participant.`);
  return list[0];
}

function cancelReasonOf(body: AppointmentIn): string | undefined {
  const c = body.cancelationReason;
  return c?.text ?? c?.coding?.find((x) => x.display)?.display ?? c?.coding?.find((x) => x.code)?.code;
}

function expectedVersion(request: FastifyRequest, body: AppointmentIn): number | undefined {
  const header = request.headers["if-match"];
  if (typeof header === "string") {
    const m = /^(?:W\/)?"(\d{1,9})"$/.exec(header.trim());
    if (!m) throw invalid("If-Match", 'If-Match must be a version tag such as W/"3".');
    return Number(m[1]);
  }
  return body.meta?.versionId !== undefined ? Number(body.meta.versionId) : undefined;
}

function sendAppointment(reply: FastifyReply, a: AppointmentView, typeName: string | undefined) {
  return reply.header("etag", `W/"${a.version}"`).send(toAppointment(a, typeName));
}

async function typeNames(services: Services, actor: Actor): Promise<Map<string, string>> {
  return new Map((await listAppointmentTypes(services, actor)).map((t) => [t.id, t.name]));
}

/** The booking a FHIR Appointment asks for (create), refusing anything Salus cannot honour. */
async function bookingFrom(services: Services, actor: Actor, body: AppointmentIn) {
  if (!["booked", "pending", "proposed"].includes(body.status))
    throw invalid("status", "A new appointment must be booked, pending or proposed.");
  if (body.cancelationReason)
    throw invalid("cancelationReason", "A new appointment cannot have a cancelationReason.");
  const parts = participantsOf(body);
  if (parts.patientIds.length !== 1)
    throw invalid("participant", "An appointment needs exactly one Patient participant.");
  let practitionerId = atMostOne(parts.practitionerIds, "participant", "Practitioner");
  let locationId = atMostOne(parts.locationIds, "participant", "Location");
  let roomId = atMostOne(parts.roomIds, "participant", "room");
  let typeId = typeIdOf(body);
  let start = body.start;
  if (body.slot?.length) {
    const ref = body.slot[0]!.reference;
    const decoded = parseSlotId(/^Slot\/(.+)$/.exec(ref)?.[1] ?? "");
    if (!decoded) throw invalid("slot", "slot must reference a Slot id from a Slot search (Slot/{id}).");
    const types = await listAppointmentTypes(services, actor);
    const matching = types.filter((t) => compactUuid(t.id)?.startsWith(decoded.typeKey));
    if (matching.length !== 1) throw invalid("slot", "That Slot names no appointment type of this practice.");
    const s = decoded.schedule;
    const slotStart = new Date(decoded.start).toISOString();
    const mismatch = (path: string, what: string) =>
      invalid(path, `The ${what} given differs from the Slot's; leave it out or make it match.`);
    if (typeId !== undefined && typeId !== matching[0]!.id)
      throw mismatch("appointmentType", "appointment type");
    if (start !== undefined && Date.parse(start) !== decoded.start) throw mismatch("start", "start");
    if (locationId !== undefined && locationId !== s.locationId) throw mismatch("participant", "Location");
    if (s.kind === "practitioner") {
      if (practitionerId !== undefined && practitionerId !== s.resourceId)
        throw mismatch("participant", "Practitioner");
      practitionerId = s.resourceId;
    } else {
      if (roomId !== undefined && roomId !== s.resourceId) throw mismatch("participant", "room");
      roomId = s.resourceId;
    }
    typeId = matching[0]!.id;
    start = slotStart;
    locationId = s.locationId;
  }
  if (!practitionerId)
    throw invalid(
      "participant",
      "An appointment needs a Practitioner participant (or a slot of a practitioner's Schedule).",
    );
  if (!typeId)
    throw invalid(
      "appointmentType",
      `Name the visit: appointmentType (or serviceType) with a coding of system ${APPOINTMENT_TYPE_SYSTEM} and an appointment type id.`,
    );
  if (!start) throw invalid("start", "An appointment needs a start (or a slot).");
  if (!locationId) {
    const where = new Set(
      (await loadSchedules(services, actor))
        .filter((s) => s.kind === "practitioner" && s.resourceId === practitionerId)
        .map((s) => s.locationId),
    );
    if (where.size !== 1)
      throw invalid(
        "participant",
        "Add a Location participant: the practitioner is not scheduled at exactly one location.",
      );
    locationId = [...where][0]!;
  }
  const type = await requireType(services, actor, "appointmentType", typeId);
  const startMs = Date.parse(start);
  let endMs = body.end !== undefined ? Date.parse(body.end) : undefined;
  if (endMs === undefined && body.minutesDuration !== undefined)
    endMs = startMs + body.minutesDuration * 60_000;
  if (
    endMs !== undefined &&
    body.minutesDuration !== undefined &&
    endMs - startMs !== body.minutesDuration * 60_000
  )
    throw invalid("minutesDuration", "minutesDuration does not match start and end.");
  // The type's own length is left to the use case, which then also picks a free room when none was named.
  const end =
    endMs !== undefined && endMs - startMs !== type.durationMinutes * 60_000
      ? new Date(endMs).toISOString()
      : undefined;
  return {
    patientId: parts.patientIds[0]!,
    appointmentTypeId: type.id,
    typeName: type.name,
    locationId,
    practitionerId,
    ...(roomId !== undefined ? { roomId } : {}),
    when: { start: new Date(startMs).toISOString() },
    ...(end ? { end } : {}),
    ...(body.comment ? { note: body.comment } : {}),
    status: body.status as "booked" | "pending" | "proposed",
  };
}

const STATUS_CHANGES: AppointmentStatus[] = [
  "pending",
  "booked",
  "arrived",
  "checked-in",
  "fulfilled",
  "noshow",
  "entered-in-error",
];

// ---------------------------------------------------------------------------------------------------
// Routes.

export function fhirSchedulingRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ["FHIR R4"];

  r.get(`${BASE}/Schedule`, {
    config: { permission: "schedule:read" },
    schema: {
      tags,
      summary: "Search schedules (one per practitioner or room and location)",
      querystring: z.strictObject({ _id: text(64).optional(), actor: text(200).optional(), ...paging }),
    },
    handler: async (request) => {
      const q = request.query;
      let items = await loadSchedules(services, actorOf(request));
      if (q._id) items = items.filter((s) => s.id === q._id);
      if (q.actor) {
        const m = /^(Practitioner|Location)\/([A-Za-z0-9-]{1,64})$/.exec(q.actor);
        if (!m) throw invalid("actor", "actor must be Practitioner/{id} or Location/{id}.");
        items = items.filter((s) =>
          m[1] === "Location" ? s.locationId === m[2] : s.kind === "practitioner" && s.resourceId === m[2],
        );
      }
      const total = items.length;
      return searchBundle(
        baseUrl(request),
        "Schedule",
        items.slice(q._offset, q._offset + q._count).map(toSchedule),
        total,
        selfLink(request),
        nextLink(request, q._offset, q._count, total),
      );
    },
  });
  r.get(`${BASE}/Schedule/:id`, {
    config: { permission: "schedule:read" },
    schema: { tags, summary: "Read a schedule", params: idParams },
    handler: async (request) => {
      const found = (await loadSchedules(services, actorOf(request))).find((s) => s.id === request.params.id);
      if (!found) throw new DomainError("not_found", "No schedule with that id.");
      return toSchedule(found);
    },
  });

  r.get(`${BASE}/Slot`, {
    config: { permission: "schedule:read" },
    schema: {
      tags,
      summary: "Search free slots (needs appointment-type, and location or schedule)",
      querystring: z.strictObject({
        schedule: query(200),
        start: query(60),
        status: query(100),
        "appointment-type": query(200),
        "service-type": query(200),
        location: query(200),
        ...paging,
      }),
    },
    handler: async (request) => {
      const q = request.query;
      const actor = actorOf(request);
      const empty = () => searchBundle(baseUrl(request), "Slot", [], 0, selfLink(request), null);
      for (const s of listOf(q.status).flatMap((v) => v.split(",")))
        if (s !== "free")
          throw invalid("status", "Only status=free is supported: Salus publishes free slots only.");
      const typeParams = [...listOf(q["appointment-type"]), ...listOf(q["service-type"])];
      if (!typeParams.length)
        throw invalid(
          "appointment-type",
          `appointment-type is required: the ${APPOINTMENT_TYPE_SYSTEM} code of the visit (slots depend on its length and resources).`,
        );
      const typeIds = new Set(typeParams.map(typeToken));
      if (typeIds.has(null) || typeIds.size > 1) return empty();
      const typeId = [...typeIds][0]!;
      const scheduleParam = single("schedule", q.schedule);
      const locationParam = single("location", q.location);
      let schedule: ScheduleEntry | undefined;
      if (scheduleParam !== undefined) {
        const sid = referenceId("schedule", scheduleParam, "Schedule");
        schedule = (await loadSchedules(services, actor)).find((s) => s.id === sid);
        if (!schedule) throw invalid("schedule", "schedule: no Schedule with that id.");
      }
      const requestedLocation =
        locationParam !== undefined ? referenceId("location", locationParam, "Location") : undefined;
      if (schedule && requestedLocation !== undefined && requestedLocation !== schedule.locationId)
        return empty();
      const locationId = requestedLocation ?? schedule?.locationId;
      if (!locationId)
        throw invalid(
          "location",
          "location is required (Location/{id}), or a schedule, which implies its location.",
        );
      const type = await requireType(services, actor, "appointment-type", typeId);
      const zone = await locationZone(services, actor, locationId);
      if (!zone) throw invalid("location", "location: no Location with that id.");

      const now = services.clock().getTime();
      const bounds = dateBounds("start", listOf(q.start), zone);
      const from = bounds.from ?? now;
      const to = bounds.to ?? from + 14 * 86_400_000;
      if (!(to > from)) return empty();
      const want = q._offset + q._count + 1;
      let found: { schedule: string; slot: SlotView }[];
      if (schedule?.kind === "room") {
        if (to - from > 62 * 86_400_000) throw invalid("start", "Search at most 62 days at a time.");
        const ctx = await loadSlotContext(services.db.kysely, actor, {
          appointmentTypeId: type.id,
          locationId,
          range: { start: from, end: to },
          now,
          // Time held by a waitlist offer is not a free Slot (issue 10, item 5).
          holds: {},
        });
        const roomIds = ctx.request.roomIds?.includes(schedule.resourceId) ? [schedule.resourceId] : [];
        const sid = schedule.id;
        found = findSlots({ ...ctx.request, roomIds, limit: want }).map((s) => ({
          schedule: sid,
          slot: {
            start: new Date(s.start).toISOString(),
            end: new Date(s.end).toISOString(),
            practitionerId: s.practitionerId,
            roomId: s.roomId,
            equipmentIds: s.equipmentIds,
          },
        }));
      } else {
        const slots = await searchSlots(services, actor, {
          appointmentTypeId: type.id,
          locationId,
          practitionerId: schedule?.resourceId,
          from: new Date(from).toISOString(),
          to: new Date(to).toISOString(),
          limit: want,
          eachPractitioner: true,
        });
        found = slots.flatMap((slot) => {
          const sid = scheduleId({ kind: "practitioner", resourceId: slot.practitionerId, locationId });
          return sid ? [{ schedule: sid, slot }] : [];
        });
      }
      const more = found.length > q._offset + q._count;
      const pageItems = found.slice(q._offset, q._offset + q._count);
      const bundle = searchBundle(
        baseUrl(request),
        "Slot",
        pageItems.map((f) => toSlot(f.schedule, f.slot, type)),
        q._offset + pageItems.length,
        selfLink(request),
        more ? nextLink(request, q._offset, q._count, Number.MAX_SAFE_INTEGER) : null,
      );
      // Only known when the finder ran out before the page did.
      if (more) delete bundle.total;
      return bundle;
    },
  });

  r.get(`${BASE}/Appointment`, {
    config: { permission: "schedule:read" },
    schema: {
      tags,
      summary: "Search appointments",
      querystring: z.strictObject({
        patient: query(200),
        practitioner: query(200),
        actor: query(200),
        location: query(200),
        date: query(60),
        status: query(300),
        ...paging,
      }),
    },
    handler: async (request) => {
      const q = request.query;
      const actor = actorOf(request);
      const empty = () => searchBundle(baseUrl(request), "Appointment", [], 0, selfLink(request), null);
      const ids = {
        patient: new Set<string>(),
        practitioner: new Set<string>(),
        location: new Set<string>(),
      };
      for (const v of listOf(q.patient)) ids.patient.add(referenceId("patient", v, "Patient"));
      for (const v of listOf(q.practitioner))
        ids.practitioner.add(referenceId("practitioner", v, "Practitioner"));
      for (const v of listOf(q.location)) ids.location.add(referenceId("location", v, "Location"));
      for (const v of listOf(q.actor)) {
        const m = /^(Patient|Practitioner|Location)\/([A-Za-z0-9-]{1,64})$/.exec(v);
        if (!m) throw invalid("actor", "actor must be Patient/{id}, Practitioner/{id} or Location/{id}.");
        ids[m[1]!.toLowerCase() as keyof typeof ids].add(m[2]!);
      }
      // Several values of one parameter must all hold (AND): two different ids match nothing.
      if (Object.values(ids).some((s) => s.size > 1)) return empty();
      const statuses = listOf(q.status).flatMap((v) => v.split(","));
      for (const s of statuses)
        if (!(APPOINTMENT_STATUSES as readonly string[]).includes(s))
          throw invalid("status", `status: ${s} is not an Appointment status.`);
      const locationId = [...ids.location][0];
      const zone = locationId
        ? ((await locationZone(services, actor, locationId)) ?? "UTC")
        : await practiceZone(services, actor);
      const bounds = dateBounds("date", listOf(q.date), zone);
      const from = bounds.from ?? Date.parse("1900-01-01T00:00:00Z");
      const to = bounds.to ?? Date.parse("2200-01-01T00:00:00Z");
      if (!(to > from)) return empty();
      const page = await listAppointments(services, actor, {
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
        patientId: [...ids.patient][0],
        practitionerId: [...ids.practitioner][0],
        locationId,
        status: statuses.length ? (statuses as AppointmentStatus[]) : undefined,
        limit: q._count,
        offset: q._offset,
      });
      const names = await typeNames(services, actor);
      return searchBundle(
        baseUrl(request),
        "Appointment",
        page.items.map((a) => toAppointment(a, names.get(a.appointmentTypeId))),
        page.total,
        selfLink(request),
        nextLink(request, q._offset, q._count, page.total),
      );
    },
  });

  r.get(`${BASE}/Appointment/:id`, {
    config: { permission: "schedule:read" },
    schema: { tags, summary: "Read an appointment", params: idParams },
    handler: async (request, reply) => {
      const actor = actorOf(request);
      const a = await getAppointment(services, actor, request.params.id);
      return sendAppointment(reply, a, (await typeNames(services, actor)).get(a.appointmentTypeId));
    },
  });

  r.post(`${BASE}/Appointment`, {
    config: { permission: "schedule:write" },
    schema: {
      tags,
      summary: "Book an appointment (409 OperationOutcome when the time is taken)",
      body: appointmentIn,
    },
    handler: async (request, reply) => {
      const actor = actorOf(request);
      const { typeName, ...input } = await bookingFrom(services, actor, request.body);
      const a = await bookAppointment(services, actor, input);
      return sendAppointment(
        reply.status(201).header("location", `${baseUrl(request)}/Appointment/${a.id}/_history/${a.version}`),
        a,
        typeName,
      );
    },
  });

  r.put(`${BASE}/Appointment/:id`, {
    config: { permission: "schedule:write" },
    schema: {
      tags,
      summary: "Update an appointment: move it (start, end, practitioner), cancel it, or change its status",
      params: idParams,
      body: appointmentIn,
    },
    handler: async (request, reply) => {
      const actor = actorOf(request);
      const id = request.params.id;
      const body = request.body;
      if (body.id !== id)
        throw invalid("id", "The resource's id must be present and equal the id in the URL.");
      const expected = expectedVersion(request, body);
      const current = await loadAppointment(services.db.kysely, actor, id);
      if (expected !== undefined && expected !== current.version)
        throw new DomainError(
          "conflict",
          `This appointment is at version ${current.version}, not ${expected}; read it again and reapply your change.`,
        );
      const parts = participantsOf(body);
      if (parts.patientIds.length !== 1 || parts.patientIds[0] !== current.patientId)
        throw invalid(
          "participant",
          "The patient of an appointment cannot change; book a new appointment instead.",
        );
      const typeId = typeIdOf(body);
      if (typeId !== undefined && typeId !== current.appointmentTypeId)
        throw invalid(
          "appointmentType",
          "The appointment type cannot change; book a new appointment instead.",
        );
      const locationId = atMostOne(parts.locationIds, "participant", "Location");
      if (locationId !== undefined && locationId !== current.locationId)
        throw invalid("participant", "The location cannot change; book a new appointment instead.");
      const practitionerId = atMostOne(parts.practitionerIds, "participant", "Practitioner");
      if (!practitionerId) throw invalid("participant", "An appointment needs a Practitioner participant.");
      const roomId = atMostOne(parts.roomIds, "participant", "room");
      if (!body.start || !body.end) throw invalid("start", "An appointment needs a start and an end.");
      if ((body.comment ?? null) !== (current.note ?? null))
        throw invalid("comment", "The comment cannot be changed through FHIR.");
      const startMs = Date.parse(body.start);
      const endMs = Date.parse(body.end);
      const moved =
        startMs !== Date.parse(current.start) ||
        endMs !== Date.parse(current.end) ||
        practitionerId !== current.practitionerId ||
        (roomId !== undefined && roomId !== current.roomId);
      const statusChanged = body.status !== current.status;
      if (moved && statusChanged)
        throw invalid("status", "Change the time or the status, not both in one update.");
      const names = await typeNames(services, actor);
      let updated: AppointmentView;
      if (statusChanged && body.status === "cancelled") {
        const reason = cancelReasonOf(body);
        if (!reason)
          throw invalid("cancelationReason", "Cancelling needs a cancelationReason (text or coding).");
        updated = await cancelAppointment(services, actor, id, {
          reason: reason.slice(0, 500),
          cancelledBy: "practice",
          expectedVersion: expected,
        });
      } else if (statusChanged) {
        if (!STATUS_CHANGES.includes(body.status))
          throw invalid("status", `An appointment cannot be set to ${body.status} by an update.`);
        updated = await changeAppointmentStatus(services, actor, id, body.status, expected);
      } else if (moved) {
        const type = await requireType(services, actor, "appointmentType", current.appointmentTypeId);
        updated = await rescheduleAppointment(services, actor, id, {
          when: { start: new Date(startMs).toISOString() },
          ...(endMs - startMs !== type.durationMinutes * 60_000
            ? { end: new Date(endMs).toISOString() }
            : {}),
          practitionerId,
          ...(roomId !== undefined && roomId !== current.roomId ? { roomId } : {}),
          expectedVersion: expected,
        });
      } else {
        updated = await getAppointment(services, actor, id);
      }
      return sendAppointment(reply, updated, names.get(updated.appointmentTypeId));
    },
  });
}

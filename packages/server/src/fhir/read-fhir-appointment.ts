import { isBookableStatus } from "@salus/core/scheduling/appointment-status";
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import { text } from "../http/schemas.ts";
import type { Actor, Services } from "../platform/services.ts";
import { listAppointmentTypes } from "../scheduling/list-appointment-types.ts";
import { APPOINTMENT_TYPE_SYSTEM, compactUuid, parseSlotId, ROOM_SYSTEM } from "./fhir-scheduling-ids.ts";
import { invalid, requireType } from "./fhir-scheduling-search.ts";
import { loadSchedules } from "./load-fhir-schedules.ts";

const instant = z
  .string()
  .max(40)
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/,
    "must be a FHIR instant with a time zone, e.g. 2026-03-10T15:00:00Z",
  )
  .refine((v) => !Number.isNaN(Date.parse(v)), "is not a valid date and time");
export const coding = z.strictObject({
  system: text(200).optional(),
  code: text(64).optional(),
  display: text(200).optional(),
  version: text(40).optional(),
  userSelected: z.boolean().optional(),
});
const concept = z.strictObject({ coding: z.array(coding).max(10).optional(), text: text(500).optional() });
export const identifier = z.strictObject({ system: text(200).optional(), value: text(200).optional() });
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
export const APPOINTMENT_STATUSES = [
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
export const appointmentIn = z.strictObject({
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

export function participantsOf(body: AppointmentIn): Participants {
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
export function typeIdOf(body: AppointmentIn): string | undefined {
  const codes = new Set<string>();
  for (const c of [...(body.appointmentType ? [body.appointmentType] : []), ...(body.serviceType ?? [])]) {
    for (const code of c.coding ?? [])
      if (code.system === APPOINTMENT_TYPE_SYSTEM && code.code) codes.add(code.code);
  }
  if (codes.size > 1)
    throw invalid("appointmentType", "appointmentType and serviceType name different appointment types.");
  return [...codes][0];
}

export function atMostOne(list: string[], path: string, what: string): string | undefined {
  if (list.length > 1) throw invalid(path, `Give at most one ${what} participant.`);
  return list[0];
}

export function cancelReasonOf(body: AppointmentIn): string | undefined {
  const c = body.cancelationReason;
  return c?.text ?? c?.coding?.find((x) => x.display)?.display ?? c?.coding?.find((x) => x.code)?.code;
}

export function expectedVersion(request: FastifyRequest, body: AppointmentIn): number | undefined {
  const header = request.headers["if-match"];
  if (typeof header === "string") {
    const m = /^(?:W\/)?"(\d{1,9})"$/.exec(header.trim());
    if (!m) throw invalid("If-Match", 'If-Match must be a version tag such as W/"3".');
    return Number(m[1]);
  }
  return body.meta?.versionId !== undefined ? Number(body.meta.versionId) : undefined;
}

/** The booking a FHIR Appointment asks for (create), refusing anything Salus cannot honour. */
export async function bookingFrom(services: Services, actor: Actor, body: AppointmentIn) {
  if (!isBookableStatus(body.status))
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
    status: body.status,
  };
}

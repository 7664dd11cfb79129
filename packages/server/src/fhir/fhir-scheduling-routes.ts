import { DomainError } from "@salus/core";
import { STATUS_CHANGE_TARGETS } from "@salus/core/scheduling/appointment-status";
import { findSlots } from "@salus/core/scheduling/slots";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppointmentStatus } from "../db/schema.ts";
import { actorOf } from "../http/guard.ts";
import { idParams, text } from "../http/schemas.ts";
import type { Actor, Services } from "../platform/services.ts";
import { type AppointmentView, loadAppointment } from "../scheduling/appointment-view.ts";
import { bookAppointment } from "../scheduling/book-appointment.ts";
import { cancelAppointment } from "../scheduling/cancel-appointment.ts";
import { changeAppointmentStatus } from "../scheduling/change-appointment-status.ts";
import { getAppointment } from "../scheduling/get-appointment.ts";
import { listAppointmentTypes } from "../scheduling/list-appointment-types.ts";
import { listAppointments } from "../scheduling/list-appointments.ts";
import { rescheduleAppointment } from "../scheduling/reschedule-appointment.ts";
import { type SlotView, searchSlots } from "../scheduling/search-slots.ts";
import { loadSlotContext } from "../scheduling/slot-context.ts";
import { BASE, baseUrl, nextLink, paging, selfLink } from "./fhir-links.ts";
import { searchBundle } from "./fhir-resources.ts";
import { APPOINTMENT_TYPE_SYSTEM, scheduleId } from "./fhir-scheduling-ids.ts";
import {
  dateBounds,
  invalid,
  listOf,
  locationZone,
  practiceZone,
  query,
  referenceId,
  requireType,
  single,
  typeToken,
} from "./fhir-scheduling-search.ts";
import { loadSchedules, type ScheduleEntry } from "./load-fhir-schedules.ts";
import { toAppointment } from "./present-fhir-appointment.ts";
import { toSchedule } from "./present-fhir-schedule.ts";
import { toSlot } from "./present-fhir-slot.ts";
import {
  APPOINTMENT_STATUSES,
  appointmentIn,
  atMostOne,
  bookingFrom,
  cancelReasonOf,
  expectedVersion,
  participantsOf,
  typeIdOf,
} from "./read-fhir-appointment.ts";

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

function sendAppointment(reply: FastifyReply, a: AppointmentView, typeName: string | undefined) {
  return reply.header("etag", `W/"${a.version}"`).send(toAppointment(a, typeName));
}

async function typeNames(services: Services, actor: Actor): Promise<Map<string, string>> {
  return new Map((await listAppointmentTypes(services, actor)).map((t) => [t.id, t.name]));
}

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
        const ctx = await loadSlotContext(services.systemDb, actor, {
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
      const current = await loadAppointment(services.systemDb, actor, id);
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
        if (!STATUS_CHANGE_TARGETS.includes(body.status))
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

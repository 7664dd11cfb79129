import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { undoNoShow } from "../../flow/no-shows.ts";
import type { Services } from "../../platform/services.ts";
import { acceptOffer } from "../../scheduling/accept-offer.ts";
import { addToWaitlist } from "../../scheduling/add-to-waitlist.ts";
import { bookAppointment } from "../../scheduling/book-appointment.ts";
import { bookSeries } from "../../scheduling/book-series.ts";
import { cancelAppointment } from "../../scheduling/cancel-appointment.ts";
import { changeAppointmentStatus } from "../../scheduling/change-appointment-status.ts";
import { changeSeries } from "../../scheduling/change-series.ts";
import { createAppointmentType } from "../../scheduling/create-appointment-type.ts";
import { createBlock } from "../../scheduling/create-block.ts";
import { createException } from "../../scheduling/create-exception.ts";
import { createTemplate } from "../../scheduling/create-template.ts";
import { declineOffer } from "../../scheduling/decline-offer.ts";
import { deleteBlock } from "../../scheduling/delete-block.ts";
import { deleteException } from "../../scheduling/delete-exception.ts";
import { deleteTemplate } from "../../scheduling/delete-template.ts";
import { getAppointment } from "../../scheduling/get-appointment.ts";
import { getSeries } from "../../scheduling/get-series.ts";
import { listAppointmentTypes } from "../../scheduling/list-appointment-types.ts";
import { listAppointments } from "../../scheduling/list-appointments.ts";
import { listBlocks } from "../../scheduling/list-blocks.ts";
import { listExceptions } from "../../scheduling/list-exceptions.ts";
import { listTemplates } from "../../scheduling/list-templates.ts";
import { listWaitlist } from "../../scheduling/list-waitlist.ts";
import { removeFromWaitlist } from "../../scheduling/remove-from-waitlist.ts";
import { rescheduleAppointment } from "../../scheduling/reschedule-appointment.ts";
import { loadSchedulingSettings } from "../../scheduling/scheduling-settings.ts";
import { searchSlots } from "../../scheduling/search-slots.ts";
import { updateAppointmentType } from "../../scheduling/update-appointment-type.ts";
import { updateSchedulingSettings } from "../../scheduling/update-scheduling-settings.ts";
import { actorOf } from "../guard.ts";
import { id, idParams, noContent, optionalText, page, plainDate, text } from "../schemas.ts";

const instant = z
  .string()
  .max(40)
  .refine(
    (v) => !Number.isNaN(Date.parse(v)) && /T/.test(v),
    "must be an ISO 8601 date and time, e.g. 2026-12-01T15:00:00Z",
  );
const wallTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be a time HH:mm");
const wallTimeOrEnd = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, "must be a time HH:mm");
const resourceKind = z.enum(["practitioner", "room", "equipment"]);
const status = z.enum([
  "proposed",
  "pending",
  "booked",
  "arrived",
  "checked-in",
  "fulfilled",
  "cancelled",
  "noshow",
  "entered-in-error",
  "waitlist",
]);
const when = z.union([
  z.strictObject({ start: instant }),
  z.strictObject({
    localDate: plainDate,
    localTime: wallTime,
    utcOffsetMinutes: z.number().int().min(-840).max(840).optional(),
  }),
]);

const appointmentOut = z.object({
  id: z.string(),
  status,
  patientId: z.string(),
  patientName: z.string(),
  appointmentTypeId: z.string(),
  locationId: z.string(),
  practitionerId: z.string(),
  roomId: z.string().nullable(),
  equipmentIds: z.array(z.string()),
  start: z.string(),
  end: z.string(),
  overbooked: z.boolean(),
  seriesId: z.string().nullable(),
  note: z.string().nullable(),
  cancelReason: z.string().nullable(),
  cancelledAt: z.string().nullable(),
  lateCancel: z.boolean(),
  version: z.number().int(),
  patientOverlapAllowed: z.boolean(),
  // Only on GET /api/appointments/:id: who confirmed a reminder or accepted a waitlist offer (issue 10, item 5).
  responses: z
    .array(
      z.object({
        kind: z.enum(["reminder-confirmed", "offer-accepted"]),
        by: z.string(),
        via: z.string(),
        link: z.string().nullable(),
        version: z.number().int(),
        at: z.string(),
      }),
    )
    .optional(),
});
// Explicit, audited overrides (issue 10, items 3-4): without them an overlap with another visit of the
// patient answers 409 patient_overlap, and a custom end past the type's bound answers 400.
const overrides = {
  allowPatientOverlap: z.boolean().optional(),
  allowLongVisit: z.boolean().optional(),
};
const typeFields = {
  name: text(120),
  durationMinutes: z.number().int().min(5).max(480),
  bufferBeforeMinutes: z.number().int().min(0).max(240).optional(),
  bufferAfterMinutes: z.number().int().min(0).max(240).optional(),
  minLeadMinutes: z
    .number()
    .int()
    .min(0)
    .max(60 * 24 * 90)
    .optional(),
  maxPerDay: z.number().int().min(1).max(100).nullable().optional(),
  stepMinutes: z.number().int().min(5).max(240).optional(),
  patientKind: z.enum(["any", "new", "established"]).optional(),
  practitionerIds: z.array(id).max(200).nullable().optional(),
  roomRequired: z.boolean().optional(),
  roomIds: z.array(id).max(200).nullable().optional(),
  equipmentKinds: z.array(text(100)).max(10).optional(),
  bookableByPatient: z.boolean().optional(),
  color: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/, "must be a colour like #3b82f6")
    .nullable()
    .optional(),
  active: z.boolean().optional(),
};
const typeOut = z.object({
  id: z.string(),
  name: z.string(),
  durationMinutes: z.number(),
  bufferBeforeMinutes: z.number(),
  bufferAfterMinutes: z.number(),
  minLeadMinutes: z.number(),
  maxPerDay: z.number().nullable(),
  stepMinutes: z.number(),
  patientKind: z.enum(["any", "new", "established"]),
  practitionerIds: z.array(z.string()).nullable(),
  roomRequired: z.boolean(),
  roomIds: z.array(z.string()).nullable(),
  equipmentKinds: z.array(z.string()),
  bookableByPatient: z.boolean(),
  color: z.string().nullable(),
  active: z.boolean(),
});
const settingsOut = z.object({
  reminderOffsetsHours: z.array(z.number()),
  lateCancelHours: z.number(),
  practitionerMaxConcurrent: z.number(),
  offerTtlMinutes: z.number(),
});

export function schedulingRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ["Scheduling"];

  r.get("/api/scheduling/settings", {
    config: { permission: "schedule:read" },
    schema: { tags, summary: "The practice's scheduling policy", response: { 200: settingsOut } },
    handler: async (req) => loadSchedulingSettings(services.db.kysely, actorOf(req).organizationId),
  });
  r.patch("/api/scheduling/settings", {
    config: { permission: "scheduling:manage" },
    schema: {
      tags,
      summary: "Change reminder times, late-cancellation window, overbooking policy, offer lifetime",
      body: z
        .strictObject({
          reminderOffsetsHours: z
            .array(
              z
                .number()
                .int()
                .min(1)
                .max(24 * 14),
            )
            .max(5)
            .optional(),
          lateCancelHours: z
            .number()
            .int()
            .min(0)
            .max(24 * 7)
            .optional(),
          practitionerMaxConcurrent: z.number().int().min(1).max(4).optional(),
          offerTtlMinutes: z
            .number()
            .int()
            .min(5)
            .max(60 * 72)
            .optional(),
        })
        .refine((v) => Object.keys(v).length > 0, "send at least one field to change"),
      response: { 200: settingsOut },
    },
    handler: async (req) => updateSchedulingSettings(services, actorOf(req), req.body),
  });

  r.get("/api/appointment-types", {
    config: { permission: "schedule:read" },
    schema: { tags, summary: "Appointment types", response: { 200: page(typeOut) } },
    handler: async (req) => {
      const items = await listAppointmentTypes(services, actorOf(req));
      return { items, total: items.length };
    },
  });
  r.post("/api/appointment-types", {
    config: { permission: "scheduling:manage" },
    schema: {
      tags,
      summary: "Create an appointment type",
      body: z.strictObject(typeFields),
      response: { 201: typeOut },
    },
    handler: async (req, reply) =>
      reply.status(201).send(await createAppointmentType(services, actorOf(req), req.body)),
  });
  r.patch("/api/appointment-types/:id", {
    config: { permission: "scheduling:manage" },
    schema: {
      tags,
      summary: "Change an appointment type",
      params: idParams,
      body: z
        .strictObject(typeFields)
        .partial()
        .refine((v) => Object.keys(v).length > 0, "send at least one field to change"),
      response: { 200: typeOut },
    },
    handler: async (req) => updateAppointmentType(services, actorOf(req), req.params.id, req.body),
  });

  const templateOut = z.object({
    id: z.string(),
    resourceKind,
    resourceId: z.string(),
    locationId: z.string(),
    weekday: z.number(),
    start: z.string(),
    end: z.string(),
    effectiveFrom: z.string(),
    effectiveTo: z.string().nullable(),
  });
  r.get("/api/availability/templates", {
    config: { permission: "schedule:read" },
    schema: {
      tags,
      summary: "Weekly availability templates",
      querystring: z.strictObject({ resourceId: id.optional(), locationId: id.optional() }),
      response: { 200: page(templateOut) },
    },
    handler: async (req) => {
      const items = await listTemplates(services, actorOf(req), req.query);
      return { items, total: items.length };
    },
  });
  r.post("/api/availability/templates", {
    config: { permission: "scheduling:manage" },
    schema: {
      tags,
      summary: "Add a weekly window (local time of the location)",
      body: z.strictObject({
        resourceKind,
        resourceId: id,
        locationId: id,
        weekday: z.number().int().min(1).max(7),
        start: wallTime,
        end: wallTimeOrEnd,
        effectiveFrom: plainDate,
        effectiveTo: plainDate.nullable(),
      }),
      response: { 201: templateOut },
    },
    handler: async (req, reply) =>
      reply.status(201).send(await createTemplate(services, actorOf(req), req.body)),
  });
  r.delete("/api/availability/templates/:id", {
    config: { permission: "scheduling:manage" },
    schema: { tags, summary: "Remove a weekly window", params: idParams, response: { 204: noContent } },
    handler: async (req, reply) => {
      await deleteTemplate(services, actorOf(req), req.params.id);
      return reply.status(204).send();
    },
  });

  const exceptionOut = z.object({
    id: z.string(),
    kind: z.enum(["extra", "unavailable", "closure"]),
    resourceKind: resourceKind.nullable(),
    resourceId: z.string().nullable(),
    locationId: z.string(),
    date: z.string(),
    start: z.string().nullable(),
    end: z.string().nullable(),
    reason: z.string().nullable(),
  });
  r.get("/api/availability/exceptions", {
    config: { permission: "schedule:read" },
    schema: {
      tags,
      summary: "Dated exceptions and closures",
      querystring: z.strictObject({
        from: plainDate.optional(),
        to: plainDate.optional(),
        locationId: id.optional(),
      }),
      response: { 200: page(exceptionOut) },
    },
    handler: async (req) => {
      const items = await listExceptions(services, actorOf(req), req.query);
      return { items, total: items.length };
    },
  });
  r.post("/api/availability/exceptions", {
    config: { permission: "scheduling:manage" },
    schema: {
      tags,
      summary: "Add extra hours, a day off, or a location closure (holiday)",
      body: z.strictObject({
        kind: z.enum(["extra", "unavailable", "closure"]),
        resourceKind: resourceKind.nullable().default(null),
        resourceId: id.nullable().default(null),
        locationId: id,
        date: plainDate,
        start: wallTime.nullable().default(null),
        end: wallTimeOrEnd.nullable().default(null),
        reason: optionalText(200).transform((v) => v ?? null),
      }),
      response: { 201: exceptionOut },
    },
    handler: async (req, reply) =>
      reply.status(201).send(await createException(services, actorOf(req), req.body)),
  });
  r.delete("/api/availability/exceptions/:id", {
    config: { permission: "scheduling:manage" },
    schema: { tags, summary: "Remove an exception", params: idParams, response: { 204: noContent } },
    handler: async (req, reply) => {
      await deleteException(services, actorOf(req), req.params.id);
      return reply.status(204).send();
    },
  });

  const blockOut = z.object({
    id: z.string(),
    resourceKind,
    resourceId: z.string(),
    start: z.string(),
    end: z.string(),
    reason: z.string().nullable(),
  });
  r.get("/api/availability/blocks", {
    config: { permission: "schedule:read" },
    schema: {
      tags,
      summary: "Blocked times",
      querystring: z.strictObject({
        from: instant.optional(),
        to: instant.optional(),
        resourceId: id.optional(),
      }),
      response: { 200: page(blockOut) },
    },
    handler: async (req) => {
      const items = await listBlocks(services, actorOf(req), req.query);
      return { items, total: items.length };
    },
  });
  r.post("/api/availability/blocks", {
    config: { permission: "schedule:write" },
    schema: {
      tags,
      summary: "Block time on a practitioner, room or equipment",
      body: z.strictObject({
        resourceKind,
        resourceId: id,
        start: instant,
        end: instant,
        reason: optionalText(200).transform((v) => v ?? null),
      }),
      response: { 201: blockOut },
    },
    handler: async (req, reply) =>
      reply.status(201).send(await createBlock(services, actorOf(req), req.body)),
  });
  r.delete("/api/availability/blocks/:id", {
    config: { permission: "schedule:write" },
    schema: { tags, summary: "Remove a block", params: idParams, response: { 204: noContent } },
    handler: async (req, reply) => {
      await deleteBlock(services, actorOf(req), req.params.id);
      return reply.status(204).send();
    },
  });

  const slotOut = z.object({
    start: z.string(),
    end: z.string(),
    practitionerId: z.string(),
    roomId: z.string().nullable(),
    equipmentIds: z.array(z.string()),
  });
  r.get("/api/slots", {
    config: { permission: "schedule:read" },
    schema: {
      tags,
      summary: "Find open start times for an appointment type",
      querystring: z.strictObject({
        appointmentTypeId: id,
        locationId: id,
        practitionerId: id.optional(),
        from: instant,
        to: instant,
        limit: z.coerce.number().int().min(1).max(1000).optional(),
        eachPractitioner: z
          .enum(["true", "false"])
          .optional()
          .transform((v) => v === "true"),
      }),
      response: { 200: z.object({ items: z.array(slotOut) }) },
    },
    handler: async (req) => ({ items: await searchSlots(services, actorOf(req), req.query) }),
  });

  r.get("/api/appointments", {
    config: { permission: "schedule:read" },
    schema: {
      tags,
      summary: "Appointments starting in a range",
      querystring: z.strictObject({
        from: instant,
        to: instant,
        locationId: id.optional(),
        practitionerId: id.optional(),
        patientId: id.optional(),
        status: z
          .union([status, z.array(status)])
          .optional()
          .transform((v) => (v === undefined ? undefined : Array.isArray(v) ? v : [v])),
        limit: z.coerce.number().int().min(1).max(1000).default(500),
        offset: z.coerce.number().int().min(0).default(0),
      }),
      response: { 200: page(appointmentOut) },
    },
    handler: async (req) => listAppointments(services, actorOf(req), req.query),
  });
  r.get("/api/appointments/:id", {
    config: { permission: "schedule:read" },
    schema: { tags, summary: "Read an appointment", params: idParams, response: { 200: appointmentOut } },
    handler: async (req) => getAppointment(services, actorOf(req), req.params.id),
  });
  r.post("/api/appointments", {
    config: { permission: "schedule:write" },
    schema: {
      tags,
      summary:
        "Book an appointment (409 conflict when the time is taken, 409 patient_overlap when the patient has another visit then)",
      body: z.strictObject({
        patientId: id,
        appointmentTypeId: id,
        locationId: id,
        practitionerId: id,
        roomId: id.nullable().optional(),
        equipmentIds: z.array(id).max(10).optional(),
        when,
        end: instant.optional(),
        note: optionalText(1000),
        status: z.enum(["booked", "pending", "proposed"]).optional(),
        allowOverbook: z.boolean().optional(),
        ...overrides,
      }),
      response: { 201: appointmentOut },
    },
    handler: async (req, reply) =>
      reply.status(201).send(await bookAppointment(services, actorOf(req), req.body)),
  });
  r.post("/api/appointments/:id/reschedule", {
    config: { permission: "schedule:write" },
    schema: {
      tags,
      summary: "Move an appointment (atomic; 409 when the new time is taken)",
      params: idParams,
      body: z.strictObject({
        when,
        end: instant.optional(),
        practitionerId: id.optional(),
        roomId: id.nullable().optional(),
        equipmentIds: z.array(id).max(10).optional(),
        allowOverbook: z.boolean().optional(),
        ...overrides,
        expectedVersion: z.number().int().min(1).optional(),
      }),
      response: { 200: appointmentOut },
    },
    handler: async (req) => rescheduleAppointment(services, actorOf(req), req.params.id, req.body),
  });
  r.post("/api/appointments/:id/cancel", {
    config: { permission: "schedule:write" },
    schema: {
      tags,
      summary: "Cancel an appointment (records who, why, and whether it was late)",
      params: idParams,
      body: z.strictObject({
        reason: text(500),
        cancelledBy: z.enum(["patient", "practice", "practitioner"]).optional(),
        expectedVersion: z.number().int().min(1).optional(),
      }),
      response: { 200: appointmentOut },
    },
    handler: async (req) => cancelAppointment(services, actorOf(req), req.params.id, req.body),
  });
  r.post("/api/appointments/:id/status", {
    config: { permission: "schedule:write" },
    schema: {
      tags,
      summary: "Mark arrived, checked-in, fulfilled, no-show or entered in error",
      params: idParams,
      body: z.strictObject({
        status: z.enum([
          "pending",
          "booked",
          "arrived",
          "checked-in",
          "fulfilled",
          "noshow",
          "entered-in-error",
        ]),
        expectedVersion: z.number().int().min(1).optional(),
      }),
      response: { 200: appointmentOut },
    },
    handler: async (req) =>
      changeAppointmentStatus(
        services,
        actorOf(req),
        req.params.id,
        req.body.status,
        req.body.expectedVersion,
      ),
  });

  r.post("/api/appointments/:id/undo-no-show", {
    config: { permission: "schedule:write" },
    schema: {
      tags,
      summary:
        "Undo a no-show marked by mistake: booked again if its time is still free (409 otherwise); any no-show fee is reversed",
      params: idParams,
      body: z.strictObject({
        reason: optionalText(500),
        expectedVersion: z.number().int().min(1).optional(),
      }),
      response: {
        200: z.object({
          appointment: appointmentOut,
          reversedFee: z
            .object({ id: z.string(), amountCents: z.number().int(), status: z.enum(["pending", "waived"]) })
            .nullable(),
        }),
      },
    },
    handler: async (req) =>
      undoNoShow(services, actorOf(req), req.params.id, {
        reason: req.body.reason ?? undefined,
        expectedVersion: req.body.expectedVersion,
      }),
  });

  // Recurring series
  const seriesResult = z.object({
    seriesId: z.string(),
    booked: z.array(appointmentOut),
    skipped: z.array(z.object({ index: z.number(), localDate: z.string(), reason: z.string() })),
  });
  r.post("/api/appointment-series", {
    config: { permission: "schedule:write" },
    schema: {
      tags,
      summary: "Book a recurring series (all or nothing unless onConflict is skip)",
      body: z.strictObject({
        patientId: id,
        appointmentTypeId: id,
        locationId: id,
        practitionerId: id,
        roomId: id.nullable().optional(),
        equipmentIds: z.array(id).max(10).optional(),
        note: optionalText(1000),
        rrule: text(500),
        localDate: plainDate,
        localTime: wallTime,
        horizon: plainDate.optional(),
        onConflict: z.enum(["fail", "skip"]).optional(),
        allowPatientOverlap: z.boolean().optional(),
      }),
      response: { 201: seriesResult },
    },
    handler: async (req, reply) => reply.status(201).send(await bookSeries(services, actorOf(req), req.body)),
  });
  r.get("/api/appointment-series/:id", {
    config: { permission: "schedule:read" },
    schema: {
      tags,
      summary: "Every occurrence of a series, cancelled ones included",
      params: idParams,
      response: { 200: page(appointmentOut) },
    },
    handler: async (req) => {
      const items = await getSeries(services, actorOf(req), req.params.id);
      return { items, total: items.length };
    },
  });
  r.post("/api/appointment-series/:id/change", {
    config: { permission: "schedule:write" },
    schema: {
      tags,
      summary: "Cancel or move one occurrence, this and the following, or all",
      params: idParams,
      body: z.strictObject({
        fromAppointmentId: id,
        scope: z.enum(["one", "following", "all"]),
        action: z.enum(["cancel", "move"]),
        reason: text(500).optional(),
        newLocalTime: wallTime.optional(),
        practitionerId: id.optional(),
      }),
      response: { 200: page(appointmentOut) },
    },
    handler: async (req) => {
      const items = await changeSeries(services, actorOf(req), req.params.id, req.body);
      return { items, total: items.length };
    },
  });

  // Waitlist
  const offerOut = z.object({
    id: z.string(),
    start: z.string(),
    end: z.string(),
    practitionerId: z.string(),
    roomId: z.string().nullable(),
    rank: z.number(),
    status: z.string(),
    expiresAt: z.string(),
  });
  const entryOut = z.object({
    id: z.string(),
    patientId: z.string(),
    patientName: z.string(),
    appointmentTypeId: z.string(),
    locationId: z.string(),
    practitionerId: z.string().nullable(),
    currentAppointmentId: z.string().nullable(),
    earliestDate: z.string(),
    latestDate: z.string(),
    weekdays: z.array(z.number()),
    timeFrom: z.string().nullable(),
    timeTo: z.string().nullable(),
    priority: z.number(),
    status: z.string(),
    note: z.string().nullable(),
    bookedAppointmentId: z.string().nullable(),
    createdAt: z.string(),
    offers: z.array(offerOut),
  });
  r.get("/api/waitlist", {
    config: { permission: "schedule:read" },
    schema: {
      tags,
      summary: "Waiting patients and their open offers",
      querystring: z.strictObject({
        status: z
          .union([z.string(), z.array(z.string())])
          .optional()
          .transform((v) => (v === undefined ? undefined : Array.isArray(v) ? v : [v])),
      }),
      response: { 200: page(entryOut) },
    },
    handler: async (req) => {
      const items = await listWaitlist(services, actorOf(req), req.query.status);
      return { items, total: items.length };
    },
  });
  r.post("/api/waitlist", {
    config: { permission: "schedule:write" },
    schema: {
      tags,
      summary: "Put a patient on the waitlist",
      body: z.strictObject({
        patientId: id,
        appointmentTypeId: id,
        locationId: id,
        practitionerId: id.nullable().optional(),
        currentAppointmentId: id.nullable().optional(),
        earliestDate: plainDate,
        latestDate: plainDate,
        weekdays: z.array(z.number().int().min(1).max(7)).max(7).optional(),
        timeFrom: wallTime.nullable().optional(),
        timeTo: wallTimeOrEnd.nullable().optional(),
        priority: z.number().int().min(0).max(10).optional(),
        note: optionalText(500),
      }),
      response: { 201: entryOut },
    },
    handler: async (req, reply) =>
      reply.status(201).send(await addToWaitlist(services, actorOf(req), req.body)),
  });
  r.delete("/api/waitlist/:id", {
    config: { permission: "schedule:write" },
    schema: {
      tags,
      summary: "Take a patient off the waitlist",
      params: idParams,
      response: { 204: noContent },
    },
    handler: async (req, reply) => {
      await removeFromWaitlist(services, actorOf(req), req.params.id);
      return reply.status(204).send();
    },
  });
  r.post("/api/waitlist/offers/:id/accept", {
    config: { permission: "schedule:write" },
    schema: {
      tags,
      summary: "Accept an offer for the patient (first acceptance wins; 409 after)",
      params: idParams,
      response: { 200: appointmentOut },
    },
    handler: async (req) => acceptOffer(services, actorOf(req), req.params.id),
  });
  r.post("/api/waitlist/offers/:id/decline", {
    config: { permission: "schedule:write" },
    schema: {
      tags,
      summary: "Decline an offer (the patient stays on the waitlist)",
      params: idParams,
      response: { 204: noContent },
    },
    handler: async (req, reply) => {
      await declineOffer(services, actorOf(req), req.params.id);
      return reply.status(204).send();
    },
  });
}

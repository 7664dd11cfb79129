import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { organizationDb } from "../db/scoped.ts";
import { undoNoShow } from "../flow/no-shows.ts";
import { actorOf } from "../http/guard.ts";
import { id, idParams, noContent, optionalText, page, plainDate, text } from "../http/schemas.ts";
import type { Services } from "../platform/services.ts";
import { acceptOffer } from "./accept-offer.ts";
import { addToWaitlist } from "./add-to-waitlist.ts";
import { bookAppointment } from "./book-appointment.ts";
import { bookSeries } from "./book-series.ts";
import { cancelAppointment } from "./cancel-appointment.ts";
import { changeAppointmentStatus } from "./change-appointment-status.ts";
import { changeSeries } from "./change-series.ts";
import { createAppointmentType } from "./create-appointment-type.ts";
import { createBlock } from "./create-block.ts";
import { createException } from "./create-exception.ts";
import { createTemplate } from "./create-template.ts";
import { declineOffer } from "./decline-offer.ts";
import { deleteBlock } from "./delete-block.ts";
import { deleteException } from "./delete-exception.ts";
import { deleteTemplate } from "./delete-template.ts";
import { getAppointment } from "./get-appointment.ts";
import { getSeries } from "./get-series.ts";
import { listAppointmentTypes } from "./list-appointment-types.ts";
import { listAppointments } from "./list-appointments.ts";
import { listBlocks } from "./list-blocks.ts";
import { listExceptions } from "./list-exceptions.ts";
import { listTemplates } from "./list-templates.ts";
import { listWaitlist } from "./list-waitlist.ts";
import { removeFromWaitlist } from "./remove-from-waitlist.ts";
import { rescheduleAppointment } from "./reschedule-appointment.ts";
import { loadSchedulingSettings } from "./scheduling-settings.ts";
import {
  appointmentOut,
  appointmentStatus,
  blockOut,
  bookIn,
  cancelIn,
  entryOut,
  exceptionOut,
  instant,
  rescheduleIn,
  resourceKind,
  schedulingSettingsOut,
  seriesResult,
  slotOut,
  statusChangeIn,
  templateOut,
  typeFields,
  typeOut,
  undoNoShowOut,
  waitlistIn,
  wallTime,
  wallTimeOrEnd,
} from "./schemas.ts";
import { searchSlots } from "./search-slots.ts";
import { updateAppointmentType } from "./update-appointment-type.ts";
import { updateSchedulingSettings } from "./update-scheduling-settings.ts";

export function schedulingRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ["Scheduling"];

  r.get("/api/scheduling/settings", {
    config: { permission: "schedule:read" },
    schema: { tags, summary: "The practice's scheduling policy", response: { 200: schedulingSettingsOut } },
    handler: async (req) =>
      loadSchedulingSettings(
        organizationDb(services.db, actorOf(req).organizationId),
        actorOf(req).organizationId,
      ),
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
      response: { 200: schedulingSettingsOut },
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
          .union([appointmentStatus, z.array(appointmentStatus)])
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
      body: bookIn,
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
      body: rescheduleIn,
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
      body: cancelIn,
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
      body: statusChangeIn,
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
        200: undoNoShowOut,
      },
    },
    handler: async (req) =>
      undoNoShow(services, actorOf(req), req.params.id, {
        reason: req.body.reason ?? undefined,
        expectedVersion: req.body.expectedVersion,
      }),
  });

  // Recurring series
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
      body: waitlistIn,
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

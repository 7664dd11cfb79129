import { APPOINTMENT_STATUSES } from "@salus/core/scheduling/appointment-status";
import { z } from "zod";
import { id, optionalText, plainDate, text } from "../http/schemas.ts";

/**
 * Scheduling's API shapes (appointments, types, availability, slots, series, the waitlist, the
 * practice's policy): the zod schemas the routes validate and serialize with, and the view types inferred
 * from them. The use cases return these views; the web imports the types (type-only).
 */

export const instant = z
  .string()
  .max(40)
  .refine(
    (v) => !Number.isNaN(Date.parse(v)) && /T/.test(v),
    "must be an ISO 8601 date and time, e.g. 2026-12-01T15:00:00Z",
  );
export const wallTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be a time HH:mm");
export const wallTimeOrEnd = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, "must be a time HH:mm");
export const resourceKind = z.enum(["practitioner", "room", "equipment"]);
export const appointmentStatus = z.enum(APPOINTMENT_STATUSES);
export const when = z.union([
  z.strictObject({ start: instant }),
  z.strictObject({
    localDate: plainDate,
    localTime: wallTime,
    utcOffsetMinutes: z.number().int().min(-840).max(840).optional(),
  }),
]);

export const appointmentResponseOut = z.object({
  kind: z.enum(["reminder-confirmed", "offer-accepted"]),
  by: z.string(),
  via: z.string(),
  link: z.string().nullable(),
  version: z.number().int(),
  at: z.string(),
});
export const appointmentOut = z.object({
  id: z.string(),
  status: appointmentStatus,
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
  responses: z.array(appointmentResponseOut).optional(),
});
// Explicit, audited overrides (issue 10, items 3-4): without them an overlap with another visit of the
// patient answers 409 patient_overlap, and a custom end past the type's bound answers 400.
export const overrides = {
  allowPatientOverlap: z.boolean().optional(),
  allowLongVisit: z.boolean().optional(),
};
export const typeFields = {
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
export const typeOut = z.object({
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
export const schedulingSettingsOut = z.object({
  reminderOffsetsHours: z.array(z.number()),
  lateCancelHours: z.number(),
  practitionerMaxConcurrent: z.number(),
  offerTtlMinutes: z.number(),
});

export const templateOut = z.object({
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
export const exceptionOut = z.object({
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
export const blockOut = z.object({
  id: z.string(),
  resourceKind,
  resourceId: z.string(),
  start: z.string(),
  end: z.string(),
  reason: z.string().nullable(),
});
export const slotOut = z.object({
  start: z.string(),
  end: z.string(),
  practitionerId: z.string(),
  roomId: z.string().nullable(),
  equipmentIds: z.array(z.string()),
});
export const seriesResult = z.object({
  seriesId: z.string(),
  booked: z.array(appointmentOut),
  skipped: z.array(z.object({ index: z.number(), localDate: z.string(), reason: z.string() })),
});
export const offerOut = z.object({
  id: z.string(),
  start: z.string(),
  end: z.string(),
  practitionerId: z.string(),
  roomId: z.string().nullable(),
  rank: z.number(),
  status: z.string(),
  expiresAt: z.string(),
});
export const entryOut = z.object({
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
export const bookIn = z.strictObject({
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
});
export const rescheduleIn = z.strictObject({
  when,
  end: instant.optional(),
  practitionerId: id.optional(),
  roomId: id.nullable().optional(),
  equipmentIds: z.array(id).max(10).optional(),
  allowOverbook: z.boolean().optional(),
  ...overrides,
  expectedVersion: z.number().int().min(1).optional(),
});
export const cancelIn = z.strictObject({
  reason: text(500),
  cancelledBy: z.enum(["patient", "practice", "practitioner"]).optional(),
  expectedVersion: z.number().int().min(1).optional(),
});
export const statusChangeIn = z.strictObject({
  status: z.enum(["pending", "booked", "arrived", "checked-in", "fulfilled", "noshow", "entered-in-error"]),
  expectedVersion: z.number().int().min(1).optional(),
});
export const undoNoShowOut = z.object({
  appointment: appointmentOut,
  reversedFee: z
    .object({ id: z.string(), amountCents: z.number().int(), status: z.enum(["pending", "waived"]) })
    .nullable(),
});
export const waitlistIn = z.strictObject({
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
});

export type AppointmentStatus = z.output<typeof appointmentStatus>;
export type ResourceKind = z.output<typeof resourceKind>;
export type When = z.input<typeof when>;
export type AppointmentView = z.output<typeof appointmentOut>;
export type AppointmentResponseView = z.output<typeof appointmentResponseOut>;
export type AppointmentTypeView = z.output<typeof typeOut>;
export type SchedulingSettings = z.output<typeof schedulingSettingsOut>;
export type TemplateView = z.output<typeof templateOut>;
export type ExceptionView = z.output<typeof exceptionOut>;
export type BlockView = z.output<typeof blockOut>;
export type SlotView = z.output<typeof slotOut>;
export type SeriesResult = z.output<typeof seriesResult>;
export type WaitlistOfferView = z.output<typeof offerOut>;
export type WaitlistEntryView = z.output<typeof entryOut>;
export type UndoNoShowResult = z.output<typeof undoNoShowOut>;
export type CancelledBy = NonNullable<z.output<typeof cancelIn>["cancelledBy"]>;
/** What the web sends to book, move or cancel a visit, or to put a patient on the waitlist. */
export type BookRequest = z.input<typeof bookIn>;
export type RescheduleRequest = z.input<typeof rescheduleIn>;
export type CancelRequest = z.input<typeof cancelIn>;
export type WaitlistRequest = z.input<typeof waitlistIn>;

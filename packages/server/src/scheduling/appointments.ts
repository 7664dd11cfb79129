import { randomUUID } from "node:crypto";
import { DomainError, type ErrorDetail, notFound } from "@salus/core";
import { overlappingPatientVisits } from "@salus/core/scheduling/patient-overlap";
import {
  type BookingCheck,
  type BookingProposal,
  type BookingRefusal,
  checkBooking,
  findSlots,
  type SlotRequest,
} from "@salus/core/scheduling/slots";
import type { Selectable } from "kysely";
import { audited } from "../audit/audited.ts";
import type { AppointmentStatus, AppointmentsTable } from "../db/schema.ts";
import type { Trx } from "../db/transaction.ts";
import { pokeLocation } from "../flow/flow-events.ts";
import { loadFlowSettings } from "../flow/flow-settings.ts";
import type { Actor, Services } from "../platform/services.ts";
import { requirePatientAccess, requireRelationToCreate, visiblePatients } from "../records/patient-access.ts";
import { type AppointmentChange, afterAppointmentChange as reactToChange } from "./appointment-events.ts";
import { type AppointmentResponseView, loadAppointmentResponses } from "./appointment-responses.ts";
import {
  loadPatientVisits,
  type PatientVisitRow,
  RacedPatientBooking,
  refusalError,
} from "./booking-refusals.ts";
import { loadSchedulingSettings } from "./settings.ts";
import { HOLDING_STATUSES, loadSlotContext, type SlotContext } from "./slot-context.ts";
import { refuseHeldTime } from "./waitlist-holds.ts";

/**
 * Booking, rescheduling, cancelling and the day's status changes. Each is one write transaction: load,
 * decide with the pure core (`checkBooking`), write the appointment and the time it holds on each
 * resource, append the audit entry. On PostgreSQL the exclusion constraint on `appointment_resources`
 * refuses an overlapping hold even if two transactions decided at the same moment; on SQLite the
 * transaction holds the write lock from its first statement, so no other booking can interleave.
 */
export interface AppointmentView {
  id: string;
  status: AppointmentStatus;
  patientId: string;
  patientName: string;
  appointmentTypeId: string;
  locationId: string;
  practitionerId: string;
  roomId: string | null;
  equipmentIds: string[];
  start: string;
  end: string;
  overbooked: boolean;
  seriesId: string | null;
  note: string | null;
  cancelReason: string | null;
  cancelledAt: string | null;
  lateCancel: boolean;
  version: number;
  /** Booked explicitly over another visit of the same patient (issue 10, item 3). */
  patientOverlapAllowed: boolean;
}

type Row = Selectable<AppointmentsTable> & { given_name: string; family_name: string };

function present(r: Row, equipmentIds: string[]): AppointmentView {
  return {
    id: r.id,
    status: r.status,
    patientId: r.patient_id,
    patientName: `${r.family_name}, ${r.given_name}`,
    appointmentTypeId: r.appointment_type_id,
    locationId: r.location_id,
    practitionerId: r.practitioner_id,
    roomId: r.room_id,
    equipmentIds,
    start: r.start_at,
    end: r.end_at,
    overbooked: r.overbooked === 1,
    seriesId: r.series_id,
    note: r.note,
    cancelReason: r.cancel_reason,
    cancelledAt: r.cancelled_at,
    lateCancel: r.late_cancel === 1,
    version: r.version,
    patientOverlapAllowed: Number(r.patient_overlap_allowed) === 1,
  };
}

function selectAppointments(trx: Trx, actor: Actor) {
  return trx
    .selectFrom("appointments")
    .innerJoin("patients", (j) =>
      j
        .onRef("patients.organization_id", "=", "appointments.organization_id")
        .onRef("patients.id", "=", "appointments.patient_id"),
    )
    .selectAll("appointments")
    .select(["patients.given_name", "patients.family_name"])
    .where("appointments.organization_id", "=", actor.organizationId);
}

async function equipmentOf(trx: Trx, actor: Actor, ids: string[]): Promise<Map<string, string[]>> {
  const map = new Map<string, string[]>();
  if (!ids.length) return map;
  const rows = await trx
    .selectFrom("appointment_resources")
    .select(["appointment_id", "resource_id"])
    .where("organization_id", "=", actor.organizationId)
    .where("resource_kind", "=", "equipment")
    .where("appointment_id", "in", ids)
    .execute();
  for (const r of rows) map.set(r.appointment_id, [...(map.get(r.appointment_id) ?? []), r.resource_id]);
  return map;
}

export async function loadAppointment(trx: Trx, actor: Actor, id: string): Promise<AppointmentView> {
  const row = await selectAppointments(trx, actor).where("appointments.id", "=", id).executeTakeFirst();
  if (!row) throw notFound("appointment");
  return present(row as Row, (await equipmentOf(trx, actor, [id])).get(id) ?? []);
}

export interface AppointmentQuery {
  from: string;
  to: string;
  locationId?: string | undefined;
  practitionerId?: string | undefined;
  patientId?: string | undefined;
  status?: AppointmentStatus[] | undefined;
  limit: number;
  offset: number;
}

/** Appointments starting in [from, to): the calendar, a patient's visits, FHIR search. Audited with the patients shown. */
export async function listAppointments(services: Services, actor: Actor, q: AppointmentQuery) {
  return audited(
    services,
    actor,
    {
      action: "appointment.search",
      resourceType: "Appointment",
      patientId: q.patientId ?? null,
      detail: { query: { ...q } },
      fromResult: (page: { items: AppointmentView[] }) => ({
        detail: { patientIds: [...new Set(page.items.map((a) => a.patientId))] },
      }),
    },
    async (trx) => {
      let sq = selectAppointments(trx, actor)
        .where("appointments.start_at", ">=", new Date(q.from).toISOString())
        .where("appointments.start_at", "<", new Date(q.to).toISOString());
      if (q.locationId) sq = sq.where("appointments.location_id", "=", q.locationId);
      if (q.practitionerId) sq = sq.where("appointments.practitioner_id", "=", q.practitionerId);
      if (q.patientId) sq = sq.where("appointments.patient_id", "=", q.patientId);
      if (q.status?.length) sq = sq.where("appointments.status", "in", q.status);
      // A clinician's calendar lists only visits of patients they may see (their own, care team,
      // break-glass): another patient's name never reaches them, and the count agrees.
      const visible = visiblePatients(services, actor, "schedule");
      if (visible) sq = sq.where(visible("appointments.patient_id"));
      const rows = (await sq
        .orderBy("appointments.start_at")
        .orderBy("appointments.id")
        .limit(q.limit)
        .offset(q.offset)
        .execute()) as Row[];
      const count = await sq
        .clearSelect()
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      const equipment = await equipmentOf(
        trx,
        actor,
        rows.map((r) => r.id),
      );
      return { items: rows.map((r) => present(r, equipment.get(r.id) ?? [])), total: Number(count.n) };
    },
  );
}

export async function getAppointment(
  services: Services,
  actor: Actor,
  id: string,
): Promise<AppointmentView & { responses: AppointmentResponseView[] }> {
  return audited(
    services,
    actor,
    {
      action: "appointment.read",
      resourceType: "Appointment",
      resourceId: id,
      fromResult: (a: AppointmentView) => ({ patientId: a.patientId }),
    },
    async (trx) => {
      const a = await loadAppointment(trx, actor, id);
      // The visit of a patient the actor may not see answers exactly like a missing visit.
      await requirePatientAccess(trx, services, actor, a.patientId, "schedule").catch(() => {
        throw notFound("appointment");
      });
      // Who confirmed a reminder or accepted a waitlist offer, shown on the appointment (issue 10, item 5).
      return { ...a, responses: await loadAppointmentResponses(trx, actor, a.id) };
    },
  );
}

/** A start given as an instant (ISO) or as the location's wall-clock time. */
export type StartInput =
  | { start: string }
  | { localDate: string; localTime: string; utcOffsetMinutes?: number | undefined };

export interface BookInput {
  patientId: string;
  appointmentTypeId: string;
  locationId: string;
  practitionerId: string;
  /** Omitted: the first free suitable room (and equipment) is chosen. */
  roomId?: string | null | undefined;
  equipmentIds?: string[] | undefined;
  when: StartInput;
  /** A longer or shorter visit than the type's duration. */
  end?: string | undefined;
  note?: string | null | undefined;
  status?: "booked" | "pending" | "proposed" | undefined;
  /** Staff ask explicitly to overbook; it happens only if the practice's policy allows it. */
  allowOverbook?: boolean | undefined;
  /** Staff ask explicitly to book over another visit of the same patient (audited); refused otherwise. */
  allowPatientOverlap?: boolean | undefined;
  /** Staff ask explicitly for a custom end past the type's bound (audited); refused otherwise. */
  allowLongVisit?: boolean | undefined;
}

const MINUTE = 60_000;

function approximateStart(when: StartInput): number {
  if ("start" in when) return Date.parse(when.start);
  return Date.parse(`${when.localDate}T${when.localTime}:00Z`);
}

function proposalStart(when: StartInput): BookingProposal["start"] {
  if ("start" in when) return Date.parse(when.start);
  return {
    localDate: when.localDate,
    localTime: when.localTime,
    ...(when.utcOffsetMinutes !== undefined ? { utcOffsetMinutes: when.utcOffsetMinutes } : {}),
  };
}

/**
 * Finds resources for a proposal that leaves room or equipment open: tries the slot finder on a one-minute
 * grid at exactly that start for the chosen practitioner, so the choice follows the same rules as search.
 */
function completeProposal(req: SlotRequest, input: BookInput, start: number): BookingProposal | null {
  // Fix (scheduling tests): an ineligible practitioner (inactive, not allowed for the type) used to reach
  // findSlots with an empty practitioner list, which throws "The slot search is invalid." instead of the
  // booking's own refusal ("cannot be used for this visit type"). Nothing to complete then.
  if (!req.practitionerIds.includes(input.practitionerId)) return null;
  const roomIds = input.roomId ? [input.roomId] : req.roomIds;
  const slots = findSlots({
    ...req,
    appointmentType: { ...req.appointmentType, stepMinutes: 1 },
    practitionerIds: [input.practitionerId],
    roomIds,
    range: { start, end: start + MINUTE },
    limit: 1,
  });
  const slot = slots[0];
  if (!slot || slot.start !== start) return null;
  return { start, practitionerId: slot.practitionerId, roomId: slot.roomId, equipmentIds: slot.equipmentIds };
}

async function decide(
  ctx: SlotContext,
  input: BookInput,
): Promise<{ check: BookingCheck; proposal: BookingProposal }> {
  const base: BookingProposal = {
    start: proposalStart(input.when),
    ...(input.end ? { end: Date.parse(input.end) } : {}),
    practitionerId: input.practitionerId,
    roomId: input.roomId ?? null,
    equipmentIds: input.equipmentIds ?? [],
    allowPatientOverlap: input.allowPatientOverlap === true,
    allowLongVisit: input.allowLongVisit === true,
  };
  let check = checkBooking(ctx.request, base);
  let proposal = base;
  const needsChoice =
    (input.roomId === undefined && ctx.request.roomIds !== null) ||
    (input.equipmentIds === undefined && ctx.request.equipment.length > 0);
  if (!check.ok && needsChoice && check.start !== null && !input.end) {
    const found = completeProposal(ctx.request, input, check.start);
    if (found) {
      const completed = {
        ...found,
        allowPatientOverlap: base.allowPatientOverlap ?? false,
        allowLongVisit: base.allowLongVisit ?? false,
      };
      proposal = completed;
      check = checkBooking(ctx.request, completed);
    }
  }
  return { check, proposal };
}

/**
 * Decides a booking of `patientId` with the patient's own other visits in view (issue 10, item 3), and
 * throws the refusal in words. `overlapWith` lists the patient's visits the override was used against
 * (empty when none was in the way), so only a visit that really overlaps is stored as allowed to.
 */
async function decideForPatient(
  trx: Trx,
  actor: Actor,
  ctx: SlotContext,
  input: BookInput,
  ignoreIds: readonly string[],
): Promise<{
  check: BookingCheck & { start: number; end: number };
  proposal: BookingProposal;
  overlapWith: string[];
}> {
  const approx = approximateStart(input.when);
  const end = input.end ? Date.parse(input.end) : Number.NaN;
  const visits: PatientVisitRow[] = await loadPatientVisits(trx, actor, input.patientId, {
    start: approx - 2 * 86_400_000,
    end: Math.max(approx + 2 * 86_400_000, Number.isNaN(end) ? 0 : end),
  });
  ctx.request = { ...ctx.request, patientVisits: visits };
  const { check, proposal } = await decide(ctx, input);
  if (!check.ok || check.start === null || check.end === null) {
    const offset = "utcOffsetMinutes" in input.when ? input.when.utcOffsetMinutes : undefined;
    throw await refusalError(trx, actor, ctx, check, visits, offset);
  }
  const overlapWith = input.allowPatientOverlap
    ? overlappingPatientVisits(visits, { start: check.start, end: check.end }, ignoreIds).map((v) => v.id)
    : [];
  return { check: check as BookingCheck & { start: number; end: number }, proposal, overlapWith };
}

/** PostgreSQL's patient constraint caught a booking that raced this one past the check (same patient). */
function patientRace(error: unknown): never {
  if ((error as { code?: string; constraint?: string }).code === "23P01") throw new RacedPatientBooking();
  throw error;
}

async function writeHolds(
  trx: Trx,
  actor: Actor,
  appointmentId: string,
  ctx: SlotContext,
  proposal: BookingProposal,
  start: number,
  end: number,
  overbooked: boolean,
) {
  const before = ctx.type.bufferBeforeMinutes * MINUTE;
  const after = ctx.type.bufferAfterMinutes * MINUTE;
  const held = {
    busy_start: new Date(start - before).toISOString(),
    busy_end: new Date(end + after).toISOString(),
  };
  const rows = [
    {
      resource_kind: "practitioner" as const,
      resource_id: proposal.practitionerId,
      exclusive: overbooked ? 0 : 1,
    },
    ...(proposal.roomId
      ? [{ resource_kind: "room" as const, resource_id: proposal.roomId, exclusive: 1 }]
      : []),
    ...proposal.equipmentIds.map((id) => ({
      resource_kind: "equipment" as const,
      resource_id: id,
      exclusive: 1,
    })),
  ];
  try {
    await trx
      .insertInto("appointment_resources")
      .values(
        rows.map((r) => ({
          organization_id: actor.organizationId,
          appointment_id: appointmentId,
          ...r,
          ...held,
          active: 1,
        })),
      )
      .execute();
  } catch (error) {
    // PostgreSQL's exclusion constraint caught a booking that raced this one past the check.
    if ((error as { code?: string }).code === "23P01") throw new RacedBooking();
    throw error;
  }
}

/**
 * A booking that lost a race at the database constraint (PostgreSQL). The transaction is aborted after
 * such an error, so callers that try several bookings in one transaction (series) must not continue.
 */
export class RacedBooking extends DomainError {
  constructor() {
    super("conflict", "That time was just taken by another booking; choose another slot.", [
      { path: "when", message: "is no longer free" },
    ]);
  }
}

const THREE_YEARS_MS = 3 * 365.25 * 86_400_000;

/**
 * New-patient and established-patient visit types follow the usual billing definition: a patient is
 * established when the practice completed a visit with them in the three years before this one.
 */
async function checkPatientKind(
  trx: Trx,
  actor: Actor,
  patientId: string,
  kind: "any" | "new" | "established",
  start: number,
): Promise<void> {
  if (kind === "any") return;
  const seen = await trx
    .selectFrom("appointments")
    .select("id")
    .where("organization_id", "=", actor.organizationId)
    .where("patient_id", "=", patientId)
    .where("status", "=", "fulfilled")
    .where("start_at", "<", new Date(start).toISOString())
    .where("start_at", ">=", new Date(start - THREE_YEARS_MS).toISOString())
    .executeTakeFirst();
  if (kind === "new" && seen) {
    throw new DomainError(
      "invalid_request",
      "This visit type is for new patients, and this patient was seen here in the last three years; choose an established-patient visit type.",
      [{ path: "appointmentTypeId", message: "is for new patients only" }],
    );
  }
  if (kind === "established" && !seen) {
    throw new DomainError(
      "invalid_request",
      "This visit type is for established patients, and this patient has no completed visit here in the last three years; choose a new-patient visit type.",
      [{ path: "appointmentTypeId", message: "is for established patients only" }],
    );
  }
}

async function requirePatient(trx: Trx, actor: Actor, patientId: string): Promise<void> {
  const p = await trx
    .selectFrom("patients")
    .select(["id", "active"])
    .where("organization_id", "=", actor.organizationId)
    .where("id", "=", patientId)
    .executeTakeFirst();
  if (!p) throw notFound("patient");
  if (p.active !== 1)
    throw new DomainError(
      "invalid_request",
      "That patient is marked inactive; reactivate them before booking.",
      [{ path: "patientId", message: "is inactive" }],
    );
}

/** Time held for another patient's waitlist offer is refused (409 slot_held), buffers included. */
async function refuseHeld(
  trx: Trx,
  services: Services,
  actor: Actor,
  ctx: SlotContext,
  patientId: string,
  proposal: Pick<BookingProposal, "practitionerId" | "roomId">,
  at: { start: number; end: number },
): Promise<void> {
  await refuseHeldTime(trx, actor.organizationId, {
    patientId,
    practitionerId: proposal.practitionerId,
    roomId: proposal.roomId,
    start: at.start - ctx.type.bufferBeforeMinutes * MINUTE,
    end: at.end + ctx.type.bufferAfterMinutes * MINUTE,
    zone: ctx.location.zone,
    now: services.clock().getTime(),
  });
}

/** Books one appointment (the core of every booking path: calendar, API, FHIR, waitlist offers, series). */
export async function bookAppointmentIn(
  trx: Trx,
  services: Services,
  actor: Actor,
  input: BookInput,
  extra: { seriesId?: string; seriesIndex?: number } = {},
): Promise<AppointmentView> {
  await requirePatient(trx, actor, input.patientId);
  // A clinician books only patients they already see: a booking makes a treating relation, except one
  // booked under break-glass (it carries the grant's id and gives no lasting access).
  const breakGlassId = await requireRelationToCreate(trx, services, actor, input.patientId, "schedule");
  const approx = approximateStart(input.when);
  if (Number.isNaN(approx))
    throw new DomainError("invalid_request", "The start time is not a valid date and time.", [
      { path: "when", message: "is not a valid time" },
    ]);
  const ctx = await loadSlotContext(trx, actor, {
    appointmentTypeId: input.appointmentTypeId,
    locationId: input.locationId,
    range: { start: approx - 2 * 86_400_000, end: approx + 2 * 86_400_000 },
    allowOverbook: input.allowOverbook === true,
    now: services.clock().getTime(),
  });
  const { check, proposal, overlapWith } = await decideForPatient(trx, actor, ctx, input, []);
  await refuseHeld(trx, services, actor, ctx, input.patientId, proposal, check);
  await checkPatientKind(trx, actor, input.patientId, ctx.type.patientKind, check.start);
  const id = randomUUID();
  const at = services.clock().toISOString();
  await trx
    .insertInto("appointments")
    .values({
      organization_id: actor.organizationId,
      id,
      location_id: input.locationId,
      patient_id: input.patientId,
      appointment_type_id: input.appointmentTypeId,
      practitioner_id: proposal.practitionerId,
      room_id: proposal.roomId,
      start_at: new Date(check.start).toISOString(),
      end_at: new Date(check.end).toISOString(),
      status: input.status ?? "booked",
      overbooked: check.overbooked ? 1 : 0,
      series_id: extra.seriesId ?? null,
      series_index: extra.seriesIndex ?? null,
      rescheduled_from_id: null,
      note: input.note ?? null,
      created_by: actor.userId,
      cancelled_at: null,
      cancelled_by: null,
      cancel_reason: null,
      late_cancel: 0,
      version: 1,
      created_at: at,
      updated_at: at,
      break_glass_id: breakGlassId,
      patient_overlap_allowed: overlapWith.length ? 1 : 0,
    })
    .execute()
    .catch(patientRace);
  await writeHolds(trx, actor, id, ctx, proposal, check.start, check.end, check.overbooked);
  const booked = await loadAppointment(trx, actor, id);
  await afterAppointmentChange(trx, services, actor, null, booked, "booked");
  return booked;
}

export async function bookAppointment(
  services: Services,
  actor: Actor,
  input: BookInput,
): Promise<AppointmentView> {
  return audited(
    services,
    actor,
    {
      action: "appointment.book",
      resourceType: "Appointment",
      patientId: input.patientId,
      detail: {
        practitionerId: input.practitionerId,
        when: input.when,
        allowOverbook: input.allowOverbook === true,
        allowPatientOverlap: input.allowPatientOverlap === true,
        allowLongVisit: input.allowLongVisit === true,
      },
      fromResult: (a: AppointmentView) => ({
        resourceId: a.id,
        detail: {
          start: a.start,
          end: a.end,
          overbooked: a.overbooked,
          patientOverlapAllowed: a.patientOverlapAllowed,
        },
      }),
    },
    (trx) => bookAppointmentIn(trx, services, actor, input),
  );
}

export interface RescheduleInput {
  when: StartInput;
  end?: string | undefined;
  practitionerId?: string | undefined;
  roomId?: string | null | undefined;
  equipmentIds?: string[] | undefined;
  allowOverbook?: boolean | undefined;
  /** As for a booking: explicit, audited overrides of the patient-overlap and visit-length rules. */
  allowPatientOverlap?: boolean | undefined;
  allowLongVisit?: boolean | undefined;
  /** The version the caller saw; a later change by someone else answers 409 instead of being overwritten. */
  expectedVersion?: number | undefined;
}

function requireMovable(a: AppointmentView, expectedVersion: number | undefined): void {
  if (!["proposed", "pending", "booked"].includes(a.status)) {
    throw new DomainError(
      "conflict",
      `This appointment is ${a.status}; only booked, pending or proposed appointments can be moved or cancelled.`,
    );
  }
  if (expectedVersion !== undefined && expectedVersion !== a.version) {
    throw new DomainError(
      "conflict",
      "Someone else changed this appointment meanwhile; reload it and try again.",
    );
  }
}

/** Moves an appointment atomically: the old time is released and the new one held in one transaction. */
export async function rescheduleAppointment(
  services: Services,
  actor: Actor,
  id: string,
  input: RescheduleInput,
): Promise<AppointmentView> {
  return audited(
    services,
    actor,
    {
      action: "appointment.reschedule",
      resourceType: "Appointment",
      resourceId: id,
      detail: {
        when: input.when,
        allowPatientOverlap: input.allowPatientOverlap === true,
        allowLongVisit: input.allowLongVisit === true,
      },
      fromResult: (a: AppointmentView) => ({
        patientId: a.patientId,
        detail: {
          start: a.start,
          end: a.end,
          practitionerId: a.practitionerId,
          patientOverlapAllowed: a.patientOverlapAllowed,
        },
      }),
    },
    (trx) => rescheduleIn(trx, services, actor, id, input),
  );
}

/** The reschedule itself, inside the caller's transaction (a series moves several at once). */
export async function rescheduleIn(
  trx: Trx,
  services: Services,
  actor: Actor,
  id: string,
  input: RescheduleInput,
): Promise<AppointmentView> {
  const current = await loadAppointment(trx, actor, id);
  requireMovable(current, input.expectedVersion);
  const bookInput: BookInput = {
    patientId: current.patientId,
    appointmentTypeId: current.appointmentTypeId,
    locationId: current.locationId,
    practitionerId: input.practitionerId ?? current.practitionerId,
    roomId: input.roomId,
    equipmentIds: input.equipmentIds,
    when: input.when,
    end: input.end,
    allowOverbook: input.allowOverbook,
    allowPatientOverlap: input.allowPatientOverlap,
    allowLongVisit: input.allowLongVisit,
  };
  const approx = approximateStart(input.when);
  if (Number.isNaN(approx))
    throw new DomainError("invalid_request", "The start time is not a valid date and time.", [
      { path: "when", message: "is not a valid time" },
    ]);
  const ctx = await loadSlotContext(trx, actor, {
    appointmentTypeId: current.appointmentTypeId,
    locationId: current.locationId,
    range: { start: approx - 2 * 86_400_000, end: approx + 2 * 86_400_000 },
    ignoreAppointmentIds: [id],
    allowOverbook: input.allowOverbook === true,
    now: services.clock().getTime(),
  });
  const { check, proposal, overlapWith } = await decideForPatient(trx, actor, ctx, bookInput, [id]);
  await refuseHeld(trx, services, actor, ctx, current.patientId, proposal, check);
  // Moving the visit to another practitioner makes a relation for them, like a booking: a clinician needs
  // one already, and under break-glass the visit carries the grant's id instead (no lasting access).
  const breakGlassId =
    proposal.practitionerId !== current.practitionerId
      ? await requireRelationToCreate(trx, services, actor, current.patientId, "schedule")
      : null;
  await trx
    .deleteFrom("appointment_resources")
    .where("organization_id", "=", actor.organizationId)
    .where("appointment_id", "=", id)
    .execute();
  await trx
    .updateTable("appointments")
    .set({
      practitioner_id: proposal.practitionerId,
      room_id: proposal.roomId,
      start_at: new Date(check.start).toISOString(),
      end_at: new Date(check.end).toISOString(),
      overbooked: check.overbooked ? 1 : 0,
      version: current.version + 1,
      updated_at: services.clock().toISOString(),
      ...(breakGlassId ? { break_glass_id: breakGlassId } : {}),
      patient_overlap_allowed: overlapWith.length ? 1 : 0,
    })
    .where("organization_id", "=", actor.organizationId)
    .where("id", "=", id)
    .execute()
    .catch(patientRace);
  await writeHolds(trx, actor, id, ctx, proposal, check.start, check.end, check.overbooked);
  const moved = await loadAppointment(trx, actor, id);
  await afterAppointmentChange(trx, services, actor, current, moved, "rescheduled");
  return moved;
}

export interface CancelInput {
  reason: string;
  /** Who asked: the patient, the practice (staff) or the practitioner. */
  cancelledBy?: "patient" | "practice" | "practitioner" | undefined;
  expectedVersion?: number | undefined;
}

/** Releases the time held by an appointment (cancelled, no-show, entered in error). */
export async function releaseHolds(trx: Trx, actor: Actor, id: string): Promise<void> {
  await trx
    .updateTable("appointment_resources")
    .set({ active: 0 })
    .where("organization_id", "=", actor.organizationId)
    .where("appointment_id", "=", id)
    .execute();
}

/** Cancels, recording who asked, why, and whether it was late under the practice's policy. */
export async function cancelAppointmentIn(
  trx: Trx,
  services: Services,
  actor: Actor,
  id: string,
  input: CancelInput,
): Promise<AppointmentView> {
  const current = await loadAppointment(trx, actor, id);
  requireMovable(current, input.expectedVersion);
  const settings = await loadSchedulingSettings(trx, actor.organizationId);
  const now = services.clock();
  const late = Date.parse(current.start) - now.getTime() < settings.lateCancelHours * 3_600_000;
  await trx
    .updateTable("appointments")
    .set({
      status: "cancelled",
      cancelled_at: now.toISOString(),
      cancelled_by: `${input.cancelledBy ?? "practice"}:${actor.label}`,
      cancel_reason: input.reason,
      late_cancel: late ? 1 : 0,
      version: current.version + 1,
      updated_at: now.toISOString(),
    })
    .where("organization_id", "=", actor.organizationId)
    .where("id", "=", id)
    .execute();
  await releaseHolds(trx, actor, id);
  const cancelled = await loadAppointment(trx, actor, id);
  await afterAppointmentChange(trx, services, actor, current, cancelled, "cancelled");
  return cancelled;
}

export async function cancelAppointment(
  services: Services,
  actor: Actor,
  id: string,
  input: CancelInput,
): Promise<AppointmentView> {
  return audited(
    services,
    actor,
    {
      action: "appointment.cancel",
      resourceType: "Appointment",
      resourceId: id,
      detail: { reason: input.reason, cancelledBy: input.cancelledBy ?? "practice" },
      fromResult: (a: AppointmentView) => ({ patientId: a.patientId, detail: { late: a.lateCancel } }),
    },
    (trx) => cancelAppointmentIn(trx, services, actor, id, input),
  );
}

/** Every change's consequences (waitlist, reminders), plus a hint to the live flow boards of that location. */
async function afterAppointmentChange(
  trx: Trx,
  services: Services,
  actor: Actor,
  before: AppointmentView | null,
  after: AppointmentView,
  change: AppointmentChange,
): Promise<void> {
  await reactToChange(trx, services, actor, before, after, change);
  pokeLocation(services, {
    organizationId: actor.organizationId,
    locationId: after.locationId,
    instants: [Date.parse(after.start), ...(before ? [Date.parse(before.start)] : [])],
  });
}

/** The FHIR status moves the front desk makes during the day; anything else is refused. */
const TRANSITIONS: Partial<Record<AppointmentStatus, AppointmentStatus[]>> = {
  proposed: ["pending", "booked", "entered-in-error"],
  pending: ["booked", "entered-in-error"],
  booked: ["arrived", "checked-in", "noshow", "entered-in-error"],
  arrived: ["checked-in", "fulfilled", "entered-in-error"],
  "checked-in": ["fulfilled", "entered-in-error"],
  cancelled: ["entered-in-error"],
  noshow: ["booked", "entered-in-error"],
  fulfilled: ["entered-in-error"],
};

export async function changeAppointmentStatus(
  services: Services,
  actor: Actor,
  id: string,
  status: AppointmentStatus,
  expectedVersion?: number,
): Promise<AppointmentView> {
  return audited(
    services,
    actor,
    {
      action: "appointment.status",
      resourceType: "Appointment",
      resourceId: id,
      detail: { status },
      fromResult: (a: AppointmentView) => ({ patientId: a.patientId }),
    },
    (trx) => changeAppointmentStatusIn(trx, services, actor, id, status, expectedVersion),
  );
}

/**
 * The one path every status change takes (the front desk's buttons, the flow board's steps, the no-show
 * job), inside the caller's transaction: checks the move against TRANSITIONS, releases held time when the
 * visit no longer holds it, and runs afterAppointmentChange (waitlist, reminders).
 */
export async function changeAppointmentStatusIn(
  trx: Trx,
  services: Services,
  actor: Actor,
  id: string,
  status: AppointmentStatus,
  expectedVersion?: number,
): Promise<AppointmentView> {
  const current = await loadAppointment(trx, actor, id);
  if (expectedVersion !== undefined && expectedVersion !== current.version) {
    throw new DomainError(
      "conflict",
      "Someone else changed this appointment meanwhile; reload it and try again.",
    );
  }
  if (!(TRANSITIONS[current.status] ?? []).includes(status)) {
    throw new DomainError("conflict", `An appointment that is ${current.status} cannot become ${status}.`, [
      { path: "status", message: `not allowed from ${current.status}` },
    ]);
  }
  if (current.status === "noshow" && status === "booked") {
    throw new DomainError(
      "conflict",
      "A no-show is reinstated with undo no-show (POST /api/appointments/:id/undo-no-show), which checks its time is still free and reverses the fee.",
    );
  }
  if (status === "noshow") await requireNoShowDue(trx, services, actor, current);
  await trx
    .updateTable("appointments")
    .set({ status, version: current.version + 1, updated_at: services.clock().toISOString() })
    .where("organization_id", "=", actor.organizationId)
    .where("id", "=", id)
    .execute();
  if (!(HOLDING_STATUSES as readonly string[]).includes(status)) await releaseHolds(trx, actor, id);
  const changed = await loadAppointment(trx, actor, id);
  await afterAppointmentChange(trx, services, actor, current, changed, "status");
  return changed;
}

/**
 * A no-show can be marked only once the patient is really late: from the visit's start (or the arrival
 * they announced when they called) plus the practice's grace period. Before that, 409 no_show_too_early
 * names the time from which it can be marked (issue 10, item 4).
 */
async function requireNoShowDue(
  trx: Trx,
  services: Services,
  actor: Actor,
  a: AppointmentView,
): Promise<void> {
  const settings = await loadFlowSettings(trx, actor.organizationId);
  const flow = await trx
    .selectFrom("visit_flow")
    .select("expected_arrival")
    .where("organization_id", "=", actor.organizationId)
    .where("appointment_id", "=", a.id)
    .executeTakeFirst();
  const from = Math.max(Date.parse(a.start), flow?.expected_arrival ? Date.parse(flow.expected_arrival) : 0);
  const notBefore = from + settings.graceMinutes * MINUTE;
  if (services.clock().getTime() >= notBefore) return;
  const zone = (
    await trx
      .selectFrom("locations")
      .select("time_zone")
      .where("organization_id", "=", actor.organizationId)
      .where("id", "=", a.locationId)
      .executeTakeFirstOrThrow()
  ).time_zone;
  const at = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hour: "numeric",
    minute: "2-digit",
    timeZoneName: "short",
  }).format(notBefore);
  throw new DomainError(
    "no_show_too_early",
    `It is too early to mark this visit a no-show: the patient has until ${at} (the start${flow?.expected_arrival ? " they announced" : ""} plus the ${settings.graceMinutes}-minute grace period). It can be marked from then.`,
    [{ path: "status", message: `can be marked from ${new Date(notBefore).toISOString()}` }],
  );
}

/**
 * Undoes a no-show marked by mistake, inside the caller's transaction: the visit is booked again and
 * holds its time again, if that time is still free (same rules as a booking, except that the start may
 * now be in the past). 409 when the time was given to another visit meanwhile.
 */
export async function reinstateNoShowIn(
  trx: Trx,
  services: Services,
  actor: Actor,
  id: string,
  expectedVersion?: number,
): Promise<AppointmentView> {
  const current = await loadAppointment(trx, actor, id);
  // The visit of a patient the actor may not see answers exactly like a missing visit.
  await requirePatientAccess(trx, services, actor, current.patientId, "schedule").catch(() => {
    throw notFound("appointment");
  });
  if (expectedVersion !== undefined && expectedVersion !== current.version)
    throw new DomainError(
      "conflict",
      "Someone else changed this appointment meanwhile; reload it and try again.",
    );
  if (current.status !== "noshow")
    throw new DomainError(
      "conflict",
      `This appointment is ${current.status}, not a no-show; nothing to undo.`,
      [{ path: "status", message: `is ${current.status}` }],
    );
  const start = Date.parse(current.start);
  const ctx = await loadSlotContext(trx, actor, {
    appointmentTypeId: current.appointmentTypeId,
    locationId: current.locationId,
    range: { start: start - 2 * 86_400_000, end: start + 2 * 86_400_000 },
    ignoreAppointmentIds: [id],
    allowOverbook: current.overbooked,
    now: services.clock().getTime(),
  });
  const input: BookInput = {
    patientId: current.patientId,
    appointmentTypeId: current.appointmentTypeId,
    locationId: current.locationId,
    practitionerId: current.practitionerId,
    roomId: current.roomId,
    equipmentIds: current.equipmentIds,
    when: { start: current.start },
    end: current.end,
    // The visit keeps the length and the overlap it was booked with.
    allowLongVisit: true,
    allowPatientOverlap: current.patientOverlapAllowed,
  };
  let decided: Awaited<ReturnType<typeof decideForPatient>>;
  try {
    decided = await decideForPatient(trx, actor, ctx, input, [id]);
  } catch (error) {
    // The start is past by now: only what would make the visit collide or impossible counts.
    if (!(error instanceof DomainError)) throw error;
    const check = checkBooking(ctx.request, {
      start,
      end: Date.parse(current.end),
      practitionerId: current.practitionerId,
      roomId: current.roomId,
      equipmentIds: current.equipmentIds,
      allowLongVisit: true,
      allowPatientOverlap: current.patientOverlapAllowed,
    });
    const rest = check.reasons.filter((r) => r.reason !== "in_past" && r.reason !== "too_soon");
    if (rest.length) throw error;
    decided = {
      check: check as BookingCheck & { start: number; end: number },
      proposal: {
        start,
        practitionerId: current.practitionerId,
        roomId: current.roomId,
        equipmentIds: current.equipmentIds,
      },
      overlapWith: [],
    };
  }
  await refuseHeld(trx, services, actor, ctx, current.patientId, decided.proposal, {
    start,
    end: Date.parse(current.end),
  });
  await trx
    .deleteFrom("appointment_resources")
    .where("organization_id", "=", actor.organizationId)
    .where("appointment_id", "=", id)
    .execute();
  await trx
    .updateTable("appointments")
    .set({ status: "booked", version: current.version + 1, updated_at: services.clock().toISOString() })
    .where("organization_id", "=", actor.organizationId)
    .where("id", "=", id)
    .execute()
    .catch(patientRace);
  await writeHolds(trx, actor, id, ctx, decided.proposal, start, Date.parse(current.end), current.overbooked);
  const changed = await loadAppointment(trx, actor, id);
  await afterAppointmentChange(trx, services, actor, current, changed, "status");
  return changed;
}

export interface SlotSearch {
  appointmentTypeId: string;
  locationId: string;
  practitionerId?: string | undefined;
  from: string;
  to: string;
  limit?: number | undefined;
  eachPractitioner?: boolean | undefined;
}

export interface SlotView {
  start: string;
  end: string;
  practitionerId: string;
  roomId: string | null;
  equipmentIds: string[];
}

/** Open start times (not PHI: no patient is involved, so not audited). */
export async function searchSlots(services: Services, actor: Actor, q: SlotSearch): Promise<SlotView[]> {
  const from = Date.parse(q.from);
  const to = Date.parse(q.to);
  if (!(to > from))
    throw new DomainError("invalid_request", "The search range must end after it starts.", [
      { path: "to", message: "must be after from" },
    ]);
  if (to - from > 62 * 86_400_000)
    throw new DomainError("invalid_request", "Search at most 62 days at a time.", [
      { path: "to", message: "is too far after from" },
    ]);
  const ctx = await loadSlotContext(services.db.kysely, actor, {
    ...q,
    range: { start: from, end: to },
    now: services.clock().getTime(),
    // Time held by a waitlist offer is not open to anyone else (issue 10, item 5).
    holds: {},
  });
  return findSlots({
    ...ctx.request,
    limit: q.limit ?? 200,
    eachPractitioner: q.eachPractitioner === true,
  }).map((s) => ({
    start: new Date(s.start).toISOString(),
    end: new Date(s.end).toISOString(),
    practitionerId: s.practitionerId,
    roomId: s.roomId,
    equipmentIds: s.equipmentIds,
  }));
}

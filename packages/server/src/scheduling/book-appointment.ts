import { randomUUID } from "node:crypto";
import { DomainError, notFound } from "@salus/core";
import { audited } from "../audit/audited.ts";
import { preparedQuery } from "../db/prepared.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import { requireRelationToCreate } from "../records/patient-access.ts";
import { type AppointmentView, present } from "./appointment-view.ts";
import { afterAppointmentChange, patientRace, refuseHeld, writeHolds } from "./appointment-writes.ts";
import { approximateStart, type BookInput, decideForPatient, visitScope } from "./booking-decision.ts";
import { loadSlotContext } from "./slot-context.ts";

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

const selectPatient = preparedQuery((db, a: { org: string; id: string }) =>
  db
    .selectFrom("patients")
    .select(["id", "active", "given_name", "family_name"])
    .where("organization_id", "=", a.org)
    .where("id", "=", a.id),
);

async function requirePatient(
  trx: Trx,
  actor: Actor,
  patientId: string,
): Promise<{ given_name: string; family_name: string }> {
  const p = await selectPatient.first(trx, { org: actor.organizationId, id: patientId });
  if (!p) throw notFound("patient");
  if (p.active !== 1)
    throw new DomainError(
      "invalid_request",
      "That patient is marked inactive; reactivate them before booking.",
      [{ path: "patientId", message: "is inactive" }],
    );
  return p;
}

/** Books one appointment (the core of every booking path: calendar, API, FHIR, waitlist offers, series). */
export async function bookAppointmentIn(
  trx: Trx,
  services: Services,
  actor: Actor,
  input: BookInput,
  extra: { seriesId?: string; seriesIndex?: number } = {},
): Promise<AppointmentView> {
  const patient = await requirePatient(trx, actor, input.patientId);
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
    ...visitScope(input),
    allowOverbook: input.allowOverbook === true,
    now: services.clock().getTime(),
  });
  const { check, proposal, overlapWith } = await decideForPatient(trx, actor, ctx, input, []);
  await refuseHeld(trx, services, actor, ctx, input.patientId, proposal, check);
  await checkPatientKind(trx, actor, input.patientId, ctx.type.patientKind, check.start);
  const id = randomUUID();
  const at = services.clock().toISOString();
  const row = {
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
  };
  await trx.insertInto("appointments").values(row).execute().catch(patientRace);
  await writeHolds(trx, actor, id, ctx, proposal, check.start, check.end, check.overbooked);
  // The view of the row just written, not read back (a booking's most expensive read after the checks):
  // the same `present` the reads use, with the patient's name read above and the equipment just held.
  const booked = present({ ...row, given_name: patient.given_name, family_name: patient.family_name }, [
    ...proposal.equipmentIds,
  ]);
  await afterAppointmentChange(trx, services, actor, null, booked, "booked");
  return booked;
}

/**
 * What a booking reads and then writes: the practitioner's day (holds, daily limit) and the patient's
 * visits around it. Bookings naming the same practitioner or patient queue on these (PostgreSQL) instead
 * of failing serialization against each other; a room or equipment chosen by the finder is not known
 * beforehand, so such races are still settled by the serializable check and the exclusion constraint.
 */
export function bookingLockKeys(actor: Actor, input: Pick<BookInput, "practitionerId" | "patientId">) {
  return [
    `${actor.organizationId}:practitioner:${input.practitionerId}`,
    `${actor.organizationId}:patient:${input.patientId}`,
  ];
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
      lockKeys: bookingLockKeys(actor, input),
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

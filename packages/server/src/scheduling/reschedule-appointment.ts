import { DomainError } from "@salus/core";
import { audited } from "../audit/audited.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import { requireRelationToCreate } from "../records/patient-access.ts";
import { type AppointmentView, loadAppointment } from "./appointment-view.ts";
import {
  afterAppointmentChange,
  patientRace,
  refuseHeld,
  requireMovable,
  writeHolds,
} from "./appointment-writes.ts";
import {
  approximateStart,
  type BookInput,
  decideForPatient,
  type StartInput,
  visitScope,
} from "./booking-decision.ts";
import { loadSlotContext } from "./slot-context.ts";

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
  requireMovable(current, input.expectedVersion, "reschedule");
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
    ...visitScope(bookInput),
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

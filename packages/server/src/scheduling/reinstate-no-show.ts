import { DomainError, notFound } from "@salus/core";
import { requireAction } from "@salus/core/scheduling/appointment-status";
import { type BookingCheck, checkBooking } from "@salus/core/scheduling/slots";
import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import { requirePatientAccess } from "../records/patient-access.ts";
import { type AppointmentView, loadAppointment } from "./appointment-view.ts";
import { afterAppointmentChange, patientRace, refuseHeld, writeHolds } from "./appointment-writes.ts";
import { type BookInput, decideForPatient, visitScope } from "./booking-decision.ts";
import { loadSlotContext } from "./slot-context.ts";

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
  requireAction(current.status, "undo-no-show");
  const start = Date.parse(current.start);
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
  const ctx = await loadSlotContext(trx, actor, {
    appointmentTypeId: current.appointmentTypeId,
    locationId: current.locationId,
    ...visitScope(input),
    ignoreAppointmentIds: [id],
    allowOverbook: current.overbooked,
    now: services.clock().getTime(),
  });
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

import { DomainError } from "@salus/core";
import { requireAction } from "@salus/core/scheduling/appointment-status";
import type { BookingProposal } from "@salus/core/scheduling/slots";
import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import { type AppointmentChange, afterAppointmentChange as reactToChange } from "./appointment-events.ts";
import type { AppointmentView } from "./appointment-view.ts";
import { RacedPatientBooking } from "./booking-refusals.ts";
import type { SlotContext } from "./slot-context.ts";
import { refuseHeldTime } from "./waitlist-holds.ts";

/**
 * Booking, rescheduling, cancelling and the day's status changes. Each is one write transaction: load,
 * decide with the pure core (`checkBooking`), write the appointment and the time it holds on each
 * resource, append the audit entry. On PostgreSQL the exclusion constraint on `appointment_resources`
 * refuses an overlapping hold even if two transactions decided at the same moment; on SQLite the
 * transaction holds the write lock from its first statement, so no other booking can interleave.
 */

export const MINUTE = 60_000;

/** PostgreSQL's patient constraint caught a booking that raced this one past the check (same patient). */
export function patientRace(error: unknown): never {
  if ((error as { code?: string; constraint?: string }).code === "23P01") throw new RacedPatientBooking();
  throw error;
}

export async function writeHolds(
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

/** Time held for another patient's waitlist offer is refused (409 slot_held), buffers included. */
export async function refuseHeld(
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

/** Releases the time held by an appointment (cancelled, no-show, entered in error). */
export async function releaseHolds(trx: Trx, actor: Actor, id: string): Promise<void> {
  await trx
    .updateTable("appointment_resources")
    .set({ active: 0 })
    .where("organization_id", "=", actor.organizationId)
    .where("appointment_id", "=", id)
    .execute();
}

/** Every change's consequences: waitlist, reminders, then the appointmentChanged subscribers (the live flow boards). */
export async function afterAppointmentChange(
  trx: Trx,
  services: Services,
  actor: Actor,
  before: AppointmentView | null,
  after: AppointmentView,
  change: AppointmentChange,
): Promise<void> {
  await reactToChange(trx, services, actor, before, after, change);
}

/** Refuses a move or cancellation the status table does not allow, or one made over someone else's change. */
export function requireMovable(
  a: AppointmentView,
  expectedVersion: number | undefined,
  action: "cancel" | "reschedule",
): void {
  requireAction(a.status, action);
  if (expectedVersion !== undefined && expectedVersion !== a.version) {
    throw new DomainError(
      "conflict",
      "Someone else changed this appointment meanwhile; reload it and try again.",
    );
  }
}

import { HOLDING_STATUSES } from "@salus/core/scheduling/appointment-status";
import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import { type AppointmentChange, appointmentChanged } from "./appointment-changed.ts";
import type { AppointmentView } from "./appointment-view.ts";
import { offerFreedTime } from "./offer-freed-time.ts";
import { syncReminders } from "./reminders.ts";

export type { AppointmentChange } from "./appointment-changed.ts";

/**
 * Runs inside the transaction of every appointment change, so its consequences commit or roll back with
 * it: time that became free is offered to the waitlist, reminders follow the appointment (enqueued in
 * the transactional outbox), then the other domains' subscribers run. The waitlist and reminders are
 * called directly, not subscribed: they are scheduling's own, and must run whichever modules a caller
 * (a test, the CLI) happened to load.
 */
export async function afterAppointmentChange(
  trx: Trx,
  services: Services,
  actor: Actor,
  before: AppointmentView | null,
  after: AppointmentView,
  change: AppointmentChange,
): Promise<void> {
  const freed = before && (change === "rescheduled" || !holdsTime(after)) && holdsTime(before);
  if (freed && before) {
    await offerFreedTime(trx, services, actor, {
      locationId: before.locationId,
      practitionerId: before.practitionerId,
      start: before.start,
      end: before.end,
      excludeAppointmentId: after.id,
    });
  }
  // `before` is null only for an appointment created in this transaction (book-appointment.ts).
  await syncReminders(trx, services, actor, after, { created: before === null });
  await appointmentChanged.publish(trx, services, actor, { before, after, change });
}

function holdsTime(a: AppointmentView): boolean {
  return (HOLDING_STATUSES as readonly string[]).includes(a.status);
}

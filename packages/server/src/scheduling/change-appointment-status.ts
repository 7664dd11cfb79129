import { DomainError } from "@salus/core";
import { holdsTime, requireStatusChange } from "@salus/core/scheduling/appointment-status";
import { audited } from "../audit/audited.ts";
import type { AppointmentStatus } from "../db/schema.ts";
import type { Trx } from "../db/transaction.ts";
import { loadFlowSettings } from "../flow/flow-settings.ts";
import type { Actor, Services } from "../platform/services.ts";
import { type AppointmentView, loadAppointment } from "./appointment-view.ts";
import { afterAppointmentChange, MINUTE, releaseHolds } from "./appointment-writes.ts";

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
 * job), inside the caller's transaction: checks the move against the status table in core
 * (`core/scheduling/appointment-status.ts`), releases held time when the
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
  // The table in core decides (a no-show back to booked is refused here: undo-no-show does that).
  const action = requireStatusChange(current.status, status);
  if (action === "mark-no-show") await requireNoShowDue(trx, services, actor, current);
  await trx
    .updateTable("appointments")
    .set({ status, version: current.version + 1, updated_at: services.clock().toISOString() })
    .where("organization_id", "=", actor.organizationId)
    .where("id", "=", id)
    .execute();
  if (!holdsTime(status)) await releaseHolds(trx, actor, id);
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

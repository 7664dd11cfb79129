import { audited } from "../audit/audited.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import { type AppointmentView, loadAppointment } from "./appointment-view.ts";
import { afterAppointmentChange, releaseHolds, requireMovable } from "./appointment-writes.ts";
import { loadSchedulingSettings } from "./scheduling-settings.ts";

export interface CancelInput {
  reason: string;
  /** Who asked: the patient, the practice (staff) or the practitioner. */
  cancelledBy?: "patient" | "practice" | "practitioner" | undefined;
  expectedVersion?: number | undefined;
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
  requireMovable(current, input.expectedVersion, "cancel");
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

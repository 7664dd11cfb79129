import type { Trx } from "../db/transaction.ts";
import type { Actor } from "../platform/services.ts";
import type { AppointmentResponseView } from "./schemas.ts";

export type { AppointmentResponseView } from "./schemas.ts";

/**
 * What patients answered about an appointment, shown to the front desk on the appointment itself (issue
 * 10, item 5): a reminder confirmed (when, through which link) and a waitlist offer accepted (by whom,
 * through which link or at the front desk). Written by the link pages and `acceptOffer`.
 */

/** The answers about one appointment, oldest first (the caller has checked the actor may see it). */
export async function loadAppointmentResponses(
  trx: Trx,
  actor: Actor,
  appointmentId: string,
): Promise<AppointmentResponseView[]> {
  const rows = await trx
    .selectFrom("appointment_responses")
    .selectAll()
    .where("organization_id", "=", actor.organizationId)
    .where("appointment_id", "=", appointmentId)
    .orderBy("at")
    .orderBy("id")
    .execute();
  return rows.map((r) => ({
    kind: r.kind,
    by: r.responder,
    via: r.via,
    link: r.link,
    version: r.version,
    at: new Date(r.at).toISOString(),
  }));
}

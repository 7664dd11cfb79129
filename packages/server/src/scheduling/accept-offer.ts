import { randomUUID } from "node:crypto";
import { DomainError, notFound } from "@salus/core";
import { nextStatus } from "@salus/core/scheduling/appointment-status";
import { audited } from "../audit/audited.ts";
import type { Actor, Services } from "../platform/services.ts";
import { type AppointmentView, loadAppointment } from "./appointment-view.ts";
import { bookAppointmentIn } from "./book-appointment.ts";
import { cancelAppointmentIn } from "./cancel-appointment.ts";
import { backToWaiting } from "./waitlist-offers.ts";
import { iso } from "./waitlist-view.ts";

/** How the patient's answer reached Salus: the front desk (default) or the link in the offer message. */
export interface OfferAnswerVia {
  via: "staff" | "sms-link" | "email-link" | "link";
  link?: string | null | undefined;
}

/**
 * Accepts an offer (staff on the patient's behalf, or the patient through the link): books the offered
 * time, which the offer held for this patient; an expired or closed offer answers 409. An "earlier
 * appointment" entry's old appointment is cancelled in the same transaction, which frees that time for the
 * next patient in line. The acceptance is recorded on the appointment (who, when, through which link).
 */
export async function acceptOffer(
  services: Services,
  actor: Actor,
  offerId: string,
  answer: OfferAnswerVia = { via: "staff" },
): Promise<AppointmentView> {
  return audited(
    services,
    actor,
    {
      action: "waitlist.accept",
      resourceType: "WaitlistOffer",
      resourceId: offerId,
      detail: { via: answer.via },
      fromResult: (a: AppointmentView) => ({ patientId: a.patientId, detail: { appointmentId: a.id } }),
    },
    async (trx) => {
      const now = services.clock().toISOString();
      const offer = await trx
        .selectFrom("waitlist_offers")
        .selectAll()
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", offerId)
        .executeTakeFirst();
      if (!offer) throw notFound("waitlist offer");
      if (offer.status === "expired" || (offer.status === "open" && iso(offer.expires_at) <= now))
        throw new DomainError("conflict", "This offer has expired.");
      if (offer.status === "accepted") throw new DomainError("conflict", "This offer was already accepted.");
      if (offer.status !== "open")
        throw new DomainError("conflict", "This slot was already taken or the offer was withdrawn.");
      const entry = await trx
        .selectFrom("waitlist_entries")
        .selectAll()
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", offer.entry_id)
        .executeTakeFirstOrThrow();
      let appointment: AppointmentView;
      try {
        appointment = await bookAppointmentIn(trx, services, actor, {
          patientId: entry.patient_id,
          appointmentTypeId: entry.appointment_type_id,
          locationId: entry.location_id,
          practitionerId: offer.practitioner_id,
          roomId: offer.room_id ?? undefined,
          when: { start: iso(offer.start_at) },
          note: entry.note,
        });
      } catch (error) {
        if (error instanceof DomainError && error.code === "conflict") {
          throw new DomainError(
            "conflict",
            "Someone else accepted this slot first; the patient stays on the waitlist.",
          );
        }
        throw error;
      }
      await trx
        .updateTable("waitlist_offers")
        .set({ status: "accepted", responded_at: now })
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", offerId)
        .execute();
      // Other open offers that overlap the booked time can no longer be honoured.
      await trx
        .updateTable("waitlist_offers")
        .set({ status: "taken", responded_at: now })
        .where("organization_id", "=", actor.organizationId)
        .where("status", "=", "open")
        .where("practitioner_id", "=", offer.practitioner_id)
        .where("start_at", "<", appointment.end)
        .where("end_at", ">", appointment.start)
        .execute();
      await trx
        .updateTable("waitlist_offers")
        .set({ status: "declined", responded_at: now })
        .where("organization_id", "=", actor.organizationId)
        .where("entry_id", "=", entry.id)
        .where("status", "=", "open")
        .execute();
      await trx
        .updateTable("waitlist_entries")
        .set({ status: "booked", booked_appointment_id: appointment.id, updated_at: now })
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", entry.id)
        .execute();
      // Entries whose offers were all taken go back to waiting.
      const stale = await trx
        .selectFrom("waitlist_entries")
        .select("id")
        .where("organization_id", "=", actor.organizationId)
        .where("status", "=", "offered")
        .execute();
      for (const s of stale) await backToWaiting(trx, actor, s.id, new Date(now));
      await trx
        .insertInto("appointment_responses")
        .values({
          organization_id: actor.organizationId,
          id: randomUUID(),
          appointment_id: appointment.id,
          kind: "offer-accepted",
          responder: answer.via === "staff" ? actor.label : "patient",
          via: answer.via,
          link: answer.link ?? null,
          version: appointment.version,
          at: now,
        })
        .execute();
      if (entry.current_appointment_id) {
        const current = await loadAppointment(trx, actor, entry.current_appointment_id);
        if (nextStatus(current.status, "cancel") !== null) {
          await cancelAppointmentIn(trx, services, actor, current.id, {
            reason: "Moved to an earlier time from the waitlist",
            cancelledBy: "patient",
          });
        }
      }
      return appointment;
    },
  );
}

import { notFound } from "@salus/core";
import { audited } from "../audit/audited.ts";
import type { Actor, Services } from "../platform/services.ts";
import { requirePatientAccess } from "../records/patient-access.ts";
import { type AppointmentResponseView, loadAppointmentResponses } from "./appointment-responses.ts";
import { type AppointmentView, loadAppointment } from "./appointment-view.ts";

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

import { audited } from "../audit/audited.ts";
import type { AppointmentStatus } from "../db/schema.ts";
import type { Actor, Services } from "../platform/services.ts";
import { visiblePatients } from "../records/patient-access.ts";
import {
  type AppointmentView,
  equipmentOf,
  present,
  type Row,
  selectAppointments,
} from "./appointment-view.ts";

export interface AppointmentQuery {
  from: string;
  to: string;
  locationId?: string | undefined;
  practitionerId?: string | undefined;
  patientId?: string | undefined;
  status?: AppointmentStatus[] | undefined;
  limit: number;
  offset: number;
}

/** Appointments starting in [from, to): the calendar, a patient's visits, FHIR search. Audited with the patients shown. */
export async function listAppointments(services: Services, actor: Actor, q: AppointmentQuery) {
  return audited(
    services,
    actor,
    {
      action: "appointment.search",
      resourceType: "Appointment",
      patientId: q.patientId ?? null,
      detail: { query: { ...q } },
      fromResult: (page: { items: AppointmentView[] }) => ({
        detail: { patientIds: [...new Set(page.items.map((a) => a.patientId))] },
      }),
    },
    async (trx) => {
      let sq = selectAppointments(trx, actor)
        .where("appointments.start_at", ">=", new Date(q.from).toISOString())
        .where("appointments.start_at", "<", new Date(q.to).toISOString());
      if (q.locationId) sq = sq.where("appointments.location_id", "=", q.locationId);
      if (q.practitionerId) sq = sq.where("appointments.practitioner_id", "=", q.practitionerId);
      if (q.patientId) sq = sq.where("appointments.patient_id", "=", q.patientId);
      if (q.status?.length) sq = sq.where("appointments.status", "in", q.status);
      // A clinician's calendar lists only visits of patients they may see (their own, care team,
      // break-glass): another patient's name never reaches them, and the count agrees.
      const visible = visiblePatients(services, actor, "schedule");
      if (visible) sq = sq.where(visible("appointments.patient_id"));
      const rows = (await sq
        .orderBy("appointments.start_at")
        .orderBy("appointments.id")
        .limit(q.limit)
        .offset(q.offset)
        .execute()) as Row[];
      const count = await sq
        .clearSelect()
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      const equipment = await equipmentOf(
        trx,
        actor,
        rows.map((r) => r.id),
      );
      return { items: rows.map((r) => present(r, equipment.get(r.id) ?? [])), total: Number(count.n) };
    },
  );
}

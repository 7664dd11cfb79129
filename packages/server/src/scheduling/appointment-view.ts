import { notFound } from "@salus/core";
import type { Selectable } from "kysely";
import type { AppointmentsTable } from "../db/schema.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor } from "../platform/services.ts";
import type { AppointmentView } from "./schemas.ts";

export type { AppointmentView } from "./schemas.ts";

export type Row = Selectable<AppointmentsTable> & { given_name: string; family_name: string };

export function present(r: Row, equipmentIds: string[]): AppointmentView {
  return {
    id: r.id,
    status: r.status,
    patientId: r.patient_id,
    patientName: `${r.family_name}, ${r.given_name}`,
    appointmentTypeId: r.appointment_type_id,
    locationId: r.location_id,
    practitionerId: r.practitioner_id,
    roomId: r.room_id,
    equipmentIds,
    start: r.start_at,
    end: r.end_at,
    overbooked: r.overbooked === 1,
    seriesId: r.series_id,
    note: r.note,
    cancelReason: r.cancel_reason,
    cancelledAt: r.cancelled_at,
    lateCancel: r.late_cancel === 1,
    version: r.version,
    patientOverlapAllowed: Number(r.patient_overlap_allowed) === 1,
  };
}

export function selectAppointments(trx: Trx, actor: Actor) {
  return trx
    .selectFrom("appointments")
    .innerJoin("patients", (j) =>
      j
        .onRef("patients.organization_id", "=", "appointments.organization_id")
        .onRef("patients.id", "=", "appointments.patient_id"),
    )
    .selectAll("appointments")
    .select(["patients.given_name", "patients.family_name"])
    .where("appointments.organization_id", "=", actor.organizationId);
}

export async function equipmentOf(trx: Trx, actor: Actor, ids: string[]): Promise<Map<string, string[]>> {
  const map = new Map<string, string[]>();
  if (!ids.length) return map;
  const rows = await trx
    .selectFrom("appointment_resources")
    .select(["appointment_id", "resource_id"])
    .where("organization_id", "=", actor.organizationId)
    .where("resource_kind", "=", "equipment")
    .where("appointment_id", "in", ids)
    .execute();
  for (const r of rows) map.set(r.appointment_id, [...(map.get(r.appointment_id) ?? []), r.resource_id]);
  return map;
}

export async function loadAppointment(trx: Trx, actor: Actor, id: string): Promise<AppointmentView> {
  const row = await selectAppointments(trx, actor).where("appointments.id", "=", id).executeTakeFirst();
  if (!row) throw notFound("appointment");
  return present(row as Row, (await equipmentOf(trx, actor, [id])).get(id) ?? []);
}

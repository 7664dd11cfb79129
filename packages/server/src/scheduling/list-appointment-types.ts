import type { Actor, Services } from "../platform/services.ts";
import { type AppointmentTypeView, presentAppointmentType } from "./appointment-type-view.ts";

export async function listAppointmentTypes(services: Services, actor: Actor): Promise<AppointmentTypeView[]> {
  const rows = await services.systemDb
    .selectFrom("appointment_types")
    .selectAll()
    .where("organization_id", "=", actor.organizationId)
    .orderBy("name")
    .execute();
  return rows.map(presentAppointmentType);
}

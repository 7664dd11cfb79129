import { audited } from "../audit/audited.ts";
import type { Actor, Services } from "../platform/services.ts";
import {
  type AppointmentTypeInput,
  checkReferences,
  columns,
  loadAppointmentType,
} from "./appointment-type-view.ts";

export async function updateAppointmentType(
  services: Services,
  actor: Actor,
  id: string,
  changes: Partial<AppointmentTypeInput>,
) {
  return audited(
    services,
    actor,
    {
      action: "appointment_type.update",
      resourceType: "AppointmentType",
      resourceId: id,
      detail: { fields: Object.keys(changes).sort() },
    },
    async (trx) => {
      await loadAppointmentType(trx, actor, id);
      await checkReferences(trx, actor, changes);
      await trx
        .updateTable("appointment_types")
        .set({ ...columns(changes), updated_at: services.clock().toISOString() })
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", id)
        .execute();
      return loadAppointmentType(trx, actor, id);
    },
  );
}

import { randomUUID } from "node:crypto";
import { audited } from "../audit/audited.ts";
import type { Actor, Services } from "../platform/services.ts";
import {
  type AppointmentTypeInput,
  checkReferences,
  columns,
  loadAppointmentType,
} from "./appointment-type-view.ts";

export async function createAppointmentType(services: Services, actor: Actor, input: AppointmentTypeInput) {
  const id = randomUUID();
  const at = services.clock().toISOString();
  return audited(
    services,
    actor,
    { action: "appointment_type.create", resourceType: "AppointmentType", resourceId: id },
    async (trx) => {
      await checkReferences(trx, actor, input);
      await trx
        .insertInto("appointment_types")
        .values({
          organization_id: actor.organizationId,
          id,
          name: input.name,
          duration_minutes: input.durationMinutes,
          buffer_before_minutes: 0,
          buffer_after_minutes: 0,
          min_lead_minutes: 0,
          max_per_day: null,
          step_minutes: 15,
          patient_kind: "any",
          practitioner_ids: null,
          room_required: 1,
          room_ids: null,
          equipment_kinds: "[]",
          bookable_by_patient: 0,
          color: null,
          active: 1,
          ...columns(input),
          created_at: at,
          updated_at: at,
        })
        .execute();
      return loadAppointmentType(trx, actor, id);
    },
  );
}

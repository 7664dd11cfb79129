import { DomainError } from "@salus/core";
import { audited } from "../audit/audited.ts";
import type { Actor, Services } from "../platform/services.ts";
import { loadSchedulingSettings, type SchedulingSettings } from "./scheduling-settings.ts";

export async function updateSchedulingSettings(
  services: Services,
  actor: Actor,
  changes: Partial<SchedulingSettings>,
): Promise<SchedulingSettings> {
  if (
    changes.reminderOffsetsHours &&
    new Set(changes.reminderOffsetsHours).size !== changes.reminderOffsetsHours.length
  ) {
    throw new DomainError("invalid_request", "Reminder times must differ from each other.", [
      { path: "reminderOffsetsHours", message: "must not repeat" },
    ]);
  }
  return audited(
    services,
    actor,
    { action: "scheduling.settings.update", resourceType: "SchedulingSettings", detail: { changes } },
    async (trx) => {
      const next = { ...(await loadSchedulingSettings(trx, actor.organizationId)), ...changes };
      next.reminderOffsetsHours = [...next.reminderOffsetsHours].sort((a, b) => b - a);
      const values = {
        reminder_offsets_hours: JSON.stringify(next.reminderOffsetsHours),
        late_cancel_hours: next.lateCancelHours,
        practitioner_max_concurrent: next.practitionerMaxConcurrent,
        offer_ttl_minutes: next.offerTtlMinutes,
        updated_at: services.clock().toISOString(),
      };
      await trx
        .insertInto("scheduling_settings")
        .values({ organization_id: actor.organizationId, ...values })
        .onConflict((oc) => oc.column("organization_id").doUpdateSet(values))
        .execute();
      return next;
    },
  );
}

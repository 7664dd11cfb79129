import type { Trx } from "../db/transaction.ts";
import type { SchedulingSettings } from "./schemas.ts";

export type { SchedulingSettings } from "./schemas.ts";

/** A practice's scheduling policy; defaults apply until the practice changes them. */

export const DEFAULT_SCHEDULING_SETTINGS: SchedulingSettings = {
  reminderOffsetsHours: [72, 24],
  lateCancelHours: 24,
  practitionerMaxConcurrent: 1,
  offerTtlMinutes: 120,
};

export async function loadSchedulingSettings(trx: Trx, organizationId: string): Promise<SchedulingSettings> {
  const row = await trx
    .selectFrom("scheduling_settings")
    .selectAll()
    .where("organization_id", "=", organizationId)
    .executeTakeFirst();
  if (!row) return DEFAULT_SCHEDULING_SETTINGS;
  return {
    reminderOffsetsHours: JSON.parse(row.reminder_offsets_hours) as number[],
    lateCancelHours: row.late_cancel_hours,
    practitionerMaxConcurrent: row.practitioner_max_concurrent,
    offerTtlMinutes: row.offer_ttl_minutes,
  };
}

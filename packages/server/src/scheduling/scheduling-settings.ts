import type { Trx } from "../db/transaction.ts";

/** A practice's scheduling policy; defaults apply until the practice changes them. */
export interface SchedulingSettings {
  /** Hours before a visit at which reminders go out, e.g. [72, 24]. */
  reminderOffsetsHours: number[];
  /** A cancellation within this many hours of the start is recorded as late. */
  lateCancelHours: number;
  /** 1 = never overbook; 2 = a practitioner may take one extra visit at a time when staff ask for it. */
  practitionerMaxConcurrent: number;
  /** How long a waitlist offer stays open. */
  offerTtlMinutes: number;
}

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

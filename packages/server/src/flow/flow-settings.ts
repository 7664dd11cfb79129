import { audited } from "../audit/audited.ts";
import type { LateAction } from "../db/schema-flow.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";

/** The practice's day-of policy; the defaults apply until the manager changes them. */
export interface FlowSettings {
  /** Minutes after the start a patient may arrive before the visit counts as late. */
  graceMinutes: number;
  /** What the re-plan recommends for a late patient past the grace period. */
  lateAction: LateAction;
  /** Later patients whose expected start moves by at least this many minutes are told the new time. */
  notifyThresholdMinutes: number;
  /** Board colours: waiting this long turns amber, then red. */
  waitWarnMinutes: number;
  waitAlertMinutes: number;
  /** A booked visit not arrived this many minutes after its start is marked no-show. */
  noShowAfterMinutes: number;
  /** Fee recorded per no-show (integer cents; 0 = no fee). */
  noShowFeeCents: number;
  /** What one idle practitioner minute costs the practice, and one patient waiting minute (for overbooking). */
  idleMinuteValueCents: number;
  waitMinuteCostCents: number;
  /**
   * How far past a practitioner's end of day a re-plan may keep a visit, in minutes: later visits are
   * offered a new time, and a lateness or overrun the day cannot hold is refused (issue 10, item 2).
   */
  overtimeLimitMinutes: number;
  /** What one minute of practitioner overtime (into a break or past the end of the day) costs (overbooking). */
  overtimeMinuteCostCents: number;
}

export const LATE_ACTIONS: readonly LateAction[] = ["next-gap", "earlier-of", "move", "offer-new-time"];

export const DEFAULT_FLOW_SETTINGS: FlowSettings = {
  graceMinutes: 10,
  lateAction: "next-gap",
  notifyThresholdMinutes: 15,
  waitWarnMinutes: 15,
  waitAlertMinutes: 30,
  noShowAfterMinutes: 30,
  noShowFeeCents: 2500,
  idleMinuteValueCents: 300,
  waitMinuteCostCents: 50,
  overtimeLimitMinutes: 60,
  // $4 a minute ($240 an hour): the practitioner and the staff kept late. It used to count as nothing.
  overtimeMinuteCostCents: 400,
};

export async function loadFlowSettings(trx: Trx, organizationId: string): Promise<FlowSettings> {
  const row = await trx
    .selectFrom("flow_settings")
    .selectAll()
    .where("organization_id", "=", organizationId)
    .executeTakeFirst();
  if (!row) return DEFAULT_FLOW_SETTINGS;
  return {
    graceMinutes: row.grace_minutes,
    lateAction: row.late_action,
    notifyThresholdMinutes: row.notify_threshold_minutes,
    waitWarnMinutes: row.wait_warn_minutes,
    waitAlertMinutes: row.wait_alert_minutes,
    noShowAfterMinutes: row.no_show_after_minutes,
    noShowFeeCents: row.no_show_fee_cents,
    idleMinuteValueCents: row.idle_minute_value_cents,
    waitMinuteCostCents: row.wait_minute_cost_cents,
    overtimeLimitMinutes: row.overtime_limit_minutes,
    overtimeMinuteCostCents: row.overtime_minute_cost_cents,
  };
}

/** Replaces the practice's flow policy (every field given; the route validates ranges). Audited. */
export async function updateFlowSettings(
  services: Services,
  actor: Actor,
  next: FlowSettings,
): Promise<FlowSettings> {
  return audited(
    services,
    actor,
    { action: "flow.settings.update", resourceType: "FlowSettings", detail: { settings: { ...next } } },
    async (trx) => {
      const values = {
        grace_minutes: next.graceMinutes,
        late_action: next.lateAction,
        notify_threshold_minutes: next.notifyThresholdMinutes,
        wait_warn_minutes: next.waitWarnMinutes,
        wait_alert_minutes: next.waitAlertMinutes,
        no_show_after_minutes: next.noShowAfterMinutes,
        no_show_fee_cents: next.noShowFeeCents,
        idle_minute_value_cents: next.idleMinuteValueCents,
        wait_minute_cost_cents: next.waitMinuteCostCents,
        overtime_limit_minutes: next.overtimeLimitMinutes,
        overtime_minute_cost_cents: next.overtimeMinuteCostCents,
        updated_at: services.clock().toISOString(),
      };
      await trx
        .insertInto("flow_settings")
        .values({ organization_id: actor.organizationId, ...values })
        .onConflict((oc) => oc.column("organization_id").doUpdateSet(values))
        .execute();
      return next;
    },
  );
}

import { audited } from "../audit/audited.ts";
import type { Actor, Services } from "../platform/services.ts";
import { checkSchedule, loadFeeSchedule, requireFeeScheduleRow } from "./fee-schedule-view.ts";
import type { FeeScheduleView } from "./price-schemas.ts";

export interface FeeScheduleChanges {
  name?: string | undefined;
  isDefault?: boolean | undefined;
  effectiveFrom?: string | undefined;
  effectiveTo?: string | null | undefined;
  active?: boolean | undefined;
  version: number;
}

/**
 * Renames a schedule, changes its dates or default flag, or retires it (`active: false`). Its kind and
 * payer never change: charges already priced from it name it. `version` guards against lost edits.
 */
export async function updateFeeSchedule(
  services: Services,
  actor: Actor,
  feeScheduleId: string,
  changes: FeeScheduleChanges,
): Promise<FeeScheduleView> {
  const { version, ...fields } = changes;
  return audited(
    services,
    actor,
    {
      action: "billing.fee-schedule.update",
      resourceType: "FeeSchedule",
      resourceId: feeScheduleId,
      detail: { fields: Object.keys(fields).sort() },
    },
    async (trx) => {
      const row = await requireFeeScheduleRow(trx, feeScheduleId, version);
      const next = {
        id: row.id,
        name: fields.name?.trim() ?? row.name,
        kind: row.kind,
        payerRef: row.payer_ref,
        isDefault: fields.isDefault ?? row.is_default === 1,
        effectiveFrom: fields.effectiveFrom ?? row.effective_from,
        effectiveTo: fields.effectiveTo === undefined ? row.effective_to : fields.effectiveTo,
        active: fields.active ?? row.active === 1,
      };
      await checkSchedule(trx, next, false);
      await trx
        .updateTable("fee_schedules")
        .set({
          name: next.name,
          is_default: next.isDefault ? 1 : 0,
          effective_from: next.effectiveFrom,
          effective_to: next.effectiveTo,
          active: next.active ? 1 : 0,
          version: row.version + 1,
          updated_at: services.clock().toISOString(),
        })
        .where("id", "=", row.id)
        .execute();
      return loadFeeSchedule(trx, row.id);
    },
  );
}

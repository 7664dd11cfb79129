import { randomUUID } from "node:crypto";
import { audited } from "../audit/audited.ts";
import type { Actor, Services } from "../platform/services.ts";
import { checkSchedule, loadFeeSchedule } from "./fee-schedule-view.ts";
import type { FeeScheduleView } from "./price-schemas.ts";

export interface FeeScheduleInput {
  name: string;
  kind: "practice" | "contract";
  payerRef?: string | null | undefined;
  isDefault?: boolean | undefined;
  effectiveFrom: string;
  effectiveTo?: string | null | undefined;
  /** Start from a copy of another schedule's prices (next year's prices, a contract at the practice's). */
  copyFrom?: string | null | undefined;
}

/** Adds a fee schedule (empty, or a copy of another's entries); entries come by CSV import or one by one. */
export async function createFeeSchedule(
  services: Services,
  actor: Actor,
  input: FeeScheduleInput,
): Promise<FeeScheduleView> {
  const id = randomUUID();
  const shape = {
    id,
    name: input.name.trim(),
    kind: input.kind,
    payerRef: input.payerRef ?? null,
    isDefault: input.isDefault ?? false,
    effectiveFrom: input.effectiveFrom,
    effectiveTo: input.effectiveTo ?? null,
    active: true,
  };
  return audited(
    services,
    actor,
    {
      action: "billing.fee-schedule.create",
      resourceType: "FeeSchedule",
      resourceId: id,
      detail: {
        name: shape.name,
        kind: shape.kind,
        payerRef: shape.payerRef,
        copyFrom: input.copyFrom ?? null,
      },
    },
    async (trx) => {
      await checkSchedule(trx, shape, true);
      const source = input.copyFrom ? await loadFeeSchedule(trx, input.copyFrom) : null;
      const at = services.clock().toISOString();
      await trx
        .insertInto("fee_schedules")
        .values({
          organization_id: actor.organizationId,
          id,
          name: shape.name,
          kind: shape.kind,
          payer_ref: shape.payerRef,
          is_default: shape.isDefault ? 1 : 0,
          effective_from: shape.effectiveFrom,
          effective_to: shape.effectiveTo,
          active: 1,
          version: 1,
          created_at: at,
          updated_at: at,
        })
        .execute();
      if (source) {
        const entries = await trx
          .selectFrom("fee_schedule_entries")
          .select(["procedure_code", "modifier", "amount_cents", "description"])
          .where("fee_schedule_id", "=", source.id)
          .execute();
        for (let i = 0; i < entries.length; i += 500)
          await trx
            .insertInto("fee_schedule_entries")
            .values(
              entries
                .slice(i, i + 500)
                .map((e) => ({ organization_id: actor.organizationId, fee_schedule_id: id, ...e })),
            )
            .execute();
      }
      return loadFeeSchedule(trx, id);
    },
  );
}

import { checkCloseMonth, periodOf } from "@salus/core/billing/ledger";
import { audited } from "../audit/audited.ts";
import type { ScopedTrx } from "../db/scoped.ts";
import type { Actor, Services } from "../platform/services.ts";
import { closedPeriods, practiceToday } from "./ledger-posting.ts";
import type { PeriodView } from "./ledger-schemas.ts";

/** Every month with entries (and the current one), newest first, with its totals and whether it is closed. */
export async function loadPeriods(trx: ScopedTrx, services: Services): Promise<PeriodView[]> {
  const rows = await trx.selectFrom("ledger_entries").select(["period", "kind", "amount_cents"]).execute();
  const closed = await trx.selectFrom("accounting_periods").selectAll().execute();
  const today = await practiceToday(trx, services);
  const byPeriod = new Map<string, PeriodView>();
  const view = (period: string): PeriodView => {
    let v = byPeriod.get(period);
    if (!v) {
      const c = closed.find((x) => x.period === period);
      v = {
        period,
        closed: Boolean(c),
        closedAt: c?.closed_at ?? null,
        closedBy: c?.closed_by ?? null,
        entries: 0,
        chargesCents: 0,
        paymentsCents: 0,
        adjustmentsCents: 0,
      };
      byPeriod.set(period, v);
    }
    return v;
  };
  view(periodOf(today));
  for (const c of closed) view(c.period);
  for (const r of rows) {
    const v = view(r.period);
    v.entries++;
    if (r.kind === "charge") v.chargesCents += r.amount_cents;
    else if (r.kind === "payment" || r.kind === "refund") v.paymentsCents -= r.amount_cents;
    else if (r.kind === "adjustment" || r.kind === "write-off") v.adjustmentsCents -= r.amount_cents;
  }
  return [...byPeriod.values()].sort((a, b) => b.period.localeCompare(a.period));
}

export async function listPeriods(services: Services, actor: Actor): Promise<PeriodView[]> {
  return audited(
    services,
    actor,
    { action: "billing.period.list", resourceType: "AccountingPeriod", readOnly: true },
    (trx) => loadPeriods(trx, services),
  );
}

/**
 * Closes an accounting month: from then on nothing posts into it (a correction dated in it posts in
 * the first open month after it). Past months only, in order (core checkCloseMonth).
 */
export async function closeMonth(services: Services, actor: Actor, period: string): Promise<PeriodView[]> {
  return audited(
    services,
    actor,
    { action: "billing.period.close", resourceType: "AccountingPeriod", resourceId: period },
    async (trx) => {
      const periods = (await trx.selectFrom("ledger_entries").select("period").distinct().execute()).map(
        (r) => r.period,
      );
      checkCloseMonth(period, await practiceToday(trx, services), await closedPeriods(trx), periods);
      await trx
        .insertInto("accounting_periods")
        .values({
          organization_id: actor.organizationId,
          period,
          closed_at: services.clock().toISOString(),
          closed_by: actor.userId ?? actor.label,
        })
        .execute();
      return loadPeriods(trx, services);
    },
  );
}

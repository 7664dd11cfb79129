import { DomainError, isPlainDate, notFound } from "@salus/core";
import { overlappingSchedule } from "@salus/core/billing/fee-schedules";
import type { FeeSchedulesTable } from "../db/schema-billing.ts";
import type { ScopedTrx } from "../db/scoped.ts";
import { findPayerRow } from "./load-payer.ts";
import type { FeeScheduleView } from "./price-schemas.ts";

/**
 * Fee schedules: the presenter, loading, and the rules every write checks. A schedule is either the
 * practice's prices (`practice`; one may be the default, and a practice schedule may be made for one
 * payer, such as self-pay prices) or what a payer has agreed to pay (`contract`, payer required).
 * Schedules that compete for the same price may not be in force on the same day (core fee-schedules.ts).
 */

export function presentFeeSchedule(
  r: FeeSchedulesTable,
  payerName: string | null,
  entries: number,
): FeeScheduleView {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    payerRef: r.payer_ref,
    payerName,
    isDefault: r.is_default === 1,
    effectiveFrom: r.effective_from,
    effectiveTo: r.effective_to,
    active: r.active === 1,
    entries,
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The organization's fee schedules with their payer's name and entry count, newest first per name. */
export async function listFeeSchedules(db: ScopedTrx, feeScheduleId?: string): Promise<FeeScheduleView[]> {
  let q = db
    .selectFrom("fee_schedules as s")
    .leftJoin("payers as p", (j) =>
      j.onRef("p.organization_id", "=", "s.organization_id").onRef("p.id", "=", "s.payer_ref"),
    )
    .selectAll("s")
    .select("p.name as payer_name")
    .select((eb) =>
      eb
        .selectFrom("fee_schedule_entries as e")
        .select((e) => e.fn.countAll<number>().as("n"))
        .whereRef("e.organization_id", "=", "s.organization_id")
        .whereRef("e.fee_schedule_id", "=", "s.id")
        .as("entry_count"),
    )
    .orderBy("s.kind", "desc")
    .orderBy("s.active", "desc")
    .orderBy("s.name")
    .orderBy("s.effective_from", "desc")
    .orderBy("s.id");
  if (feeScheduleId) q = q.where("s.id", "=", feeScheduleId);
  const rows = await q.execute();
  return rows.map(({ payer_name, entry_count, ...r }) =>
    presentFeeSchedule(r, payer_name ?? null, Number(entry_count ?? 0)),
  );
}

/** One schedule as the API shows it, or `not_found`. */
export async function loadFeeSchedule(db: ScopedTrx, feeScheduleId: string): Promise<FeeScheduleView> {
  const [view] = await listFeeSchedules(db, feeScheduleId);
  if (!view) throw notFound("fee schedule");
  return view;
}

/** The schedule row, or `not_found`; with `version`, refuses (409) when it changed since the caller read it. */
export async function requireFeeScheduleRow(
  trx: ScopedTrx,
  feeScheduleId: string,
  version?: number,
): Promise<FeeSchedulesTable> {
  const row = await trx
    .selectFrom("fee_schedules")
    .selectAll()
    .where("id", "=", feeScheduleId)
    .executeTakeFirst();
  if (!row) throw notFound("fee schedule");
  if (version !== undefined && row.version !== version)
    throw new DomainError(
      "conflict",
      `The fee schedule ${row.name} was changed by someone else (version ${row.version}, you edited ${version}); reload it and make your change again.`,
      [{ path: "version", message: "changed meanwhile" }],
    );
  return row;
}

/** Bumps the schedule's version after a change of its entries (entries have no version of their own). */
export async function touchFeeSchedule(trx: ScopedTrx, row: FeeSchedulesTable, at: string): Promise<void> {
  await trx
    .updateTable("fee_schedules")
    .set({ version: row.version + 1, updated_at: at })
    .where("id", "=", row.id)
    .execute();
}

export interface ScheduleShape {
  id: string;
  name: string;
  kind: "practice" | "contract";
  payerRef: string | null;
  isDefault: boolean;
  effectiveFrom: string;
  effectiveTo: string | null;
  active: boolean;
}

function invalid(path: string, message: string): DomainError {
  return new DomainError("invalid_request", `${path} ${message}.`, [{ path, message }]);
}

/**
 * Checks a schedule as it would be saved: kind and payer agree, dates are real and ordered, the payer
 * exists, and no competing schedule is in force on any of its days.
 */
export async function checkSchedule(trx: ScopedTrx, s: ScheduleShape, payerChanged: boolean): Promise<void> {
  if (!isPlainDate(s.effectiveFrom)) throw invalid("effectiveFrom", "must be a real date written YYYY-MM-DD");
  if (s.effectiveTo !== null) {
    if (!isPlainDate(s.effectiveTo)) throw invalid("effectiveTo", "must be a real date written YYYY-MM-DD");
    if (s.effectiveTo < s.effectiveFrom) throw invalid("effectiveTo", "must not be before effectiveFrom");
  }
  if (s.kind === "contract" && !s.payerRef) throw invalid("payerRef", "is required for a payer's contract");
  if (s.isDefault && s.payerRef)
    throw invalid("isDefault", "is only for the practice's own prices (a schedule without a payer)");
  if (s.isDefault && s.kind !== "practice") throw invalid("isDefault", "is only for a practice schedule");
  if (s.payerRef) {
    const payer = await findPayerRow(trx, s.payerRef);
    if (!payer) throw invalid("payerRef", "is not a payer of this practice");
    if (payerChanged && payer.active !== 1)
      throw invalid("payerRef", `names ${payer.name}, which is inactive`);
  }
  if (!s.active) return;
  // Competing schedules: the default practice prices; a payer's practice prices; a payer's contracts.
  if (s.kind === "practice" && !s.payerRef && !s.isDefault) return;
  let q = trx
    .selectFrom("fee_schedules")
    .select(["id", "name", "effective_from", "effective_to"])
    .where("active", "=", 1)
    .where("kind", "=", s.kind)
    .where("id", "!=", s.id);
  q = s.payerRef
    ? q.where("payer_ref", "=", s.payerRef)
    : q.where("payer_ref", "is", null).where("is_default", "=", 1);
  const others = (await q.execute()).map((o) => ({
    id: o.id,
    name: o.name,
    effectiveFrom: o.effective_from,
    effectiveTo: o.effective_to,
  }));
  const clash = overlappingSchedule(s, others);
  if (clash) {
    const what = s.isDefault
      ? "default practice schedule"
      : s.kind === "contract"
        ? "contract with this payer"
        : "practice schedule for this payer";
    throw new DomainError(
      "conflict",
      `Another ${what}, ${clash.name} (from ${clash.effectiveFrom}${clash.effectiveTo ? ` to ${clash.effectiveTo}` : ""}), is in force on some of these dates; end it the day before ${s.effectiveFrom} or choose other dates.`,
      [{ path: "effectiveFrom", message: `overlaps ${clash.name}` }],
    );
  }
}

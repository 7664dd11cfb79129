import { choosePrice, type PriceCandidate } from "@salus/core/billing/price-choice";
import type { ScopedTrx } from "../db/scoped.ts";

/**
 * What the practice charges for a procedure on a date of service (charge capture prices every line
 * with this), and what a payer has agreed to pay for it (the contracted amount, for expected
 * reimbursement).
 *
 * Which schedule: a schedule is in force on a date when it is active and `effective_from <= date <=
 * effective_to` (both inclusive; no `effective_to` = open-ended). For the practice's price, a practice
 * schedule made for the payer (`kind 'practice'` with `payer_ref` set, such as a self-pay price list)
 * comes first when `payerRef` is given and it lists the code; else the practice's default schedule
 * (`is_default`, no payer). Contract schedules (`kind 'contract'`) never price a charge.
 *
 * Which entry: the entry for the first of the line's modifiers that the schedule lists (pricing
 * modifiers such as 26 or TC are written first by convention), else the entry without a modifier ('').
 * A schedule's own plain price wins over another schedule's modifier price: a payer schedule is the
 * whole price list for that payer. The choice itself is core's `choosePrice` (property-tested).
 *
 * Both run inside the caller's (audited, scoped) transaction, so the price read and the charge written
 * commit together and see the same schedule.
 */
export interface PriceQuery {
  /** CPT or HCPCS code (upper-cased here). */
  procedureCode: string;
  /** The line's modifiers in claim order (at most four). */
  modifiers: readonly string[];
  /** YYYY-MM-DD. */
  dateOfService: string;
  /** The payer the line is billed to; a practice schedule made for this payer is tried first. */
  payerRef?: string | null;
}

export interface PriceFound {
  unitPriceCents: number;
  feeScheduleId: string;
  /** The modifier whose entry was used ('' = the plain price). */
  modifier: string;
}

function normalize(q: PriceQuery): { code: string; modifiers: string[] } {
  const code = q.procedureCode.trim().toUpperCase();
  const modifiers = q.modifiers.map((m) => m.trim().toUpperCase()).filter((m) => m !== "");
  return { code, modifiers };
}

async function candidates(
  trx: ScopedTrx,
  kind: "practice" | "contract",
  code: string,
  modifiers: readonly string[],
  date: string,
  payerRef: string | null,
): Promise<PriceCandidate[]> {
  return trx
    .selectFrom("fee_schedule_entries as e")
    .innerJoin("fee_schedules as s", (j) =>
      j.onRef("s.organization_id", "=", "e.organization_id").onRef("s.id", "=", "e.fee_schedule_id"),
    )
    .select([
      "e.fee_schedule_id as feeScheduleId",
      "s.payer_ref as payerRef",
      "s.effective_from as effectiveFrom",
      "e.modifier",
      "e.amount_cents as amountCents",
    ])
    .where("s.kind", "=", kind)
    .where("s.active", "=", 1)
    .where("s.effective_from", "<=", date)
    .where((eb) => eb.or([eb("s.effective_to", "is", null), eb("s.effective_to", ">=", date)]))
    .where((eb) =>
      kind === "contract"
        ? eb("s.payer_ref", "=", payerRef ?? "")
        : payerRef
          ? eb.or([
              eb.and([eb("s.is_default", "=", 1), eb("s.payer_ref", "is", null)]),
              eb("s.payer_ref", "=", payerRef),
            ])
          : eb.and([eb("s.is_default", "=", 1), eb("s.payer_ref", "is", null)]),
    )
    .where("e.procedure_code", "=", code)
    .where("e.modifier", "in", [...modifiers, ""])
    .execute();
}

/**
 * The practice's price for one unit of `procedureCode` on `dateOfService` (see the file comment for
 * which schedule and entry), or null when no schedule in force lists the code.
 */
export async function priceFor(trx: ScopedTrx, query: PriceQuery): Promise<PriceFound | null> {
  const { code, modifiers } = normalize(query);
  const payerRef = query.payerRef ?? null;
  const rows = await candidates(trx, "practice", code, modifiers, query.dateOfService, payerRef);
  const best = choosePrice(rows, { modifiers, payerRef });
  return best
    ? { unitPriceCents: best.amountCents, feeScheduleId: best.feeScheduleId, modifier: best.modifier }
    : null;
}

/**
 * What `payerRef` has agreed to pay for one unit of the procedure on the date (its contract schedule in
 * force), or null when it has no contract listing the code.
 */
export async function contractedAmountFor(
  trx: ScopedTrx,
  query: PriceQuery & { payerRef: string },
): Promise<PriceFound | null> {
  const { code, modifiers } = normalize(query);
  const rows = await candidates(trx, "contract", code, modifiers, query.dateOfService, query.payerRef);
  const best = choosePrice(rows, { modifiers, payerRef: query.payerRef });
  return best
    ? { unitPriceCents: best.amountCents, feeScheduleId: best.feeScheduleId, modifier: best.modifier }
    : null;
}

/**
 * Which fee schedule entry prices a charge line, among the entries of the schedules in force on its date
 * of service that list its procedure code (server billing/price-lookup.ts reads them):
 * 1. a practice schedule made for the line's payer (such as self-pay prices) before the default one;
 * 2. within that, the entry for the first of the line's modifiers the schedule lists, else the plain
 *    price (modifier '');
 * 3. then the schedule that took effect last, then the smaller schedule id (so the answer never depends
 *    on the order the database returned the rows in).
 */
export interface PriceCandidate {
  feeScheduleId: string;
  /** The schedule's payer (null: the practice's default schedule). */
  payerRef: string | null;
  effectiveFrom: string;
  modifier: string;
  amountCents: number;
}

export function choosePrice(
  candidates: readonly PriceCandidate[],
  line: { modifiers: readonly string[]; payerRef: string | null },
): PriceCandidate | null {
  const modRank = (m: string) => (m === "" ? line.modifiers.length : line.modifiers.indexOf(m));
  const scheduleRank = (c: PriceCandidate) =>
    line.payerRef !== null && c.payerRef === line.payerRef ? 0 : 1;
  let best: PriceCandidate | null = null;
  for (const c of candidates) {
    if (modRank(c.modifier) < 0) continue;
    if (!best) {
      best = c;
      continue;
    }
    const d =
      scheduleRank(c) - scheduleRank(best) ||
      modRank(c.modifier) - modRank(best.modifier) ||
      (c.effectiveFrom > best.effectiveFrom ? -1 : c.effectiveFrom < best.effectiveFrom ? 1 : 0) ||
      (c.feeScheduleId < best.feeScheduleId ? -1 : c.feeScheduleId > best.feeScheduleId ? 1 : 0);
    if (d < 0) best = c;
  }
  return best;
}

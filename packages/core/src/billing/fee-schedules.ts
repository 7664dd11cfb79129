/**
 * Fee schedules' dates as rules: a schedule is in force from `effectiveFrom` to `effectiveTo`, both
 * inclusive (no end: until further notice). Two schedules that compete for the same price (two default
 * practice schedules, two practice schedules for one payer, two contracts of one payer) must not be in
 * force on the same day, or the price of a charge would depend on which was found first.
 */
export interface ScheduleDates {
  id: string;
  name: string;
  effectiveFrom: string;
  effectiveTo: string | null;
}

/** Whether two closed date ranges share a day (a null end is open). */
export function datesOverlap(a: ScheduleDates, b: ScheduleDates): boolean {
  return (
    (a.effectiveTo === null || a.effectiveTo >= b.effectiveFrom) &&
    (b.effectiveTo === null || b.effectiveTo >= a.effectiveFrom)
  );
}

/** The first of `others` (not `schedule` itself) in force on a day `schedule` is, or null. */
export function overlappingSchedule(
  schedule: ScheduleDates,
  others: readonly ScheduleDates[],
): ScheduleDates | null {
  return others.find((o) => o.id !== schedule.id && datesOverlap(schedule, o)) ?? null;
}

/** Whether a schedule is in force on a date of service. */
export function inForceOn(s: Pick<ScheduleDates, "effectiveFrom" | "effectiveTo">, date: string): boolean {
  return s.effectiveFrom <= date && (s.effectiveTo === null || date <= s.effectiveTo);
}

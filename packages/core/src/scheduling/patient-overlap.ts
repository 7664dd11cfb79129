/**
 * A patient is never in two places at once: the pure rule every booking path (calendar, JSON API, FHIR,
 * series, waitlist offers, re-plan moves) applies through `checkBooking`.
 *
 * Two visits of one patient overlap when their times share an instant: `[s1, e1)` and `[s2, e2)` with
 * `s1 < e2 && s2 < e1`. Back to back (one ends when the other starts) is not an overlap, so a patient can
 * see two practitioners one after the other in one clinic. Buffers (a room's clean-up time) belong to the
 * resources, not the patient, and are not counted.
 */
import type { TimeInterval } from "./intervals.ts";

/** Another active visit of the same patient (proposed, pending, booked, arrived, checked-in, fulfilled). */
export interface PatientVisit extends TimeInterval {
  id: string;
  practitionerId: string;
  locationId: string;
}

/** The patient's visits that share an instant with `span`, earliest first, ignoring `ignoreIds` (the visit being moved). */
export function overlappingPatientVisits<V extends PatientVisit>(
  visits: readonly V[],
  span: TimeInterval,
  ignoreIds: readonly string[] = [],
): V[] {
  return visits
    .filter((v) => !ignoreIds.includes(v.id) && v.start < span.end && span.start < v.end)
    .sort((a, b) => a.start - b.start || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** True when no two of the visits overlap (the invariant the database keeps, unless staff override). */
export function noPatientOverlap(visits: readonly TimeInterval[]): boolean {
  const sorted = [...visits].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) if (sorted[i]!.start < sorted[i - 1]!.end) return false;
  return true;
}

/**
 * The longest a custom end may make a visit of a type of `durationMinutes`, without the explicit
 * override: the type's length plus the larger of its own length and one hour (a 20-minute type may run
 * to 80 minutes, a 3-hour type to 6 hours). A typo such as the next day's date is refused, not booked.
 */
export function maxCustomLengthMinutes(durationMinutes: number): number {
  return durationMinutes + Math.max(durationMinutes, 60);
}

import type { FlowVisit } from "./projection.ts";

const MIN = 60_000;

/**
 * Test support shared by the projection and re-plan property tests: the booked visit `base` put in the
 * state `kind` at `now`, or null when that kind does not apply at `now` (the caller keeps the visit
 * booked). `running` says whether the practitioner already has a visit in progress (at most one).
 */
export function visitInState(
  base: FlowVisit,
  kind: string,
  now: number,
  lateMinutes: number,
  running: boolean,
): FlowVisit | null {
  const start = base.start;
  const seenBy = Math.min(now, start);
  if (kind === "done" && start < now)
    return {
      ...base,
      status: "fulfilled",
      checkedInAt: seenBy,
      withPractitionerAt: seenBy,
      checkedOutAt: now,
    };
  if (kind === "cancelled") return { ...base, status: "cancelled" };
  if (kind === "noshow" && start < now) return { ...base, status: "noshow" };
  if (kind === "running" && !running && start <= now)
    return { ...base, status: "checked-in", checkedInAt: seenBy, withPractitionerAt: seenBy };
  if (kind === "waiting") return { ...base, status: "arrived", arrivedAt: Math.min(now, start - 5 * MIN) };
  if (kind === "late") return { ...base, expectedArrival: start + lateMinutes * MIN };
  return null;
}

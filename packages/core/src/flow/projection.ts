/**
 * Projection of a location's day: from the flow times recorded so far and each appointment type's
 * observed durations, the expected start and end of every remaining visit and each practitioner's
 * expected end of day.
 *
 * All instants are epoch milliseconds (UTC); durations in the input are minutes. The model, per
 * practitioner, in queue order (in-progress visit first, then by scheduled start, ties by appointment id):
 *   expectedStart = max(now, practitioner free, patient ready, scheduled start)
 *   expectedEnd   = expectedStart + expected duration
 * where the patient is ready when present (arrived or checked in), else at `expectedArrival` when the
 * desk recorded one, else at the scheduled start (or now, if that has passed: a late patient with no
 * news may walk in at any moment). A visit is not started before its scheduled start even if the patient
 * is early (policy `startEarly` turns that off). A visit with the practitioner ends at
 * max(now, start + expected duration): it cannot have ended already, since nobody checked it out.
 */
import { DomainError } from "../shared/domain-error.ts";
import type { FlowAppointmentStatus } from "./flow-states.ts";

const MINUTE = 60_000;

/** One appointment of the day with the flow times recorded so far (instants in epoch ms, or null). */
export interface FlowVisit {
  appointmentId: string;
  practitionerId: string;
  appointmentTypeId: string;
  /** Scheduled start and end (epoch ms). */
  start: number;
  end: number;
  status: FlowAppointmentStatus;
  arrivedAt?: number | null;
  checkedInAt?: number | null;
  roomedAt?: number | null;
  withPractitionerAt?: number | null;
  checkedOutAt?: number | null;
  /** When a late patient said they would arrive (epoch ms), if they did. */
  expectedArrival?: number | null;
  /** The start the patient was last told (epoch ms); notifications compare against it (default: `start`). */
  notifiedStart?: number | null;
  /**
   * The start an accepted re-plan gave the visit (epoch ms), if any: it sets the visit's place in its
   * practitioner's order, but not a floor on its start, so a later correction (the late patient comes
   * sooner after all) can bring the visit back towards `start`.
   */
  plannedStart?: number | null;
}

/** Observed durations of one appointment type, in minutes. */
export interface DurationStats {
  meanMinutes: number;
  p50Minutes?: number | null;
  p90Minutes?: number | null;
  /** How many visits the figures come from. */
  samples?: number;
}

/** Observed durations by appointment type id; a type without an entry uses its booked length. */
export type DurationTable = Readonly<Record<string, DurationStats>>;

export interface ProjectionPolicy {
  /** Which observed figure to plan with (default "mean"). */
  durationEstimate?: "mean" | "p50" | "p90";
  /** Below this many observed visits the booked length is used instead (default 5). */
  minSamples?: number;
  /** Let a present patient start before the scheduled start when the practitioner is free (default false). */
  startEarly?: boolean;
}

/** Where a remaining visit stands. */
export type VisitState = "upcoming" | "late" | "waiting" | "in-progress";

/** One remaining visit as projected. */
export interface ProjectedVisit {
  appointmentId: string;
  practitionerId: string;
  state: VisitState;
  scheduledStart: number;
  expectedStart: number;
  expectedEnd: number;
  /** expectedStart − scheduledStart in minutes (negative when early). */
  delayMinutes: number;
  /** Expected waiting not caused by the patient: expectedStart − max(scheduled start, patient ready), minutes. */
  expectedWaitMinutes: number;
}

export interface PractitionerProjection {
  practitionerId: string;
  /** The end of the practitioner's day: `dayEnd` passed in, else the latest scheduled end of their visits. */
  scheduledEndOfDay: number;
  /** When the last remaining visit is expected to end (now, if nothing remains). */
  expectedEndOfDay: number;
  overtimeMinutes: number;
  /** Remaining visits in expected order. */
  visits: ProjectedVisit[];
}

export interface DayProjection {
  now: number;
  practitioners: PractitionerProjection[];
  /** All remaining visits, ordered by practitioner id then expected start. */
  visits: ProjectedVisit[];
  totalWaitMinutes: number;
  maxWaitMinutes: number;
  totalOvertimeMinutes: number;
}

export interface ProjectDayInput {
  now: number;
  visits: readonly FlowVisit[];
  durations?: DurationTable;
  policy?: ProjectionPolicy;
  /** End of each practitioner's working day (epoch ms) by practitioner id, for overtime. */
  dayEnds?: Readonly<Record<string, number>>;
}

/** Internal: a remaining visit with everything the scheduler needs, precomputed once. */
export interface PreparedVisit {
  id: string;
  practitionerId: string;
  typeId: string;
  scheduledStart: number;
  scheduledEnd: number;
  durationMs: number;
  state: VisitState;
  /** Instant the patient is (expected to be) there. */
  readyAt: number;
  /** Earliest start allowed: max(now, readyAt, scheduled start unless startEarly). */
  earliest: number;
  /** For an in-progress visit: its fixed expected end. */
  fixedEnd: number | null;
  /** Reference for notifications (what the patient was told, or their own arrival if later). */
  notifyReference: number;
  /** What the patient was last told (their booked start when never told anything else). */
  toldStart: number;
  /** Place in the practitioner's order: the start an accepted re-plan gave the visit, else its start. */
  orderKey: number;
  present: boolean;
}

const DONE: ReadonlySet<FlowAppointmentStatus> = new Set([
  "fulfilled",
  "cancelled",
  "noshow",
  "entered-in-error",
  "waitlist",
  "proposed",
  "pending",
]);

/** Expected duration in ms of a visit: the observed figure for its type, else its booked length. */
export function expectedDurationMs(
  visit: Pick<FlowVisit, "appointmentTypeId" | "start" | "end">,
  durations: DurationTable | undefined,
  policy: ProjectionPolicy = {},
): number {
  const booked = Math.max(0, visit.end - visit.start);
  const stats = durations?.[visit.appointmentTypeId];
  if (!stats) return booked;
  if ((stats.samples ?? Number.POSITIVE_INFINITY) < (policy.minSamples ?? 5)) return booked;
  const estimate = policy.durationEstimate ?? "mean";
  const minutes =
    estimate === "p50"
      ? (stats.p50Minutes ?? stats.meanMinutes)
      : estimate === "p90"
        ? (stats.p90Minutes ?? stats.meanMinutes)
        : stats.meanMinutes;
  // A corrupt statistic (NaN, negative) must not produce visits that end before they start.
  return Number.isFinite(minutes) && minutes > 0 ? Math.round(minutes * MINUTE) : booked;
}

/** True when the visit still needs practitioner time today. */
export function isRemaining(v: FlowVisit): boolean {
  return !DONE.has(v.status) && v.checkedOutAt == null;
}

/** Prepares the remaining visits (checked out, cancelled, no-show … are left out). */
export function prepareVisits(
  now: number,
  visits: readonly FlowVisit[],
  durations: DurationTable | undefined,
  policy: ProjectionPolicy = {},
): PreparedVisit[] {
  const out: PreparedVisit[] = [];
  const seen = new Set<string>();
  for (const v of visits) {
    // A duplicated id would be planned twice and counted once: refuse rather than answer a wrong day.
    if (seen.has(v.appointmentId)) {
      throw new DomainError("invalid_request", `Appointment ${v.appointmentId} appears twice in the day.`);
    }
    seen.add(v.appointmentId);
    if (!Number.isFinite(v.start) || !Number.isFinite(v.end)) {
      throw new DomainError("invalid_request", `Appointment ${v.appointmentId} has no valid start and end.`);
    }
    if (!isRemaining(v)) continue;
    const durationMs = expectedDurationMs(v, durations, policy);
    const presentAt = v.arrivedAt ?? v.checkedInAt ?? v.roomedAt ?? v.withPractitionerAt ?? null;
    const present = presentAt !== null || v.status === "arrived" || v.status === "checked-in";
    let state: VisitState;
    let readyAt: number;
    let fixedEnd: number | null = null;
    if (v.withPractitionerAt != null) {
      state = "in-progress";
      readyAt = v.withPractitionerAt;
      fixedEnd = Math.max(now, v.withPractitionerAt + durationMs);
    } else if (present) {
      state = "waiting";
      readyAt = Math.min(presentAt ?? now, now);
    } else if (v.expectedArrival != null) {
      state = v.expectedArrival > v.start ? "late" : "upcoming";
      readyAt = Math.max(now, v.expectedArrival);
    } else {
      state = v.start < now ? "late" : "upcoming";
      readyAt = Math.max(now, v.start);
    }
    const earliest = Math.max(
      now,
      readyAt,
      policy.startEarly && present ? Number.NEGATIVE_INFINITY : v.start,
    );
    out.push({
      id: v.appointmentId,
      practitionerId: v.practitionerId,
      typeId: v.appointmentTypeId,
      scheduledStart: v.start,
      scheduledEnd: v.end,
      durationMs,
      state,
      readyAt,
      earliest: state === "in-progress" ? v.withPractitionerAt! : earliest,
      fixedEnd,
      notifyReference: Math.max(v.notifiedStart ?? v.start, v.expectedArrival ?? Number.NEGATIVE_INFINITY),
      toldStart: v.notifiedStart ?? v.start,
      orderKey: v.plannedStart ?? v.start,
      present,
    });
  }
  return out;
}

/**
 * Queue order of the current plan: in-progress first, then the start an accepted re-plan gave the visit
 * (else its scheduled start), then the scheduled start, then appointment id.
 */
export function bookedOrder(a: PreparedVisit, b: PreparedVisit): number {
  const ap = a.state === "in-progress" ? 0 : 1;
  const bp = b.state === "in-progress" ? 0 : 1;
  return (
    ap - bp ||
    a.orderKey - b.orderKey ||
    a.scheduledStart - b.scheduledStart ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/** A planned visit: start and end in epoch ms. */
export interface Timed {
  start: number;
  end: number;
}

/** Lays out one practitioner's visits in the given order; answers start/end per visit id. */
export function layOut(now: number, ordered: readonly PreparedVisit[], out: Map<string, Timed>): number {
  let free = now;
  for (const v of ordered) {
    if (v.fixedEnd !== null) {
      out.set(v.id, { start: v.earliest, end: v.fixedEnd });
      free = Math.max(free, v.fixedEnd);
      continue;
    }
    const start = Math.max(free, v.earliest);
    const end = start + v.durationMs;
    out.set(v.id, { start, end });
    free = end;
  }
  return free;
}

/** Expected wait in minutes of a planned visit (0 for a visit already with the practitioner). */
export function waitMinutes(v: PreparedVisit, start: number): number {
  if (v.state === "in-progress") return 0;
  return Math.max(0, start - Math.max(v.scheduledStart, v.readyAt)) / MINUTE;
}

/** Groups prepared visits by practitioner (ids sorted), each list in booked order. */
export function byPractitioner(visits: readonly PreparedVisit[]): Map<string, PreparedVisit[]> {
  const map = new Map<string, PreparedVisit[]>();
  for (const v of visits) {
    const list = map.get(v.practitionerId);
    if (list) list.push(v);
    else map.set(v.practitionerId, [v]);
  }
  for (const list of map.values()) list.sort(bookedOrder);
  return new Map([...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Scheduled end of each practitioner's day: the given day end, else the latest scheduled end of any visit. */
export function scheduledDayEnds(
  visits: readonly FlowVisit[],
  dayEnds: Readonly<Record<string, number>> | undefined,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const v of visits) {
    if (v.status === "cancelled" || v.status === "entered-in-error" || v.status === "waitlist") continue;
    out.set(v.practitionerId, Math.max(out.get(v.practitionerId) ?? Number.NEGATIVE_INFINITY, v.end));
  }
  for (const [id, end] of Object.entries(dayEnds ?? {})) out.set(id, end);
  return out;
}

/**
 * Builds the public projection from planned times. With `reuse`, practitioners outside `reuse.changed`
 * keep their entries from `reuse.from` (a re-plan changes one or two practitioners of forty; rebuilding
 * every visit for every proposal was most of the re-plan's time). Entries are then shared, read-only.
 */
export function describePlan(
  now: number,
  prepared: readonly PreparedVisit[],
  practitionerOf: ReadonlyMap<string, string>,
  times: ReadonlyMap<string, Timed>,
  dayEnds: ReadonlyMap<string, number>,
  reuse?: { from: DayProjection; changed: ReadonlySet<string> },
): DayProjection {
  const reused = new Map<string, PractitionerProjection>();
  if (reuse) {
    for (const pp of reuse.from.practitioners) {
      if (!reuse.changed.has(pp.practitionerId)) reused.set(pp.practitionerId, pp);
    }
  }
  const groups = new Map<string, ProjectedVisit[]>();
  for (const p of dayEnds.keys()) if (!reused.has(p)) groups.set(p, []);
  for (const v of prepared) {
    const practitionerId = practitionerOf.get(v.id) ?? v.practitionerId;
    if (reused.has(practitionerId)) continue;
    const t = times.get(v.id);
    if (!t) continue; // offered a new time: no longer part of today
    const wait = waitMinutes(v, t.start);
    const pv: ProjectedVisit = {
      appointmentId: v.id,
      practitionerId,
      state: v.state,
      scheduledStart: v.scheduledStart,
      expectedStart: t.start,
      expectedEnd: t.end,
      delayMinutes: (t.start - v.scheduledStart) / MINUTE,
      expectedWaitMinutes: wait,
    };
    const list = groups.get(practitionerId);
    if (list) list.push(pv);
    else groups.set(practitionerId, [pv]);
  }
  const practitioners: PractitionerProjection[] = [];
  let total = 0;
  let max = 0;
  let totalOvertime = 0;
  const ids = [...new Set([...groups.keys(), ...reused.keys()])].sort();
  const visitsOut: ProjectedVisit[] = [];
  for (const id of ids) {
    let entry = reused.get(id);
    if (!entry) {
      const list = groups.get(id)!;
      list.sort(
        (a, b) =>
          a.expectedStart - b.expectedStart ||
          (a.appointmentId < b.appointmentId ? -1 : a.appointmentId > b.appointmentId ? 1 : 0),
      );
      const expectedEndOfDay = list.reduce((m, v) => Math.max(m, v.expectedEnd), now);
      const scheduledEndOfDay = dayEnds.get(id) ?? expectedEndOfDay;
      // Nothing left = no overtime to come (the practitioner may already have gone home).
      const overtimeMinutes =
        list.length === 0 ? 0 : Math.max(0, expectedEndOfDay - scheduledEndOfDay) / MINUTE;
      entry = { practitionerId: id, scheduledEndOfDay, expectedEndOfDay, overtimeMinutes, visits: list };
    }
    totalOvertime += entry.overtimeMinutes;
    for (const v of entry.visits) {
      total += v.expectedWaitMinutes;
      max = Math.max(max, v.expectedWaitMinutes);
    }
    practitioners.push(entry);
    visitsOut.push(...entry.visits);
  }
  return {
    now,
    practitioners,
    visits: visitsOut,
    totalWaitMinutes: total,
    maxWaitMinutes: max,
    totalOvertimeMinutes: totalOvertime,
  };
}

/** Projects the rest of the day: expected start and end of every remaining visit, per practitioner end of day and overtime. */
export function projectDay(input: ProjectDayInput): DayProjection {
  const { now, visits, durations, policy } = input;
  const prepared = prepareVisits(now, visits, durations, policy);
  const times = new Map<string, Timed>();
  for (const list of byPractitioner(prepared).values()) layOut(now, list, times);
  return describePlan(now, prepared, new Map(), times, scheduledDayEnds(visits, input.dayEnds));
}

/** One finished visit: its type and the time the practitioner spent (with-practitioner to check-out). */
export interface DurationObservation {
  appointmentTypeId: string;
  withPractitionerAt: number;
  checkedOutAt: number;
}

/**
 * Observed durations per appointment type (mean, p50, p90 by nearest rank, sample count), from finished
 * visits. Observations under 1 minute or over `maxMinutes` (default 480) are left out: a visit checked
 * out the next morning is a forgotten click, not an eight-hour consultation.
 */
export function observedDurations(
  observations: readonly DurationObservation[],
  options: { maxMinutes?: number } = {},
): Record<string, DurationStats> {
  const max = options.maxMinutes ?? 480;
  const byType = new Map<string, number[]>();
  for (const o of observations) {
    const minutes = (o.checkedOutAt - o.withPractitionerAt) / MINUTE;
    if (!Number.isFinite(minutes) || minutes < 1 || minutes > max) continue;
    const list = byType.get(o.appointmentTypeId);
    if (list) list.push(minutes);
    else byType.set(o.appointmentTypeId, [minutes]);
  }
  const out: Record<string, DurationStats> = {};
  for (const type of [...byType.keys()].sort()) {
    const list = byType.get(type)!.sort((a, b) => a - b);
    const rank = (q: number) => list[Math.max(0, Math.ceil(q * list.length) - 1)]!;
    out[type] = {
      meanMinutes: list.reduce((s, m) => s + m, 0) / list.length,
      p50Minutes: rank(0.5),
      p90Minutes: rank(0.9),
      samples: list.length,
    };
  }
  return out;
}

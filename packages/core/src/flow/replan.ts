/**
 * Re-planning the rest of a day when a patient is late or a visit runs over.
 *
 * Input: the day's visits with their flow times (see `projectDay`), the practitioners with the
 * appointment types each can do and their availability for the rest of the day, observed durations, the
 * practice's policy and the event. Output: ranked proposals, each a complete plan for the remaining day
 * with the changes against the current projection ("keep"), its metrics and who must be told a new time.
 *
 * Proposals (ids are stable, so the accepting request can re-run the function and pick the same one):
 *   keep            change nothing: everyone keeps the booked order (the only answer within the grace period)
 *   next-gap        the late patient is seen in the first gap after they arrive that delays nobody
 *                   (or at the end of the day when there is no such gap)
 *   serve-waiting   the practitioner serves whoever is waiting, by the earlier of appointment time and
 *                   arrival time; a late patient therefore goes next once they arrive, and nobody idles
 *                   while waiting for them
 *   move:A:P        visit A moves to practitioner P, who can do its type and is free for it
 *   offer:A         visit A is taken out of today and the patient is offered a new time
 * Ranking: lowest score first, score = total expected wait + overtimeWeight × overtime
 *   + moveCostMinutes × patients moved + offerNewTimeCostMinutes × patients offered a new time
 * (each proposal carries these four parts, `scoreParts`, and the metrics they come from); ties go to the
 * practice's preferred kind, then "keep", then by kind (in the order above) then id. The first proposal is
 * the recommended one (`recommendedId`): no other has a lower score. "keep" is always in the list (past
 * the grace period too), so the recommended proposal is never worse than changing nothing by that score.
 *
 * The day's limit (policy `overtimeLimitMinutes`): no proposal keeps a visit that is not yet with the
 * practitioner past the practitioner's end of day plus that many minutes; such visits are offered a new
 * time in that proposal (and counted, and said in its explanation). A late arrival or an overrun the day
 * cannot hold at all is refused (`invalid_request`), never clamped.
 *
 * Who is told: a patient not yet here whose expected start moves later than what they were told by more
 * than the threshold ("later"), or earlier by more than it after being told a later time ("earlier": a
 * correction); a patient moved to another practitioner ("moved", with the practitioner). A patient already
 * here (arrived, checked in, roomed, with the practitioner) is never told to come later or earlier.
 *
 * Pure and deterministic: same input, same output. Instants are epoch milliseconds.
 */

import type { TimeInterval } from "../scheduling/intervals.ts";
import { assertTimeZone, instantToLocal } from "../scheduling/zoned-time.ts";
import { DomainError } from "../shared/domain-error.ts";
import {
  byPractitioner,
  type DayProjection,
  type DurationTable,
  describePlan,
  expectedDurationMs,
  type FlowVisit,
  layOut,
  type PreparedVisit,
  type ProjectionPolicy,
  prepareVisits,
  scheduledDayEnds,
  type Timed,
  waitMinutes,
} from "./projection.ts";

const MINUTE = 60_000;

/** A practitioner who may take visits: the types they can do and when they work for the rest of the day. */
export interface FlowPractitioner {
  id: string;
  /** Shown in proposal titles ("Dr Osei"); defaults to the id. */
  name?: string;
  /** Appointment type ids this practitioner can do (moves only go to practitioners who can). */
  appointmentTypeIds: readonly string[];
  /** Working time for the day (epoch ms, any order); a practitioner without any takes no moved visits. */
  available: readonly TimeInterval[];
}

export interface ReplanPolicy extends ProjectionPolicy {
  /** Lateness or overrun up to this many minutes is absorbed: the answer is "keep". */
  graceMinutes: number;
  /** Patients whose expected start moves later than what they were told by more than this are notified. */
  notifyThresholdMinutes: number;
  /** Propose moving a visit to another practitioner. */
  allowMove: boolean;
  /** Propose taking a visit out of today and offering a new time. */
  allowOfferNewTime: boolean;
  /** Propose "see the late patient at the next gap" (default true). */
  allowNextGap?: boolean;
  /** Propose "serve waiting patients by the earlier of appointment and arrival time" (default true). */
  allowServeWaiting?: boolean;
  /** Cost of moving one patient to another practitioner, in wait-minutes (default 10). */
  moveCostMinutes?: number;
  /** Cost of sending one patient away with a new time, in wait-minutes (default 60). */
  offerNewTimeCostMinutes?: number;
  /** Weight of one minute of practitioner overtime against one minute of patient wait (default 1). */
  overtimeWeight?: number;
  /** At most this many "move" proposals are returned, the best first (default 3). */
  maxMoveProposals?: number;
  /**
   * Minutes past a practitioner's end of day a proposal may keep a visit (none when absent): later visits
   * are offered a new time, and a lateness or overrun beyond it is refused.
   */
  overtimeLimitMinutes?: number;
  /** The practice's preferred kind: it wins a tie on score (then "keep"). */
  preferredKind?: ProposalKind;
}

export type ReplanEvent =
  | { kind: "late"; appointmentId: string; expectedArrival: number }
  | { kind: "overrun"; appointmentId: string; expectedEnd?: number | null }
  | { kind: "refresh" };

export interface ReplanInput {
  now: number;
  visits: readonly FlowVisit[];
  practitioners: readonly FlowPractitioner[];
  durations?: DurationTable;
  policy: ReplanPolicy;
  event: ReplanEvent;
  /** IANA zone of the location, for the wall times in titles (default UTC). */
  zone?: string;
  /** How to name a visit in titles, by appointment id (e.g. "Ana P. (09:00)"); default "the HH:MM visit". */
  visitLabels?: Readonly<Record<string, string>>;
}

export type ProposalKind = "keep" | "next-gap" | "serve-waiting" | "move" | "offer-new-time";

export interface PlannedPlace {
  practitionerId: string;
  expectedStart: number;
}

/** One visit whose practitioner or expected start changes against the current projection. */
export interface ProposalChange {
  appointmentId: string;
  from: PlannedPlace;
  /** null: taken out of today, the patient is offered a new time. */
  to: PlannedPlace | null;
}

export interface ProposalMetrics {
  totalWaitMinutes: number;
  maxWaitMinutes: number;
  /** Sum over practitioners of expected minutes past the end of their day. */
  overtimeMinutes: number;
  /** Visits given to another practitioner. */
  patientsMoved: number;
  /** Visits taken out of today (offered a new time). */
  patientsOffered: number;
}

/**
 * A patient to tell a new expected time: later or earlier than what they were told (never a patient who
 * is already here), or with another practitioner.
 */
export interface NotifyEntry {
  appointmentId: string;
  reason: "later" | "earlier" | "moved";
  /** Who the patient will see (for "moved", the new practitioner). */
  practitionerId: string;
  oldExpectedStart: number;
  newExpectedStart: number;
  /** Negative when earlier. */
  laterByMinutes: number;
}

/** The four terms of a proposal's score, in wait-minutes; they sum to `score`. */
export interface ScoreParts {
  /** Total expected wait. */
  waitMinutes: number;
  /** overtimeWeight × overtime minutes. */
  overtimeMinutes: number;
  /** moveCostMinutes × patients moved. */
  moveMinutes: number;
  /** offerNewTimeCostMinutes × patients offered a new time. */
  offerMinutes: number;
}

export interface ReplanProposal {
  /** Stable id: "keep", "next-gap", "serve-waiting", "move:<appointmentId>:<practitionerId>", "offer:<appointmentId>". */
  id: string;
  kind: ProposalKind;
  title: string;
  explanation: string;
  changes: ProposalChange[];
  /**
   * The new order of every practitioner the proposal re-lays out: each kept visit (not yet with the
   * practitioner) and its expected start. Stored on accept as the visits' planned starts, so the day
   * projects afterwards exactly as the proposal showed it (a visit whose time did not change still keeps
   * its new place in the order).
   */
  planned: { appointmentId: string; expectedStart: number }[];
  metrics: ProposalMetrics;
  notify: NotifyEntry[];
  /** The ranking score (lower is better); see the module comment. */
  score: number;
  scoreParts: ScoreParts;
  /** The whole remaining day under this proposal. */
  projection: DayProjection;
}

export interface ReplanResult {
  now: number;
  event: ReplanEvent;
  /** True when the event is within the grace period (the only proposal is then "keep"). */
  withinGrace: boolean;
  /** How late the patient is, or how far the visit runs over, or the largest wait (refresh), in minutes. */
  severityMinutes: number;
  /** A fingerprint of the day the proposals were computed from; a different one on accept means a stale day. */
  basis: string;
  proposals: ReplanProposal[];
  /** The best proposal by score (the first). */
  recommendedId: string;
}

/** Candidate plan: per practitioner, the visit order and how to lay it out. */
interface Plan {
  id: string;
  kind: ProposalKind;
  /** Practitioners whose lists differ from the baseline. */
  lists: Map<string, PreparedVisit[]>;
  serveWaiting: Set<string>;
  offered: Set<string>;
  moved: Map<string, string>;
  title: string;
  explanation: string;
  /** Title and explanation computed only for the proposals returned (moves are described by the hundred). */
  text?: () => { title: string; explanation: string };
}

interface Evaluated {
  plan: Plan;
  /** Practitioners re-laid out, and the times of their visits (the rest keep the baseline times). */
  changed: string[];
  times: Map<string, Timed>;
  /** The plan's own offers plus the visits it could not keep within the day's limit. */
  offered: Set<string>;
  /** Visits offered a new time because they would end past the day's limit. */
  pastLimit: string[];
  metrics: ProposalMetrics;
  score: number;
  parts: ScoreParts;
}

const KIND_RANK: Record<ProposalKind, number> = {
  keep: 0,
  "next-gap": 1,
  "serve-waiting": 2,
  move: 3,
  "offer-new-time": 4,
};

const cmpId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Deterministic fingerprint of the day's visits and their flow times (two 32-bit FNV-1a lanes, so an
 * unrelated change colliding is a one-in-2^64 event). Independent of the order the visits come in: each
 * visit is hashed alone and the visit hashes are sorted before folding. Numbers are hashed as numbers,
 * without building strings (this ran on every re-plan and was a sixth of its time).
 */
export function dayFingerprint(visits: readonly FlowVisit[]): string {
  const laneA = new Uint32Array(visits.length);
  const laneB = new Uint32Array(visits.length);
  for (let k = 0; k < visits.length; k++) {
    const v = visits[k]!;
    const lanes: [number, number] = [0x811c9dc5, 0x01000193 ^ 0x9e3779b9];
    hashText(lanes, v.appointmentId);
    hashText(lanes, v.practitionerId);
    hashText(lanes, v.appointmentTypeId);
    hashText(lanes, v.status);
    hashNumber(lanes, v.start);
    hashNumber(lanes, v.end);
    hashNumber(lanes, v.arrivedAt);
    hashNumber(lanes, v.checkedInAt);
    hashNumber(lanes, v.roomedAt);
    hashNumber(lanes, v.withPractitionerAt);
    hashNumber(lanes, v.checkedOutAt);
    hashNumber(lanes, v.expectedArrival);
    hashNumber(lanes, v.plannedStart);
    hashNumber(lanes, v.notifiedStart);
    laneA[k] = lanes[0];
    laneB[k] = lanes[1];
  }
  const order = Array.from(visits, (_, k) => k).sort(
    (x, y) => laneA[x]! - laneA[y]! || laneB[x]! - laneB[y]!,
  );
  let h1 = 0x811c9dc5;
  let h2 = 0x9e3779b9;
  for (const k of order) {
    h1 = Math.imul(h1 ^ laneA[k]!, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ laneB[k]!, 0x85ebca6b) >>> 0;
  }
  return h1.toString(16).padStart(8, "0") + h2.toString(16).padStart(8, "0");
}

function hashText(lanes: [number, number], s: string): void {
  let [a, b] = lanes;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x85ebca6b) >>> 0;
  }
  // A separator, so ("ab", "c") and ("a", "bc") differ.
  lanes[0] = Math.imul(a ^ 0xff, 0x01000193) >>> 0;
  lanes[1] = Math.imul(b ^ 0xff, 0x85ebca6b) >>> 0;
}

function hashNumber(lanes: [number, number], n: number | null | undefined): void {
  // null/undefined and each instant get distinct words: lo and hi halves of the epoch ms, or a marker.
  const lo = n == null ? 0xfffffffe : n >>> 0;
  const hi = n == null ? 0xfffffffe : Math.floor(n / 4294967296) >>> 0;
  lanes[0] = Math.imul(Math.imul(lanes[0] ^ lo, 0x01000193) ^ hi, 0x01000193) >>> 0;
  lanes[1] = Math.imul(Math.imul(lanes[1] ^ lo, 0x85ebca6b) ^ hi, 0x85ebca6b) >>> 0;
}

/** Lays out one practitioner serving whoever waits, by the earlier of appointment and arrival time. */
export function layOutServeWaiting(
  now: number,
  visits: readonly PreparedVisit[],
  out: Map<string, Timed>,
): number {
  let t = now;
  const pending: PreparedVisit[] = [];
  for (const v of visits) {
    if (v.fixedEnd !== null) {
      out.set(v.id, { start: v.earliest, end: v.fixedEnd });
      t = Math.max(t, v.fixedEnd);
    } else pending.push(v);
  }
  const key = (v: PreparedVisit) => Math.min(v.scheduledStart, v.readyAt);
  while (pending.length > 0) {
    let best = -1;
    let soonest = Number.POSITIVE_INFINITY;
    for (let i = 0; i < pending.length; i++) {
      const v = pending[i]!;
      if (v.earliest <= t) {
        const b = best < 0 ? null : pending[best]!;
        if (
          b === null ||
          key(v) < key(b) ||
          (key(v) === key(b) &&
            (v.scheduledStart < b.scheduledStart || (v.scheduledStart === b.scheduledStart && v.id < b.id)))
        ) {
          best = i;
        }
      } else soonest = Math.min(soonest, v.earliest);
    }
    if (best < 0) {
      // Nobody is there yet: the practitioner is idle until the first patient can be seen.
      t = soonest;
      continue;
    }
    const v = pending.splice(best, 1)[0]!;
    out.set(v.id, { start: t, end: t + v.durationMs });
    t += v.durationMs;
  }
  return t;
}

/** Re-plans the rest of the day for a late patient, an overrun or a periodic refresh; answers ranked proposals. */
export function proposeReplans(input: ReplanInput): ReplanResult {
  const { now, policy, event } = input;
  if (!Number.isFinite(now)) throw new DomainError("invalid_request", "now must be an instant (epoch ms).");
  for (const key of ["graceMinutes", "notifyThresholdMinutes"] as const) {
    const value = policy[key];
    if (!Number.isFinite(value) || value < 0) {
      throw new DomainError("invalid_request", `policy.${key} must be a number of minutes, 0 or more.`, [
        { path: `policy.${key}`, message: "must be 0 or more" },
      ]);
    }
  }
  const zone = input.zone ?? "UTC";
  assertTimeZone(zone);
  const visits = applyEvent(input.visits, event);
  const prepared = prepareVisits(now, visits, input.durations, policy);
  const byId = new Map(prepared.map((v) => [v.id, v]));
  if (event.kind === "overrun" && event.expectedEnd != null) {
    // The desk's estimate of when the running visit will end replaces the observed-duration guess.
    const running = byId.get(event.appointmentId)!;
    running.fixedEnd = Math.max(now, running.earliest, event.expectedEnd);
  }
  const baseLists = byPractitioner(prepared);
  const dayEnds = practitionerDayEnds(visits, input.practitioners);
  const practitionerById = new Map(input.practitioners.map((p) => [p.id, p]));
  const limit = policy.overtimeLimitMinutes;
  if (limit !== undefined && !(Number.isFinite(limit) && limit >= 0)) {
    throw new DomainError("invalid_request", "policy.overtimeLimitMinutes must be 0 or more minutes.", [
      { path: "policy.overtimeLimitMinutes", message: "must be 0 or more" },
    ]);
  }
  /** The latest a visit of this practitioner may end in any proposal (+∞ without a limit). */
  const latestEndOf = (pid: string) =>
    limit === undefined
      ? Number.POSITIVE_INFINITY
      : (dayEnds.get(pid) ?? Number.POSITIVE_INFINITY) + limit * MINUTE;

  // Baseline: the booked order.
  const baseTimes = new Map<string, Timed>();
  const baseStats = new Map<string, PractStats>();
  for (const [pid, list] of baseLists) {
    const times = new Map<string, Timed>();
    layOut(now, list, times);
    for (const [k, t] of times) baseTimes.set(k, t);
    baseStats.set(pid, statsOf(list, times, dayEnds.get(pid)));
  }

  // Wall times for titles, memoised: hundreds of candidate moves are described before ranking.
  const wallTimes = new Map<number, string>();
  const at = (ms: number) => {
    const cached = wallTimes.get(ms);
    if (cached !== undefined) return cached;
    const text = instantToLocal(ms, zone).time;
    wallTimes.set(ms, text);
    return text;
  };
  const label = (id: string) => {
    const v = byId.get(id);
    const given = input.visitLabels?.[id];
    if (given) return given;
    return v ? `the ${at(v.scheduledStart)} visit` : `visit ${id}`;
  };
  const nameOf = (pid: string) => practitionerById.get(pid)?.name ?? pid;

  // A lateness or overrun the day cannot hold is refused with the limit in words, never clamped.
  if (limit !== undefined && event.kind !== "refresh") {
    const v = byId.get(event.appointmentId)!;
    const dayEnd = dayEnds.get(v.practitionerId);
    const latestEnd = latestEndOf(v.practitionerId);
    const bounds =
      dayEnd === undefined
        ? ""
        : `${nameOf(v.practitionerId)}'s day ends at ${at(dayEnd)} and the practice keeps visits until ${at(latestEnd)} at the latest (overtime limit ${fmtMin(limit)})`;
    if (event.kind === "late") {
      const arrival = Math.max(event.expectedArrival, v.scheduledStart);
      if (arrival + v.durationMs > latestEnd) {
        const most = Math.floor((latestEnd - v.durationMs - v.scheduledStart) / MINUTE);
        throw new DomainError(
          "invalid_request",
          `${bounds}: arriving at ${at(arrival)}, ${label(v.id)} cannot be seen today. ${
            most >= 1
              ? `This visit can be at most ${most} minutes late`
              : "This visit cannot be late at all now"
          }; offer the patient a new time instead.`,
          [
            {
              path: "expectedArrival",
              message: most >= 1 ? `must be at most ${most} minutes late` : "cannot be late today",
            },
          ],
        );
      }
    } else if (event.expectedEnd != null && event.expectedEnd > latestEnd) {
      throw new DomainError(
        "invalid_request",
        `${bounds}: a visit running until ${at(event.expectedEnd)} is past that. Give an end by ${at(latestEnd)}, or finish the day's other visits another day.`,
        [{ path: "overrun.expectedEnd", message: `must be at most ${new Date(latestEnd).toISOString()}` }],
      );
    }
  }

  const keepPlan: Plan = {
    id: "keep",
    kind: "keep",
    lists: new Map(),
    serveWaiting: new Set(),
    offered: new Set(),
    moved: new Map(),
    title: "Keep the schedule",
    explanation: "Nothing changes: every patient keeps their place in the booked order.",
  };

  // Severity and the grace period.
  let severity = 0;
  let affected: string[] = [];
  let trigger: PreparedVisit | null = null;
  if (event.kind === "late") {
    trigger = byId.get(event.appointmentId)!;
    severity = (event.expectedArrival - trigger.scheduledStart) / MINUTE;
    affected = [trigger.practitionerId];
    keepPlan.explanation = `Wait for ${label(trigger.id)} (expected at ${at(event.expectedArrival)}, ${fmtMin(severity)} late) and keep everyone in the booked order.`;
  } else if (event.kind === "overrun") {
    trigger = byId.get(event.appointmentId)!;
    const bookedEnd = trigger.earliest + (trigger.scheduledEnd - trigger.scheduledStart);
    severity = Math.max(0, (trigger.fixedEnd ?? now) - bookedEnd) / MINUTE;
    affected = [trigger.practitionerId];
    keepPlan.explanation = `${cap(label(trigger.id))} is expected to end at ${at(trigger.fixedEnd ?? now)}; everyone after it keeps the booked order.`;
  } else {
    for (const [pid, list] of baseLists) {
      let worst = 0;
      for (const v of list) worst = Math.max(worst, waitMinutes(v, baseTimes.get(v.id)!.start));
      severity = Math.max(severity, worst);
      if (worst > policy.graceMinutes) affected.push(pid);
    }
  }
  const withinGrace = severity <= policy.graceMinutes;

  let baseTotal = 0;
  let baseOvertime = 0;
  for (const st of baseStats.values()) {
    baseTotal += st.wait;
    baseOvertime += st.overtime;
  }
  // Practitioners whose current plan keeps a visit past the day's limit: every proposal re-lays them out
  // within it (those visits are offered a new time), "keep" included.
  const overflowing: string[] = [];
  for (const [pid, list] of baseLists) {
    const latestEnd = latestEndOf(pid);
    if (list.some((v) => v.fixedEnd === null && baseTimes.get(v.id)!.end > latestEnd)) overflowing.push(pid);
  }
  // Evaluates a plan by re-laying out only the practitioners it changes (a 40-practitioner day has
  // hundreds of candidate moves; copying the whole day for each would dominate the time).
  const evaluate = (plan: Plan): Evaluated => {
    const changed = [...new Set([...plan.lists.keys(), ...plan.serveWaiting, ...overflowing])].sort(cmpId);
    const times = new Map<string, Timed>();
    const changedStats = new Map<string, PractStats>();
    const pastLimit: string[] = [];
    let total = baseTotal;
    let overtime = baseOvertime;
    for (const pid of changed) {
      const list = plan.lists.get(pid) ?? baseLists.get(pid) ?? [];
      const local = new Map<string, Timed>();
      layOutWithin(now, list, plan.serveWaiting.has(pid), latestEndOf(pid), local, pastLimit);
      for (const [k, t] of local) times.set(k, t);
      const st = statsOf(list, local, dayEnds.get(pid));
      const before = baseStats.get(pid) ?? { wait: 0, maxWait: 0, overtime: 0 };
      total += st.wait - before.wait;
      overtime += st.overtime - before.overtime;
      changedStats.set(pid, st);
    }
    let max = 0;
    for (const [pid, st] of baseStats) if (!changedStats.has(pid)) max = Math.max(max, st.maxWait);
    for (const st of changedStats.values()) max = Math.max(max, st.maxWait);
    total = Math.max(0, total);
    overtime = Math.max(0, overtime);
    const offered = new Set([...plan.offered, ...pastLimit]);
    const moved = [...plan.moved.keys()].filter((id) => !offered.has(id)).length;
    const metrics: ProposalMetrics = {
      totalWaitMinutes: round2(total),
      maxWaitMinutes: round2(max),
      overtimeMinutes: round2(overtime),
      patientsMoved: moved,
      patientsOffered: offered.size,
    };
    // The score is computed from the rounded figures shown, so what the dialog shows adds up.
    const parts: ScoreParts = {
      waitMinutes: metrics.totalWaitMinutes,
      overtimeMinutes: round2((policy.overtimeWeight ?? 1) * metrics.overtimeMinutes),
      moveMinutes: (policy.moveCostMinutes ?? 10) * moved,
      offerMinutes: (policy.offerNewTimeCostMinutes ?? 60) * offered.size,
    };
    const score = round2(parts.waitMinutes + parts.overtimeMinutes + parts.moveMinutes + parts.offerMinutes);
    return { plan, changed, times, offered, pastLimit, metrics, score, parts };
  };

  const candidates: Evaluated[] = [evaluate(keepPlan)];
  if (!withinGrace) {
    // next-gap: only for a late patient.
    if (event.kind === "late" && trigger && policy.allowNextGap !== false) {
      const plan = nextGapPlan(now, trigger, baseLists.get(trigger.practitionerId)!);
      if (plan) {
        const t = plan.times.get(trigger.id)!;
        candidates.push(
          evaluate({
            ...emptyPlan("next-gap", "next-gap"),
            lists: new Map([[trigger.practitionerId, plan.list]]),
            title: `See ${label(trigger.id)} at the next gap`,
            explanation: plan.fitsGap
              ? `Patients booked after ${label(trigger.id)} are seen at their times; the late patient is seen at ${at(t.start)}, in the first gap after they arrive that delays nobody.`
              : `Patients booked after ${label(trigger.id)} are seen at their times; there is no gap today, so the late patient is seen last, at ${at(t.start)}.`,
          }),
        );
      }
    }
    // serve-waiting: for the affected practitioners.
    if (policy.allowServeWaiting !== false && affected.length > 0) {
      const who = affected.map(nameOf).join(", ");
      candidates.push(
        evaluate({
          ...emptyPlan("serve-waiting", "serve-waiting"),
          serveWaiting: new Set(affected),
          title: "Serve waiting patients first",
          explanation: `${who} sees whoever is waiting, by the earlier of appointment time and arrival time: nobody waits for a patient who is not there yet, and a late patient goes next once they arrive.`,
        }),
      );
    }
    // move: the trigger (if not yet with the practitioner) and the most delayed later visits.
    if (policy.allowMove) {
      // Candidates: the trigger (unless already with the practitioner) and the visits waiting longest in
      // the current projection, at most 3 per practitioner and 12 in all, so a bad day stays fast.
      const movable: PreparedVisit[] = [];
      if (trigger && trigger.state !== "in-progress") movable.push(trigger);
      const delayed: Array<{ v: PreparedVisit; wait: number }> = [];
      for (const pid of affected) {
        const list = baseLists.get(pid) ?? [];
        delayed.push(
          ...list
            .filter((v) => v.state !== "in-progress" && v !== trigger)
            .map((v) => ({ v, wait: waitMinutes(v, baseTimes.get(v.id)!.start) }))
            .filter((x) => x.wait > 0)
            .sort((a, b) => b.wait - a.wait || cmpId(a.v.id, b.v.id))
            .slice(0, 3),
        );
      }
      delayed.sort((a, b) => b.wait - a.wait || cmpId(a.v.id, b.v.id));
      movable.push(...delayed.slice(0, 12).map((x) => x.v));
      const moves: Evaluated[] = [];
      for (const v of movable) {
        for (const q of input.practitioners) {
          if (q.id === v.practitionerId || !q.appointmentTypeIds.includes(v.typeId)) continue;
          const qList = baseLists.get(q.id) ?? [];
          const s = earliestFit(q.available, qList, baseTimes, Math.max(v.earliest, now), v.durationMs);
          // Never later for the moved patient; an equal time can still help those behind them.
          if (s === null || s > baseTimes.get(v.id)!.start) continue;
          const moved: PreparedVisit = { ...v, practitionerId: q.id, earliest: s, readyAt: v.readyAt };
          const newQ = [...qList, moved].sort((a, b) => {
            const ta = a === moved ? s : baseTimes.get(a.id)!.start;
            const tb = b === moved ? s : baseTimes.get(b.id)!.start;
            return ta - tb || cmpId(a.id, b.id);
          });
          const srcList = (baseLists.get(v.practitionerId) ?? []).filter((x) => x.id !== v.id);
          moves.push(
            evaluate({
              ...emptyPlan("move", `move:${v.id}:${q.id}`),
              lists: new Map([
                [v.practitionerId, srcList],
                [q.id, newQ],
              ]),
              moved: new Map([[v.id, q.id]]),
              text: () => ({
                title: `Move ${label(v.id)} to ${nameOf(q.id)}`,
                explanation: `${nameOf(q.id)} can do this visit and is free at ${at(s)}; ${nameOf(v.practitionerId)}'s later patients are seen sooner.`,
              }),
            }),
          );
        }
      }
      moves.sort((a, b) => a.score - b.score || cmpId(a.plan.id, b.plan.id));
      candidates.push(...moves.slice(0, policy.maxMoveProposals ?? 3));
    }
    // offer a new time: the late patient, or the not-yet-present visit whose removal helps most.
    if (policy.allowOfferNewTime) {
      const offerable: PreparedVisit[] = [];
      if (event.kind === "late" && trigger) offerable.push(trigger);
      else {
        for (const pid of affected) {
          for (const v of baseLists.get(pid) ?? [])
            if (!v.present && v.state !== "in-progress") offerable.push(v);
        }
      }
      const offers = offerable.map((v) =>
        evaluate({
          ...emptyPlan("offer-new-time", `offer:${v.id}`),
          lists: new Map([
            [v.practitionerId, (baseLists.get(v.practitionerId) ?? []).filter((x) => x.id !== v.id)],
          ]),
          offered: new Set([v.id]),
          text: () => ({
            title: `Offer ${label(v.id)} a new time`,
            explanation: `${cap(label(v.id))} is taken out of today and the patient is offered a new appointment; the rest of the day runs closer to the booked times.`,
          }),
        }),
      );
      offers.sort((a, b) => a.score - b.score || cmpId(a.plan.id, b.plan.id));
      if (offers[0]) candidates.push(offers[0]);
    }
  }

  // Best score first; on a tie the practice's preferred kind, then keeping the schedule.
  const preference = (k: ProposalKind) => (k === policy.preferredKind ? 0 : k === "keep" ? 1 : 2);
  candidates.sort(
    (a, b) =>
      a.score - b.score ||
      preference(a.plan.kind) - preference(b.plan.kind) ||
      KIND_RANK[a.plan.kind] - KIND_RANK[b.plan.kind] ||
      cmpId(a.plan.id, b.plan.id),
  );

  // Keep is described in full once; every other proposal rebuilds only the practitioners it changes and
  // shares the rest (their visits, changes and notices are those of keep).
  const keepProjection = describePlan(now, prepared, new Map(), baseTimes, dayEnds);
  const noticeOf = (v: PreparedVisit, start: number, practitionerId: string): NotifyEntry | null => {
    if (v.state === "in-progress") return null;
    const entry = (reason: NotifyEntry["reason"], from: number): NotifyEntry => ({
      appointmentId: v.id,
      reason,
      practitionerId,
      oldExpectedStart: from,
      newExpectedStart: start,
      laterByMinutes: round2((start - from) / MINUTE),
    });
    // Seeing someone else is always said, with who (the patient may be sitting in the waiting room).
    if (practitionerId !== v.practitionerId) return entry("moved", v.toldStart);
    // A patient already here is never told to come later (or earlier): the desk sees them.
    if (v.present) return null;
    if ((start - v.notifyReference) / MINUTE > policy.notifyThresholdMinutes)
      return entry("later", v.notifyReference);
    // Told a later time before (an earlier re-plan), and the day now runs sooner (a correction).
    if ((v.toldStart - start) / MINUTE > policy.notifyThresholdMinutes) return entry("earlier", v.toldStart);
    return null;
  };
  const keepNotices = new Map<string, NotifyEntry>();
  for (const v of prepared) {
    const n = noticeOf(v, baseTimes.get(v.id)!.start, v.practitionerId);
    if (n) keepNotices.set(v.id, n);
  }

  const proposals = candidates.map((c) => {
    const text = c.plan.text?.() ?? { title: c.plan.title, explanation: c.plan.explanation };
    if (c.pastLimit.length > 0) {
      const names = [...c.pastLimit].sort(cmpId).map(label);
      text.explanation += ` ${names.length === 1 ? "One visit" : `${names.length} visits`} would end past the end of the day plus the overtime limit (${fmtMin(limit ?? 0)}) and ${names.length === 1 ? "is" : "are"} offered a new time instead: ${names.join(", ")}.`;
    }
    const practitionerOf = new Map(c.plan.moved);
    const changedSet = new Set(c.changed);
    const changes: ProposalChange[] = [];
    const planned: ReplanProposal["planned"] = [];
    const notify: NotifyEntry[] = [];
    for (const [id, n] of keepNotices) if (!changedSet.has(byId.get(id)!.practitionerId)) notify.push(n);
    for (const pid of c.changed) {
      for (const v of baseLists.get(pid) ?? []) {
        const before = baseTimes.get(v.id)!;
        const from = { practitionerId: v.practitionerId, expectedStart: before.start };
        if (c.offered.has(v.id)) {
          changes.push({ appointmentId: v.id, from, to: null });
          continue;
        }
        const after = c.times.get(v.id)!;
        const to = practitionerOf.get(v.id) ?? v.practitionerId;
        if (to === v.practitionerId && v.state !== "in-progress")
          planned.push({ appointmentId: v.id, expectedStart: after.start });
        if (to !== v.practitionerId || Math.abs(after.start - before.start) >= MINUTE) {
          changes.push({ appointmentId: v.id, from, to: { practitionerId: to, expectedStart: after.start } });
        }
        const n = noticeOf(v, after.start, to);
        if (n) notify.push(n);
      }
    }
    changes.sort((a, b) => cmpId(a.appointmentId, b.appointmentId));
    planned.sort((a, b) => cmpId(a.appointmentId, b.appointmentId));
    notify.sort((a, b) => cmpId(a.appointmentId, b.appointmentId));
    const projection =
      c.changed.length === 0
        ? keepProjection
        : describePlan(now, prepared, practitionerOf, c.times, dayEnds, {
            from: keepProjection,
            changed: changedSet,
          });
    return {
      id: c.plan.id,
      kind: c.plan.kind,
      title: text.title,
      explanation: text.explanation,
      changes,
      planned,
      metrics: c.metrics,
      notify,
      score: c.score,
      scoreParts: c.parts,
      projection,
    } satisfies ReplanProposal;
  });

  return {
    now,
    event,
    withinGrace,
    severityMinutes: round2(severity),
    basis: dayFingerprint(input.visits),
    proposals,
    recommendedId: proposals[0]!.id,
  };
}

/**
 * The proposal staff accepted, from proposals re-computed on the current day. Refuses with `conflict`
 * when the day changed since the proposals were shown (`basis` differs: someone else moved first) or the
 * proposal is no longer offered, so a stale plan is never written.
 */
export function pickProposal(result: ReplanResult, proposalId: string, basis: string): ReplanProposal {
  if (result.basis !== basis) {
    throw new DomainError(
      "conflict",
      "The day changed since these proposals were made (someone else recorded a change); review the new proposals.",
    );
  }
  const proposal = result.proposals.find((p) => p.id === proposalId);
  if (!proposal) {
    throw new DomainError(
      "conflict",
      `The proposal "${proposalId}" is no longer offered; review the new proposals.`,
    );
  }
  return proposal;
}

/**
 * Each practitioner's end of day: the end of their availability, but never before their last booked
 * visit's end (a practitioner without availability ends with their last visit).
 */
export function practitionerDayEnds(
  visits: readonly FlowVisit[],
  practitioners: readonly FlowPractitioner[],
): Map<string, number> {
  const dayEnds = scheduledDayEnds(visits, undefined);
  for (const p of practitioners) {
    const end = p.available.reduce((m, i) => Math.max(m, i.end), Number.NEGATIVE_INFINITY);
    if (Number.isFinite(end)) dayEnds.set(p.id, Math.max(end, dayEnds.get(p.id) ?? end));
  }
  return dayEnds;
}

/**
 * The most minutes a booked visit can be late and still end by its practitioner's end of day plus the
 * overtime limit (its expected length from the observed durations); below 1 it cannot be late at all.
 */
export function maxLateMinutes(
  visit: FlowVisit,
  dayEnd: number,
  overtimeLimitMinutes: number,
  durations: DurationTable | undefined,
  policy: ProjectionPolicy = {},
): number {
  const latestEnd = dayEnd + overtimeLimitMinutes * MINUTE;
  return Math.floor((latestEnd - expectedDurationMs(visit, durations, policy) - visit.start) / MINUTE);
}

/**
 * Lays out one practitioner's list (in order, or serving whoever waits) so that no visit not yet with the
 * practitioner ends after `latestEnd`: those that would are taken out one at a time (patients not yet
 * here first, then the earliest to overflow) and their ids pushed to `offered`. Answers the kept list.
 */
function layOutWithin(
  now: number,
  list: readonly PreparedVisit[],
  serveWaiting: boolean,
  latestEnd: number,
  out: Map<string, Timed>,
  offered: string[],
): PreparedVisit[] {
  let current = list;
  for (;;) {
    const local = new Map<string, Timed>();
    if (serveWaiting) layOutServeWaiting(now, current, local);
    else layOut(now, current, local);
    let victim: PreparedVisit | null = null;
    if (Number.isFinite(latestEnd)) {
      let victimStart = Number.POSITIVE_INFINITY;
      for (const v of current) {
        const t = local.get(v.id)!;
        if (v.fixedEnd !== null || t.end <= latestEnd) continue;
        const better =
          victim === null ||
          (victim.present && !v.present) ||
          (victim.present === v.present &&
            (t.start < victimStart || (t.start === victimStart && v.id < victim.id)));
        if (better) {
          victim = v;
          victimStart = t.start;
        }
      }
    }
    if (victim === null) {
      for (const [k, t] of local) out.set(k, t);
      return [...current];
    }
    offered.push(victim.id);
    const gone = victim;
    current = current.filter((v) => v !== gone);
  }
}

interface PractStats {
  wait: number;
  maxWait: number;
  overtime: number;
}

function statsOf(
  list: readonly PreparedVisit[],
  times: ReadonlyMap<string, Timed>,
  dayEnd: number | undefined,
): PractStats {
  let wait = 0;
  let maxWait = 0;
  let end = Number.NEGATIVE_INFINITY;
  for (const v of list) {
    const t = times.get(v.id);
    if (!t) continue;
    const w = waitMinutes(v, t.start);
    wait += w;
    maxWait = Math.max(maxWait, w);
    end = Math.max(end, t.end);
  }
  const overtime = dayEnd === undefined || !Number.isFinite(end) ? 0 : Math.max(0, end - dayEnd) / MINUTE;
  return { wait, maxWait, overtime };
}

function emptyPlan(kind: ProposalKind, id: string): Plan {
  return {
    id,
    kind,
    lists: new Map(),
    serveWaiting: new Set(),
    offered: new Set(),
    moved: new Map(),
    title: "",
    explanation: "",
  };
}

/** Validates the event against the visits and applies it (a late patient's expected arrival, an overrun's end). */
function applyEvent(visits: readonly FlowVisit[], event: ReplanEvent): readonly FlowVisit[] {
  if (event.kind === "refresh") return visits;
  const target = visits.find((v) => v.appointmentId === event.appointmentId);
  if (!target) throw new DomainError("not_found", "No appointment with that id in this day.");
  const remaining =
    target.checkedOutAt == null &&
    (target.status === "booked" || target.status === "arrived" || target.status === "checked-in");
  if (event.kind === "late") {
    if (!Number.isFinite(event.expectedArrival)) {
      throw new DomainError("invalid_request", "expectedArrival must be an instant (epoch ms).");
    }
    if (!remaining)
      throw new DomainError("conflict", `The appointment is ${target.status}; it cannot be re-planned.`);
    const present =
      target.arrivedAt != null ||
      target.checkedInAt != null ||
      target.withPractitionerAt != null ||
      target.status !== "booked";
    if (present)
      throw new DomainError("conflict", "The patient is already here; they cannot be marked late.");
    return visits.map((v) => (v === target ? { ...v, expectedArrival: event.expectedArrival } : v));
  }
  if (!remaining || target.withPractitionerAt == null) {
    throw new DomainError("conflict", "Only a visit that is with the practitioner now can run over.");
  }
  if (event.expectedEnd != null && !Number.isFinite(event.expectedEnd)) {
    throw new DomainError("invalid_request", "expectedEnd must be an instant (epoch ms).");
  }
  return visits;
}

/**
 * The late visit placed at the first position in its practitioner's order where it delays nobody else;
 * at the end of the day when there is none.
 */
function nextGapPlan(
  now: number,
  late: PreparedVisit,
  list: readonly PreparedVisit[],
): { list: PreparedVisit[]; times: Map<string, Timed>; fitsGap: boolean } | null {
  const others = list.filter((v) => v.id !== late.id);
  const without = new Map<string, Timed>();
  layOut(now, others, without);
  const firstMovable = others.findIndex((v) => v.state !== "in-progress");
  const from = firstMovable < 0 ? others.length : firstMovable;
  for (let k = from; k <= others.length; k++) {
    const candidate = [...others.slice(0, k), late, ...others.slice(k)];
    const times = new Map<string, Timed>();
    layOut(now, candidate, times);
    let delays = false;
    for (const v of others) {
      if (times.get(v.id)!.start > without.get(v.id)!.start) {
        delays = true;
        break;
      }
    }
    if (!delays) return { list: candidate, times, fitsGap: k < others.length };
  }
  return null; // unreachable: the last position delays nobody
}

/** Earliest start ≥ `from` where `durationMs` fits inside availability and between the practitioner's planned visits. */
function earliestFit(
  available: readonly TimeInterval[],
  planned: readonly PreparedVisit[],
  times: ReadonlyMap<string, Timed>,
  from: number,
  durationMs: number,
): number | null {
  const windows = [...available].filter((i) => i.start < i.end).sort((a, b) => a.start - b.start);
  // Both where the practitioner's visits are expected and where they are booked: the booking rules
  // refuse a move into a booked slot even when that visit is expected later (a move offered there
  // answered 409 on accept).
  const busy = planned
    .flatMap((v) => [times.get(v.id)!, { start: v.scheduledStart, end: v.scheduledEnd }])
    .sort((a, b) => a.start - b.start);
  for (const w of windows) {
    let s = Math.max(w.start, from);
    for (const b of busy) {
      if (b.end <= s) continue;
      if (b.start >= s + durationMs) break;
      s = Math.max(s, b.end);
    }
    if (s + durationMs <= w.end) return s;
  }
  return null;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function fmtMin(m: number): string {
  return `${Math.round(m)} min`;
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * Overbooking suggestions: where is a second patient in a slot worth it?
 *
 * The stated model. A practitioner's day is cut by its breaks into blocks of available time; each block
 * holds booked slots in time order. Slot j starts at a_j, its patient comes on time with probability
 * 1 − p_j (independently) and takes s_j minutes (fixed: the observed mean for the visit's type). The
 * practitioner sees whoever is there as soon as they are free, never before the booked time, booked
 * patients in order and an extra patient right after the booked patient of their slot. An extra patient
 * added to slot i comes with probability q (`extraShowProbability`, default 1) and takes s_i minutes.
 *   - Free time absorbs delay: a gap between slots, and a break above all. A break ends its block: work
 *     running past the block's end (into the break, or past the end of the day) is overtime, priced at the
 *     practice's overtime minute cost, and the next block starts on time (the break absorbed the delay).
 *   - expected extra waiting minutes = E[Σ waits with the extra − Σ waits without] (the extra's own wait
 *     included), over every show pattern of the block;
 *   - expected overtime minutes      = E[work past the block's end with − without];
 *   - expected empty minutes avoided = q · s_i − expected overtime minutes (the extra's work fills idle
 *     time of the block unless it pushes work past its end).
 * Recommend the slot when idleMinuteValue × empty minutes avoided exceeds
 * waitMinuteCost × extra waiting minutes + overtimeMinuteCost × overtime minutes, and never for a slot
 * that lies in or across a break, or whose extra visit (everyone on time) would run into the break that
 * follows: those slots are answered with `blockedBy`.
 * Every cost is a convex, non-decreasing function of when the practitioner becomes free, so a second
 * patient costs at least as much as the first: the net gain of slot i is linear in p_i and never falls as
 * p_i rises (a riskier slot is never less recommended, all else equal; a property test checks it).
 * Computed exactly by walking the block's slots with the distribution of (free time without the extra,
 * free time with it), times kept to 1/600 minute (coarser, to 1 minute at most, on very long runs of
 * back-to-back visits of many different lengths, to bound the work). Slots given without times are laid back to back from 0,
 * each `serviceMinutes` long (the one-step model of one service time).
 */
import { DomainError } from "../shared/domain-error.ts";

export interface OverbookingSlotInput {
  slotId: string;
  /** Probability the booked patient does not come, in [0, 1]. */
  noShowProbability: number;
  /** Booked start and end, minutes from any origin (default: back to back from 0, serviceMinutes each). */
  start?: number;
  end?: number;
  /** Expected service time of this visit, minutes (default: serviceMinutes). */
  serviceMinutes?: number;
}

export interface OverbookingCosts {
  /** Value lost per minute the practitioner is idle (any unit, e.g. cents). */
  idleMinuteValue: number;
  /** Cost per minute a patient waits (same unit). */
  waitMinuteCost: number;
  /** Cost per minute of practitioner overtime: work into a break or past the end of the day (same unit). */
  overtimeMinuteCost: number;
}

/** A time the practitioner is not available (a break), minutes on the slots' scale. */
export interface OverbookingBreak {
  start: number;
  end: number;
}

export interface OverbookingInput {
  /** The session's slots (sorted by start here). */
  slots: readonly OverbookingSlotInput[];
  costs: OverbookingCosts;
  /** Expected service time of one visit, minutes (for slots that give none). */
  serviceMinutes: number;
  /** Probability the added patient comes (default 1). */
  extraShowProbability?: number;
  /** Breaks of the practitioner between the slots (each ends a block). */
  breaks?: readonly OverbookingBreak[];
  /** End of the practitioner's day (default: the end of the last slot). */
  dayEnd?: number;
}

export type OverbookingBlock = "in-break" | "into-break";

export interface OverbookingSuggestion {
  slotId: string;
  noShowProbability: number;
  expectedEmptyMinutesAvoided: number;
  expectedExtraWaitMinutes: number;
  expectedOvertimeMinutes: number;
  /** idleMinuteValue × expected empty minutes avoided. */
  emptySlotCost: number;
  /** waitMinuteCost × extra waiting + overtimeMinuteCost × overtime. */
  extraWaitingCost: number;
  /** emptySlotCost − extraWaitingCost (positive = worth double-booking). */
  netGain: number;
  /** Why the slot is never suggested, whatever the figures (null: it is judged by its net gain). */
  blockedBy: OverbookingBlock | null;
  recommend: boolean;
}

function probability(x: number, path: string): number {
  if (!Number.isFinite(x) || x < 0 || x > 1)
    throw new DomainError("invalid_request", `${path} must be between 0 and 1.`, [
      { path, message: "must be between 0 and 1" },
    ]);
  return x;
}

function minutes(x: unknown, path: string, positive: boolean): number {
  if (typeof x !== "number" || !Number.isFinite(x) || (positive ? x <= 0 : false))
    throw new DomainError(
      "invalid_request",
      `${path} must be ${positive ? "a positive" : "a"} number of minutes.`,
      [{ path, message: positive ? "must be a positive number" : "must be a number" }],
    );
  return x;
}

// Times are kept on a grid of 1/600 minute (0.1 s) so equal free times merge into one state. A long run
// of back-to-back visits of many different lengths could still make 2^n states: past MAX_STATES the grid
// coarsens (0.1 minute, then 1 minute), which bounds the work at a small, stated loss of precision.
const GRIDS = [600, 10, 1];
const MAX_STATES = 4000;

interface Slot {
  index: number;
  start: number;
  end: number;
  service: number;
  p: number;
}

/**
 * Expected extra waiting and overtime of one extra patient in slot `at` of a block (slots in time order,
 * the block ending at `blockEnd`): the exact expectation over every show pattern.
 */
function extraOf(block: readonly Slot[], at: number, q: number, blockEnd: number) {
  // State: [free time without the extra, free time with it] → probability.
  let states = new Map<string, [number, number, number]>();
  let level = 0;
  const snap = (x: number) => Math.round(x * GRIDS[level]!) / GRIDS[level]!;
  const put = (m: typeof states, a: number, b: number, pr: number) => {
    if (pr <= 0) return;
    const fa = snap(a);
    const fb = snap(b);
    const k = `${fa}|${fb}`;
    const cur = m.get(k);
    if (cur) cur[2] += pr;
    else m.set(k, [fa, fb, pr]);
  };
  put(states, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY, 1);
  let wait = 0;
  block.forEach((s, j) => {
    const next = new Map<string, [number, number, number]>();
    for (const [fa, fb, pr] of states.values()) {
      // The booked patient misses: nothing changes for either.
      const ns = s.p;
      // The booked patient comes: seen at max(free, start) in both worlds.
      const sa = Math.max(fa, s.start);
      const sb = Math.max(fb, s.start);
      const outcomes: [number, number, number][] = [
        [fa, fb, ns],
        [sa + s.service, sb + s.service, 1 - ns],
      ];
      // The booked patient's wait, with the extra minus without, when they come.
      wait += pr * (1 - ns) * (sb - sa);
      for (const [a, b, po] of outcomes) {
        if (j !== at) {
          put(next, a, b, pr * po);
          continue;
        }
        // The extra patient of this slot: after the booked patient, with the extra's service time.
        put(next, a, b, pr * po * (1 - q));
        const st = Math.max(b, s.start);
        wait += pr * po * q * (st - s.start);
        put(next, a, st + s.service, pr * po * q);
      }
    }
    states = next;
    while (states.size > MAX_STATES && level < GRIDS.length - 1) {
      level++;
      const coarse = new Map<string, [number, number, number]>();
      for (const [fa, fb, pr] of states.values()) put(coarse, fa, fb, pr);
      states = coarse;
    }
  });
  let overtime = 0;
  for (const [fa, fb, pr] of states.values())
    overtime += pr * (Math.max(0, fb - blockEnd) - Math.max(0, fa - blockEnd));
  return { wait, overtime };
}

/** For each slot, the expected value of its empty time against the extra waiting and overtime if double-booked. */
export function suggestOverbooking(input: OverbookingInput): OverbookingSuggestion[] {
  const { slots, costs } = input;
  const serviceMinutes = minutes(input.serviceMinutes, "serviceMinutes", true);
  for (const k of ["idleMinuteValue", "waitMinuteCost", "overtimeMinuteCost"] as const) {
    const v = costs[k];
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
      throw new DomainError("invalid_request", `costs.${k} must be a non-negative number.`, [
        { path: `costs.${k}`, message: "must be a non-negative number" },
      ]);
    }
  }
  const q = probability(input.extraShowProbability ?? 1, "extraShowProbability");
  const list: Slot[] = slots.map((s, i) => {
    const p = probability(s.noShowProbability, `slots.${i}.noShowProbability`);
    const service =
      s.serviceMinutes === undefined
        ? serviceMinutes
        : minutes(s.serviceMinutes, `slots.${i}.serviceMinutes`, true);
    const start = s.start === undefined ? i * serviceMinutes : minutes(s.start, `slots.${i}.start`, false);
    const end = s.end === undefined ? start + serviceMinutes : minutes(s.end, `slots.${i}.end`, false);
    if (end <= start)
      throw new DomainError("invalid_request", `slots.${i} must end after it starts.`, [
        { path: `slots.${i}.end`, message: "must be after start" },
      ]);
    return { index: i, start, end, service, p };
  });
  const breaks = (input.breaks ?? []).map((b, i) => {
    const start = minutes(b.start, `breaks.${i}.start`, false);
    const end = minutes(b.end, `breaks.${i}.end`, false);
    if (end <= start)
      throw new DomainError("invalid_request", `breaks.${i} must end after it starts.`, [
        { path: `breaks.${i}.end`, message: "must be after start" },
      ]);
    return { start, end };
  });
  breaks.sort((a, b) => a.start - b.start);
  const sorted = [...list].sort((a, b) => a.start - b.start || a.index - b.index);
  const lastEnd = sorted.reduce((m, s) => Math.max(m, s.end), Number.NEGATIVE_INFINITY);
  const dayEnd = input.dayEnd === undefined ? lastEnd : minutes(input.dayEnd, "dayEnd", false);

  // Blocks: the slots between two breaks; a slot in or across a break belongs to none.
  const inBreak = (s: Slot) => breaks.some((b) => s.start < b.end && s.end > b.start);
  const blockEndOf = (s: Slot) => {
    const b = breaks.find((x) => x.start >= s.end);
    return b ? Math.min(b.start, dayEnd) : dayEnd;
  };
  const blocks = new Map<number, Slot[]>();
  for (const s of sorted) {
    if (inBreak(s)) continue;
    const key = blockEndOf(s);
    blocks.set(key, [...(blocks.get(key) ?? []), s]);
  }

  const out = new Array<OverbookingSuggestion>(list.length);
  for (const s of list) {
    const base = { slotId: slots[s.index]!.slotId, noShowProbability: s.p };
    if (inBreak(s)) {
      out[s.index] = {
        ...base,
        expectedEmptyMinutesAvoided: 0,
        expectedExtraWaitMinutes: 0,
        expectedOvertimeMinutes: 0,
        emptySlotCost: 0,
        extraWaitingCost: 0,
        netGain: 0,
        blockedBy: "in-break",
        recommend: false,
      };
      continue;
    }
    const end = blockEndOf(s);
    const block = blocks.get(end)!;
    const { wait, overtime } = extraOf(block, block.indexOf(s), q, end);
    const expectedEmptyMinutesAvoided = q * s.service - overtime;
    const emptySlotCost = costs.idleMinuteValue * expectedEmptyMinutesAvoided;
    const extraWaitingCost = costs.waitMinuteCost * wait + costs.overtimeMinuteCost * overtime;
    const netGain = emptySlotCost - extraWaitingCost;
    // Everyone on time and both patients come: the extra's visit would run into the break after the
    // block. (Past the end of the day is not refused here: that is overtime, priced above.)
    const extraEnd = s.start + 2 * s.service;
    const blockedBy: OverbookingBlock | null = extraEnd > end + 1e-9 && end < dayEnd ? "into-break" : null;
    out[s.index] = {
      ...base,
      expectedEmptyMinutesAvoided,
      expectedExtraWaitMinutes: wait,
      expectedOvertimeMinutes: overtime,
      emptySlotCost,
      extraWaitingCost,
      netGain,
      blockedBy,
      recommend: blockedBy === null && netGain > 0,
    };
  }
  return out;
}

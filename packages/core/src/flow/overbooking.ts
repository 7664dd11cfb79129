/**
 * Overbooking suggestions: where is a second patient in a slot worth it?
 *
 * The stated model, for a session of booked slots in time order, each of one service time S minutes
 * (fixed), patients on time, the booked patient of slot i missing with probability p_i independently, and
 * an extra patient added to slot i who comes with probability q (`extraShowProbability`, default 1):
 *   expected extra waiting minutes  = (1 − p_i) · q · S · (1 + Σ_{j>i} Π_{k=i+1..j} (1 − p_k))
 *     when both come, one of them waits one service time; the delay is passed on to each later patient
 *     who comes, until a later no-show absorbs it (the practitioner catches up in the empty slot);
 *   expected overtime minutes       = (1 − p_i) · q · S · Π_{k>i} (1 − p_k)   (the delay reaches the end);
 *   expected empty minutes avoided  = q · S − expected overtime minutes
 *     the extra patient's S minutes of work fill empty time somewhere in the session (the booked
 *     patient's no-show, or a later one the delay runs into) unless they push the end of the day.
 * The formulas are exact for this model (the tests check them against a Monte Carlo run of it).
 * Recommend the slot when idleMinuteValue × empty minutes avoided exceeds
 * waitMinuteCost × extra waiting minutes + overtimeMinuteCost × overtime minutes.
 * It is a one-step model (one extra patient per session evaluated at a time, service time fixed); the
 * clinic simulator is the place to test a whole overbooking policy with random service times.
 */
import { DomainError } from "../shared/domain-error.ts";

export interface OverbookingSlotInput {
  slotId: string;
  /** Probability the booked patient does not come, in [0, 1]. */
  noShowProbability: number;
}

export interface OverbookingCosts {
  /** Value lost per minute the practitioner is idle (any unit, e.g. cents). */
  idleMinuteValue: number;
  /** Cost per minute a patient waits (same unit). */
  waitMinuteCost: number;
  /** Cost per minute of practitioner overtime (same unit; default 0). */
  overtimeMinuteCost?: number;
}

export interface OverbookingInput {
  /** The session's slots in time order. */
  slots: readonly OverbookingSlotInput[];
  costs: OverbookingCosts;
  /** Expected service time of one visit, minutes. */
  serviceMinutes: number;
  /** Probability the added patient comes (default 1). */
  extraShowProbability?: number;
}

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
  recommend: boolean;
}

function probability(x: number, path: string): number {
  if (!Number.isFinite(x) || x < 0 || x > 1)
    throw new DomainError("invalid_request", `${path} must be between 0 and 1.`, [
      { path, message: "must be between 0 and 1" },
    ]);
  return x;
}

/** For each slot, the expected cost of its empty time against the expected extra waiting if double-booked. */
export function suggestOverbooking(input: OverbookingInput): OverbookingSuggestion[] {
  const { slots, costs, serviceMinutes } = input;
  if (!Number.isFinite(serviceMinutes) || serviceMinutes <= 0) {
    throw new DomainError("invalid_request", "serviceMinutes must be a positive number of minutes.");
  }
  for (const [k, v] of Object.entries(costs)) {
    if (v !== undefined && (!Number.isFinite(v) || v < 0)) {
      throw new DomainError("invalid_request", `costs.${k} must be a non-negative number.`);
    }
  }
  const q = probability(input.extraShowProbability ?? 1, "extraShowProbability");
  const p = slots.map((s, i) => probability(s.noShowProbability, `slots.${i}.noShowProbability`));
  const n = p.length;
  // Suffix sums from the end: after[i] = Σ_{j>i} Π_{k=i+1..j} (1 − p_k), reach[i] = Π_{k>i} (1 − p_k).
  // after[i] = (1 − p_{i+1}) · (1 + after[i+1]); reach[i] = (1 − p_{i+1}) · reach[i+1]: one pass, O(n).
  const after = new Array<number>(n).fill(0);
  const reach = new Array<number>(n).fill(1);
  for (let i = n - 2; i >= 0; i--) {
    const show = 1 - p[i + 1]!;
    after[i] = show * (1 + after[i + 1]!);
    reach[i] = show * reach[i + 1]!;
  }
  return slots.map((s, i) => {
    const both = (1 - p[i]!) * q;
    const expectedExtraWaitMinutes = both * serviceMinutes * (1 + after[i]!);
    const expectedOvertimeMinutes = both * serviceMinutes * reach[i]!;
    const expectedEmptyMinutesAvoided = q * serviceMinutes - expectedOvertimeMinutes;
    const emptySlotCost = costs.idleMinuteValue * expectedEmptyMinutesAvoided;
    const extraWaitingCost =
      costs.waitMinuteCost * expectedExtraWaitMinutes +
      (costs.overtimeMinuteCost ?? 0) * expectedOvertimeMinutes;
    const netGain = emptySlotCost - extraWaitingCost;
    return {
      slotId: s.slotId,
      noShowProbability: p[i]!,
      expectedEmptyMinutesAvoided,
      expectedExtraWaitMinutes,
      expectedOvertimeMinutes,
      emptySlotCost,
      extraWaitingCost,
      netGain,
      recommend: netGain > 0,
    };
  });
}

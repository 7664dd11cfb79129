import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DomainError } from "../shared/domain-error.ts";
import { suggestOverbooking } from "./overbooking.ts";

const costs = { idleMinuteValue: 1, waitMinuteCost: 1 };
const slots = (ps: number[]) => ps.map((p, i) => ({ slotId: `s${i}`, noShowProbability: p }));

/** Seeded PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Direct simulation of the stated model: slots of S minutes from 0, patients on time, first come first
 * served (the booked patient before the extra one). Answers mean extra waiting, overtime and idle saved.
 */
function simulate(ps: number[], extraAt: number, q: number, S: number, runs: number, seed: number) {
  const r = prng(seed);
  let wait = 0;
  let overtime = 0;
  let idleSaved = 0;
  const end = ps.length * S;
  const session = (shows: boolean[], extraShows: boolean) => {
    let free = 0;
    let w = 0;
    let busy = 0;
    for (let i = 0; i < ps.length; i++) {
      const arrivals = (shows[i] ? 1 : 0) + (i === extraAt && extraShows ? 1 : 0);
      for (let k = 0; k < arrivals; k++) {
        const start = Math.max(free, i * S);
        w += start - i * S;
        free = start + S;
        busy += S;
      }
    }
    const last = Math.max(end, free);
    return { wait: w, overtime: last - end, idle: last - busy };
  };
  for (let run = 0; run < runs; run++) {
    const shows = ps.map((p) => r() >= p);
    const extraShows = r() < q;
    const base = session(shows, false);
    const withExtra = session(shows, extraShows);
    wait += withExtra.wait - base.wait;
    overtime += withExtra.overtime - base.overtime;
    idleSaved += base.idle - withExtra.idle;
  }
  return { wait: wait / runs, overtime: overtime / runs, idleSaved: idleSaved / runs };
}

describe("suggestOverbooking", () => {
  it("computes a hand-checked session", () => {
    // Slot 0 half empty, then two sure patients: the delay of a double booking runs to the end.
    const [first, , last] = suggestOverbooking({ slots: slots([0.5, 0, 0]), costs, serviceMinutes: 10 });
    expect(first).toMatchObject({
      expectedExtraWaitMinutes: 15, // 0.5 · 10 · (1 + 1 + 1)
      expectedOvertimeMinutes: 5, // 0.5 · 10
      expectedEmptyMinutesAvoided: 5, // 10 − 5
      recommend: false,
    });
    expect(first!.netGain).toBe(-10);
    expect(last).toMatchObject({
      expectedExtraWaitMinutes: 10,
      expectedEmptyMinutesAvoided: 0,
      recommend: false,
    });
  });

  it("recommends a likely-empty slot whose delay a later no-show absorbs", () => {
    // A sure no-show right after slot 0: the extra patient is seen in that empty slot.
    const [first] = suggestOverbooking({ slots: slots([0.2, 1, 0]), costs, serviceMinutes: 15 });
    expect(first).toMatchObject({
      expectedExtraWaitMinutes: 12,
      expectedOvertimeMinutes: 0,
      expectedEmptyMinutesAvoided: 15,
      recommend: true,
    });
    // Costs decide: waiting priced high enough turns it down.
    const [dear] = suggestOverbooking({
      slots: slots([0.2, 1, 0]),
      costs: { idleMinuteValue: 1, waitMinuteCost: 2 },
      serviceMinutes: 15,
    });
    expect(dear!.recommend).toBe(false);
    // Overtime has a price too.
    const end = (overtimeMinuteCost: number) =>
      suggestOverbooking({
        slots: slots([0, 0, 0.6]),
        costs: { ...costs, overtimeMinuteCost },
        serviceMinutes: 10,
      })[2]!.recommend;
    expect(end(0)).toBe(true); // avoids 6 empty minutes for 4 of waiting
    expect(end(1)).toBe(false); // plus 4 of overtime
  });

  it("matches a Monte Carlo run of the stated model", () => {
    const ps = [0.1, 0.3, 0.05, 0.5, 0.2, 0.15, 0.4, 0.1];
    const q = 0.8;
    const S = 12;
    const suggestions = suggestOverbooking({
      slots: slots(ps),
      costs,
      serviceMinutes: S,
      extraShowProbability: q,
    });
    for (const i of [0, 3, 7]) {
      const sim = simulate(ps, i, q, S, 40_000, 1000 + i);
      const s = suggestions[i]!;
      expect(s.expectedExtraWaitMinutes).toBeCloseTo(sim.wait, 0);
      expect(Math.abs(s.expectedOvertimeMinutes - sim.overtime)).toBeLessThan(0.25);
      expect(Math.abs(s.expectedEmptyMinutesAvoided - sim.idleSaved)).toBeLessThan(0.25);
    }
  });

  it("gains more from a slot the likelier its patient is to miss (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 12 }),
        fc.nat(),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (ps, pick, bump) => {
          const i = pick % ps.length;
          const before = suggestOverbooking({ slots: slots(ps), costs, serviceMinutes: 10 })[i]!;
          const higher = [...ps];
          higher[i] = ps[i]! + (1 - ps[i]!) * bump;
          const after = suggestOverbooking({ slots: slots(higher), costs, serviceMinutes: 10 })[i]!;
          expect(after.netGain).toBeGreaterThanOrEqual(before.netGain - 1e-9);
          expect(before.expectedEmptyMinutesAvoided).toBeGreaterThanOrEqual(-1e-9);
          expect(before.expectedEmptyMinutesAvoided).toBeLessThanOrEqual(10 + 1e-9);
          expect(before.recommend).toBe(before.netGain > 0);
        },
      ),
    );
  });

  it("refuses probabilities outside [0, 1] and non-positive service times", () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof DomainError ? e.code : "other";
      }
      return "none";
    };
    expect(code(() => suggestOverbooking({ slots: slots([1.2]), costs, serviceMinutes: 10 }))).toBe(
      "invalid_request",
    );
    expect(code(() => suggestOverbooking({ slots: slots([0.1]), costs, serviceMinutes: 0 }))).toBe(
      "invalid_request",
    );
    expect(
      code(() =>
        suggestOverbooking({
          slots: slots([0.1]),
          costs: { idleMinuteValue: -1, waitMinuteCost: 1 },
          serviceMinutes: 5,
        }),
      ),
    ).toBe("invalid_request");
    expect(suggestOverbooking({ slots: [], costs, serviceMinutes: 10 })).toEqual([]);
  });
});

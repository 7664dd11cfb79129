import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DomainError } from "../shared/domain-error.ts";
import {
  compareSessions,
  type LatePolicy,
  type SessionSpec,
  type SimulationOptions,
  simulate,
  simulateDay,
  traceSession,
} from "./simulator.ts";

// ---- Proof against theory (issue 4, item 7) -----------------------------------------------------------
//
// Exact results for exponential service with mean 1 and punctual patients who always come:
// 1. Two patients booked at 0 and h: the second waits max(0, S − h) with S ~ Exp(1), so
//    E[wait] = ∫_h^∞ (s − h) e^(−s) ds = e^(−h), and E[wait²] = 2e^(−h).
// 2. One patient every a (D/M/1, a > 1): in steady state the wait in queue is W = σ/(1 − σ), where σ is the
//    root in (0, 1) of σ = e^(−a(1 − σ)).

/** σ of D/M/1 with unit service rate and interarrival a, by fixed-point iteration from 0. */
function dm1Sigma(a: number): number {
  let sigma = 0;
  for (let k = 0; k < 10_000; k++) {
    const next = Math.exp(-a * (1 - sigma));
    if (Math.abs(next - sigma) < 1e-15) return next;
    sigma = next;
  }
  return sigma;
}

const expTwo = (h: number, runs: number, seed: number): SimulationOptions => ({
  patients: 2,
  interval: h,
  rule: { kind: "times", minutes: [0, h] },
  service: { kind: "exp", mean: 1 },
  noShow: 0,
  runs,
  seed,
});

describe("simulator against queueing theory", () => {
  it("D/M/1 helper: σ solves σ = e^(−a(1−σ)) (known value a = 2: σ ≈ 0.2032)", () => {
    for (const a of [1.25, 1.5, 2, 3]) {
      const s = dm1Sigma(a);
      expect(s).toBeGreaterThan(0);
      expect(s).toBeLessThan(1);
      expect(Math.abs(s - Math.exp(-a * (1 - s)))).toBeLessThan(1e-12);
    }
    expect(dm1Sigma(2)).toBeCloseTo(0.20319, 4);
  });

  it.each([0.25, 0.5, 1, 2, 3])("two patients at 0 and h = %s: the second waits e^(−h) on average", (h) => {
    const runs = 100_000;
    const result = simulate(expTwo(h, runs, 20261127 + Math.round(h * 100)));
    const second = result.waitByPatient[1]!;
    // Standard error from the exact variance: Var = 2e^(−h) − e^(−2h).
    const se = Math.sqrt((2 * Math.exp(-h) - Math.exp(-2 * h)) / runs);
    expect(Math.abs(second - Math.exp(-h))).toBeLessThan(4 * se);
    // The band is tight enough that a wrong formula fails: e^(−2h) lies far outside it.
    expect(Math.abs(second - Math.exp(-2 * h))).toBeGreaterThan(4 * se);
    // The first patient never waits, so the overall mean is half the second's.
    expect(result.waitByPatient[0]).toBe(0);
    expect(result.meanWait).toBeCloseTo(second / 2, 12);
    // The reported 95% interval has the width the exact variance predicts (delta method for the ratio).
    const [lo, hi] = result.ci95.meanWait!;
    expect((hi - lo) / 2 / (1.96 * (se / 2))).toBeGreaterThan(0.9);
    expect((hi - lo) / 2 / (1.96 * (se / 2))).toBeLessThan(1.1);
  });

  it.each([1.25, 1.5, 2])(
    "one patient every a = %s over a long session: the wait approaches D/M/1's σ/(1−σ)",
    (a) => {
      const sigma = dm1Sigma(a);
      const exact = sigma / (1 - sigma);
      // 600 independent sessions of 1,000 patients (the most a session takes); the first 200 are dropped as warm-up (the session starts
      // empty). Each session's mean over the rest is one independent sample.
      const samples: number[] = [];
      for (let k = 0; k < 600; k++) {
        const r = simulate({
          patients: 1000,
          interval: a,
          rule: { kind: "individual" },
          service: { kind: "exp", mean: 1 },
          noShow: 0,
          runs: 1,
          seed: 4000 + k,
        });
        const tail = r.waitByPatient.slice(200) as number[];
        samples.push(tail.reduce((x, y) => x + y, 0) / tail.length);
      }
      const mean = samples.reduce((x, y) => x + y, 0) / samples.length;
      const sd = Math.sqrt(samples.reduce((x, y) => x + (y - mean) ** 2, 0) / (samples.length - 1));
      const se = sd / Math.sqrt(samples.length);
      expect(Math.abs(mean - exact)).toBeLessThan(4 * se);
      // Tight: within 6% of the exact value, and M/M/1's wait ρ/(1−ρ) (ρ = 1/a, random arrivals) is excluded.
      expect(4 * se).toBeLessThan(0.06 * exact);
      const rho = 1 / a;
      expect(Math.abs(mean - rho / (1 - rho))).toBeGreaterThan(4 * se);
    },
  );

  it("lognormal service has the mean and coefficient of variation asked for (σ² = ln(1+cv²))", () => {
    // One patient, a long session: idle = session − service every run, so the service's mean and sd can
    // be read back from idle's mean and its 95% interval.
    const runs = 100_000;
    const r = simulate({
      patients: 1,
      interval: 480,
      rule: { kind: "individual" },
      service: { kind: "lognormal", mean: 15, cv: 0.5 },
      noShow: 0,
      runs,
      seed: 99,
    });
    expect(r.overtime).toBe(0);
    const mean = 480 - r.idle;
    const [lo, hi] = r.ci95.idle!;
    const sd = ((hi - lo) / 2 / 1.96) * Math.sqrt(runs);
    expect(mean).toBeGreaterThan(15 - 4 * (7.5 / Math.sqrt(runs)));
    expect(mean).toBeLessThan(15 + 4 * (7.5 / Math.sqrt(runs)));
    expect(sd / mean).toBeGreaterThan(0.48);
    expect(sd / mean).toBeLessThan(0.52);
  });
});

// ---- Properties -----------------------------------------------------------------------------------------

const policyArb: fc.Arbitrary<LatePolicy> = fc.oneof(
  fc.constant({ kind: "fcfs" as const }),
  fc.constant({ kind: "appointment-order" as const }),
  fc.constant({ kind: "earlier-of" as const }),
  fc.integer({ min: 0, max: 20 }).map((g) => ({ kind: "grace-next-gap" as const, graceMinutes: g })),
);

const sessionArb: fc.Arbitrary<SessionSpec> = fc
  .record({
    patients: fc.integer({ min: 1, max: 25 }),
    interval: fc.integer({ min: 5, max: 30 }),
    rule: fc.oneof(
      fc.constant({ kind: "individual" as const }),
      fc.constant({ kind: "bailey-welch" as const }),
      fc.integer({ min: 1, max: 4 }).map((size) => ({ kind: "block" as const, size })),
    ),
    service: fc.oneof(
      fc.integer({ min: 1, max: 40 }).map((mean) => ({ kind: "exp" as const, mean })),
      fc
        .tuple(fc.integer({ min: 1, max: 40 }), fc.double({ min: 0, max: 2, noNaN: true }))
        .map(([mean, cv]) => ({ kind: "lognormal" as const, mean, cv })),
      fc.integer({ min: 1, max: 40 }).map((mean) => ({ kind: "fixed" as const, mean })),
      fc
        .array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 8 })
        .map((minutes) => ({ kind: "empirical" as const, minutes: [...minutes, 10] })),
    ),
    noShow: fc.double({ min: 0, max: 1, noNaN: true }),
    punctuality: fc.oneof(
      fc.constant({ kind: "none" as const }),
      fc
        .tuple(fc.integer({ min: -20, max: 20 }), fc.integer({ min: 0, max: 30 }))
        .map(([mean, sd]) => ({ kind: "normal" as const, mean, sd })),
      fc
        .array(fc.integer({ min: -30, max: 60 }), { minLength: 1, maxLength: 6 })
        .map((minutes) => ({ kind: "empirical" as const, minutes })),
    ),
    policy: policyArb,
    overbookSlots: fc.array(fc.nat(), { maxLength: 3 }),
  })
  .map(({ overbookSlots, ...s }) => ({
    ...s,
    overbook: overbookSlots.map((k) => (k % s.patients) * s.interval),
  }));

const seedArb = fc.integer({ min: 0, max: 4294967295 });

describe("simulator properties", () => {
  it("is reproducible: the same options and seed give the same result", () => {
    fc.assert(
      fc.property(sessionArb, seedArb, (spec, seed) => {
        const a = simulate({ ...spec, runs: 30, seed });
        const b = simulate({ ...spec, runs: 30, seed });
        expect(b).toEqual(a);
      }),
      { numRuns: 60 },
    );
  });

  it("a run obeys the model: one visit at a time, nobody seen before arriving or before time 0, no idling while someone waits, the policy's choice, and idle + service = the later of session end and last visit end", () => {
    fc.assert(
      fc.property(sessionArb, seedArb, (spec, seed) => {
        const trace = traceSession(spec, seed);
        const shown = trace.visits.filter((v) => v.showed);
        const keyOf = (v: (typeof shown)[number]): number => {
          const p = spec.policy ?? { kind: "fcfs" };
          const late = v.arrival! - v.appointment;
          if (p.kind === "fcfs") return v.arrival!;
          if (p.kind === "appointment-order") return v.appointment;
          if (p.kind === "earlier-of") return Math.min(v.arrival!, v.appointment);
          return (late > p.graceMinutes ? 1e9 : 0) + v.appointment;
        };
        // Visit order. Visits of length 0 (an empirical list may hold a 0) share their start with the next
        // visit: the one that ended there came first, and among several of length 0 the policy's order.
        const byStart = [...shown].sort(
          (x, y) => x.start! - y.start! || x.end! - y.end! || keyOf(x) - keyOf(y) || x.patient - y.patient,
        );
        let prevEnd = 0;
        let busy = 0;
        byStart.forEach((v, k) => {
          expect(v.wait!).toBeGreaterThanOrEqual(0);
          expect(v.start!).toBeGreaterThanOrEqual(0);
          expect(v.start!).toBeGreaterThanOrEqual(v.arrival!);
          expect(v.start!).toBeGreaterThanOrEqual(prevEnd - 1e-9);
          const rest = byStart.slice(k);
          // Non-idling: the practitioner starts as soon as they are free and someone is there.
          expect(v.start!).toBeCloseTo(Math.max(prevEnd, Math.min(...rest.map((x) => x.arrival!))), 9);
          // The policy: nobody present had a better key (ties go to the earlier appointment position).
          for (const other of rest.slice(1))
            if (other.arrival! <= v.start!)
              expect(
                keyOf(other) > keyOf(v) || (keyOf(other) === keyOf(v) && other.patient > v.patient),
              ).toBe(true);
          expect(v.wait!).toBeCloseTo(Math.max(0, v.start! - Math.max(v.arrival!, v.appointment)), 9);
          busy += v.end! - v.start!;
          prevEnd = v.end!;
        });
        expect(trace.lastEnd).toBeCloseTo(prevEnd, 9);
        expect(trace.busy).toBeCloseTo(busy, 6);
        expect(trace.idle + trace.busy).toBeCloseTo(Math.max(trace.sessionLength, trace.lastEnd), 6);
        expect(trace.overtime).toBeCloseTo(Math.max(0, trace.lastEnd - trace.sessionLength), 9);
        expect(trace.idle).toBeGreaterThanOrEqual(-1e-9);
      }),
      { numRuns: 300 },
    );
  });

  it("the first run of simulate is the traced run", () => {
    fc.assert(
      fc.property(sessionArb, seedArb, (spec, seed) => {
        const trace = traceSession(spec, seed);
        const one = simulate({ ...spec, runs: 1, seed });
        expect(one.idle).toBeCloseTo(trace.idle, 9);
        expect(one.overtime).toBeCloseTo(trace.overtime, 9);
        const shown = trace.visits.filter((v) => v.showed);
        expect(one.shows).toBe(shown.length);
        if (shown.length > 0)
          expect(one.meanWait).toBeCloseTo(shown.reduce((a, v) => a + v.wait!, 0) / shown.length, 9);
      }),
      { numRuns: 100 },
    );
  });

  it("no-show 1: nobody comes, no wait, the whole session idle, no overtime", () => {
    fc.assert(
      fc.property(sessionArb, seedArb, (spec, seed) => {
        const r = simulate({ ...spec, noShow: 1, overbookNoShow: 1, runs: 20, seed });
        expect(r.shows).toBe(0);
        expect(r.visits).toBe(0);
        expect(r.meanWait).toBe(0);
        expect(r.overtime).toBe(0);
        expect(r.idle).toBe(spec.patients * spec.interval);
      }),
      { numRuns: 50 },
    );
  });

  it("punctual patients: every late-arrival policy gives the same day (they only differ for late or early patients)", () => {
    fc.assert(
      fc.property(sessionArb, policyArb, seedArb, (spec, policy, seed) => {
        const punctual = { ...spec, punctuality: { kind: "none" as const }, runs: 20, seed };
        expect(simulate({ ...punctual, policy })).toEqual(
          simulate({ ...punctual, policy: { kind: "fcfs" } }),
        );
      }),
      { numRuns: 50 },
    );
  });

  it("an overbooked patient who never comes changes nothing for the booked patients (common random numbers)", () => {
    fc.assert(
      fc.property(sessionArb, seedArb, (spec, seed) => {
        const plain = simulate({ ...spec, overbook: [], runs: 20, seed });
        const extra = simulate({ ...spec, overbook: [0], overbookNoShow: 1, runs: 20, seed });
        expect(extra.booked).toBe(plain.booked + 1);
        expect(extra.meanWait).toBeCloseTo(plain.meanWait, 9);
        expect(extra.idle).toBeCloseTo(plain.idle, 9);
        expect(extra.overtime).toBeCloseTo(plain.overtime, 9);
      }),
      { numRuns: 50 },
    );
  });

  it("more runs narrow the confidence intervals (about 1/√runs: 100 times the runs, about a tenth of the width)", () => {
    // Busy, realistic sessions, where wait and idle vary from run to run. (For a figure that is non-zero
    // in only a few runs, e.g. rare overtime, 40 runs may see no spread at all, so no rule holds there.)
    const busyArb = fc.record({
      patients: fc.integer({ min: 10, max: 25 }),
      interval: fc.integer({ min: 10, max: 20 }),
      load: fc.double({ min: 0.7, max: 1.1, noNaN: true }),
      cv: fc.double({ min: 0.3, max: 0.8, noNaN: true }),
      noShow: fc.double({ min: 0, max: 0.3, noNaN: true }),
      policy: policyArb,
    });
    fc.assert(
      fc.property(busyArb, seedArb, ({ load, cv, ...s }, seed) => {
        const spec: SessionSpec = {
          ...s,
          rule: { kind: "individual" },
          service: { kind: "lognormal", mean: load * s.interval, cv },
          punctuality: { kind: "normal", mean: -5, sd: 10 },
        };
        const few = simulate({ ...spec, runs: 40, seed });
        const many = simulate({ ...spec, runs: 4000, seed });
        const width = (ci: readonly [number, number] | null) => ci![1] - ci![0];
        for (const k of ["meanWait", "idle"] as const) {
          const ratio = width(many.ci95[k]) / width(few.ci95[k]);
          // 0.1 × t(3999)/t(39) ≈ 0.097 when both runs see the same spread; a skewed figure's spread read
          // from 40 runs can be off by a factor of 2 or more, hence the loose bounds.
          expect(ratio).toBeGreaterThan(0.02);
          expect(ratio).toBeLessThan(0.5);
        }
      }),
      { numRuns: 25 },
    );
  });
});

// ---- Rules, figures, the day ---------------------------------------------------------------------------

describe("simulator rules and outputs", () => {
  const base = {
    interval: 15,
    service: { kind: "fixed" as const, mean: 10 },
    noShow: 0,
    runs: 1,
    seed: 1,
  };

  it("lays out appointments by rule", () => {
    const times = (rule: SessionSpec["rule"], patients = 6) =>
      simulate({ ...base, patients, rule }).appointmentTimes;
    expect(times({ kind: "individual" })).toEqual([0, 15, 30, 45, 60, 75]);
    expect(times({ kind: "bailey-welch" })).toEqual([0, 0, 15, 30, 45, 60]);
    expect(times({ kind: "block", size: 2 })).toEqual([0, 0, 30, 30, 60, 60]);
    expect(times({ kind: "block", size: 4 }, 5)).toEqual([0, 0, 0, 0, 60]);
    expect(times({ kind: "times", minutes: [45, 0, 20] }, 3)).toEqual([0, 20, 45]);
    expect(
      simulate({ ...base, patients: 3, rule: { kind: "individual" }, overbook: [15] }).appointmentTimes,
    ).toEqual([0, 15, 15, 30]);
  });

  it("per-patient no-shows and lateness follow the booking order of a times rule; results are in appointment order", () => {
    const r = simulate({
      ...base,
      patients: 3,
      rule: { kind: "times", minutes: [30, 0, 15] },
      noShow: [1, 0, 0], // the patient booked at 30 never comes
      punctuality: { kind: "given", minutes: [0, 20, 0] }, // the patient booked at 0 comes at 20
    });
    expect(r.appointmentTimes).toEqual([0, 15, 30]);
    // 15–25 the patient booked at 15; the one booked at 0 arrived at 20 and is seen 25–35: waits 5.
    expect(r.waitByPatient).toEqual([5, 0, null]);
  });

  it("never touches Math.random", () => {
    const original = Math.random;
    Math.random = () => {
      throw new Error("Math.random called");
    };
    try {
      simulate({ ...base, patients: 10, rule: { kind: "bailey-welch" }, noShow: 0.2, runs: 50 });
    } finally {
      Math.random = original;
    }
  });

  it("computes wait, idle and overtime exactly for a fixed day", () => {
    // Fixed 20-minute visits every 15 minutes, 4 patients: starts 0, 20, 40, 60; waits 0, 5, 10, 15;
    // last visit ends at 80, the session (60) 20 minutes earlier; busy 80, so idle 0.
    const r = simulate({
      ...base,
      patients: 4,
      rule: { kind: "individual" },
      service: { kind: "fixed", mean: 20 },
    });
    expect(r.meanWait).toBe(7.5);
    expect(r.waitByPatient).toEqual([0, 5, 10, 15]);
    expect(r.overtime).toBe(20);
    expect(r.idle).toBe(0);
    expect(r.sessionLength).toBe(60);
    expect(r.p50Wait).toBe(7.5);
    // 10-minute visits: 5 minutes idle after each, the last ends at 55 < 60: idle 20, no overtime.
    const short = simulate({ ...base, patients: 4, rule: { kind: "individual" } });
    expect([short.meanWait, short.idle, short.overtime]).toEqual([0, 20, 0]);
  });

  const starts = (spec: SessionSpec, policy: LatePolicy) =>
    traceSession({ ...spec, policy }, 1).visits.map((v) => v.start);

  it("grace-next-gap sees on-time patients before one past the grace (at the next gap); the others take the late patient first", () => {
    // Visits of 12 minutes booked every 10: 0, 10, 20, 30, 40. The first patient comes 15 minutes late.
    const spec: SessionSpec = {
      patients: 5,
      interval: 10,
      rule: { kind: "individual" },
      service: { kind: "fixed", mean: 12 },
      noShow: 0,
      punctuality: { kind: "given", minutes: [15, 0, 0, 0, 0] },
    };
    // 10–22 patient 1 (nobody before 10). At 22 patients 0 (booked 0, came 15) and 2 (booked 20) wait.
    for (const policy of [
      { kind: "fcfs" },
      { kind: "appointment-order" },
      { kind: "earlier-of" },
    ] as LatePolicy[])
      expect(starts(spec, policy)).toEqual([22, 10, 34, 46, 58]);
    // 15 late > 10 grace: patients 2, 3, 4 (on time) go first; patient 0 is seen once nobody on time waits.
    expect(starts(spec, { kind: "grace-next-gap", graceMinutes: 10 })).toEqual([58, 10, 22, 34, 46]);
    // Within the grace (15 ≤ 20) they keep their place.
    expect(starts(spec, { kind: "grace-next-gap", graceMinutes: 20 })).toEqual([22, 10, 34, 46, 58]);
  });

  it("fcfs, appointment-order and earlier-of differ when one patient is early and another late", () => {
    // Booked 0, 10, 20, fixed 10-minute visits. Patient 0 comes 12 late (at 12), patient 1 is 5 late (at
    // 15), patient 2 comes 18 early (at 2). Patient 2 is seen 2–12 (alone, early). At 12 patient 0 is
    // there (keys: arrival 12, appointment 0, earlier-of 0); at 22 patient 1 (arrival 15, appointment 10,
    // earlier-of 10)…
    const spec: SessionSpec = {
      patients: 3,
      interval: 10,
      rule: { kind: "individual" },
      service: { kind: "fixed", mean: 10 },
      noShow: 0,
      punctuality: { kind: "given", minutes: [12, 5, -18] },
    };
    expect(starts(spec, { kind: "fcfs" })).toEqual([12, 22, 2]);
    // A sharper case: at 20 two patients wait. A (booked 10, came 25 late → 35?) …
    const two: SessionSpec = {
      patients: 3,
      interval: 10,
      rule: { kind: "individual" },
      service: { kind: "fixed", mean: 25 },
      noShow: 0,
      // Patient 0 on time (0–25). Patient 1 (booked 10) comes 8 late, at 18: earlier-of key 10.
      // Patient 2 (booked 20) comes 15 early, at 5: earlier-of key 5, arrival 5.
      punctuality: { kind: "given", minutes: [0, 8, -15] },
    };
    // At 25 both wait. fcfs: patient 2 (came at 5) first. appointment-order: patient 1 (booked 10) first.
    // earlier-of: patient 2 (min(20, 5) = 5 < min(10, 18) = 10) first.
    expect(starts(two, { kind: "fcfs" })).toEqual([0, 50, 25]);
    expect(starts(two, { kind: "appointment-order" })).toEqual([0, 25, 50]);
    expect(starts(two, { kind: "earlier-of" })).toEqual([0, 50, 25]);
    // Make patient 2 only 5 early (at 15, key 15): earlier-of now prefers patient 1 (key 10), fcfs still 2.
    const three: SessionSpec = { ...two, punctuality: { kind: "given", minutes: [0, 8, -5] } };
    expect(starts(three, { kind: "fcfs" })).toEqual([0, 50, 25]);
    expect(starts(three, { kind: "earlier-of" })).toEqual([0, 25, 50]);
  });

  it("simulateDay: one session is simulate itself; a day sums idle and overtime and pools waits", () => {
    const a: SessionSpec = {
      patients: 12,
      interval: 15,
      rule: { kind: "bailey-welch" },
      service: { kind: "lognormal", mean: 15, cv: 0.5 },
      noShow: 0.1,
      punctuality: { kind: "normal", mean: -5, sd: 10 },
    };
    const b: SessionSpec = { ...a, patients: 8, rule: { kind: "individual" }, interval: 20 };
    const one = simulateDay({ sessions: [a], runs: 500, seed: 5 });
    const alone = simulate({ ...a, runs: 500, seed: 5 });
    expect(one.sessions[0]).toEqual(alone);
    expect(one.meanWait).toBeCloseTo(alone.meanWait, 12);
    expect(one.idle).toBeCloseTo(alone.idle, 9);
    const day = simulateDay({ sessions: [a, b], runs: 500, seed: 5 });
    expect(day.sessions[0]).toEqual(alone); // adding a session changes no other
    expect(day.idle).toBeCloseTo(day.sessions[0]!.idle + day.sessions[1]!.idle, 9);
    expect(day.overtime).toBeCloseTo(day.sessions[0]!.overtime + day.sessions[1]!.overtime, 9);
    expect(day.visits).toBe(day.sessions[0]!.visits + day.sessions[1]!.visits);
    expect(day.meanWait).toBeCloseTo(
      (day.sessions[0]!.meanWait * day.sessions[0]!.visits +
        day.sessions[1]!.meanWait * day.sessions[1]!.visits) /
        day.visits,
      9,
    );
    expect(day.booked).toBe(20);
  });

  it("reports percentiles with batch-means intervals, and nulls with a single run", () => {
    const r = simulate({
      patients: 20,
      interval: 15,
      rule: { kind: "individual" },
      service: { kind: "exp", mean: 14 },
      noShow: 0.1,
      runs: 2000,
      seed: 3,
    });
    expect(r.p50Wait).toBeLessThanOrEqual(r.p90Wait);
    expect(r.p90Wait).toBeLessThanOrEqual(r.p95Wait);
    for (const k of ["p50Wait", "p90Wait", "p95Wait", "meanWait", "idle", "overtime"] as const) {
      const ci = r.ci95[k]!;
      expect(ci[0]).toBeLessThanOrEqual(r[k]);
      expect(ci[1]).toBeGreaterThanOrEqual(r[k]);
    }
    expect(r.percentileRuns).toBe(2000);
    const single = simulate({ ...expTwo(1, 1, 1) });
    expect(Object.values(single.ci95).every((ci) => ci === null)).toBe(true);
  });
});

// ---- Bad input -----------------------------------------------------------------------------------------

describe("simulator validation", () => {
  const ok: SimulationOptions = {
    patients: 10,
    interval: 15,
    rule: { kind: "individual" },
    service: { kind: "exp", mean: 15 },
    noShow: 0.1,
    runs: 10,
    seed: 1,
  };
  const refused = (patch: Partial<SimulationOptions>, path: string, text: RegExp) => {
    try {
      simulate({ ...ok, ...patch } as SimulationOptions);
    } catch (e) {
      expect(e).toBeInstanceOf(DomainError);
      expect((e as DomainError).code).toBe("invalid_request");
      expect((e as DomainError).details[0]!.path).toBe(path);
      expect((e as DomainError).message).toMatch(text);
      return;
    }
    throw new Error(`accepted ${JSON.stringify(patch)}`);
  };

  it("refuses each field out of range with a clear message naming it", () => {
    refused({ patients: 0 }, "patients", /patients must be a whole number from 1 to 1000/);
    refused({ patients: 1001 }, "patients", /1 to 1000/);
    refused({ patients: 2.5 }, "patients", /whole number/);
    refused({ interval: 0 }, "interval", /above 0 and at most 480/);
    refused({ interval: 481 }, "interval", /at most 480/);
    refused({ interval: Number.NaN }, "interval", /interval/);
    refused({ runs: 0 }, "runs", /runs must be a whole number from 1 to 100000/);
    refused({ runs: 100_001 }, "runs", /100000/);
    refused({ seed: -1 }, "seed", /seed/);
    refused({ seed: 2 ** 32 }, "seed", /seed/);
    refused({ noShow: 1.5 }, "noShow", /probability from 0 to 1/);
    refused({ noShow: -0.1 }, "noShow", /probability/);
    refused({ noShow: [0.1, 0.2] }, "noShow", /one per patient \(10\), got 2/);
    refused({ noShow: [...Array(9).fill(0.1), 2] }, "noShow.9", /no-show of patient 10/);
    refused({ service: { kind: "exp", mean: 0 } }, "service.mean", /mean service time/);
    refused({ service: { kind: "lognormal", mean: 15, cv: -1 } }, "service.cv", /coefficient of variation/);
    refused({ service: { kind: "empirical", minutes: [] } }, "service.minutes", /at least one/);
    refused({ service: { kind: "empirical", minutes: [0, 0] } }, "service.minutes", /not all be 0/);
    refused({ rule: { kind: "block", size: 0 } }, "rule.size", /block size K/);
    refused({ rule: { kind: "times", minutes: [0, 15] } }, "rule.minutes", /one time per patient/);
    refused({ rule: { kind: "nope" } as never }, "rule", /individual, bailey-welch/);
    refused({ punctuality: { kind: "normal", mean: 0, sd: -1 } }, "punctuality.sd", /standard deviation/);
    refused({ policy: { kind: "grace-next-gap", graceMinutes: -5 } }, "policy.graceMinutes", /grace/);
    refused({ overbook: [150] }, "overbook.0", /within the session/);
    refused({ overbookNoShow: 2 }, "overbookNoShow", /probability/);
  });

  it("simulateDay validates every session and names it", () => {
    expect(() => simulateDay({ sessions: [], runs: 10, seed: 1 })).toThrow(/1 to 200 sessions/);
    try {
      simulateDay({ sessions: [ok, { ...ok, interval: -1 }], runs: 10, seed: 1 });
      throw new Error("accepted");
    } catch (e) {
      expect((e as DomainError).details[0]!.path).toBe("sessions.1.interval");
    }
  });
});

describe("compareSessions", () => {
  const base: SessionSpec = {
    patients: 20,
    interval: 15,
    rule: { kind: "bailey-welch" },
    service: { kind: "lognormal", mean: 15, cv: 0.5 },
    noShow: 0.1,
    punctuality: { kind: "normal", mean: -5, sd: 10 },
  };

  it("each row is simulate itself; differences are against the first row, paired run by run", () => {
    const rows = compareSessions({
      variants: [
        { label: "fcfs", session: { ...base, policy: { kind: "fcfs" } } },
        { label: "grace", session: { ...base, policy: { kind: "grace-next-gap", graceMinutes: 10 } } },
        { label: "individual", session: { ...base, rule: { kind: "individual" } } },
      ],
      runs: 4000,
      seed: 11,
    });
    expect(rows.map((r) => r.label)).toEqual(["fcfs", "grace", "individual"]);
    expect(rows[1]!.result).toEqual(
      simulate({ ...base, policy: { kind: "grace-next-gap", graceMinutes: 10 }, runs: 4000, seed: 11 }),
    );
    const [ref, grace, individual] = rows;
    expect(ref!.difference.meanWait).toEqual({ value: 0, ci: [0, 0] });
    expect(grace!.difference.meanWait.value).toBeCloseTo(grace!.result.meanWait - ref!.result.meanWait, 12);
    // The policy never changes idle time or overtime (the practitioner never idles while someone waits):
    // the paired difference is exactly zero, with a zero-width interval.
    // (Zero up to rounding: the same visits are added up in another order.)
    expect(grace!.difference.idle.value).toBeCloseTo(0, 9);
    expect(grace!.difference.idle.ci![1] - grace!.difference.idle.ci![0]).toBeCloseTo(0, 9);
    expect(grace!.difference.overtime.value).toBeCloseTo(0, 9);
    // Grace-next-gap shortens the long waits of the punctual: p90 lower, and the paired interval says so.
    expect(grace!.difference.p90Wait.value).toBeLessThan(0);
    expect(grace!.difference.p90Wait.ci![1]).toBeLessThan(0);
    // Bailey–Welch against individual booking: less overtime, more wait; the paired intervals are narrower
    // than the two separate intervals side by side.
    expect(individual!.difference.overtime.ci![0]).toBeGreaterThan(0);
    expect(individual!.difference.meanWait.ci![1]).toBeLessThan(0);
    const sep = (r: typeof ref) => r!.result.ci95.idle![1] - r!.result.ci95.idle![0];
    const pairedWidth = individual!.difference.idle.ci![1] - individual!.difference.idle.ci![0];
    expect(pairedWidth).toBeLessThan(Math.hypot(sep(ref), sep(individual)));
  });

  it("refuses no settings, too many, and names a bad one", () => {
    expect(() => compareSessions({ variants: [], runs: 10, seed: 1 })).toThrow(/from 1 to 24 settings/);
    try {
      compareSessions({ variants: [{ label: "a", session: { ...base, patients: 0 } }], runs: 10, seed: 1 });
      throw new Error("accepted");
    } catch (e) {
      expect((e as DomainError).details[0]!.path).toBe("variants.0.session.patients");
    }
  });
});

describe("given service times (a past session replayed as it went)", () => {
  it("replays known durations deterministically and refuses a list of the wrong length", () => {
    const r = simulate({
      patients: 3,
      interval: 10,
      rule: { kind: "times", minutes: [0, 10, 20] },
      service: { kind: "given", minutes: [15, 5, 10] },
      noShow: [0, 0, 0],
      punctuality: { kind: "given", minutes: [0, 0, 0] },
      runs: 3,
      seed: 9,
    });
    // 0–15, then the 10:00 patient 15–20 (waits 5), then 20–30 on time.
    expect(r.waitByPatient).toEqual([0, 5, 0]);
    expect(r.meanWait).toBeCloseTo(5 / 3, 9);
    expect(() =>
      simulate({
        patients: 3,
        interval: 10,
        rule: { kind: "individual" },
        service: { kind: "given", minutes: [15, 5] },
        noShow: 0,
        runs: 1,
        seed: 1,
      }),
    ).toThrow(/one value per patient \(3\), got 2/);
  });
});

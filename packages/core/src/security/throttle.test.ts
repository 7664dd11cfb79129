import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ACCOUNT_THROTTLE,
  ADDRESS_THROTTLE,
  FREE_ATTEMPTS,
  lockoutDelay,
  lockoutNotice,
  reserveAttempt,
  type ThrottlePolicy,
  throttleWait,
} from "./throttle.ts";

const T0 = Date.parse("2024-03-10T08:00:00.000Z");
const at = (ms: number) => new Date(ms).toISOString();
const wait = (failures: number, sinceMs = 0, policy?: ThrottlePolicy) =>
  throttleWait({ failures, lastFailureAt: at(T0) }, new Date(T0 + sinceMs), policy);
const CAP = 15 * 60_000;
const DAY = 24 * 60 * 60_000;

describe("throttleWait", () => {
  it("lets the first failures through without waiting", () => {
    expect(FREE_ATTEMPTS).toBe(5);
    for (let f = 0; f < FREE_ATTEMPTS; f++) expect(wait(f), `failures ${f}`).toBe(0);
    expect(throttleWait({ failures: 0, lastFailureAt: null }, new Date(T0))).toBe(0);
  });

  it("locks for 30 seconds after the free attempts, then doubles", () => {
    expect(wait(5)).toBe(30_000);
    expect(wait(6)).toBe(60_000);
    expect(wait(7)).toBe(120_000);
    expect(wait(9)).toBe(480_000);
  });

  it("caps the wait at 15 minutes, even for absurd failure counts", () => {
    expect(wait(10)).toBe(CAP); // 960 s would exceed 900 s
    expect(wait(100)).toBe(CAP);
    expect(wait(1_000_000)).toBe(CAP);
    expect(wait(Number.MAX_SAFE_INTEGER)).toBe(CAP);
  });

  it("counts down from the last failure and never goes negative", () => {
    expect(wait(7, 20_000)).toBe(100_000);
    expect(wait(7, 119_999)).toBe(1);
    expect(wait(7, 120_000)).toBe(0);
    expect(wait(7, 600_000)).toBe(0);
  });

  it("gives an address more free attempts than an account", () => {
    expect(wait(19, 0, ADDRESS_THROTTLE)).toBe(0);
    expect(wait(20, 0, ADDRESS_THROTTLE)).toBe(30_000);
    expect(wait(0, 0, { ...ACCOUNT_THROTTLE, freeAttempts: 0 })).toBe(30_000);
  });

  it("forgets a counter untouched for a day", () => {
    expect(wait(50, DAY - 1)).toBe(0); // the cap has long passed anyway
    expect(reserveAttempt({ failures: 50, lastFailureAt: at(T0) }, new Date(T0 + DAY))).toMatchObject({
      ok: true,
      attempt: 1,
    });
  });

  it("returns 0 without a recorded failure time", () => {
    expect(throttleWait({ failures: 50, lastFailureAt: null }, new Date(T0))).toBe(0);
  });

  it("is monotonic in failures and bounded by the cap", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: -1_000, max: 2 * CAP }),
        (a, b, since) => {
          const [fewer, more] = a <= b ? [a, b] : [b, a];
          const w1 = wait(fewer, since);
          const w2 = wait(more, since);
          expect(w1).toBeLessThanOrEqual(w2);
          expect(w2).toBeGreaterThanOrEqual(0);
          expect(w2).toBeLessThanOrEqual(CAP + Math.max(0, -since));
          expect(Number.isInteger(w2)).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("is non-increasing as time passes", () => {
    fc.assert(
      fc.property(fc.nat(100), fc.nat(2 * DAY), fc.nat(2 * DAY), (failures, t1, t2) => {
        const [early, late] = t1 <= t2 ? [t1, t2] : [t2, t1];
        expect(wait(failures, late)).toBeLessThanOrEqual(wait(failures, early));
      }),
    );
  });

  it("treats an unreadable last-failure time as just now, never as long ago", () => {
    const now = new Date("2026-03-02T15:00:00.000Z");
    expect(throttleWait({ failures: FREE_ATTEMPTS + 2, lastFailureAt: "not a time" }, now)).toBe(120_000);
  });
});

describe("reserveAttempt", () => {
  it("counts the reserved attempt before it is evaluated, so back-to-back reservations see it", () => {
    let state = { failures: 0, lastFailureAt: null as string | null };
    const now = new Date(T0);
    const granted: number[] = [];
    for (let i = 0; i < 50; i++) {
      const r = reserveAttempt(state, now);
      if (r.ok) {
        granted.push(r.attempt);
        state = r.state;
      } else expect(r.waitMs).toBe(30_000);
    }
    expect(granted).toEqual([1, 2, 3, 4, 5]);
  });

  it("never grants more than the free attempts plus one per lockout, whatever the timing (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(5 * 60_000), { minLength: 1, maxLength: 60 }), (gaps) => {
        let state = { failures: 0, lastFailureAt: null as string | null };
        let t = T0;
        let granted = 0;
        for (const gap of gaps) {
          t += gap;
          const r = reserveAttempt(state, new Date(t));
          if (r.ok) {
            granted++;
            state = r.state;
          }
        }
        // After the free attempts, each grant needs the whole (growing) lockout to pass first.
        let budget = FREE_ATTEMPTS;
        let elapsed = t - T0;
        for (let f = FREE_ATTEMPTS; elapsed >= lockoutDelay(f); f++) {
          elapsed -= lockoutDelay(f);
          budget++;
        }
        expect(granted).toBeLessThanOrEqual(budget);
      }),
    );
  });

  it("a lockout is announced at the limit, then every tenth failure", () => {
    const noticed = Array.from({ length: 40 }, (_, i) => i + 1).filter((n) => lockoutNotice(n));
    expect(noticed).toEqual([5, 15, 25, 35]);
  });
});

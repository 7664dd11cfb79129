import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FREE_ATTEMPTS, throttleWait } from "./throttle.ts";

const T0 = Date.parse("2024-03-10T08:00:00.000Z");
const at = (ms: number) => new Date(ms).toISOString();
const wait = (failures: number, sinceMs = 0, free?: number) =>
  throttleWait({ failures, lastFailureAt: at(T0) }, new Date(T0 + sinceMs), free);
const CAP = 15 * 60_000;

describe("throttleWait", () => {
  it("lets the first failures through without waiting", () => {
    expect(FREE_ATTEMPTS).toBe(5);
    for (let f = 0; f < FREE_ATTEMPTS; f++) expect(wait(f), `failures ${f}`).toBe(0);
    expect(throttleWait({ failures: 0, lastFailureAt: null }, new Date(T0))).toBe(0);
  });

  it("waits one second after the free attempts, then doubles", () => {
    expect(wait(5)).toBe(1_000);
    expect(wait(6)).toBe(2_000);
    expect(wait(7)).toBe(4_000);
    expect(wait(10)).toBe(32_000);
    expect(wait(14)).toBe(512_000);
  });

  it("caps the wait at 15 minutes, even for absurd failure counts", () => {
    expect(wait(15)).toBe(CAP); // 1024 s would exceed 900 s
    expect(wait(100)).toBe(CAP);
    expect(wait(1_000_000)).toBe(CAP);
    expect(wait(Number.MAX_SAFE_INTEGER)).toBe(CAP);
  });

  it("counts down from the last failure and never goes negative", () => {
    expect(wait(7, 1_000)).toBe(3_000);
    expect(wait(7, 3_999)).toBe(1);
    expect(wait(7, 4_000)).toBe(0);
    expect(wait(7, 60_000)).toBe(0);
  });

  it("honours a different number of free attempts", () => {
    expect(wait(2, 0, 3)).toBe(0);
    expect(wait(3, 0, 3)).toBe(1_000);
    expect(wait(0, 0, 0)).toBe(1_000);
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
      fc.property(fc.nat(100), fc.nat(2 * CAP), fc.nat(2 * CAP), (failures, t1, t2) => {
        const [early, late] = t1 <= t2 ? [t1, t2] : [t2, t1];
        expect(wait(failures, late)).toBeLessThanOrEqual(wait(failures, early));
      }),
    );
  });

  it("treats an unreadable last-failure time as just now, never as long ago", () => {
    const now = new Date("2026-03-02T15:00:00.000Z");
    expect(throttleWait({ failures: FREE_ATTEMPTS + 2, lastFailureAt: "not a time" }, now)).toBe(4_000);
  });
});

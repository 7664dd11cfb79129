import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_SESSION_LIMITS, type SessionLimits, sessionState } from "./session-policy.ts";

const limits: SessionLimits = { idleTimeoutMinutes: 15, absoluteTimeoutHours: 12 };
const T0 = Date.parse("2024-03-10T08:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();
const MIN = 60_000;
const HOUR = 3_600_000;

describe("sessionState", () => {
  it("defaults to 15 idle minutes and 12 hours absolute", () => {
    expect(DEFAULT_SESSION_LIMITS).toEqual(limits);
  });

  it("is active when just created", () => {
    expect(sessionState({ createdAt: iso(T0), lastActivityAt: iso(T0) }, new Date(T0), limits)).toBe(
      "active",
    );
  });

  it("expires for idleness exactly at the idle limit, not a millisecond before", () => {
    const s = { createdAt: iso(T0), lastActivityAt: iso(T0 + HOUR) };
    expect(sessionState(s, new Date(T0 + HOUR + 15 * MIN - 1), limits)).toBe("active");
    expect(sessionState(s, new Date(T0 + HOUR + 15 * MIN), limits)).toBe("idle-expired");
  });

  it("expires absolutely exactly at the absolute limit, whatever the activity", () => {
    const s = { createdAt: iso(T0), lastActivityAt: iso(T0 + 12 * HOUR - 1) };
    expect(sessionState(s, new Date(T0 + 12 * HOUR - 1), limits)).toBe("active");
    expect(sessionState(s, new Date(T0 + 12 * HOUR), limits)).toBe("absolute-expired");
  });

  it("reports the absolute expiry when both limits have passed", () => {
    const s = { createdAt: iso(T0), lastActivityAt: iso(T0) };
    expect(sessionState(s, new Date(T0 + 13 * HOUR), limits)).toBe("absolute-expired");
  });

  it("honours per-organization limits", () => {
    const s = { createdAt: iso(T0), lastActivityAt: iso(T0) };
    const tight = { idleTimeoutMinutes: 1, absoluteTimeoutHours: 1 };
    expect(sessionState(s, new Date(T0 + MIN - 1), tight)).toBe("active");
    expect(sessionState(s, new Date(T0 + MIN), tight)).toBe("idle-expired");
  });

  it("reads timestamps with offsets as the same instants", () => {
    // 08:00Z written as 13:30+05:30 and as 00:00-08:00.
    for (const created of ["2024-03-10T13:30:00+05:30", "2024-03-10T00:00:00-08:00"]) {
      const s = { createdAt: created, lastActivityAt: created };
      expect(sessionState(s, new Date(T0 + 15 * MIN - 1), limits)).toBe("active");
      expect(sessionState(s, new Date(T0 + 15 * MIN), limits)).toBe("idle-expired");
    }
  });

  it("agrees with the definition for any times", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 48 * HOUR }),
        fc.integer({ min: 0, max: 48 * HOUR }),
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 1, max: 24 }),
        (activityOffset, nowOffset, idle, absolute) => {
          const created = T0;
          const activity = T0 + Math.min(activityOffset, nowOffset);
          const now = T0 + nowOffset;
          const state = sessionState(
            { createdAt: iso(created), lastActivityAt: iso(activity) },
            new Date(now),
            { idleTimeoutMinutes: idle, absoluteTimeoutHours: absolute },
          );
          const expected =
            now - created >= absolute * HOUR
              ? "absolute-expired"
              : now - activity >= idle * MIN
                ? "idle-expired"
                : "active";
          expect(state).toBe(expected);
          // Activity can only help: the same session with activity at "now" is never idle-expired.
          const fresh = sessionState({ createdAt: iso(created), lastActivityAt: iso(now) }, new Date(now), {
            idleTimeoutMinutes: idle,
            absoluteTimeoutHours: absolute,
          });
          expect(fresh).not.toBe("idle-expired");
        },
      ),
      { numRuns: 1000 },
    );
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DomainError } from "../shared/domain-error.ts";
import {
  addDays,
  daysBetween,
  instantToLocal,
  isoWeekday,
  localBoundary,
  localDatesInRange,
  localDayBounds,
  localToInstant,
  parseWallTime,
  resolveLocal,
} from "./zoned-time.ts";

const utc = (iso: string) => Date.parse(iso);
const HOUR = 3_600_000;
const NY = "America/New_York";
const LH = "Australia/Lord_Howe";
const LON = "Europe/London";
const IN = "Asia/Kolkata";

describe("localToInstant: America/New_York", () => {
  it("answers an ordinary time with its one instant", () => {
    expect(localToInstant("2026-03-07", "09:00", NY)).toEqual({
      kind: "ok",
      instant: utc("2026-03-07T14:00Z"),
    });
    expect(localToInstant("2026-07-01", "09:00", NY)).toEqual({
      kind: "ok",
      instant: utc("2026-07-01T13:00Z"),
    });
  });

  it("calls 02:30 on the spring-forward day nonexistent, and the minutes either side exist", () => {
    expect(localToInstant("2026-03-08", "02:30", NY)).toEqual({ kind: "nonexistent" });
    expect(localToInstant("2026-03-08", "02:00", NY)).toEqual({ kind: "nonexistent" });
    expect(localToInstant("2026-03-08", "01:59", NY)).toEqual({
      kind: "ok",
      instant: utc("2026-03-08T06:59Z"),
    });
    expect(localToInstant("2026-03-08", "03:00", NY)).toEqual({
      kind: "ok",
      instant: utc("2026-03-08T07:00Z"),
    });
  });

  it("calls 01:30 on the fall-back day ambiguous, daylight time first", () => {
    expect(localToInstant("2026-11-01", "01:30", NY)).toEqual({
      kind: "ambiguous",
      earlier: utc("2026-11-01T05:30Z"), // 01:30 EDT (-4)
      later: utc("2026-11-01T06:30Z"), // 01:30 EST (-5)
    });
    expect(localToInstant("2026-11-01", "02:00", NY)).toEqual({
      kind: "ok",
      instant: utc("2026-11-01T07:00Z"),
    });
    expect(localToInstant("2026-11-01", "00:59", NY)).toEqual({
      kind: "ok",
      instant: utc("2026-11-01T04:59Z"),
    });
  });
});

describe("resolveLocal", () => {
  it("refuses the gap", () => {
    expect(resolveLocal("2026-03-08", "02:30", NY)).toEqual({ kind: "nonexistent" });
    expect(resolveLocal("2026-03-08", "02:30", NY, -300)).toEqual({ kind: "nonexistent" });
  });

  it("takes the earlier occurrence of an ambiguous time unless an offset is named", () => {
    expect(resolveLocal("2026-11-01", "01:30", NY)).toEqual({
      kind: "ok",
      instant: utc("2026-11-01T05:30Z"),
      ambiguous: true,
    });
    expect(resolveLocal("2026-11-01", "01:30", NY, -240)).toEqual({
      kind: "ok",
      instant: utc("2026-11-01T05:30Z"),
      ambiguous: true,
    });
    expect(resolveLocal("2026-11-01", "01:30", NY, -300)).toEqual({
      kind: "ok",
      instant: utc("2026-11-01T06:30Z"),
      ambiguous: true,
    });
  });

  it("refuses an offset the zone does not use at that time instead of moving the booking", () => {
    expect(resolveLocal("2026-11-01", "01:30", NY, -360)).toEqual({
      kind: "offset_mismatch",
      validOffsets: [-240, -300],
    });
    expect(resolveLocal("2026-07-01", "09:00", NY, -300)).toEqual({
      kind: "offset_mismatch",
      validOffsets: [-240],
    });
    expect(resolveLocal("2026-07-01", "09:00", NY, -240)).toMatchObject({ kind: "ok", ambiguous: false });
  });

  it("refuses malformed input with a domain error", () => {
    expect(() => resolveLocal("2026-02-30", "09:00", NY)).toThrow(DomainError);
    expect(() => resolveLocal("2026-02-01", "9:00", NY)).toThrow(DomainError);
    expect(() => resolveLocal("2026-02-01", "24:00", NY)).toThrow(DomainError);
    expect(() => resolveLocal("2026-02-01", "09:00", "Mars/Base")).toThrow(DomainError);
  });
});

describe("Australia/Lord_Howe: a 30-minute shift", () => {
  it("skips 02:00–02:30 on the first Sunday of October", () => {
    expect(localToInstant("2026-10-04", "02:15", LH)).toEqual({ kind: "nonexistent" });
    // 01:59 at +10:30, then 02:30 at +11 is one minute later.
    expect(localToInstant("2026-10-04", "01:59", LH)).toEqual({
      kind: "ok",
      instant: utc("2026-10-03T15:29Z"),
    });
    expect(localToInstant("2026-10-04", "02:30", LH)).toEqual({
      kind: "ok",
      instant: utc("2026-10-03T15:30Z"),
    });
    expect(localBoundary("2026-10-04", "02:15", LH)).toBe(utc("2026-10-03T15:30Z"));
  });

  it("repeats 01:30–02:00 on the first Sunday of April", () => {
    expect(localToInstant("2026-04-05", "01:45", LH)).toEqual({
      kind: "ambiguous",
      earlier: utc("2026-04-04T14:45Z"), // +11:00
      later: utc("2026-04-04T15:15Z"), // +10:30
    });
  });

  it("has days of 23.5 and 24.5 hours", () => {
    const spring = localDayBounds("2026-10-04", LH);
    const autumn = localDayBounds("2026-04-05", LH);
    expect(spring.end - spring.start).toBe(23.5 * HOUR);
    expect(autumn.end - autumn.start).toBe(24.5 * HOUR);
  });
});

describe("Europe/London and Asia/Kolkata", () => {
  it("London: 01:30 is missing on 2026-03-29 and doubled on 2026-10-25", () => {
    expect(localToInstant("2026-03-29", "01:30", LON)).toEqual({ kind: "nonexistent" });
    expect(localToInstant("2026-10-25", "01:30", LON)).toEqual({
      kind: "ambiguous",
      earlier: utc("2026-10-25T00:30Z"),
      later: utc("2026-10-25T01:30Z"),
    });
    expect(localToInstant("2026-01-15", "12:00", LON)).toEqual({
      kind: "ok",
      instant: utc("2026-01-15T12:00Z"),
    });
  });

  it("Kolkata: +05:30 all year, every day 24 hours", () => {
    expect(localToInstant("2026-03-08", "02:30", IN)).toEqual({
      kind: "ok",
      instant: utc("2026-03-07T21:00Z"),
    });
    expect(localToInstant("2026-11-01", "01:30", IN)).toEqual({
      kind: "ok",
      instant: utc("2026-10-31T20:00Z"),
    });
    for (const d of ["2026-03-08", "2026-03-29", "2026-11-01"]) {
      const day = localDayBounds(d, IN);
      expect(day.end - day.start).toBe(24 * HOUR);
    }
  });
});

describe("localBoundary and local days", () => {
  it("moves a boundary in the gap to the end of the gap and takes the first of an overlap", () => {
    expect(localBoundary("2026-03-08", "02:30", NY)).toBe(utc("2026-03-08T07:00Z"));
    expect(localBoundary("2026-03-08", "02:00", NY)).toBe(utc("2026-03-08T07:00Z"));
    expect(localBoundary("2026-11-01", "01:30", NY)).toBe(utc("2026-11-01T05:30Z"));
    expect(localBoundary("2026-03-07", "24:00", NY)).toBe(utc("2026-03-08T05:00Z"));
  });

  it("gives 23- and 25-hour days on New York's DST days", () => {
    expect(localDayBounds("2026-03-08", NY)).toEqual({
      start: utc("2026-03-08T05:00Z"),
      end: utc("2026-03-09T04:00Z"),
    });
    expect(localDayBounds("2026-11-01", NY)).toEqual({
      start: utc("2026-11-01T04:00Z"),
      end: utc("2026-11-02T05:00Z"),
    });
  });

  it("lists the local dates a UTC range touches", () => {
    // 2026-03-08T04:30Z is still the 7th in New York (23:30 EST); 2026-03-09T04:00Z is the 9th's midnight.
    expect(localDatesInRange({ start: utc("2026-03-08T04:30Z"), end: utc("2026-03-09T04:00Z") }, NY)).toEqual(
      ["2026-03-07", "2026-03-08"],
    );
    expect(localDatesInRange({ start: utc("2026-03-08T04:30Z"), end: utc("2026-03-08T04:30Z") }, NY)).toEqual(
      [],
    );
    expect(localDatesInRange({ start: utc("2026-03-07T18:30Z"), end: utc("2026-03-07T18:31Z") }, IN)).toEqual(
      ["2026-03-08"],
    );
  });

  it("tiles time: consecutive local days touch without gaps or overlaps", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(NY, LH, LON, IN, "Pacific/Apia", "America/Santiago"),
        fc.integer({ min: 0, max: 3000 }),
        (zone, n) => {
          const d = addDays("2024-01-01", n);
          const today = localDayBounds(d, zone);
          const tomorrow = localDayBounds(addDays(d, 1), zone);
          expect(today.end).toBe(tomorrow.start);
          expect(today.end - today.start).toBeGreaterThanOrEqual(22 * HOUR);
          expect(today.end - today.start).toBeLessThanOrEqual(26 * HOUR);
        },
      ),
    );
  });
});

describe("instantToLocal", () => {
  it("reads the wall clock, weekday and offset", () => {
    expect(instantToLocal(utc("2026-11-01T05:30Z"), NY)).toEqual({
      date: "2026-11-01",
      time: "01:30",
      weekday: 7,
      minuteOfDay: 90,
      offsetMinutes: -240,
    });
    expect(instantToLocal(utc("2026-03-07T18:30Z"), IN)).toMatchObject({
      date: "2026-03-08",
      time: "00:00",
      weekday: 7,
      offsetMinutes: 330,
    });
  });

  it("round-trips through localToInstant in any zone", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(NY, LH, LON, IN, "America/Sao_Paulo", "Pacific/Chatham", "UTC"),
        fc.integer({ min: utc("2020-01-01T00:00Z") / 60_000, max: utc("2032-01-01T00:00Z") / 60_000 }),
        (zone, minute) => {
          const t = minute * 60_000;
          const local = instantToLocal(t, zone);
          const back = localToInstant(local.date, local.time, zone);
          if (back.kind === "nonexistent") throw new Error("an instant's own wall time must exist");
          const candidates = back.kind === "ok" ? [back.instant] : [back.earlier, back.later];
          expect(candidates).toContain(t);
          expect(resolveLocal(local.date, local.time, zone, local.offsetMinutes)).toMatchObject({
            kind: "ok",
            instant: t,
          });
        },
      ),
    );
  });
});

describe("plain date helpers", () => {
  it("adds days across months, leap days and DST without drift", () => {
    expect(addDays("2024-02-28", 1)).toBe("2024-02-29");
    expect(addDays("2026-03-07", 1)).toBe("2026-03-08");
    expect(addDays("2026-03-08", 1)).toBe("2026-03-09");
    expect(addDays("2026-01-01", -1)).toBe("2025-12-31");
    expect(daysBetween("2026-03-01", "2026-04-01")).toBe(31);
  });

  it("knows ISO weekdays", () => {
    expect(isoWeekday("2026-03-08")).toBe(7);
    expect(isoWeekday("2026-03-09")).toBe(1);
  });

  it("parses wall times strictly", () => {
    expect(parseWallTime("00:00")).toBe(0);
    expect(parseWallTime("23:59")).toBe(1439);
    expect(parseWallTime("24:00")).toBeNull();
    expect(parseWallTime("24:00", true)).toBe(1440);
    expect(parseWallTime("24:01", true)).toBeNull();
    expect(parseWallTime("9:00")).toBeNull();
    expect(parseWallTime("12:60")).toBeNull();
  });
});

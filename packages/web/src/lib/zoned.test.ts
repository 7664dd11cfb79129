import { describe, expect, it } from "vitest";
import {
  addDays,
  dayBounds,
  formatDateTimeZoned,
  formatRange,
  formatTimeZoned,
  isoWeekday,
  localToInstant,
  offsetMinutes,
  startOfWeek,
  todayIn,
  wallTime,
  wallTimeLabel,
  zoneAbbreviation,
  zonedParts,
} from "./zoned.ts";

// These run under whatever TZ the process has (CI runs several): nothing may depend on it.
const CHI = "America/Chicago";
const at = (iso: string) => Date.parse(iso);

describe("location time zone formatting", () => {
  it("shows an instant in the location's zone with its abbreviation, whatever the browser's zone", () => {
    expect(formatTimeZoned("2026-11-27T15:05:00Z", CHI)).toBe("9:05 AM CST");
    expect(formatTimeZoned("2026-07-01T15:05:00Z", CHI)).toBe("10:05 AM CDT");
    expect(formatTimeZoned("2026-11-27T15:05:00Z", "America/New_York")).toBe("10:05 AM EST");
    expect(formatRange("2026-11-27T15:00:00Z", "2026-11-27T15:20:00Z", CHI)).toBe("9:00 AM – 9:20 AM CST");
    expect(formatDateTimeZoned("2026-11-28T03:30:00Z", CHI)).toBe("Fri, Nov 27, 9:30 PM CST");
    expect(zoneAbbreviation(at("2026-11-27T15:00:00Z"), CHI)).toBe("CST");
  });

  it("splits an instant into the local date and minutes, across midnight UTC", () => {
    expect(zonedParts(at("2026-11-28T03:30:00Z"), CHI)).toEqual({
      date: "2026-11-27",
      minutes: 21 * 60 + 30,
      seconds: 0,
    });
    expect(zonedParts(at("2026-11-28T06:00:00Z"), CHI).minutes).toBe(0);
    expect(todayIn(CHI, at("2026-11-28T05:59:00Z"))).toBe("2026-11-27");
    expect(todayIn("Pacific/Auckland", at("2026-11-28T05:59:00Z"))).toBe("2026-11-28");
  });

  it("knows the offset in winter and summer", () => {
    expect(offsetMinutes(at("2026-01-15T12:00:00Z"), CHI)).toBe(-360);
    expect(offsetMinutes(at("2026-07-15T12:00:00Z"), CHI)).toBe(-300);
    expect(offsetMinutes(at("2026-07-15T12:00:00Z"), "Asia/Kolkata")).toBe(330);
  });
});

describe("local time → instant (the DST rule)", () => {
  it("converts an ordinary local time", () => {
    expect(localToInstant("2026-11-27", 9 * 60, CHI)).toBe(at("2026-11-27T15:00:00Z"));
    expect(localToInstant("2026-07-01", 9 * 60, CHI)).toBe(at("2026-07-01T14:00:00Z"));
  });

  it("refuses a time that does not exist when the clocks spring forward", () => {
    expect(localToInstant("2027-03-14", 2 * 60 + 30, CHI)).toBeNull();
    expect(localToInstant("2027-03-14", 3 * 60, CHI)).toBe(at("2027-03-14T08:00:00Z"));
  });

  it("takes the first occurrence of an ambiguous time when they fall back", () => {
    expect(localToInstant("2026-11-01", 60 + 30, CHI)).toBe(at("2026-11-01T06:30:00Z"));
  });

  it("gives 23- and 25-hour days on the change days", () => {
    const spring = dayBounds("2027-03-14", CHI);
    expect((spring.end - spring.start) / 3_600_000).toBe(23);
    const fall = dayBounds("2026-11-01", CHI);
    expect((fall.end - fall.start) / 3_600_000).toBe(25);
    expect(dayBounds("2026-11-27", CHI)).toEqual({
      start: at("2026-11-27T06:00:00Z"),
      end: at("2026-11-28T06:00:00Z"),
    });
  });
});

describe("plain dates and wall times", () => {
  it("does calendar arithmetic without time zones", () => {
    expect(addDays("2026-11-27", 5)).toBe("2026-12-02");
    expect(addDays("2027-03-14", 1)).toBe("2027-03-15");
    expect(isoWeekday("2026-11-27")).toBe(5);
    expect(isoWeekday("2026-11-29")).toBe(7);
    expect(startOfWeek("2026-11-29")).toBe("2026-11-23");
    expect(startOfWeek("2026-11-23")).toBe("2026-11-23");
  });

  it("formats wall times", () => {
    expect(wallTime(510)).toBe("08:30");
    expect(wallTimeLabel(0)).toBe("12:00 AM");
    expect(wallTimeLabel(12 * 60 + 5)).toBe("12:05 PM");
    expect(wallTimeLabel(13 * 60)).toBe("1:00 PM");
  });
});

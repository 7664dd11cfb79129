import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DomainError } from "../shared/domain-error.ts";
import {
  expandRecurrence,
  formatRecurrenceRule,
  parseRecurrenceRule,
  type RecurrenceExpansion,
  type SeriesStart,
  splitRecurrence,
} from "./recurrence.ts";
import { addDays, instantToLocal, isoWeekday } from "./zoned-time.ts";

const NY = "America/New_York";
const iso = (ms: number) => new Date(ms).toISOString().replace(":00.000Z", "Z");
const start = (localDate: string, localTime = "09:00", zone = NY): SeriesStart => ({
  localDate,
  localTime,
  zone,
});
const dates = (x: RecurrenceExpansion) => x.occurrences.map((o) => o.localDate);

describe("expandRecurrence across DST", () => {
  it("keeps a weekly 09:00 series at 09:00 local across the spring change", () => {
    const x = expandRecurrence("FREQ=WEEKLY;COUNT=3", start("2026-03-02"));
    expect(x.occurrences.map((o) => iso(o.start))).toEqual([
      "2026-03-02T14:00Z",
      "2026-03-09T13:00Z",
      "2026-03-16T13:00Z",
    ]);
    expect(x.skipped).toEqual([]);
  });

  it("keeps it at 09:00 across the fall change", () => {
    const x = expandRecurrence("RRULE:FREQ=WEEKLY;COUNT=2", start("2026-10-26"));
    expect(x.occurrences.map((o) => iso(o.start))).toEqual(["2026-10-26T13:00Z", "2026-11-02T14:00Z"]);
  });

  it("reports an occurrence in the spring-forward gap instead of dropping or moving it", () => {
    const x = expandRecurrence("FREQ=WEEKLY;COUNT=3", start("2026-03-01", "02:30"));
    expect(x.occurrences.map((o) => [o.index, o.localDate, iso(o.start)])).toEqual([
      [0, "2026-03-01", "2026-03-01T07:30Z"],
      [2, "2026-03-15", "2026-03-15T06:30Z"],
    ]);
    expect(x.skipped).toEqual([{ index: 1, localDate: "2026-03-08", reason: "nonexistent_local_time" }]);
  });

  it("takes the earlier instant of an ambiguous occurrence", () => {
    const x = expandRecurrence("FREQ=WEEKLY;COUNT=2", start("2026-10-25", "01:30"));
    expect(x.occurrences.map((o) => iso(o.start))).toEqual(["2026-10-25T05:30Z", "2026-11-01T05:30Z"]);
  });

  it("reports Lord Howe's half-hour gap", () => {
    const x = expandRecurrence("FREQ=DAILY;COUNT=3", start("2026-10-03", "02:15", "Australia/Lord_Howe"));
    expect(dates(x)).toEqual(["2026-10-03", "2026-10-05"]);
    expect(x.skipped.map((s) => s.localDate)).toEqual(["2026-10-04"]);
  });

  it("stays at the series' wall time for any weekly rule and numbers every instance once", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 700 }),
        fc.integer({ min: 0, max: 47 }),
        fc.subarray(["MO", "TU", "WE", "TH", "FR", "SA", "SU"], { minLength: 1 }),
        fc.integer({ min: 1, max: 3 }),
        (dayOffset, halfHour, days, interval) => {
          const time = `${String(Math.floor(halfHour / 2)).padStart(2, "0")}:${halfHour % 2 ? "30" : "00"}`;
          const rule = `FREQ=WEEKLY;INTERVAL=${interval};BYDAY=${days.join(",")};COUNT=40`;
          // Start on the first listed weekday on or after a random date, so the start matches the rule.
          let first = addDays("2025-06-01", dayOffset);
          const wanted = days.map((d) => ["MO", "TU", "WE", "TH", "FR", "SA", "SU"].indexOf(d) + 1);
          while (!wanted.includes(isoWeekday(first))) first = addDays(first, 1);
          const x = expandRecurrence(rule, start(first, time));
          const indexes = [...x.occurrences, ...x.skipped].map((o) => o.index).sort((a, b) => a - b);
          expect(indexes).toEqual(Array.from({ length: 40 }, (_, i) => i));
          for (const o of x.occurrences) {
            expect(instantToLocal(o.start, NY)).toMatchObject({ date: o.localDate, time });
            expect(wanted).toContain(isoWeekday(o.localDate));
          }
          // Only the spring-forward gap (02:00–02:59 on a March Sunday) can skip an instance.
          for (const s of x.skipped)
            expect([s.localDate.slice(5, 7), time.slice(0, 2), isoWeekday(s.localDate)]).toEqual([
              "03",
              "02",
              7,
            ]);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("expandRecurrence: the RFC 5545 subset", () => {
  it("skips months without a 31st", () => {
    expect(dates(expandRecurrence("FREQ=MONTHLY;COUNT=5", start("2026-01-31")))).toEqual([
      "2026-01-31",
      "2026-03-31",
      "2026-05-31",
      "2026-07-31",
      "2026-08-31",
    ]);
  });

  it("counts BYMONTHDAY from the end with negative days", () => {
    expect(dates(expandRecurrence("FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=3", start("2026-01-31")))).toEqual([
      "2026-01-31",
      "2026-02-28",
      "2026-03-31",
    ]);
    expect(dates(expandRecurrence("FREQ=MONTHLY;BYMONTHDAY=1,15;COUNT=4", start("2026-01-15")))).toEqual([
      "2026-01-15",
      "2026-02-01",
      "2026-02-15",
      "2026-03-01",
    ]);
  });

  it("finds numbered weekdays in the month", () => {
    expect(dates(expandRecurrence("FREQ=MONTHLY;BYDAY=2TU;COUNT=3", start("2026-01-13")))).toEqual([
      "2026-01-13",
      "2026-02-10",
      "2026-03-10",
    ]);
    expect(dates(expandRecurrence("FREQ=MONTHLY;BYDAY=-1FR;COUNT=3", start("2026-01-30")))).toEqual([
      "2026-01-30",
      "2026-02-27",
      "2026-03-27",
    ]);
    // Fifth Monday: only months that have one.
    expect(dates(expandRecurrence("FREQ=MONTHLY;BYDAY=5MO;COUNT=3", start("2026-03-30")))).toEqual([
      "2026-03-30",
      "2026-06-29",
      "2026-08-31",
    ]);
  });

  it("repeats weekly on several days every other week, from the first date on", () => {
    expect(
      dates(expandRecurrence("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;COUNT=6", start("2026-01-05"))),
    ).toEqual(["2026-01-05", "2026-01-07", "2026-01-19", "2026-01-21", "2026-02-02", "2026-02-04"]);
    expect(
      dates(expandRecurrence("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;COUNT=3", start("2026-01-07"))),
    ).toEqual(["2026-01-07", "2026-01-19", "2026-01-21"]);
  });

  it("repeats daily with an interval or on weekdays only", () => {
    expect(dates(expandRecurrence("FREQ=DAILY;INTERVAL=3;COUNT=4", start("2026-01-30")))).toEqual([
      "2026-01-30",
      "2026-02-02",
      "2026-02-05",
      "2026-02-08",
    ]);
    expect(dates(expandRecurrence("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;COUNT=6", start("2026-01-08")))).toEqual([
      "2026-01-08",
      "2026-01-09",
      "2026-01-12",
      "2026-01-13",
      "2026-01-14",
      "2026-01-15",
    ]);
  });

  it("ends at UNTIL, inclusive, as a date or a UTC instant", () => {
    expect(dates(expandRecurrence("FREQ=WEEKLY;UNTIL=20260119", start("2026-01-05")))).toEqual([
      "2026-01-05",
      "2026-01-12",
      "2026-01-19",
    ]);
    // 09:00 in New York on 2026-01-19 is 14:00Z.
    expect(
      expandRecurrence("FREQ=WEEKLY;UNTIL=20260119T140000Z", start("2026-01-05")).occurrences,
    ).toHaveLength(3);
    expect(
      expandRecurrence("FREQ=WEEKLY;UNTIL=20260119T135959Z", start("2026-01-05")).occurrences,
    ).toHaveLength(2);
  });

  it("expands an open-ended rule only to the given horizon", () => {
    expect(() => expandRecurrence("FREQ=WEEKLY", start("2026-01-05"))).toThrow(DomainError);
    expect(dates(expandRecurrence("FREQ=WEEKLY", start("2026-01-05"), { horizon: "2026-01-26" }))).toEqual([
      "2026-01-05",
      "2026-01-12",
      "2026-01-19",
      "2026-01-26",
    ]);
    expect(
      expandRecurrence("FREQ=WEEKLY;COUNT=10", start("2026-01-05"), { horizon: "2026-01-12" }).occurrences,
    ).toHaveLength(2);
  });

  it("refuses more occurrences than the cap instead of truncating", () => {
    expect(() => expandRecurrence("FREQ=DAILY;COUNT=367", start("2026-01-01"))).toThrow(/at most 366/);
    expect(() => expandRecurrence("FREQ=DAILY;UNTIL=20280101", start("2026-01-01"))).toThrow(/at most 366/);
    expect(() =>
      expandRecurrence("FREQ=DAILY", start("2026-01-01"), { horizon: "2026-01-10", maxOccurrences: 5 }),
    ).toThrow(/at most 5/);
    expect(expandRecurrence("FREQ=DAILY;COUNT=366", start("2026-01-01")).occurrences).toHaveLength(366);
  });

  it("ends a rule that can never match again instead of looping", () => {
    // The fifth Monday is never the 1st of a month.
    expect(() =>
      expandRecurrence("FREQ=MONTHLY;BYDAY=5MO;BYMONTHDAY=1;COUNT=2", start("2026-01-01")),
    ).toThrow(/not a date this rule produces/);
    const x = expandRecurrence("FREQ=MONTHLY;BYDAY=1MO;BYMONTHDAY=1;COUNT=200", start("2024-01-01"));
    expect(x.occurrences.length).toBeLessThan(200);
    expect(x.occurrences.every((o) => o.localDate.endsWith("-01") && isoWeekday(o.localDate) === 1)).toBe(
      true,
    );
  });

  it("refuses a first date the rule does not produce", () => {
    expect(() => expandRecurrence("FREQ=WEEKLY;BYDAY=MO;COUNT=2", start("2026-01-06"))).toThrow(
      /not a date this rule/,
    );
    expect(() => expandRecurrence("FREQ=MONTHLY;BYMONTHDAY=15;COUNT=2", start("2026-01-14"))).toThrow(
      DomainError,
    );
  });
});

describe("parseRecurrenceRule", () => {
  it("parses and writes back the supported parts", () => {
    const rule = parseRecurrenceRule("rrule:freq=monthly;interval=2;byday=2TU,-1FR;count=5");
    expect(rule).toEqual({
      freq: "MONTHLY",
      interval: 2,
      byDay: [
        { weekday: 2, ordinal: 2 },
        { weekday: 5, ordinal: -1 },
      ],
      byMonthDay: [],
      count: 5,
      until: null,
    });
    expect(formatRecurrenceRule(rule)).toBe("FREQ=MONTHLY;INTERVAL=2;BYDAY=2TU,-1FR;COUNT=5");
    expect(formatRecurrenceRule(parseRecurrenceRule("FREQ=WEEKLY;UNTIL=20260119T140000Z"))).toBe(
      "FREQ=WEEKLY;UNTIL=20260119T140000Z",
    );
  });

  it("refuses what it does not support, rather than ignoring it", () => {
    for (const bad of [
      "",
      "FREQ=YEARLY;COUNT=2",
      "FREQ=HOURLY",
      "FREQ=WEEKLY;BYSETPOS=1",
      "FREQ=WEEKLY;BYHOUR=9",
      "FREQ=WEEKLY;COUNT=2;UNTIL=20260101",
      "FREQ=WEEKLY;BYDAY=2MO",
      "FREQ=MONTHLY;BYDAY=0MO",
      "FREQ=MONTHLY;BYDAY=6MO",
      "FREQ=WEEKLY;BYDAY=XX",
      "FREQ=WEEKLY;BYMONTHDAY=3",
      "FREQ=MONTHLY;BYMONTHDAY=32",
      "FREQ=MONTHLY;BYMONTHDAY=0",
      "FREQ=WEEKLY;UNTIL=20260119T140000",
      "FREQ=WEEKLY;UNTIL=20260230",
      "FREQ=WEEKLY;WKST=SU",
      "FREQ=WEEKLY;INTERVAL=0",
      "FREQ=WEEKLY;COUNT=-1",
      "FREQ=WEEKLY;FREQ=DAILY",
      "FREQ",
    ]) {
      expect(() => parseRecurrenceRule(bad), bad).toThrow(DomainError);
    }
  });
});

describe("splitRecurrence", () => {
  const cases: [rule: string, first: string, time: string, at: number][] = [
    ["FREQ=WEEKLY;COUNT=10", "2026-01-05", "09:00", 4],
    ["FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;COUNT=9", "2026-01-07", "09:00", 3],
    ["FREQ=MONTHLY;COUNT=8", "2026-01-31", "09:00", 2],
    ["FREQ=MONTHLY;BYDAY=2TU;UNTIL=20261231", "2026-01-13", "09:00", 5],
    ["FREQ=DAILY;INTERVAL=3;COUNT=12", "2026-02-26", "09:00", 7],
    // The second half starts on the gap Sunday 2026-03-08 at 02:30: its first instance is reported too.
    ["FREQ=WEEKLY;COUNT=6", "2026-02-22", "02:30", 2],
  ];
  const instances = (x: RecurrenceExpansion) =>
    [
      ...x.occurrences.map((o) => `${o.localDate} ${iso(o.start)}`),
      ...x.skipped.map((s) => `${s.localDate} gap`),
    ].sort();

  it("splits a series into two that together give exactly the original instances", () => {
    for (const [rule, first, time, at] of cases) {
      const whole = expandRecurrence(rule, start(first, time));
      const split = splitRecurrence(rule, start(first, time), at);
      const before = expandRecurrence(split.before, start(first, time));
      const after = expandRecurrence(split.after, start(split.afterStartDate, time), {
        horizon: "2027-12-31",
      });
      expect(instances(before).length, rule).toBe(at);
      expect([...instances(before), ...instances(after)].sort(), rule).toEqual(instances(whole));
    }
    expect(splitRecurrence("FREQ=WEEKLY;COUNT=6", start("2026-02-22", "02:30"), 2).afterStartDate).toBe(
      "2026-03-08",
    );
  });

  it("writes out the implicit weekday and day of month", () => {
    expect(splitRecurrence("FREQ=WEEKLY;COUNT=10", start("2026-01-05"), 4)).toEqual({
      before: "FREQ=WEEKLY;BYDAY=MO;COUNT=4",
      after: "FREQ=WEEKLY;BYDAY=MO;COUNT=6",
      afterStartDate: "2026-02-02",
    });
    expect(splitRecurrence("FREQ=MONTHLY;UNTIL=20261231", start("2026-01-31"), 2).after).toBe(
      "FREQ=MONTHLY;BYMONTHDAY=31;UNTIL=20261231",
    );
  });

  it("refuses to split at the first occurrence or past the end", () => {
    expect(() => splitRecurrence("FREQ=WEEKLY;COUNT=3", start("2026-01-05"), 0)).toThrow(DomainError);
    expect(() => splitRecurrence("FREQ=WEEKLY;COUNT=3", start("2026-01-05"), 3)).toThrow(DomainError);
  });
});

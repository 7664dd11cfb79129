import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DomainError } from "../shared/domain-error.ts";
import {
  type AvailabilityBlock,
  type AvailabilityException,
  type AvailabilityInput,
  expandAvailability,
  type WeeklyTemplate,
} from "./availability.ts";
import { intersectIntervals, mergeIntervals, type TimeInterval, totalIntervalMs } from "./intervals.ts";
import type { IsoWeekday } from "./zoned-time.ts";

const utc = (iso: string) => Date.parse(iso);
const HOUR = 3_600_000;
const NY = "America/New_York";

function tpl(over: Partial<WeeklyTemplate> & { weekday: IsoWeekday }): WeeklyTemplate {
  return {
    resourceId: "dr-a",
    resourceKind: "practitioner",
    locationId: "main",
    locationZone: NY,
    start: "08:00",
    end: "17:00",
    effectiveFrom: "2026-01-01",
    effectiveTo: null,
    ...over,
  };
}
const everyDay = (over: Partial<WeeklyTemplate> = {}) =>
  ([1, 2, 3, 4, 5, 6, 7] as const).map((weekday) => tpl({ ...over, weekday }));

function input(over: Partial<AvailabilityInput>): AvailabilityInput {
  return { templates: [], exceptions: [], blocks: [], closures: [], ...over };
}
const range = (from: string, to: string): TimeInterval => ({ start: utc(from), end: utc(to) });
const only = (result: ReturnType<typeof expandAvailability>) => {
  expect(result).toHaveLength(1);
  return result[0]!.available;
};

describe("expandAvailability: weekly templates", () => {
  it("expands Monday to Friday 08:00–17:00 in the location's zone", () => {
    const week = range("2026-01-05T00:00Z", "2026-01-12T00:00Z"); // Mon 5th … Sun 11th (UTC)
    const templates = ([1, 2, 3, 4, 5] as const).map((weekday) => tpl({ weekday }));
    const available = only(expandAvailability(input({ templates }), week));
    expect(available).toHaveLength(5);
    expect(available[0]).toEqual(range("2026-01-05T13:00Z", "2026-01-05T22:00Z")); // EST, -5
    expect(totalIntervalMs(available)).toBe(45 * HOUR);
  });

  it("keeps 08:00–17:00 nine real hours on both DST Sundays", () => {
    for (const day of ["2026-03-08", "2026-11-01"]) {
      const available = only(
        expandAvailability(input({ templates: everyDay() }), range(`${day}T00:00Z`, `${day}T23:59Z`)),
      );
      expect(available).toHaveLength(1);
      expect(available[0]!.end - available[0]!.start, day).toBe(9 * HOUR);
    }
  });

  it("gives 01:00–03:00 one real hour on the spring-forward day and three on the fall-back day", () => {
    const night = everyDay({ start: "01:00", end: "03:00" });
    expect(
      only(expandAvailability(input({ templates: night }), range("2026-03-08T00:00Z", "2026-03-08T12:00Z"))),
    ).toEqual([range("2026-03-08T06:00Z", "2026-03-08T07:00Z")]);
    expect(
      only(expandAvailability(input({ templates: night }), range("2026-11-01T00:00Z", "2026-11-01T12:00Z"))),
    ).toEqual([range("2026-11-01T05:00Z", "2026-11-01T08:00Z")]);
  });

  it("follows a 30-minute shift in Lord Howe and a fixed +05:30 in Kolkata", () => {
    const lh = everyDay({ start: "01:00", end: "03:00", locationZone: "Australia/Lord_Howe" });
    const lhDay = only(
      expandAvailability(input({ templates: lh }), range("2026-10-03T12:00Z", "2026-10-04T12:00Z")),
    );
    expect(totalIntervalMs(lhDay)).toBe(1.5 * HOUR);
    const ind = everyDay({ locationZone: "Asia/Kolkata" });
    expect(
      only(expandAvailability(input({ templates: ind }), range("2026-03-08T00:00Z", "2026-03-09T00:00Z"))),
    ).toEqual([range("2026-03-08T02:30Z", "2026-03-08T11:30Z")]);
  });

  it("applies effective dates inclusively", () => {
    const templates = [tpl({ weekday: 1, effectiveFrom: "2026-01-12", effectiveTo: "2026-01-19" })];
    const available = only(
      expandAvailability(input({ templates }), range("2026-01-01T00:00Z", "2026-02-01T00:00Z")),
    );
    expect(available.map((i) => new Date(i.start).toISOString().slice(0, 10))).toEqual([
      "2026-01-12",
      "2026-01-19",
    ]);
  });

  it("runs a 24:00 end to local midnight and merges it with the next day's early window", () => {
    const templates = [
      tpl({ weekday: 1, start: "20:00", end: "24:00" }),
      tpl({ weekday: 2, start: "00:00", end: "02:00" }),
    ];
    expect(
      only(expandAvailability(input({ templates }), range("2026-01-05T00:00Z", "2026-01-08T00:00Z"))),
    ).toEqual([range("2026-01-06T01:00Z", "2026-01-06T07:00Z")]);
  });

  it("clips to the requested range", () => {
    const available = only(
      expandAvailability(input({ templates: everyDay() }), range("2026-01-05T15:00Z", "2026-01-05T16:00Z")),
    );
    expect(available).toEqual([range("2026-01-05T15:00Z", "2026-01-05T16:00Z")]);
  });
});

describe("expandAvailability: exceptions, blocks, closures", () => {
  const monday = range("2026-01-05T00:00Z", "2026-01-06T05:00Z"); // the whole local Monday in New York

  it("adds extra hours on a date", () => {
    const exceptions: AvailabilityException[] = [
      {
        kind: "extra",
        resourceId: "dr-a",
        resourceKind: "practitioner",
        locationId: "main",
        locationZone: NY,
        date: "2026-01-05",
        start: "17:00",
        end: "19:00",
      },
    ];
    expect(only(expandAvailability(input({ templates: [tpl({ weekday: 1 })], exceptions }), monday))).toEqual(
      [range("2026-01-05T13:00Z", "2026-01-06T00:00Z")],
    );
  });

  it("removes a whole unavailable day, or only its hours", () => {
    const base = {
      resourceId: "dr-a",
      resourceKind: "practitioner" as const,
      locationZone: NY,
      date: "2026-01-05",
    };
    const whole: AvailabilityException[] = [{ ...base, kind: "unavailable" }];
    expect(
      only(expandAvailability(input({ templates: [tpl({ weekday: 1 })], exceptions: whole }), monday)),
    ).toEqual([]);
    const partial: AvailabilityException[] = [{ ...base, kind: "unavailable", start: "12:00", end: "13:00" }];
    expect(
      only(expandAvailability(input({ templates: [tpl({ weekday: 1 })], exceptions: partial }), monday)),
    ).toEqual([
      range("2026-01-05T13:00Z", "2026-01-05T17:00Z"),
      range("2026-01-05T18:00Z", "2026-01-05T22:00Z"),
    ]);
  });

  it("subtracts blocks of the same resource only", () => {
    const blocks: AvailabilityBlock[] = [
      {
        resourceId: "dr-a",
        resourceKind: "practitioner",
        start: utc("2026-01-05T15:00Z"),
        end: utc("2026-01-05T16:00Z"),
      },
      // Same id, other kind: must not cut the practitioner.
      {
        resourceId: "dr-a",
        resourceKind: "room",
        start: utc("2026-01-05T13:00Z"),
        end: utc("2026-01-05T22:00Z"),
      },
    ];
    expect(only(expandAvailability(input({ templates: [tpl({ weekday: 1 })], blocks }), monday))).toEqual([
      range("2026-01-05T13:00Z", "2026-01-05T15:00Z"),
      range("2026-01-05T16:00Z", "2026-01-05T22:00Z"),
    ]);
  });

  it("closes a location for templates and extras there, but not at another location", () => {
    const templates = [
      tpl({ weekday: 1 }),
      tpl({ weekday: 1, locationId: "annex", start: "18:00", end: "19:00" }),
    ];
    const exceptions: AvailabilityException[] = [
      {
        kind: "extra",
        resourceId: "dr-a",
        resourceKind: "practitioner",
        locationId: "main",
        locationZone: NY,
        date: "2026-01-05",
        start: "07:00",
        end: "08:00",
      },
    ];
    const closures = [{ locationId: "main", date: "2026-01-05" }];
    expect(only(expandAvailability(input({ templates, exceptions, closures }), monday))).toEqual([
      range("2026-01-05T23:00Z", "2026-01-06T00:00Z"),
    ]);
  });

  it("lists every resource, sorted by kind then id, with ids of different kinds kept apart", () => {
    const templates = [
      tpl({ weekday: 1, resourceId: "x", resourceKind: "room" }),
      tpl({ weekday: 1, resourceId: "x", resourceKind: "practitioner", start: "09:00", end: "10:00" }),
      tpl({ weekday: 1, resourceId: "b", resourceKind: "equipment" }),
      tpl({ weekday: 2, resourceId: "a", resourceKind: "practitioner" }),
    ];
    const result = expandAvailability(input({ templates }), monday);
    expect(result.map((r) => `${r.resourceKind}:${r.resourceId}:${r.available.length}`)).toEqual([
      "practitioner:a:0",
      "practitioner:x:1",
      "room:x:1",
      "equipment:b:1",
    ]);
  });

  it("never offers blocked time and keeps all unblocked template time", () => {
    const week = range("2026-03-02T00:00Z", "2026-03-16T00:00Z"); // spans the spring-forward Sunday
    const base = only(expandAvailability(input({ templates: everyDay() }), week));
    fc.assert(
      fc.property(
        fc.array(
          fc
            .tuple(fc.integer({ min: 0, max: 14 * 24 * 4 }), fc.integer({ min: 1, max: 40 }))
            .map(([q, len]) => ({ start: week.start + q * 900_000, end: week.start + (q + len) * 900_000 })),
          { maxLength: 8 },
        ),
        (cuts) => {
          const blocks = cuts.map((c) => ({
            resourceId: "dr-a",
            resourceKind: "practitioner" as const,
            ...c,
          }));
          const available = only(expandAvailability(input({ templates: everyDay(), blocks }), week));
          expect(intersectIntervals(available, cuts)).toEqual([]);
          expect(mergeIntervals([...available, ...intersectIntervals(base, cuts)])).toEqual(base);
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe("expandAvailability: bad settings", () => {
  const week = range("2026-01-05T00:00Z", "2026-01-12T00:00Z");
  const refuse = (over: Partial<AvailabilityInput>, path: string) => {
    try {
      expandAvailability(input(over), week);
    } catch (e) {
      expect(e).toBeInstanceOf(DomainError);
      expect((e as DomainError).code).toBe("invalid_request");
      expect((e as DomainError).details.map((d) => d.path)).toContain(path);
      return;
    }
    throw new Error("expected a refusal");
  };

  it("names the offending field", () => {
    refuse({ templates: [tpl({ weekday: 1, start: "17:00", end: "08:00" })] }, "templates.0.end");
    refuse({ templates: [tpl({ weekday: 8 as IsoWeekday })] }, "templates.0.weekday");
    refuse({ templates: [tpl({ weekday: 1, start: "8:00" })] }, "templates.0.start");
    refuse({ templates: [tpl({ weekday: 1, locationZone: "Nowhere/City" })] }, "templates.0.locationZone");
    refuse({ templates: [tpl({ weekday: 1, effectiveTo: "2025-12-31" })] }, "templates.0.effectiveTo");
    refuse(
      {
        exceptions: [
          {
            kind: "unavailable",
            resourceId: "a",
            resourceKind: "room",
            locationZone: NY,
            date: "2026-01-05",
            start: "09:00",
          },
        ],
      },
      "exceptions.0",
    );
    refuse({ blocks: [{ resourceId: "a", resourceKind: "room", start: 5, end: 5 }] }, "blocks.0");
    refuse({ closures: [{ locationId: "main", date: "2026-13-01" }] }, "closures.0.date");
  });
});

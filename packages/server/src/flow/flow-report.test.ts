import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { flowReportCsv, percentile, type ReportVisit, summariseVisits } from "./flow-report.ts";

const MIN = 60_000;
const base = Date.parse("2026-03-02T14:00:00Z");

const visit = fc.record({
  date: fc.constantFrom("2026-03-02", "2026-03-03", "2026-03-04"),
  practitionerId: fc.constantFrom("p1", "p2", "p3"),
  offset: fc.integer({ min: 0, max: 8 * 60 }),
  noShow: fc.boolean(),
  arrival: fc.option(fc.integer({ min: -30, max: 60 })),
  serviceDelay: fc.option(fc.integer({ min: 0, max: 90 })),
  length: fc.option(fc.integer({ min: 1, max: 60 })),
});

function sample(v: {
  date: string;
  practitionerId: string;
  offset: number;
  noShow: boolean;
  arrival: number | null;
  serviceDelay: number | null;
  length: number | null;
}): ReportVisit {
  const start = base + v.offset * MIN;
  const arrivedAt = v.noShow || v.arrival === null ? null : start + v.arrival * MIN;
  const serviceStartAt =
    arrivedAt === null || v.serviceDelay === null ? null : Math.max(arrivedAt, start) + v.serviceDelay * MIN;
  const checkedOutAt = serviceStartAt === null || v.length === null ? null : serviceStartAt + v.length * MIN;
  return {
    date: v.date,
    practitionerId: v.practitionerId,
    start,
    noShow: v.noShow,
    arrivedAt,
    serviceStartAt,
    withPractitionerAt: serviceStartAt,
    checkedOutAt,
  };
}

describe("flow report summary", () => {
  it("counts every visit once whatever the grouping, with rates between 0 and 1 and p90 ≥ mean wait's minimum", () => {
    fc.assert(
      fc.property(fc.array(visit, { maxLength: 60 }), (raw) => {
        const visits = raw.map(sample);
        for (const keyOf of [(v: ReportVisit) => v.date, (v: ReportVisit) => v.practitionerId]) {
          const rows = summariseVisits(
            visits,
            keyOf,
            (k) => k,
            () => 9 * 60 * MIN,
            10,
          );
          expect(rows.reduce((s, r) => s + r.visits, 0)).toBe(visits.length);
          for (const r of rows) {
            for (const rate of [r.noShowRate, r.lateRate])
              if (rate !== null) expect(rate).toBeGreaterThanOrEqual(0);
            for (const rate of [r.noShowRate, r.lateRate])
              if (rate !== null) expect(rate).toBeLessThanOrEqual(1);
            if (r.meanWaitMinutes !== null) {
              expect(r.meanWaitMinutes).toBeGreaterThanOrEqual(0);
              expect(r.p90WaitMinutes!).toBeGreaterThanOrEqual(0);
            }
            if (r.utilisation !== null) expect(r.utilisation).toBeGreaterThanOrEqual(0);
          }
        }
      }),
    );
  });

  it("takes the nearest-rank percentile", () => {
    expect(percentile([5, 5, 20], 0.9)).toBe(20);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBe(9);
    expect(percentile([7], 0.9)).toBe(7);
  });

  it("writes formula-safe CSV", () => {
    const csv = flowReportCsv([
      {
        key: "p1",
        label: "=cmd|' /C calc'!A0",
        visits: 1,
        meanWaitMinutes: null,
        p90WaitMinutes: null,
        meanCycleMinutes: null,
        noShowRate: 1,
        lateRate: null,
        utilisation: null,
      },
    ]);
    expect(csv.split("\r\n")[1]).toBe(`p1,'=cmd|' /C calc'!A0,1,,,,1,,`);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type FlowVisit, observedDurations, projectDay } from "./projection.ts";
import { visitInState } from "./test-visits.ts";

const MIN = 60_000;
const T0 = Date.UTC(2026, 2, 2, 14, 0); // 09:00 in New York

function visit(id: string, startMin: number, lengthMin = 20, extra: Partial<FlowVisit> = {}): FlowVisit {
  return {
    appointmentId: id,
    practitionerId: "p1",
    appointmentTypeId: "checkup",
    start: T0 + startMin * MIN,
    end: T0 + (startMin + lengthMin) * MIN,
    status: "booked",
    ...extra,
  };
}

const startsMin = (p: ReturnType<typeof projectDay>) =>
  Object.fromEntries(p.visits.map((v) => [v.appointmentId, (v.expectedStart - T0) / MIN]));

describe("projectDay", () => {
  it("keeps the booked times when nothing has happened yet", () => {
    const p = projectDay({ now: T0 - 30 * MIN, visits: [visit("a", 0), visit("b", 20), visit("c", 60)] });
    expect(startsMin(p)).toEqual({ a: 0, b: 20, c: 60 });
    expect(p.totalWaitMinutes).toBe(0);
    expect(p.practitioners[0]).toMatchObject({ overtimeMinutes: 0, expectedEndOfDay: T0 + 80 * MIN });
  });

  it("uses observed durations (with enough samples) and lets delays cascade into overtime", () => {
    const visits = [visit("a", 0), visit("b", 20), visit("c", 40)];
    const durations = { checkup: { meanMinutes: 30, p50Minutes: 25, p90Minutes: 45, samples: 40 } };
    const p = projectDay({ now: T0 - MIN, visits, durations, dayEnds: { p1: T0 + 60 * MIN } });
    expect(startsMin(p)).toEqual({ a: 0, b: 30, c: 60 });
    expect(p.totalWaitMinutes).toBe(30); // b waits 10, c waits 20
    expect(p.maxWaitMinutes).toBe(20);
    expect(p.practitioners[0]!.overtimeMinutes).toBe(30);
    const p90 = projectDay({ now: T0 - MIN, visits, durations, policy: { durationEstimate: "p90" } });
    expect(startsMin(p90)).toEqual({ a: 0, b: 45, c: 90 });
    // Too few observations: the booked length is used.
    const few = projectDay({
      now: T0 - MIN,
      visits,
      durations: { checkup: { meanMinutes: 30, samples: 2 } },
    });
    expect(startsMin(few)).toEqual({ a: 0, b: 20, c: 40 });
  });

  it("ends a visit in progress at max(now, start + expected duration)", () => {
    const running = visit("a", 0, 20, {
      status: "checked-in",
      checkedInAt: T0 - 5 * MIN,
      withPractitionerAt: T0,
    });
    const early = projectDay({ now: T0 + 10 * MIN, visits: [running, visit("b", 20)] });
    expect(early.visits[0]).toMatchObject({
      state: "in-progress",
      expectedEnd: T0 + 20 * MIN,
      expectedWaitMinutes: 0,
    });
    expect(startsMin(early).b).toBe(20);
    const over = projectDay({
      now: T0 + 35 * MIN,
      visits: [running, visit("b", 20, 20, { arrivedAt: T0 + 15 * MIN })],
    });
    expect(over.visits[0]!.expectedEnd).toBe(T0 + 35 * MIN);
    expect(over.visits[1]).toMatchObject({
      state: "waiting",
      expectedStart: T0 + 35 * MIN,
      expectedWaitMinutes: 15,
    });
  });

  it("waits for a late patient in the booked order and counts only waiting the patient did not cause", () => {
    const visits = [
      visit("a", 0, 20, { expectedArrival: T0 + 25 * MIN }),
      visit("b", 20, 20, { arrivedAt: T0 + 15 * MIN }),
    ];
    const p = projectDay({ now: T0 + 5 * MIN, visits });
    expect(startsMin(p)).toEqual({ a: 25, b: 45 });
    expect(p.visits.find((v) => v.appointmentId === "a")).toMatchObject({
      state: "late",
      expectedWaitMinutes: 0,
      delayMinutes: 25,
    });
    expect(p.visits.find((v) => v.appointmentId === "b")!.expectedWaitMinutes).toBe(25);
  });

  it("assumes a late patient with no news may walk in now, and leaves out finished and cancelled visits", () => {
    const visits = [
      visit("done", -40, 20, { status: "fulfilled", checkedOutAt: T0 - 15 * MIN }),
      visit("x", -20, 20, { status: "cancelled" }),
      visit("n", -10, 10, { status: "noshow" }),
      visit("a", 0),
      visit("b", 20),
    ];
    const p = projectDay({ now: T0 + 10 * MIN, visits });
    expect(startsMin(p)).toEqual({ a: 10, b: 30 });
    expect(p.visits.map((v) => v.state)).toEqual(["late", "upcoming"]);
  });

  it("starts a present patient early only when the policy says so", () => {
    const visits = [visit("a", 30, 20, { arrivedAt: T0 })];
    expect(startsMin(projectDay({ now: T0 + 5 * MIN, visits })).a).toBe(30);
    expect(startsMin(projectDay({ now: T0 + 5 * MIN, visits, policy: { startEarly: true } })).a).toBe(5);
  });

  it("moves nobody earlier when visits take longer or a late patient comes later (property)", () => {
    fc.assert(
      fc.property(
        dayArbitrary(),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 40 }),
        fc.nat(),
        ({ now, visits }, longer, later, pick) => {
          const base = projectDay({ now, visits, durations: { a: { meanMinutes: 15, samples: 9 } } });
          const slower = projectDay({
            now,
            visits,
            durations: { a: { meanMinutes: 15 + longer, samples: 9 } },
          });
          const booked = visits.filter((v) => v.status === "booked" && v.arrivedAt == null);
          const target = booked[pick % Math.max(1, booked.length)];
          const delayed = target
            ? visits.map((v) =>
                v === target
                  ? { ...v, expectedArrival: Math.max(v.expectedArrival ?? v.start, now) + later * MIN }
                  : v,
              )
            : visits;
          const lateLater = projectDay({
            now,
            visits: delayed,
            durations: { a: { meanMinutes: 15, samples: 9 } },
          });
          const start = new Map(base.visits.map((v) => [v.appointmentId, v.expectedStart]));
          for (const v of slower.visits)
            expect(v.expectedStart).toBeGreaterThanOrEqual(start.get(v.appointmentId)!);
          for (const v of lateLater.visits)
            expect(v.expectedStart).toBeGreaterThanOrEqual(start.get(v.appointmentId)!);
          expect(slower.totalWaitMinutes).toBeGreaterThanOrEqual(base.totalWaitMinutes - 1e-9);
        },
      ),
    );
  });

  it("never overlaps one practitioner's visits nor starts one before now or its patient (property)", () => {
    fc.assert(
      fc.property(dayArbitrary(), ({ now, visits }) => {
        const p = projectDay({ now, visits });
        const remaining = visits.filter(
          (v) => v.checkedOutAt == null && ["booked", "arrived", "checked-in"].includes(v.status),
        );
        expect(p.visits.map((v) => v.appointmentId).sort()).toEqual(
          remaining.map((v) => v.appointmentId).sort(),
        );
        for (const pr of p.practitioners) {
          for (let i = 1; i < pr.visits.length; i++) {
            expect(pr.visits[i]!.expectedStart).toBeGreaterThanOrEqual(pr.visits[i - 1]!.expectedEnd);
          }
        }
        for (const pv of p.visits) {
          const v = visits.find((x) => x.appointmentId === pv.appointmentId)!;
          expect(pv.expectedEnd).toBeGreaterThanOrEqual(pv.expectedStart);
          if (pv.state === "in-progress") {
            expect(pv.expectedEnd).toBeGreaterThanOrEqual(now);
            continue;
          }
          expect(pv.expectedStart).toBeGreaterThanOrEqual(now);
          expect(pv.expectedStart).toBeGreaterThanOrEqual(v.start);
          if (v.expectedArrival != null && v.arrivedAt == null)
            expect(pv.expectedStart).toBeGreaterThanOrEqual(v.expectedArrival);
          expect(pv.expectedWaitMinutes).toBeGreaterThanOrEqual(0);
        }
      }),
    );
  });
});

/** A random location-day: up to 4 practitioners, consistent flow times, at most one visit in progress each. */
function dayArbitrary() {
  const visitKind = fc.constantFrom(
    "upcoming",
    "upcoming",
    "waiting",
    "late",
    "done",
    "cancelled",
    "noshow",
    "running",
  );
  return fc
    .record({
      nowMin: fc.integer({ min: -30, max: 240 }),
      practitioners: fc.array(
        fc.array(
          fc.record({
            gap: fc.integer({ min: 0, max: 30 }),
            length: fc.integer({ min: 5, max: 45 }),
            kind: visitKind,
            late: fc.integer({ min: 1, max: 60 }),
          }),
          {
            minLength: 1,
            maxLength: 8,
          },
        ),
        { minLength: 1, maxLength: 4 },
      ),
    })
    .map(({ nowMin, practitioners }) => {
      const now = T0 + nowMin * MIN;
      const visits: FlowVisit[] = [];
      practitioners.forEach((list, p) => {
        let t = T0;
        let running = false;
        list.forEach((spec, i) => {
          const start = t + spec.gap * MIN;
          const end = start + spec.length * MIN;
          t = end;
          const base: FlowVisit = {
            appointmentId: `v${p}-${String(i).padStart(2, "0")}`,
            practitionerId: `p${p}`,
            appointmentTypeId: i % 2 ? "a" : "b",
            start,
            end,
            status: "booked",
          };
          const state = visitInState(base, spec.kind, now, spec.late, running);
          if (state?.status === "checked-in") running = true;
          visits.push(state ?? base);
        });
      });
      return { now, visits };
    });
}

describe("observedDurations", () => {
  it("summarises finished visits per type and leaves out implausible ones", () => {
    const obs = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100].map((m) => ({
      appointmentTypeId: "checkup",
      withPractitionerAt: T0,
      checkedOutAt: T0 + m * MIN,
    }));
    obs.push({ appointmentTypeId: "checkup", withPractitionerAt: T0, checkedOutAt: T0 + 20 * 60 * MIN }); // next morning
    obs.push({ appointmentTypeId: "checkup", withPractitionerAt: T0, checkedOutAt: T0 + 10_000 }); // a double click
    obs.push({ appointmentTypeId: "vaccine", withPractitionerAt: T0, checkedOutAt: T0 + 7 * MIN });
    expect(observedDurations(obs)).toEqual({
      checkup: { meanMinutes: 55, p50Minutes: 50, p90Minutes: 90, samples: 10 },
      vaccine: { meanMinutes: 7, p50Minutes: 7, p90Minutes: 7, samples: 1 },
    });
  });
});

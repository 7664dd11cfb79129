import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DomainError } from "../shared/domain-error.ts";
import { intervalsOverlap, normalizedContains, type TimeInterval } from "./intervals.ts";
import {
  type AppointmentTypeRules,
  assignDistinct,
  type BookingProposal,
  type BusyInterval,
  checkBooking,
  findSlots,
  type ResourceSchedule,
  type SlotRequest,
} from "./slots.ts";
import { instantToLocal, localBoundary } from "./zoned-time.ts";

const NY = "America/New_York";
const MIN = 60_000;
const HOUR = 60 * MIN;
const utc = (iso: string) => Date.parse(iso);
/** An instant from a New York wall time on Monday 2026-01-05 (EST, UTC-5), or another date. */
const ny = (time: string, date = "2026-01-05") => localBoundary(date, time, NY);
const span = (a: number, b: number): TimeInterval => ({ start: a, end: b });

const TYPE: AppointmentTypeRules = {
  durationMinutes: 30,
  bufferBeforeMinutes: 0,
  bufferAfterMinutes: 0,
  minLeadMinutes: 0,
  maxPerDayPerPractitioner: null,
  stepMinutes: 15,
};

function sched(
  kind: ResourceSchedule["resourceKind"],
  id: string,
  available: readonly TimeInterval[],
  busy: readonly BusyInterval[] = [],
): ResourceSchedule {
  return { resourceKind: kind, resourceId: id, available, busy };
}

const MORNING = [span(ny("08:00"), ny("12:00"))];

function request(over: Partial<SlotRequest> = {}): SlotRequest {
  return {
    appointmentType: TYPE,
    practitionerIds: ["dr-a"],
    roomIds: null,
    equipment: [],
    schedules: [sched("practitioner", "dr-a", MORNING)],
    sameTypeBookings: [],
    now: utc("2026-01-01T00:00Z"),
    range: span(ny("00:00"), ny("24:00")),
    zone: NY,
    ...over,
  };
}
const times = (slots: { start: number }[], date = "2026-01-05") =>
  slots.map((s) => {
    const l = instantToLocal(s.start, NY);
    return l.date === date ? l.time : `${l.date} ${l.time}`;
  });

describe("findSlots: one practitioner", () => {
  it("offers every step of the availability where the whole visit fits", () => {
    const slots = findSlots(request());
    expect(slots).toHaveLength(15); // 08:00 … 11:30
    expect(times(slots).slice(0, 3)).toEqual(["08:00", "08:15", "08:30"]);
    expect(times(slots).at(-1)).toBe("11:30");
    expect(slots[0]).toEqual({
      start: ny("08:00"),
      end: ny("08:30"),
      practitionerId: "dr-a",
      roomId: null,
      equipmentIds: [],
      overbooked: false,
    });
  });

  it("keeps the buffers free of other bookings, but lets them lie outside availability", () => {
    const type = { ...TYPE, bufferBeforeMinutes: 10, bufferAfterMinutes: 5 };
    const busy = [span(ny("09:00"), ny("09:30"))];
    const slots = findSlots(
      request({ appointmentType: type, schedules: [sched("practitioner", "dr-a", MORNING, busy)] }),
    );
    const t = times(slots);
    // 08:15 + 30 + 5 = 08:50 ≤ 09:00; 08:30 would need the doctor until 09:05.
    expect(t).toContain("08:15");
    expect(t).not.toContain("08:30");
    // 09:30 would need preparation from 09:20; 09:45 needs it from 09:35.
    expect(t).not.toContain("09:30");
    expect(t).toContain("09:45");
    // The 08:00 slot's preparation (07:50) lies outside availability; only the visit must be inside.
    expect(t[0]).toBe("08:00");
  });

  it("lets back-to-back visits touch", () => {
    const busy = [span(ny("09:00"), ny("09:30"))];
    const t = times(findSlots(request({ schedules: [sched("practitioner", "dr-a", MORNING, busy)] })));
    expect(t).toContain("08:30");
    expect(t).toContain("09:30");
    expect(t).not.toContain("08:45");
    expect(t).not.toContain("09:15");
  });

  it("starts no earlier than now plus the lead time", () => {
    const type = { ...TYPE, minLeadMinutes: 60 };
    const slots = findSlots(request({ appointmentType: type, now: ny("08:07") }));
    expect(times(slots)[0]).toBe("09:15");
    expect(times(findSlots(request({ now: ny("08:00") })))[0]).toBe("08:00");
    expect(findSlots(request({ now: ny("12:00") }))).toEqual([]);
  });

  it("stops at the daily limit, counted on the location's local day", () => {
    const type = { ...TYPE, maxPerDayPerPractitioner: 2 };
    const twoDays = [...MORNING, span(ny("08:00", "2026-01-06"), ny("09:00", "2026-01-06"))];
    const base = {
      appointmentType: type,
      schedules: [sched("practitioner", "dr-a", twoDays)],
      range: span(ny("00:00"), ny("24:00", "2026-01-06")),
    };
    // 22:00 in New York on the 5th is already the 6th in UTC: it must count for the 5th.
    const late = { practitionerId: "dr-a", start: utc("2026-01-06T03:00Z") };
    const one = findSlots(request({ ...base, sameTypeBookings: [late] }));
    expect(times(one).filter((t) => !t.includes(" "))).toHaveLength(15);
    const full = findSlots(
      request({ ...base, sameTypeBookings: [late, { practitionerId: "dr-a", start: ny("07:00") }] }),
    );
    expect(times(full)).toEqual(["2026-01-06 08:00", "2026-01-06 08:15", "2026-01-06 08:30"]);
    // Another practitioner's visits do not count.
    const other = findSlots(
      request({ ...base, sameTypeBookings: [late, { practitionerId: "dr-b", start: ny("07:00") }] }),
    );
    expect(other).toHaveLength(18);
  });

  it("stops at the limit, keeping the earliest", () => {
    expect(times(findSlots(request({ limit: 2 })))).toEqual(["08:00", "08:15"]);
  });

  it("offers nothing for a practitioner without a schedule", () => {
    expect(findSlots(request({ practitionerIds: ["dr-z"] }))).toEqual([]);
  });
});

describe("findSlots: several resources", () => {
  const busyNine = [{ ...span(ny("09:00"), ny("09:30")), bookingId: "b1" }];

  it("gives each start to the first free practitioner by id, or to each with eachPractitioner", () => {
    const schedules = [
      sched("practitioner", "dr-b", MORNING),
      sched("practitioner", "dr-a", MORNING, busyNine),
    ];
    const base = { practitionerIds: ["dr-b", "dr-a"], schedules };
    const slots = findSlots(request(base));
    expect(slots.find((s) => s.start === ny("08:30"))?.practitionerId).toBe("dr-a");
    expect(slots.find((s) => s.start === ny("08:45"))?.practitionerId).toBe("dr-b");
    expect(slots.find((s) => s.start === ny("09:00"))?.practitionerId).toBe("dr-b");
    expect(slots).toHaveLength(15);
    const each = findSlots(request({ ...base, eachPractitioner: true }));
    expect(each).toHaveLength(30 - 3); // dr-a loses 08:45, 09:00, 09:15
    expect(each.filter((s) => s.start === ny("08:00")).map((s) => s.practitionerId)).toEqual([
      "dr-a",
      "dr-b",
    ]);
  });

  it("picks the first free room by id and offers nothing when every room is taken", () => {
    const schedules = [
      sched("practitioner", "dr-a", MORNING),
      sched("room", "r2", MORNING),
      sched("room", "r1", MORNING, busyNine),
    ];
    const slots = findSlots(request({ roomIds: ["r2", "r1"], schedules }));
    expect(slots.find((s) => s.start === ny("08:00"))?.roomId).toBe("r1");
    expect(slots.find((s) => s.start === ny("09:00"))?.roomId).toBe("r2");
    const bothBusy = [...schedules.slice(0, 2).map((s) => ({ ...s, busy: busyNine })), schedules[2]!];
    expect(times(findSlots(request({ roomIds: ["r1", "r2"], schedules: bothBusy })))).not.toContain("09:00");
  });

  it("needs a room that is itself available", () => {
    const schedules = [
      sched("practitioner", "dr-a", MORNING),
      sched("room", "r1", [span(ny("10:00"), ny("11:00"))]),
    ];
    expect(times(findSlots(request({ roomIds: ["r1"], schedules })))).toEqual(["10:00", "10:15", "10:30"]);
    expect(findSlots(request({ roomIds: [], schedules }))).toEqual([]);
  });

  it("gives each equipment requirement its own item", () => {
    const schedules = [
      sched("practitioner", "dr-a", MORNING),
      sched("equipment", "u1", MORNING),
      sched("equipment", "u2", MORNING, busyNine),
    ];
    const equipment = [
      { kind: "probe", eligibleIds: ["u1", "u2"] },
      { kind: "scanner", eligibleIds: ["u1"] },
    ];
    const slots = findSlots(request({ equipment, schedules }));
    // First-fit would give u1 to the probe and leave the scanner without one.
    expect(slots.find((s) => s.start === ny("08:00"))?.equipmentIds).toEqual(["u2", "u1"]);
    expect(times(slots)).not.toContain("09:00");
  });

  it("overbooks a practitioner only as far as the policy allows, and says so", () => {
    const busy = [
      span(ny("09:00"), ny("09:30")),
      span(ny("10:00"), ny("10:30")),
      span(ny("10:00"), ny("10:30")),
    ];
    const schedules = [sched("practitioner", "dr-a", MORNING, busy)];
    const slots = findSlots(request({ schedules, overbooking: { practitionerMaxConcurrent: 2 } }));
    const nine = slots.find((s) => s.start === ny("09:00"));
    expect(nine?.overbooked).toBe(true);
    expect(slots.find((s) => s.start === ny("08:00"))?.overbooked).toBe(false);
    expect(times(slots)).not.toContain("10:00"); // already two at once
    expect(times(findSlots(request({ schedules })))).not.toContain("09:00");
  });

  it("ignores the booking being rescheduled", () => {
    const schedules = [sched("practitioner", "dr-a", MORNING, busyNine)];
    expect(times(findSlots(request({ schedules })))).not.toContain("09:15");
    expect(times(findSlots(request({ schedules, ignoreBookingIds: ["b1"] })))).toContain("09:15");
  });
});

describe("findSlots: the local step grid and DST", () => {
  const hourly = { ...TYPE, durationMinutes: 60, stepMinutes: 60 };
  const fullDay = (date: string, zone = NY): SlotRequest => {
    const day = span(localBoundary(date, "00:00", zone), localBoundary(date, "24:00", zone));
    return request({
      appointmentType: hourly,
      zone,
      range: day,
      schedules: [sched("practitioner", "dr-a", [{ start: day.start - 2 * HOUR, end: day.end + 2 * HOUR }])],
    });
  };

  it("has 23 hourly starts on the spring-forward day and 25 on the fall-back day", () => {
    const spring = findSlots(fullDay("2026-03-08"));
    expect(spring).toHaveLength(23);
    expect(times(spring, "2026-03-08").slice(0, 3)).toEqual(["00:00", "01:00", "03:00"]);
    const autumn = findSlots(fullDay("2026-11-01"));
    expect(autumn).toHaveLength(25);
    expect(autumn.slice(1, 3).map((s) => new Date(s.start).toISOString())).toEqual([
      "2026-11-01T05:00:00.000Z", // 01:00 EDT
      "2026-11-01T06:00:00.000Z", // 01:00 EST
    ]);
  });

  it("aligns to the wall clock of the location, not to UTC", () => {
    const kolkata = findSlots(fullDay("2026-03-08", "Asia/Kolkata"));
    expect(kolkata).toHaveLength(24);
    expect(new Date(kolkata[0]!.start).toISOString()).toBe("2026-03-07T18:30:00.000Z");
    const lordHowe = findSlots({
      ...fullDay("2026-10-04", "Australia/Lord_Howe"),
      appointmentType: { ...hourly, stepMinutes: 30 },
    });
    const wall = lordHowe.map((s) => instantToLocal(s.start, "Australia/Lord_Howe").time);
    expect(wall).toContain("01:30");
    expect(wall).not.toContain("02:00"); // inside the 30-minute gap
    expect(wall).toContain("02:30");
    expect(lordHowe).toHaveLength(47);
  });

  it("matches the arithmetic count with full availability and no bookings", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 540 }),
        fc.constantFrom(5, 10, 15, 20, 30, 45, 60),
        (duration, step) => {
          const type = { ...TYPE, durationMinutes: duration, stepMinutes: step };
          const available = [span(ny("08:00"), ny("17:00"))];
          const slots = findSlots(
            request({ appointmentType: type, schedules: [sched("practitioner", "dr-a", available)] }),
          );
          // Starts at minute-of-day m with 480 ≤ m ≤ 1020 − duration and m a multiple of the step.
          let expected = 0;
          for (let m = 480; m <= 1020 - duration; m++) if (m % step === 0) expected++;
          expect(slots).toHaveLength(expected);
        },
      ),
    );
  });
});

describe("findSlots and checkBooking agree, and slots are always bookable", () => {
  const DAY0 = ny("00:00", "2026-03-07"); // spans the spring-forward Sunday
  const quarter = (q: number) => DAY0 + q * 15 * MIN;
  const arbSpans = (max: number, minLen: number, maxLen: number) =>
    fc.array(
      fc
        .tuple(fc.integer({ min: 0, max: 3 * 96 }), fc.integer({ min: minLen, max: maxLen }))
        .map(([q, len]) => span(quarter(q), quarter(q + len))),
      { maxLength: max },
    );
  // Wide availability and short bookings, so most runs offer many slots right beside bookings, where
  // buffer mistakes would show.
  const arbScenario = fc.record({
    docAvailable: arbSpans(8, 8, 48),
    docBusy: arbSpans(10, 1, 6),
    roomAvailable: fc.oneof(fc.constant([span(DAY0, DAY0 + 3 * 24 * HOUR)]), arbSpans(8, 8, 48)),
    roomBusy: arbSpans(6, 1, 6),
    duration: fc.constantFrom(10, 15, 30, 45, 60),
    before: fc.constantFrom(0, 5, 10),
    after: fc.constantFrom(0, 5, 15),
    step: fc.constantFrom(5, 15, 30),
    lead: fc.constantFrom(0, 90),
    nowQ: fc.integer({ min: 0, max: 96 }),
    nowMinute: fc.constantFrom(0, 7),
  });
  type Scenario = typeof arbScenario extends fc.Arbitrary<infer T> ? T : never;
  const build = (s: Scenario): SlotRequest =>
    request({
      appointmentType: {
        ...TYPE,
        durationMinutes: s.duration,
        bufferBeforeMinutes: s.before,
        bufferAfterMinutes: s.after,
        stepMinutes: s.step,
        minLeadMinutes: s.lead,
      },
      roomIds: ["r1"],
      schedules: [
        sched("practitioner", "dr-a", s.docAvailable, s.docBusy),
        sched("room", "r1", s.roomAvailable, s.roomBusy),
      ],
      now: quarter(s.nowQ) + s.nowMinute * MIN,
      range: span(DAY0, DAY0 + 3 * 24 * HOUR),
    });

  it("never overlaps a busy interval (with buffers), stays inside availability, sorted, unique, aligned, deterministic", () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const req = build(s);
        const slots = findSlots(req);
        expect(findSlots(req)).toEqual(slots);
        // Availability may be given as touching pieces; containment is judged on their union (mergeIntervals
        // is not used here, so a bug there cannot hide one in findSlots).
        const availableUnions = req.schedules.map((r) => {
          const merged: TimeInterval[] = [];
          for (const a of [...r.available].sort((x, y) => x.start - y.start)) {
            const last = merged.at(-1);
            if (last && a.start <= last.end) last.end = Math.max(last.end, a.end);
            else merged.push({ ...a });
          }
          return merged;
        });
        for (const [k, slot] of slots.entries()) {
          if (k > 0) expect(slot.start).toBeGreaterThan(slots[k - 1]!.start);
          expect(slot.end - slot.start).toBe(s.duration * MIN);
          expect(slot.start).toBeGreaterThanOrEqual(req.now + s.lead * MIN);
          expect(instantToLocal(slot.start, NY).minuteOfDay % s.step).toBe(0);
          const padded = span(slot.start - s.before * MIN, slot.end + s.after * MIN);
          for (const b of [...s.docBusy, ...s.roomBusy]) expect(intervalsOverlap(padded, b)).toBe(false);
          for (const merged of availableUnions) expect(normalizedContains(merged, slot)).toBe(true);
          expect(
            checkBooking(req, { start: slot.start, practitionerId: "dr-a", roomId: "r1", equipmentIds: [] })
              .ok,
          ).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  }, 60_000);

  it("every grid start it leaves out is refused by checkBooking", () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const req = build(s);
        const offered = new Set(findSlots(req).map((x) => x.start));
        // Brute force over every minute of the range: the grid is whatever the wall clock says.
        for (let t = req.range.start; t < req.range.end; t += 5 * MIN) {
          if (instantToLocal(t, NY).minuteOfDay % s.step !== 0 || offered.has(t)) continue;
          const check = checkBooking(req, {
            start: t,
            practitionerId: "dr-a",
            roomId: "r1",
            equipmentIds: [],
          });
          expect(check.ok, new Date(t).toISOString()).toBe(false);
        }
      }),
      { numRuns: 40 },
    );
  }, 60_000);
});

describe("checkBooking", () => {
  const schedules = [
    sched("practitioner", "dr-a", MORNING, [{ ...span(ny("09:00"), ny("09:30")), bookingId: "b1" }]),
    sched("room", "r1", MORNING),
    sched("equipment", "u1", MORNING),
  ];
  const req = request({
    roomIds: ["r1"],
    equipment: [{ kind: "ultrasound", eligibleIds: ["u1"] }],
    schedules,
  });
  const propose = (over: Partial<BookingProposal>): BookingProposal => ({
    start: ny("10:00"),
    practitionerId: "dr-a",
    roomId: "r1",
    equipmentIds: ["u1"],
    ...over,
  });
  const reasons = (r: SlotRequest, p: BookingProposal) => checkBooking(r, p).reasons.map((x) => x.reason);

  it("accepts a valid booking and returns its instants", () => {
    expect(checkBooking(req, propose({}))).toEqual({
      ok: true,
      reasons: [],
      start: ny("10:00"),
      end: ny("10:30"),
      localDate: "2026-01-05",
      overbooked: false,
    });
  });

  it("names the busy resource and the booking it conflicts with", () => {
    const check = checkBooking(req, propose({ start: ny("09:15") }));
    expect(check.ok).toBe(false);
    expect(check.reasons).toEqual([
      {
        reason: "resource_busy",
        resource: { resourceId: "dr-a", resourceKind: "practitioner" },
        conflictingBookingIds: ["b1"],
      },
    ]);
    // Rescheduling b1 itself by fifteen minutes is fine.
    expect(checkBooking({ ...req, ignoreBookingIds: ["b1"] }, propose({ start: ny("09:15") })).ok).toBe(true);
  });

  it("refuses a time outside availability, per resource", () => {
    const check = checkBooking(req, propose({ start: ny("11:45") }));
    expect(
      check.reasons.map((r) => (r.reason === "outside_availability" ? r.resource.resourceKind : r.reason)),
    ).toEqual(["practitioner", "room", "equipment"]);
  });

  it("refuses the past and too-soon starts", () => {
    expect(reasons({ ...req, now: ny("10:01") }, propose({}))).toEqual(["in_past"]);
    const lead = { ...req, now: ny("09:30"), appointmentType: { ...TYPE, minLeadMinutes: 60 } };
    expect(checkBooking(lead, propose({})).reasons).toEqual([
      { reason: "too_soon", earliestStart: ny("10:30") },
    ]);
    expect(reasons({ ...req, now: ny("10:00") }, propose({}))).toEqual([]);
  });

  it("refuses an end before (or at) the start", () => {
    expect(reasons(req, propose({ end: ny("10:00") }))).toEqual(["end_before_start"]);
    expect(reasons(req, propose({ end: ny("09:00") }))).toEqual(["end_before_start"]);
    expect(checkBooking(req, propose({ end: ny("11:00") })).end).toBe(ny("11:00"));
  });

  it("refuses a nonexistent local time and resolves an ambiguous one to the earlier instant", () => {
    const night = [span(utc("2026-03-08T00:00Z"), utc("2026-03-09T00:00Z"))];
    const dst = request({ schedules: [sched("practitioner", "dr-a", night)] });
    expect(
      checkBooking(dst, {
        start: { localDate: "2026-03-08", localTime: "02:30" },
        practitionerId: "dr-a",
        roomId: null,
        equipmentIds: [],
      }),
    ).toMatchObject({
      ok: false,
      reasons: [{ reason: "nonexistent_local_time", localDate: "2026-03-08", localTime: "02:30" }],
    });
    const fall = request({
      schedules: [sched("practitioner", "dr-a", [span(utc("2026-11-01T00:00Z"), utc("2026-11-02T00:00Z"))])],
    });
    const local = { localDate: "2026-11-01", localTime: "01:30" };
    const base = { practitionerId: "dr-a", roomId: null, equipmentIds: [] };
    expect(checkBooking(fall, { ...base, start: local }).start).toBe(utc("2026-11-01T05:30Z"));
    expect(checkBooking(fall, { ...base, start: { ...local, utcOffsetMinutes: -300 } }).start).toBe(
      utc("2026-11-01T06:30Z"),
    );
    expect(reasons(fall, { ...base, start: { ...local, utcOffsetMinutes: 60 } })).toEqual([
      "offset_mismatch",
    ]);
  });

  it("refuses ineligible or missing resources", () => {
    expect(reasons(req, propose({ practitionerId: "dr-z" }))).toEqual(["not_eligible"]);
    expect(reasons(req, propose({ roomId: null }))).toEqual(["missing_resource"]);
    expect(reasons(req, propose({ roomId: "r9" }))).toEqual(["not_eligible"]);
    expect(reasons(req, propose({ equipmentIds: [] }))).toEqual(["missing_resource"]);
    expect(reasons(req, propose({ equipmentIds: ["u1", "u7"] }))).toEqual(["not_eligible"]);
  });

  it("still checks a room the type does not need, so it is never double-booked", () => {
    const noRoom = request({
      schedules: [
        sched("practitioner", "dr-a", MORNING),
        sched("room", "r1", MORNING, [span(ny("10:00"), ny("11:00"))]),
      ],
    });
    expect(reasons(noRoom, propose({ equipmentIds: [] }))).toEqual(["resource_busy"]);
    expect(reasons(noRoom, propose({ equipmentIds: [], roomId: null }))).toEqual([]);
  });

  it("applies the daily limit on the local day, except to the booking being moved", () => {
    const limited = {
      ...req,
      appointmentType: { ...TYPE, maxPerDayPerPractitioner: 1 },
      sameTypeBookings: [{ practitionerId: "dr-a", start: ny("09:00"), bookingId: "b1" }],
    };
    expect(checkBooking(limited, propose({})).reasons).toEqual([
      { reason: "daily_limit", practitionerId: "dr-a", localDate: "2026-01-05", max: 1 },
    ]);
    expect(checkBooking({ ...limited, ignoreBookingIds: ["b1"] }, propose({})).ok).toBe(true);
  });

  it("marks an allowed overbooking so the server can flag and audit it", () => {
    const over = { ...req, overbooking: { practitionerMaxConcurrent: 2 } };
    expect(checkBooking(over, propose({ start: ny("09:00") }))).toMatchObject({ ok: true, overbooked: true });
    expect(checkBooking(over, propose({ start: ny("10:00") }))).toMatchObject({
      ok: true,
      overbooked: false,
    });
  });

  it("reports several reasons at once", () => {
    expect(reasons({ ...req, now: ny("11:00") }, propose({ start: ny("09:00"), roomId: null }))).toEqual([
      "in_past",
      "resource_busy",
      "missing_resource",
    ]);
  });
});

describe("bad requests", () => {
  const refusedPaths = (r: SlotRequest) => {
    try {
      findSlots(r);
    } catch (e) {
      expect(e).toBeInstanceOf(DomainError);
      return (e as DomainError).details.map((d) => d.path);
    }
    throw new Error("expected a refusal");
  };

  it("names malformed settings", () => {
    expect(refusedPaths(request({ appointmentType: { ...TYPE, durationMinutes: 0 } }))).toEqual([
      "appointmentType.durationMinutes",
    ]);
    expect(refusedPaths(request({ appointmentType: { ...TYPE, stepMinutes: 7.5 } }))).toEqual([
      "appointmentType.stepMinutes",
    ]);
    expect(refusedPaths(request({ appointmentType: { ...TYPE, bufferAfterMinutes: -5 } }))).toEqual([
      "appointmentType.bufferAfterMinutes",
    ]);
    expect(refusedPaths(request({ practitionerIds: [] }))).toEqual(["practitionerIds"]);
    expect(refusedPaths(request({ limit: 0 }))).toEqual(["limit"]);
    expect(refusedPaths(request({ range: span(ny("10:00"), ny("09:00")) }))).toEqual(["range"]);
    expect(refusedPaths(request({ range: span(0, 400 * 24 * HOUR) }))).toEqual(["range"]);
    expect(
      refusedPaths(request({ sameTypeBookings: [{ practitionerId: "dr-a", start: Number.NaN }] })),
    ).toEqual(["sameTypeBookings.0.start"]);
    expect(() => findSlots(request({ zone: "Nowhere/Town" }))).toThrow(DomainError);
  });
});

describe("assignDistinct", () => {
  it("backtracks to give every requirement its own item", () => {
    expect(assignDistinct([["a", "b"], ["a"]])).toEqual(["b", "a"]);
    expect(assignDistinct([["a"], ["a"]])).toBeNull();
    expect(assignDistinct([])).toEqual([]);
    expect(assignDistinct([["a", "b", "c"]], (id) => id !== "a")).toEqual(["b"]);
  });
});

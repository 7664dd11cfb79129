import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { TimeInterval } from "./intervals.ts";
import { maxCustomLengthMinutes, noPatientOverlap, type PatientVisit } from "./patient-overlap.ts";
import { type BookingProposal, checkBooking, type ResourceSchedule, type SlotRequest } from "./slots.ts";
import { localBoundary, resolveLocal } from "./zoned-time.ts";

const NY = "America/New_York";
const MIN = 60_000;
const ny = (time: string, date = "2026-01-05") => localBoundary(date, time, NY);
const DAY = { start: ny("08:00"), end: ny("18:00") };

function sched(kind: ResourceSchedule["resourceKind"], id: string, busy: ResourceSchedule["busy"] = []) {
  return { resourceKind: kind, resourceId: id, available: [DAY], busy } as ResourceSchedule;
}

function request(over: Partial<SlotRequest> = {}): SlotRequest {
  return {
    appointmentType: {
      durationMinutes: 20,
      bufferBeforeMinutes: 0,
      bufferAfterMinutes: 10,
      minLeadMinutes: 0,
      maxPerDayPerPractitioner: null,
      stepMinutes: 5,
    },
    practitionerIds: ["dr-a", "dr-b", "dr-c"],
    roomIds: null,
    equipment: [],
    schedules: [sched("practitioner", "dr-a"), sched("practitioner", "dr-b"), sched("practitioner", "dr-c")],
    sameTypeBookings: [],
    now: Date.parse("2026-01-01T00:00Z"),
    range: { start: ny("00:00"), end: ny("24:00") },
    zone: NY,
    ...over,
  };
}
const visit = (id: string, start: string, end: string, practitionerId = "dr-b"): PatientVisit => ({
  id,
  start: ny(start),
  end: ny(end),
  practitionerId,
  locationId: "loc-2",
});
const propose = (start: string, over: Partial<BookingProposal> = {}): BookingProposal => ({
  start: ny(start),
  practitionerId: "dr-a",
  roomId: null,
  equipmentIds: [],
  ...over,
});

describe("checkBooking: the patient's own time", () => {
  it("refuses a visit overlapping another visit of the patient, naming it", () => {
    const check = checkBooking(request({ patientVisits: [visit("v1", "09:10", "09:40")] }), propose("09:00"));
    expect(check.ok).toBe(false);
    expect(check.reasons).toEqual([{ reason: "patient_overlap", visits: [visit("v1", "09:10", "09:40")] }]);
  });

  it("allows back to back visits (one ends when the other starts), even with a resource buffer", () => {
    const visits = [visit("v1", "08:40", "09:00"), visit("v2", "09:20", "09:40")];
    expect(checkBooking(request({ patientVisits: visits }), propose("09:00")).ok).toBe(true);
  });

  it("allows an overlap only when staff ask for it explicitly", () => {
    const req = request({ patientVisits: [visit("v1", "09:00", "09:20")] });
    expect(checkBooking(req, propose("09:00", { allowPatientOverlap: true })).ok).toBe(true);
  });

  it("ignores the visit being moved", () => {
    const req = request({ patientVisits: [visit("v1", "09:00", "09:20")], ignoreBookingIds: ["v1"] });
    expect(checkBooking(req, propose("09:10")).ok).toBe(true);
  });
});

describe("checkBooking: a custom end is bounded by the type", () => {
  it("refuses a 20-minute type stretched to 24 hours, unless overridden", () => {
    const long = propose("09:00", { end: ny("09:00", "2026-01-06") });
    const check = checkBooking(request(), long);
    expect(check.reasons).toContainEqual({ reason: "too_long", minutes: 1440, maxMinutes: 80 });
    const allowed = checkBooking(request(), { ...long, allowLongVisit: true });
    expect(allowed.reasons.map((r) => r.reason)).not.toContain("too_long");
  });

  it("accepts a custom end up to the bound", () => {
    expect(maxCustomLengthMinutes(20)).toBe(80);
    expect(maxCustomLengthMinutes(180)).toBe(360);
    expect(checkBooking(request(), propose("09:00", { end: ny("10:20") })).ok).toBe(true);
    expect(checkBooking(request(), propose("09:00", { end: ny("10:21") })).ok).toBe(false);
  });
});

describe("checkBooking: a taken room is a conflict, not a missing choice", () => {
  it("answers resource_busy when every eligible room is held then", () => {
    const req = request({
      roomIds: ["r1", "r2"],
      schedules: [
        sched("practitioner", "dr-a"),
        sched("room", "r1", [{ start: ny("09:00"), end: ny("09:30"), bookingId: "other-1" }]),
        sched("room", "r2", [{ start: ny("08:50"), end: ny("09:15"), bookingId: "other-2" }]),
      ],
    });
    const check = checkBooking(req, propose("09:00"));
    expect(check.reasons).toEqual([
      {
        reason: "resource_busy",
        resource: { resourceId: "r1", resourceKind: "room" },
        conflictingBookingIds: ["other-1"],
      },
    ]);
  });

  it("still says a room is missing when one is free but none was chosen", () => {
    const req = request({ roomIds: ["r1"], schedules: [sched("practitioner", "dr-a"), sched("room", "r1")] });
    expect(checkBooking(req, propose("09:00")).reasons).toEqual([
      { reason: "missing_resource", resourceKind: "room" },
    ]);
  });

  it("answers resource_busy when the only item of a needed equipment kind is held", () => {
    const req = request({
      equipment: [{ kind: "ecg", eligibleIds: ["e1"] }],
      schedules: [
        sched("practitioner", "dr-a"),
        sched("equipment", "e1", [{ start: ny("09:00"), end: ny("09:20"), bookingId: "other" }]),
      ],
    });
    expect(checkBooking(req, propose("09:10")).reasons[0]).toMatchObject({
      reason: "resource_busy",
      resource: { resourceId: "e1", resourceKind: "equipment" },
    });
  });
});

describe("resolveLocal: a wrong offset on an ordinary day", () => {
  it("reports one valid offset (not an ambiguous time)", () => {
    const r = resolveLocal("2026-01-05", "09:00", NY, -240);
    expect(r).toEqual({ kind: "offset_mismatch", validOffsets: [-300] });
  });
});

describe("property: random bookings never leave a patient in two places at once", () => {
  it("holds for any sequence of proposals, unless a booking was overridden", () => {
    const proposal = fc.record({
      startMinute: fc.integer({ min: 0, max: 560 }),
      lengthMinutes: fc.option(fc.integer({ min: 1, max: 90 }), { nil: undefined }),
      practitioner: fc.constantFrom("dr-a", "dr-b", "dr-c"),
      override: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(proposal, { maxLength: 25 }), (proposals) => {
        const booked: (PatientVisit & { overridden: boolean })[] = [];
        const busy = new Map<string, { start: number; end: number; bookingId: string }[]>();
        proposals.forEach((p, i) => {
          const start = DAY.start + p.startMinute * MIN;
          const req = request({
            schedules: ["dr-a", "dr-b", "dr-c"].map((id) => sched("practitioner", id, busy.get(id) ?? [])),
            patientVisits: booked,
          });
          const check = checkBooking(req, {
            start,
            ...(p.lengthMinutes !== undefined ? { end: start + p.lengthMinutes * MIN } : {}),
            practitionerId: p.practitioner,
            roomId: null,
            equipmentIds: [],
            allowPatientOverlap: p.override,
          });
          if (!check.ok) return;
          const v = {
            id: `v${i}`,
            start: check.start!,
            end: check.end!,
            practitionerId: p.practitioner,
            locationId: "loc",
            overridden: p.override,
          };
          booked.push(v);
          busy.set(p.practitioner, [
            ...(busy.get(p.practitioner) ?? []),
            { start: v.start, end: v.end + 10 * MIN, bookingId: v.id },
          ]);
        });
        const plain: TimeInterval[] = booked.filter((v) => !v.overridden);
        // Visits booked without the override never overlap each other…
        expect(noPatientOverlap(plain)).toBe(true);
        // …nor any visit booked before them.
        for (const [i, v] of booked.entries()) {
          if (v.overridden) continue;
          for (const w of booked.slice(0, i)) expect(w.start < v.end && v.start < w.end).toBe(false);
        }
      }),
    );
  });
});

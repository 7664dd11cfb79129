import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../admin/organizations.ts";
import { createLocation, createResource } from "../directory/locations.ts";
import { createPatient } from "../directory/patients.ts";
import { addLicense, createStaff } from "../directory/staff.ts";
import type { Actor } from "../platform/services.ts";
import {
  asSession,
  closeTestServices,
  createTestApp,
  createTestServices,
  dialect,
  type SignedIn,
  seedTwoOrgs,
  signIn,
  type TestServices,
} from "../testing/harness.ts";
import { bookAppointment } from "./book-appointment.ts";
import { createAppointmentType } from "./create-appointment-type.ts";
import { createBlock } from "./create-block.ts";
import { createException } from "./create-exception.ts";
import { createTemplate } from "./create-template.ts";

/**
 * GET /api/slots on a real database honours availability, bookings with their buffers, rooms, closures,
 * blocks, the daily limit, lead time and license expiry, and answers the same whatever the process TZ.
 *
 * The clock stands at 2026-03-02T15:00Z (Monday 10:00 EST in New York). Practitioners work Monday to
 * Friday 09:00-12:00 and 13:00-17:00 local; visits take 30 minutes with 5-minute buffers, on a 15-minute grid.
 */
interface SlotOut {
  start: string;
  end: string;
  practitionerId: string;
  roomId: string | null;
}

/** "HH:mm" New York wall time of an instant in March 2026 before the 8th (EST, UTC-5). */
const est = (iso: string) => {
  const d = new Date(Date.parse(iso) - 5 * 3_600_000);
  return d.toISOString().slice(11, 16);
};
/** The morning and afternoon 15-minute starts of a visit of 30 minutes in 09-12 and 13-17. */
const FULL_DAY = [
  ...["09:00", "09:15", "09:30", "09:45", "10:00", "10:15", "10:30", "10:45", "11:00", "11:15", "11:30"],
  ...["13:00", "13:15", "13:30", "13:45", "14:00", "14:15", "14:30", "14:45", "15:00", "15:15", "15:30"],
  ...["15:45", "16:00", "16:15", "16:30"],
];

describe(`slot search (${dialect})`, () => {
  let services: TestServices;
  let app: FastifyInstance;
  let desk: SignedIn;
  let actor: Actor;
  let locationId: string;
  let roomA: string;
  let roomB: string;
  let doc: string;
  let other: string;
  let expiring: string;
  let patient: string;
  const types: Record<string, string> = {};

  beforeAll(async () => {
    services = await createTestServices();
    const seed = await seedTwoOrgs(services);
    actor = cliActor(seed.alpha.id);
    locationId = (
      await createLocation(services, actor, { name: "Slot Clinic", timeZone: "America/New_York" })
    ).id;
    roomA = (await createResource(services, actor, "rooms", { locationId, name: "Slot A" })).id;
    roomB = (await createResource(services, actor, "rooms", { locationId, name: "Slot B" })).id;
    const practitioner = async (name: string, expiresOn: string) => {
      const s = await createStaff(services, actor, {
        kind: "practitioner",
        givenName: name,
        familyName: "Slot",
      });
      await addLicense(services, actor, s.id, { state: "NY", number: `S-${name}`, expiresOn });
      for (let weekday = 1; weekday <= 5; weekday++) {
        for (const [start, end] of [
          ["09:00", "12:00"],
          ["13:00", "17:00"],
        ] as const) {
          await createTemplate(services, actor, {
            resourceKind: "practitioner",
            resourceId: s.id,
            locationId,
            weekday,
            start,
            end,
            effectiveFrom: "2026-01-01",
            effectiveTo: null,
          });
        }
      }
      return s.id;
    };
    doc = await practitioner("Dora", "2030-12-31");
    other = await practitioner("Otto", "2030-12-31");
    expiring = await practitioner("Exa", "2026-03-04");
    const type = async (name: string, extra: Record<string, unknown>) => {
      types[name] = (
        await createAppointmentType(services, actor, {
          name,
          durationMinutes: 30,
          bufferBeforeMinutes: 5,
          bufferAfterMinutes: 5,
          ...extra,
        })
      ).id;
    };
    await type("visit", {});
    await type("roomA", { roomIds: [roomA] });
    await type("limited", { maxPerDay: 1 });
    await type("lead", { minLeadMinutes: 24 * 60 });
    await type("noRoom", { roomRequired: false });
    patient = (
      await createPatient(services, actor, {
        givenName: "Sloane",
        familyName: "Search",
        dateOfBirth: "1980-02-02",
        sex: "female",
      })
    ).id;
    ({ app } = await createTestApp(services));
    desk = await signIn(app, seed.alpha.users["front-desk"].email);
  });
  afterAll(async () => {
    await app?.close();
    await closeTestServices(services);
  });

  async function slots(
    type: string,
    from: string,
    to: string,
    extra: Record<string, string> = {},
  ): Promise<SlotOut[]> {
    const q = new URLSearchParams({
      appointmentTypeId: types[type]!,
      locationId,
      from,
      to,
      limit: "1000",
      ...extra,
    });
    const r = await asSession(app, desk, "GET", `/api/slots?${q}`);
    expect(r.statusCode, r.body).toBe(200);
    return (r.json() as { items: SlotOut[] }).items;
  }
  /** New York wall times of one practitioner's open starts on one day (2026-03-0d, EST). */
  async function day(type: string, date: string, practitionerId = doc): Promise<string[]> {
    const items = await slots(type, `${date}T05:00:00Z`, `${nextDay(date)}T05:00:00Z`, { practitionerId });
    for (const s of items) expect(s.practitionerId).toBe(practitionerId);
    return items.map((s) => est(s.start));
  }
  const nextDay = (date: string) => new Date(Date.parse(date) + 86_400_000).toISOString().slice(0, 10);
  const book = (type: string, start: string, practitionerId = doc, roomId?: string) =>
    bookAppointment(services, actor, {
      patientId: patient,
      appointmentTypeId: types[type]!,
      locationId,
      practitionerId,
      when: { start },
      ...(roomId ? { roomId } : {}),
    });

  it("offers exactly the template's hours on the step grid (lunch, weekend and night excluded)", async () => {
    expect(await day("visit", "2026-03-03")).toEqual(FULL_DAY);
    expect(await day("visit", "2026-03-07")).toEqual([]); // Saturday
    const items = await slots("visit", "2026-03-03T05:00:00Z", "2026-03-04T05:00:00Z", {
      practitionerId: doc,
    });
    expect(items[0]).toMatchObject({
      start: "2026-03-03T14:00:00.000Z",
      end: "2026-03-03T14:30:00.000Z",
      roomId: [roomA, roomB].sort()[0],
    });
  });

  it("leaves out times an existing booking holds, buffers included", async () => {
    await book("visit", "2026-03-05T15:00:00Z"); // 10:00-10:30, held 09:55-10:35
    const open = await day("visit", "2026-03-05");
    expect(open).toEqual(FULL_DAY.filter((t) => !["09:30", "09:45", "10:00", "10:15", "10:30"].includes(t)));
    // Another practitioner is unaffected.
    expect(await day("visit", "2026-03-05", other)).toEqual(FULL_DAY);
  });

  it("needs a free room: a visit type limited to room A loses the times room A is taken", async () => {
    await book("visit", "2026-03-06T19:00:00Z", doc, roomA); // Dora 14:00 in room A, held 13:55-14:35
    const taken = ["13:30", "13:45", "14:00", "14:15", "14:30"];
    // Otto is free all day, but room A is not.
    expect(await day("roomA", "2026-03-06", other)).toEqual(FULL_DAY.filter((t) => !taken.includes(t)));
    // Any room will do for the general type: room B is free at 14:00.
    const general = await slots("visit", "2026-03-06T19:00:00Z", "2026-03-06T19:01:00Z", {
      practitionerId: other,
    });
    expect(general).toEqual([expect.objectContaining({ start: "2026-03-06T19:00:00.000Z", roomId: roomB })]);
    // Once room B is blocked too, no room-needing visit fits at 14:00, though a visit without a room does.
    await createBlock(services, actor, {
      resourceKind: "room",
      resourceId: roomB,
      start: "2026-03-06T18:30:00Z",
      end: "2026-03-06T20:00:00Z",
      reason: "Cleaning",
    });
    expect(
      await slots("visit", "2026-03-06T19:00:00Z", "2026-03-06T19:01:00Z", { practitionerId: other }),
    ).toEqual([]);
    expect(
      await slots("noRoom", "2026-03-06T19:00:00Z", "2026-03-06T19:01:00Z", { practitionerId: other }),
    ).toEqual([expect.objectContaining({ roomId: null })]);
  });

  it("honours a location closure and a block", async () => {
    await createException(services, actor, {
      kind: "closure",
      resourceKind: null,
      resourceId: null,
      locationId,
      date: "2026-03-09",
      start: null,
      end: null,
      reason: "Holiday",
    });
    // The 9th is after the DST change: use the whole UTC day range.
    expect(await slots("visit", "2026-03-09T04:00:00Z", "2026-03-10T04:00:00Z")).toEqual([]);
    expect((await slots("visit", "2026-03-10T04:00:00Z", "2026-03-11T04:00:00Z")).length).toBeGreaterThan(0);

    const block = { start: "2026-03-04T16:00:00.000Z", end: "2026-03-04T17:00:00.000Z" }; // 11:00-12:00 EST
    await createBlock(services, actor, {
      resourceKind: "practitioner",
      resourceId: doc,
      ...block,
      reason: "Meeting",
    });
    const open = await slots("visit", "2026-03-04T05:00:00Z", "2026-03-05T05:00:00Z", {
      practitionerId: doc,
    });
    for (const s of open) expect(s.end <= block.start || s.start >= block.end, s.start).toBe(true);
    expect(open.map((s) => est(s.start))).toContain("10:30");
    expect(open.map((s) => est(s.start))).not.toContain("11:00");
  });

  it("stops offering a type once the practitioner reached its daily limit that day", async () => {
    expect(await day("limited", "2026-03-03", other)).toEqual(FULL_DAY);
    await book("limited", "2026-03-03T14:00:00Z", other);
    expect(await day("limited", "2026-03-03", other)).toEqual([]);
    expect(await day("limited", "2026-03-04", other)).toEqual(FULL_DAY);
    // Other types are not limited.
    expect((await day("visit", "2026-03-03", other)).length).toBeGreaterThan(0);
  });

  it("a booking reads only its local day and the resources it names, and still applies the search's rules", async () => {
    // Otto adds a late clinic on Thursday the 12th, 22:00 to midnight, and Friday 00:00-01:00 (EDT, UTC-4).
    for (const [date, start, end] of [
      ["2026-03-12", "22:00", "24:00"],
      ["2026-03-13", "00:00", "01:00"],
    ] as const) {
      await createException(services, actor, {
        kind: "extra",
        resourceKind: "practitioner",
        resourceId: other,
        locationId,
        date,
        start,
        end,
        reason: "Late clinic",
      });
    }
    // 23:45-00:15 runs past the local day's end: the hours after midnight are read too, so it books.
    const late = await book("noRoom", "2026-03-13T03:45:00Z", other);
    expect(late.end).toBe("2026-03-13T04:15:00.000Z");
    // The daily limit counts the visit's local date.
    await book("limited", "2026-03-12T13:00:00Z", other);
    await expect(book("limited", "2026-03-12T20:00:00Z", other, roomA)).rejects.toThrow(
      /already has 1 "limited" visit\(s\) on 2026-03-12/,
    );
    expect((await book("limited", "2026-03-13T13:00:00Z", other)).practitionerId).toBe(other);
    // A named room is the only one read: outside the type's rooms it cannot be used, held it is taken.
    await expect(book("roomA", "2026-03-12T14:00:00Z", other, roomB)).rejects.toThrow(
      /cannot be used for a "roomA" visit/,
    );
    const someoneElse = await createPatient(services, actor, {
      givenName: "Rhea",
      familyName: "Room",
      dateOfBirth: "1985-05-05",
      sex: "female",
    });
    await bookAppointment(services, actor, {
      patientId: someoneElse.id,
      appointmentTypeId: types.visit!,
      locationId,
      practitionerId: doc,
      roomId: roomA,
      when: { start: "2026-03-12T15:00:00Z" },
    });
    await expect(book("roomA", "2026-03-12T15:00:00Z", other, roomA)).rejects.toThrow(
      /held by another visit/,
    );
    // Left open, the room is chosen among all candidates: room B.
    expect((await book("visit", "2026-03-12T15:00:00Z", other)).roomId).toBe(roomB);
  });

  it("honours lead time: nothing sooner than 24 hours from now", async () => {
    const items = await slots("lead", "2026-03-02T15:00:00Z", "2026-03-04T05:00:00Z", {
      practitionerId: doc,
    });
    expect(items.length).toBeGreaterThan(0);
    expect(items[0]!.start).toBe("2026-03-03T15:00:00.000Z");
    const plain = await slots("visit", "2026-03-02T15:00:00Z", "2026-03-04T05:00:00Z", {
      practitionerId: doc,
    });
    expect(plain[0]!.start).toBe("2026-03-02T15:00:00.000Z");
  });

  it("stops at the end of the license's last day", async () => {
    expect(await day("visit", "2026-03-04", expiring)).toEqual(FULL_DAY);
    expect(await day("visit", "2026-03-05", expiring)).toEqual([]);
    // "Any practitioner" search never offers Exa after the 4th.
    const any = await slots("visit", "2026-03-05T05:00:00Z", "2026-03-07T05:00:00Z", {
      eachPractitioner: "true",
    });
    expect(any.length).toBeGreaterThan(0);
    expect(any.some((s) => s.practitionerId === expiring)).toBe(false);
  });

  it("answers the same under any process time zone", async () => {
    const saved = process.env.TZ;
    const answers: string[] = [];
    try {
      for (const tz of [
        "UTC",
        "Australia/Lord_Howe",
        "Pacific/Kiritimati",
        "America/St_Johns",
        "Asia/Kathmandu",
      ]) {
        process.env.TZ = tz;
        // The week of the DST change, both kinds of search.
        const a = await slots("visit", "2026-03-06T00:00:00Z", "2026-03-11T00:00:00Z", {
          eachPractitioner: "true",
        });
        const b = await slots("roomA", "2026-03-02T00:00:00Z", "2026-03-12T00:00:00Z");
        answers.push(JSON.stringify([a, b]));
      }
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
    expect(new Set(answers).size).toBe(1);
    // After the change (EDT, UTC-4), hours stay at 09:00 local: the first start on the 10th is 13:00Z.
    const tenth = await slots("visit", "2026-03-10T04:00:00Z", "2026-03-11T04:00:00Z", {
      practitionerId: other,
    });
    expect(tenth[0]!.start).toBe("2026-03-10T13:00:00.000Z");
  });
});

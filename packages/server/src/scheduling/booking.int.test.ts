import { randomUUID } from "node:crypto";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../admin/organizations.ts";
import { createLocation, createResource } from "../directory/locations.ts";
import { createPatient } from "../directory/patients.ts";
import { addLicense, createStaff, updateStaff } from "../directory/staff.ts";
import {
  asSession,
  auditAfter,
  auditSeq,
  closeTestServices,
  countRows,
  createTestApp,
  createTestServices,
  dialect,
  errorOf,
  type Seed,
  type SignedIn,
  seedTwoOrgs,
  signIn,
  type TestServices,
} from "../testing/harness.ts";
import { createAppointmentType } from "./create-appointment-type.ts";
import { createException } from "./create-exception.ts";
import { createTemplate } from "./create-template.ts";
import { updateSchedulingSettings } from "./update-scheduling-settings.ts";

/**
 * Booking through the HTTP API on a real database: every refusal the issue names answers a clear 4xx and
 * writes nothing; reschedule, cancel, overbooking and the day's status changes behave and are audited.
 *
 * The clock stands at 2026-03-02T15:00Z (Monday 10:00 in New York, EST). The clinic is open Monday to
 * Friday 09:00-12:00 and 13:00-17:00 local time; visits take 30 minutes with 5-minute buffers.
 */
describe(`booking through the API (${dialect})`, () => {
  let services: TestServices;
  let app: FastifyInstance;
  let seed: Seed;
  let desk: SignedIn;
  let org: string;
  let locationId: string;
  let roomIds: [string, string];
  let doc: string;
  let inactiveDoc: string;
  let expiringDoc: string;
  let typeId: string;
  const patients: string[] = [];

  beforeAll(async () => {
    services = await createTestServices();
    seed = await seedTwoOrgs(services);
    org = seed.alpha.id;
    const actor = cliActor(org);
    const loc = await createLocation(services, actor, {
      name: "Hudson Clinic",
      timeZone: "America/New_York",
    });
    locationId = loc.id;
    const r1 = await createResource(services, actor, "rooms", { locationId, name: "Hudson 1" });
    const r2 = await createResource(services, actor, "rooms", { locationId, name: "Hudson 2" });
    roomIds = [r1.id, r2.id].sort() as [string, string];
    const practitioner = async (name: string, expiresOn: string) => {
      const s = await createStaff(services, actor, {
        kind: "practitioner",
        givenName: name,
        familyName: "Doc",
      });
      await addLicense(services, actor, s.id, { state: "NY", number: `NY-${name}`, expiresOn });
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
    doc = await practitioner("Nora", "2030-12-31");
    inactiveDoc = await practitioner("Ivan", "2030-12-31");
    expiringDoc = await practitioner("Edith", "2026-03-03");
    await updateStaff(services, actor, inactiveDoc, { active: false });
    // The two DST Sundays: Nora works the early hours so the gap and the overlap fall in her hours.
    for (const date of ["2026-03-08", "2026-11-01"]) {
      await createException(services, actor, {
        kind: "extra",
        resourceKind: "practitioner",
        resourceId: doc,
        locationId,
        date,
        start: "00:00",
        end: "06:00",
        reason: "DST test",
      });
    }
    const type = await createAppointmentType(services, actor, {
      name: "Visit",
      durationMinutes: 30,
      bufferBeforeMinutes: 5,
      bufferAfterMinutes: 5,
    });
    typeId = type.id;
    for (let i = 0; i < 8; i++) {
      const p = await createPatient(services, actor, {
        givenName: `Pat${i}`,
        familyName: "Booker",
        dateOfBirth: "1970-01-01",
        sex: "unknown",
      });
      patients.push(p.id);
    }
    ({ app } = await createTestApp(services));
    desk = await signIn(app, seed.alpha.users["front-desk"].email);
  });
  afterAll(async () => {
    await app?.close();
    await closeTestServices(services);
  });

  const book = (body: Record<string, unknown>) => asSession(app, desk, "POST", "/api/appointments", body);
  const at = (iso: string, patient = 0, extra: Record<string, unknown> = {}) =>
    book({
      patientId: patients[patient],
      appointmentTypeId: typeId,
      locationId,
      practitionerId: doc,
      when: { start: iso },
      ...extra,
    });
  const json = (r: LightMyRequestResponse) => r.json() as Record<string, unknown> & { id: string };
  const counts = async () => ({
    appointments: await countRows(services, "appointments"),
    holds: await countRows(services, "appointment_resources"),
  });
  /** Runs a refused request and checks it wrote nothing and was audited as a failure. */
  async function refused(
    send: () => Promise<LightMyRequestResponse>,
    status: number,
    code: string,
    action = "appointment.book",
  ) {
    const before = await counts();
    const seq = await auditSeq(services, org);
    const r = await send();
    expect(r.statusCode, r.body).toBe(status);
    const error = errorOf(r);
    expect(error.code).toBe(code);
    expect(error.message.length).toBeGreaterThan(10);
    expect(error.requestId).toBeTruthy();
    expect(await counts()).toEqual(before);
    const entries = await auditAfter(services, org, seq);
    expect(entries.map((e) => [e.action, e.outcome])).toEqual([[action, "failure"]]);
    return error;
  }

  it("books: 201 with the appointment, its room and its holds; audited with the patient", async () => {
    const seq = await auditSeq(services, org);
    const r = await at("2026-03-04T15:00:00Z");
    expect(r.statusCode, r.body).toBe(201);
    const a = json(r);
    expect(a).toMatchObject({
      status: "booked",
      patientId: patients[0],
      practitionerId: doc,
      roomId: roomIds[0],
      start: "2026-03-04T15:00:00.000Z",
      end: "2026-03-04T15:30:00.000Z",
      overbooked: false,
      version: 1,
      lateCancel: false,
    });
    const holds = await services.systemDb
      .selectFrom("appointment_resources")
      .selectAll()
      .where("appointment_id", "=", a.id)
      .orderBy("resource_kind")
      .execute();
    expect(holds.map((h) => [h.resource_kind, h.busy_start, h.busy_end, h.active, h.exclusive])).toEqual([
      ["practitioner", "2026-03-04T14:55:00.000Z", "2026-03-04T15:35:00.000Z", 1, 1],
      ["room", "2026-03-04T14:55:00.000Z", "2026-03-04T15:35:00.000Z", 1, 1],
    ]);
    const entries = await auditAfter(services, org, seq);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: "appointment.book",
      outcome: "success",
      patient_id: patients[0],
      resource_id: a.id,
      actor: seed.alpha.users["front-desk"].email,
    });
  });

  it("refuses a time in the past (400), nothing written", async () => {
    const e = await refused(() => at("2026-03-02T14:00:00Z", 1), 400, "invalid_request");
    expect(e.message).toMatch(/past/);
  });

  it("refuses a time outside availability (lunch, night, weekend): 400", async () => {
    for (const iso of ["2026-03-04T17:15:00Z", "2026-03-04T03:00:00Z", "2026-03-07T15:00:00Z"]) {
      const e = await refused(() => at(iso, 1), 400, "invalid_request");
      expect(e.message).toMatch(/outside the hours/);
    }
    // A visit that would run past the end of the morning window (11:45-12:15 local).
    await refused(() => at("2026-03-04T16:45:00Z", 1), 400, "invalid_request");
  });

  it("refuses an overlapping booking with 409 and the error shape, including a buffer-only overlap", async () => {
    const e = await refused(() => at("2026-03-04T15:15:00Z", 1), 409, "conflict");
    expect(e.message).toMatch(/taken/);
    expect(e.details?.length).toBeGreaterThan(0);
    expect(e.details?.[0]).toMatchObject({ path: "when" });
    // 15:30-16:00 does not overlap the visit but its 5-minute buffer meets the other's buffer.
    await refused(() => at("2026-03-04T15:35:00Z", 1), 409, "conflict");
    // Exactly after both buffers (15:35 + 5 min): free.
    const ok = await at("2026-03-04T15:40:00Z", 1);
    expect(ok.statusCode, ok.body).toBe(201);
  });

  it("refuses an end before its start (400)", async () => {
    const e = await refused(
      () => at("2026-03-04T18:00:00Z", 2, { end: "2026-03-04T17:50:00Z" }),
      400,
      "invalid_request",
    );
    expect(e.message).toMatch(/end after it starts/);
    expect(e.details?.[0]?.path).toBe("end");
  });

  it("refuses a nonexistent local time (spring forward) naming it", async () => {
    const e = await refused(
      () =>
        book({
          patientId: patients[2],
          appointmentTypeId: typeId,
          locationId,
          practitionerId: doc,
          when: { localDate: "2026-03-08", localTime: "02:30" },
        }),
      400,
      "invalid_request",
    );
    expect(`${e.message} ${JSON.stringify(e.details)}`).toMatch(/does not exist/);
    expect(JSON.stringify(e.details)).toContain("2026-03-08 02:30");
    // 03:30 the same morning exists (EDT, 07:30Z).
    const ok = await book({
      patientId: patients[2],
      appointmentTypeId: typeId,
      locationId,
      practitionerId: doc,
      when: { localDate: "2026-03-08", localTime: "03:30" },
    });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(json(ok).start).toBe("2026-03-08T07:30:00.000Z");
  });

  it("resolves an ambiguous local time (fall back) to the earlier instant, or the one the offset names", async () => {
    const local = { localDate: "2026-11-01", localTime: "01:30" };
    const base = { appointmentTypeId: typeId, locationId, practitionerId: doc };
    const earlier = await book({ ...base, patientId: patients[3], when: local });
    expect(earlier.statusCode, earlier.body).toBe(201);
    expect(json(earlier).start).toBe("2026-11-01T05:30:00.000Z");
    const later = await book({ ...base, patientId: patients[4], when: { ...local, utcOffsetMinutes: -300 } });
    expect(later.statusCode, later.body).toBe(201);
    expect(json(later).start).toBe("2026-11-01T06:30:00.000Z");
    // An offset that matches neither side of the overlap is refused.
    await refused(
      () => book({ ...base, patientId: patients[5], when: { ...local, utcOffsetMinutes: -360 } }),
      400,
      "invalid_request",
    );
  });

  it("answers another organization's patient exactly like a missing one (404), nothing written", async () => {
    const other = await refused(
      () =>
        book({
          patientId: seed.beta.patientIds[0],
          appointmentTypeId: typeId,
          locationId,
          practitionerId: doc,
          when: { start: "2026-03-05T15:00:00Z" },
        }),
      404,
      "not_found",
    );
    const missing = await refused(
      () =>
        book({
          patientId: randomUUID(),
          appointmentTypeId: typeId,
          locationId,
          practitionerId: doc,
          when: { start: "2026-03-05T15:00:00Z" },
        }),
      404,
      "not_found",
    );
    expect(other.message).toBe(missing.message);
    expect(other.details).toEqual(missing.details);
  });

  it("refuses an inactive practitioner and one whose license expired before the date (400)", async () => {
    const inactive = await refused(
      () => at("2026-03-05T15:00:00Z", 1, { practitionerId: inactiveDoc }),
      400,
      "invalid_request",
    );
    expect(inactive.message).toMatch(/cannot be used/);
    // Licensed through 2026-03-03 (New York): bookable that day, not the day after.
    await refused(
      () => at("2026-03-04T15:00:00Z", 1, { practitionerId: expiringDoc }),
      400,
      "invalid_request",
    );
    const lastDay = await at("2026-03-03T21:00:00Z", 1, { practitionerId: expiringDoc });
    expect(lastDay.statusCode, lastDay.body).toBe(201);
  });

  it("audits views: appointment.read and appointment.search with the patient ids shown", async () => {
    const a = json(await at("2026-03-05T19:00:00Z", 5));
    const seq = await auditSeq(services, org);
    const read = await asSession(app, desk, "GET", `/api/appointments/${a.id}`);
    expect(read.statusCode).toBe(200);
    const list = await asSession(
      app,
      desk,
      "GET",
      `/api/appointments?from=2026-03-05T00:00:00Z&to=2026-03-06T00:00:00Z&locationId=${locationId}`,
    );
    expect(list.statusCode).toBe(200);
    const items = (list.json() as { items: { id: string; patientId: string }[] }).items;
    expect(items.map((i) => i.id)).toContain(a.id);
    const entries = await auditAfter(services, org, seq);
    expect(entries.map((e) => e.action)).toEqual(["appointment.read", "appointment.search"]);
    expect(entries[0]).toMatchObject({ patient_id: patients[5], resource_id: a.id, outcome: "success" });
    const detail = JSON.parse(entries[1]!.detail!) as { patientIds: string[] };
    expect(detail.patientIds.sort()).toEqual([...new Set(items.map((i) => i.patientId))].sort());
  });

  it("reschedules atomically: the old time is freed, the new one taken; a stale version answers 409", async () => {
    const a = json(await at("2026-03-06T14:00:00Z", 0));
    const moved = await asSession(app, desk, "POST", `/api/appointments/${a.id}/reschedule`, {
      when: { start: "2026-03-06T18:00:00Z" },
      expectedVersion: 1,
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(json(moved)).toMatchObject({ start: "2026-03-06T18:00:00.000Z", version: 2 });
    // Still exactly one appointment, holding only its new time.
    const holds = await services.systemDb
      .selectFrom("appointment_resources")
      .select(["busy_start", "active"])
      .where("appointment_id", "=", a.id)
      .execute();
    expect(holds.map((h) => [h.busy_start, h.active])).toEqual([
      ["2026-03-06T17:55:00.000Z", 1],
      ["2026-03-06T17:55:00.000Z", 1],
    ]);
    const old = await at("2026-03-06T14:00:00Z", 1);
    expect(old.statusCode, old.body).toBe(201);
    await refused(() => at("2026-03-06T18:00:00Z", 2), 409, "conflict");
    // Stale version (someone moved it already).
    await refused(
      () =>
        asSession(app, desk, "POST", `/api/appointments/${a.id}/reschedule`, {
          when: { start: "2026-03-06T19:00:00Z" },
          expectedVersion: 1,
        }),
      409,
      "conflict",
      "appointment.reschedule",
    );
    // Two desks move it at once, both having seen version 2: exactly one wins.
    const [x, y] = await Promise.all(
      ["2026-03-06T19:00:00Z", "2026-03-06T20:00:00Z"].map((start) =>
        asSession(app, desk, "POST", `/api/appointments/${a.id}/reschedule`, {
          when: { start },
          expectedVersion: 2,
        }),
      ),
    );
    expect([x!.statusCode, y!.statusCode].sort()).toEqual([200, 409]);
    const winner = json(x!.statusCode === 200 ? x! : y!);
    expect(winner.version).toBe(3);
    const active = await services.systemDb
      .selectFrom("appointment_resources")
      .select("busy_start")
      .where("appointment_id", "=", a.id)
      .where("active", "=", 1)
      .execute();
    expect(active).toHaveLength(2);
    expect(new Set(active.map((h) => h.busy_start)).size).toBe(1);
    // Moving into a taken time is refused and leaves it where it was.
    await refused(
      () =>
        asSession(app, desk, "POST", `/api/appointments/${a.id}/reschedule`, {
          when: { start: "2026-03-06T14:00:00Z" },
        }),
      409,
      "conflict",
      "appointment.reschedule",
    );
    const after = json(await asSession(app, desk, "GET", `/api/appointments/${a.id}`));
    expect(after.start).toBe(winner.start);
  });

  it("cancels with reason, who and the late flag, and frees the time", async () => {
    // Tomorrow 09:00 New York = 23 h from now: inside the 24-hour late-cancel window.
    const soon = json(await at("2026-03-03T14:00:00Z", 3));
    const later = json(await at("2026-03-10T14:00:00Z", 3));
    const seq = await auditSeq(services, org);
    const c1 = await asSession(app, desk, "POST", `/api/appointments/${soon.id}/cancel`, {
      reason: "Feeling better",
      cancelledBy: "patient",
    });
    expect(c1.statusCode, c1.body).toBe(200);
    expect(json(c1)).toMatchObject({
      status: "cancelled",
      cancelReason: "Feeling better",
      lateCancel: true,
      cancelledAt: "2026-03-02T15:00:00.000Z",
    });
    const c2 = await asSession(app, desk, "POST", `/api/appointments/${later.id}/cancel`, {
      reason: "Travel",
    });
    expect(json(c2)).toMatchObject({ status: "cancelled", lateCancel: false });
    const rows = await services.systemDb
      .selectFrom("appointments")
      .select(["id", "cancelled_by", "late_cancel"])
      .where("id", "in", [soon.id, later.id])
      .execute();
    const by = Object.fromEntries(rows.map((r) => [r.id, r]));
    expect(by[soon.id]!.cancelled_by).toBe(`patient:${seed.alpha.users["front-desk"].email}`);
    expect(by[later.id]!.cancelled_by).toBe(`practice:${seed.alpha.users["front-desk"].email}`);
    const entries = await auditAfter(services, org, seq);
    expect(entries.map((e) => [e.action, e.outcome, e.patient_id])).toEqual([
      ["appointment.cancel", "success", patients[3]],
      ["appointment.cancel", "success", patients[3]],
    ]);
    expect(JSON.parse(entries[0]!.detail!)).toMatchObject({ reason: "Feeling better", late: true });
    // The time is free again, and a cancelled appointment cannot be cancelled or moved again.
    expect((await at("2026-03-03T14:00:00Z", 4)).statusCode).toBe(201);
    await refused(
      () => asSession(app, desk, "POST", `/api/appointments/${soon.id}/cancel`, { reason: "again" }),
      409,
      "conflict",
      "appointment.cancel",
    );
  });

  it("overbooks only when asked and allowed (marked, audited); rooms are never overbooked", async () => {
    const t = "2026-03-11T14:00:00Z";
    const first = json(await at(t, 0));
    // Asked, but the practice allows one visit at a time.
    await refused(() => at(t, 1, { allowOverbook: true }), 409, "conflict");
    await updateSchedulingSettings(services, cliActor(org), { practitionerMaxConcurrent: 2 });
    // Allowed by policy, but not asked.
    await refused(() => at(t, 1), 409, "conflict");
    // Asked for the room the first visit holds: rooms never overbook.
    await refused(() => at(t, 1, { allowOverbook: true, roomId: first.roomId }), 409, "conflict");
    const seq = await auditSeq(services, org);
    const second = await at(t, 1, { allowOverbook: true });
    expect(second.statusCode, second.body).toBe(201);
    expect(json(second)).toMatchObject({ overbooked: true, roomId: roomIds[1] });
    expect(json(second).roomId).not.toBe(first.roomId);
    const [entry] = await auditAfter(services, org, seq);
    expect(entry).toMatchObject({ action: "appointment.book", outcome: "success", patient_id: patients[1] });
    expect(JSON.parse(entry!.detail!)).toMatchObject({ allowOverbook: true, overbooked: true });
    const holds = await services.systemDb
      .selectFrom("appointment_resources")
      .select(["resource_kind", "exclusive"])
      .where("appointment_id", "=", json(second).id)
      .orderBy("resource_kind")
      .execute();
    expect(holds.map((h) => [h.resource_kind, h.exclusive])).toEqual([
      ["practitioner", 0],
      ["room", 1],
    ]);
    // A third: the practitioner is at the policy's limit (and both rooms are taken).
    await refused(() => at(t, 2, { allowOverbook: true }), 409, "conflict");
    await updateSchedulingSettings(services, cliActor(org), { practitionerMaxConcurrent: 1 });
  });

  it("follows the status transitions; a no-show frees the time; an invalid move answers 409", async () => {
    const status = (id: string, s: string) =>
      asSession(app, desk, "POST", `/api/appointments/${id}/status`, { status: s });
    const a = json(await at("2026-03-12T14:00:00Z", 0));
    for (const s of ["arrived", "checked-in", "fulfilled"]) {
      const r = await status(a.id, s);
      expect(r.statusCode, r.body).toBe(200);
      expect(json(r).status).toBe(s);
    }
    await refused(() => status(a.id, "arrived"), 409, "conflict", "appointment.status");
    // A fulfilled visit still holds its time.
    await refused(() => at("2026-03-12T14:00:00Z", 1), 409, "conflict");

    const b = json(await at("2026-03-12T15:00:00Z", 1));
    await refused(() => status(b.id, "fulfilled"), 409, "conflict", "appointment.status");
    // Not before the start plus the grace period (issue 10, item 4).
    await refused(() => status(b.id, "noshow"), 409, "no_show_too_early", "appointment.status");
    services.clock.set("2026-03-12T15:10:00Z");
    desk = await signIn(app, seed.alpha.users["front-desk"].email);
    const noshow = await status(b.id, "noshow");
    expect(json(noshow).status).toBe("noshow");
    services.clock.set("2026-03-02T15:00:00Z");
    desk = await signIn(app, seed.alpha.users["front-desk"].email);
    const active = await services.systemDb
      .selectFrom("appointment_resources")
      .select("active")
      .where("appointment_id", "=", b.id)
      .execute();
    expect(active.every((h) => h.active === 0)).toBe(true);
    expect((await at("2026-03-12T15:00:00Z", 2)).statusCode).toBe(201);
    // The released no-show cannot be reinstated over the new booking.
    await refused(() => status(b.id, "booked"), 409, "conflict", "appointment.status");
    const undo = await refused(
      () => asSession(app, desk, "POST", `/api/appointments/${b.id}/undo-no-show`, {}),
      409,
      "conflict",
      "flow.no-show.undo",
    );
    expect(undo.message).toContain("already has a visit then");
  });
});

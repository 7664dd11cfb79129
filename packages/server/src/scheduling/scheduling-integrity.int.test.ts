import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../admin/organizations.ts";
import { createLocation, createResource } from "../directory/locations.ts";
import { createPatient } from "../directory/patients.ts";
import { addLicense, createStaff } from "../directory/staff.ts";
import { markNoShows } from "../flow/no-shows.ts";
import { mergePatients } from "../records/merge.ts";
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
import { createTemplate } from "./create-template.ts";

/**
 * Scheduling integrity (issue 10, items 3-4) through the HTTP API on a real database: a patient is never
 * in two places at once (unless staff override, audited), a taken room answers 409, a license counts only
 * in its own state, a custom end is bounded by the type, a wrong UTC offset says so, a no-show waits for
 * the grace period and can be undone (fee reversed).
 *
 * The clock stands at 2026-03-02T15:00Z (Monday 10:00 in New York, EST). Two clinics in New York time:
 * Hudson (NY) and Palisades (NJ). Everyone works Monday to Friday 09:00-17:00 at both.
 */
describe(`scheduling integrity (${dialect})`, () => {
  let services: TestServices;
  let app: FastifyInstance;
  let seed: Seed;
  let desk: SignedIn;
  let org: string;
  let hudson: string;
  let palisades: string;
  let ana: string; // licensed in NY
  let bea: string; // licensed in NY and NJ
  let cal: string; // licensed in NY
  let visit: string; // 20 minutes, no room
  let roomy: string; // 30 minutes, needs a room (Hudson has one)
  let _roomId: string;
  const patients: string[] = [];

  beforeAll(async () => {
    services = await createTestServices();
    seed = await seedTwoOrgs(services);
    org = seed.alpha.id;
    const actor = cliActor(org);
    hudson = (
      await createLocation(services, actor, {
        name: "Hudson Clinic",
        timeZone: "America/New_York",
        state: "NY",
      })
    ).id;
    palisades = (
      await createLocation(services, actor, {
        name: "Palisades Clinic",
        timeZone: "America/New_York",
        state: "NJ",
      })
    ).id;
    _roomId = (await createResource(services, actor, "rooms", { locationId: hudson, name: "Exam Room Blue" }))
      .id;
    const practitioner = async (given: string, states: string[]) => {
      const s = await createStaff(services, actor, {
        kind: "practitioner",
        givenName: given,
        familyName: "Doc",
      });
      for (const state of states)
        await addLicense(services, actor, s.id, {
          state,
          number: `${state}-${given}`,
          expiresOn: "2030-12-31",
        });
      for (const locationId of [hudson, palisades])
        for (let weekday = 1; weekday <= 5; weekday++)
          await createTemplate(services, actor, {
            resourceKind: "practitioner",
            resourceId: s.id,
            locationId,
            weekday,
            start: "09:00",
            end: "17:00",
            effectiveFrom: "2026-01-01",
            effectiveTo: null,
          });
      return s.id;
    };
    ana = await practitioner("Ana", ["NY"]);
    bea = await practitioner("Bea", ["NY", "NJ"]);
    cal = await practitioner("Cal", ["NY"]);
    visit = (
      await createAppointmentType(services, actor, {
        name: "Visit",
        durationMinutes: 20,
        roomRequired: false,
      })
    ).id;
    roomy = (
      await createAppointmentType(services, actor, {
        name: "Procedure",
        durationMinutes: 30,
        roomRequired: true,
      })
    ).id;
    for (let i = 0; i < 8; i++)
      patients.push(
        (
          await createPatient(services, actor, {
            givenName: `Pat${i}`,
            familyName: "Integrity",
            dateOfBirth: "1970-01-01",
            sex: "unknown",
          })
        ).id,
      );
    ({ app } = await createTestApp(services));
    desk = await signIn(app, seed.alpha.users["front-desk"].email);
  });
  afterAll(async () => {
    await app?.close();
    await closeTestServices(services);
  });

  const book = (body: Record<string, unknown>) => asSession(app, desk, "POST", "/api/appointments", body);
  const bookAt = (
    iso: string,
    patient: number,
    practitionerId: string,
    locationId = hudson,
    extra: Record<string, unknown> = {},
  ) =>
    book({
      patientId: patients[patient],
      appointmentTypeId: visit,
      locationId,
      practitionerId,
      when: { start: iso },
      ...extra,
    });
  const counts = async () => ({
    appointments: await countRows(services, "appointments"),
    holds: await countRows(services, "appointment_resources"),
  });
  /** A refused request: the status and code, nothing written, audited as a failure. */
  async function refused(
    send: () => Promise<LightMyRequestResponse>,
    status: number,
    code: string,
    action: string,
  ) {
    const before = await counts();
    const seq = await auditSeq(services, org);
    const r = await send();
    expect(r.statusCode, r.body).toBe(status);
    const error = errorOf(r);
    expect(error.code).toBe(code);
    expect(await counts()).toEqual(before);
    const entries = await auditAfter(services, org, seq);
    expect(entries.map((e) => [e.action, e.outcome])).toEqual([[action, "failure"]]);
    return error;
  }

  describe("a patient is never in two places at once", () => {
    let first: string;
    it("refuses a second overlapping visit with another practitioner at another clinic, naming the first", async () => {
      const r = await bookAt("2026-03-04T15:00:00Z", 0, ana);
      expect(r.statusCode, r.body).toBe(201);
      first = r.json().id;
      const error = await refused(
        () => bookAt("2026-03-04T15:10:00Z", 0, bea, palisades),
        409,
        "patient_overlap",
        "appointment.book",
      );
      expect(error.message).toContain("The patient already has a visit then");
      expect(error.message).toContain("Wed, Mar 4, 10:00 AM–10:20 AM EST");
      expect(error.message).toContain("Ana Doc at Hudson Clinic");
      expect(error.details?.[0]?.message).toContain(first);
    });

    it("allows back to back (one ends when the next starts)", async () => {
      const r = await bookAt("2026-03-04T15:20:00Z", 0, bea, hudson);
      expect(r.statusCode, r.body).toBe(201);
      expect(r.json().patientOverlapAllowed).toBe(false);
    });

    it("books an overlap only when staff ask explicitly, and the audit says so", async () => {
      const seq = await auditSeq(services, org);
      const r = await bookAt("2026-03-04T15:05:00Z", 0, cal, hudson, { allowPatientOverlap: true });
      expect(r.statusCode, r.body).toBe(201);
      expect(r.json().patientOverlapAllowed).toBe(true);
      const [entry] = await auditAfter(services, org, seq);
      expect(entry).toMatchObject({
        action: "appointment.book",
        outcome: "success",
        patient_id: patients[0],
      });
      expect(JSON.parse(String(entry!.detail))).toMatchObject({
        allowPatientOverlap: true,
        patientOverlapAllowed: true,
      });
    });

    it("refuses a reschedule onto another visit of the patient", async () => {
      const other = await bookAt("2026-03-05T15:00:00Z", 0, ana);
      expect(other.statusCode, other.body).toBe(201);
      await refused(
        () =>
          asSession(app, desk, "POST", `/api/appointments/${other.json().id}/reschedule`, {
            when: { start: "2026-03-04T15:30:00Z" },
            practitionerId: cal,
          }),
        409,
        "patient_overlap",
        "appointment.reschedule",
      );
    });

    it("refuses a series occurrence that overlaps another visit of the patient, naming it", async () => {
      const r = await asSession(app, desk, "POST", "/api/appointment-series", {
        patientId: patients[0],
        appointmentTypeId: visit,
        locationId: palisades,
        practitionerId: bea,
        rrule: "FREQ=DAILY;COUNT=2",
        localDate: "2026-03-03",
        localTime: "10:00",
        onConflict: "skip",
      });
      expect(r.statusCode, r.body).toBe(201);
      const body = r.json() as { booked: unknown[]; skipped: { localDate: string; reason: string }[] };
      expect(body.booked).toHaveLength(1);
      expect(body.skipped).toEqual([
        {
          index: 1,
          localDate: "2026-03-04",
          reason: expect.stringContaining("The patient already has a visit then"),
        },
      ]);
    });

    it("lets only one of several simultaneous bookings of one patient through", async () => {
      const docs = [ana, bea, cal];
      const responses = await Promise.all(
        docs.map((d, i) => bookAt("2026-03-06T16:00:00Z", 1, d, i === 1 ? palisades : hudson)),
      );
      const statuses = responses.map((r) => r.statusCode).sort();
      expect(statuses, responses.map((r) => r.body).join("\n")).toEqual([201, 409, 409]);
      for (const r of responses.filter((x) => x.statusCode === 409))
        expect(errorOf(r).code).toBe("patient_overlap");
      const active = await services.systemDb
        .selectFrom("appointments")
        .select("id")
        .where("patient_id", "=", patients[1]!)
        .where("status", "=", "booked")
        .execute();
      expect(active).toHaveLength(1);
    });

    it("merging two records of one person with overlapping visits keeps both, marked as allowed", async () => {
      const actor = cliActor(org);
      const dup = await createPatient(services, actor, {
        givenName: "Dup",
        familyName: "Twice",
        dateOfBirth: "1980-01-01",
        sex: "unknown",
      });
      const r1 = await bookAt("2026-03-13T15:00:00Z", 2, ana);
      const r2 = await book({
        patientId: dup.id,
        appointmentTypeId: visit,
        locationId: palisades,
        practitionerId: bea,
        when: { start: "2026-03-13T15:10:00Z" },
      });
      expect([r1.statusCode, r2.statusCode]).toEqual([201, 201]);
      await mergePatients(services, actor, patients[2]!, dup.id);
      const rows = await services.systemDb
        .selectFrom("appointments")
        .select(["id", "patient_id", "patient_overlap_allowed"])
        .where("id", "in", [r1.json().id, r2.json().id])
        .orderBy("start_at")
        .execute();
      expect(rows.map((r) => [r.patient_id, Number(r.patient_overlap_allowed)])).toEqual([
        [patients[2], 0],
        [patients[2], 1],
      ]);
    });

    it.runIf(dialect === "postgres")(
      "the database itself refuses an overlapping visit written past the check",
      async () => {
        const row = await services.systemDb
          .selectFrom("appointments")
          .selectAll()
          .where("id", "=", first)
          .executeTakeFirstOrThrow();
        await expect(
          sql`insert into appointments (organization_id, id, location_id, patient_id, appointment_type_id,
              practitioner_id, start_at, end_at, status, created_at, updated_at)
            values (${org}, 'raced', ${row.location_id}, ${row.patient_id}, ${row.appointment_type_id},
              ${bea}, ${row.start_at}, ${row.end_at}, 'booked', now(), now())`.execute(services.systemDb),
        ).rejects.toMatchObject({ code: "23P01" });
      },
    );
  });

  describe("scheduling integrity", () => {
    it("a room another visit holds answers 409 when Salus picks the room, naming the room", async () => {
      const taken = await book({
        patientId: patients[2],
        appointmentTypeId: roomy,
        locationId: hudson,
        practitionerId: ana,
        when: { start: "2026-03-09T15:00:00Z" },
      });
      expect(taken.statusCode, taken.body).toBe(201);
      const error = await refused(
        () =>
          book({
            patientId: patients[3],
            appointmentTypeId: roomy,
            locationId: hudson,
            practitionerId: bea,
            when: { start: "2026-03-09T15:15:00Z" },
          }),
        409,
        "conflict",
        "appointment.book",
      );
      expect(error.message).toContain("That time is taken: Exam Room Blue is held by another visit then");
    });

    it("a practitioner is bookable only with a license valid in the location's state", async () => {
      const error = await refused(
        () => bookAt("2026-03-10T15:00:00Z", 4, ana, palisades),
        400,
        "invalid_request",
        "appointment.book",
      );
      expect(error.message).toContain("Ana Doc has no license in NJ (where Palisades Clinic is)");
      const ok = await bookAt("2026-03-10T15:00:00Z", 4, bea, palisades);
      expect(ok.statusCode, ok.body).toBe(201);
      // And the slot search agrees: Ana is never offered at Palisades.
      const slots = await asSession(
        app,
        desk,
        "GET",
        `/api/slots?appointmentTypeId=${visit}&locationId=${palisades}&practitionerId=${ana}&from=2026-03-10T14:00:00Z&to=2026-03-10T22:00:00Z`,
      );
      expect(slots.statusCode, slots.body).toBe(200);
      expect(slots.json()).toEqual({ items: [] });
    });

    it("a custom end is bounded by the type unless staff override (audited)", async () => {
      const error = await refused(
        () => bookAt("2026-03-11T14:00:00Z", 5, cal, hudson, { end: "2026-03-12T14:00:00Z" }),
        400,
        "invalid_request",
        "appointment.book",
      );
      expect(error.message).toContain('A "Visit" visit may last at most 80 minutes');
      expect(error.details?.[0]).toMatchObject({ path: "end" });
      await refused(
        () => bookAt("2026-03-11T14:00:00Z", 5, cal, hudson, { end: "2026-03-11T16:00:00Z" }),
        400,
        "invalid_request",
        "appointment.book",
      );
      const ok = await bookAt("2026-03-11T14:00:00Z", 5, cal, hudson, {
        end: "2026-03-11T16:00:00Z",
        allowLongVisit: true,
      });
      expect(ok.statusCode, ok.body).toBe(201);
      expect(ok.json().end).toBe("2026-03-11T16:00:00.000Z");
    });

    it("a wrong UTC offset on an ordinary day says the offset does not match; a real ambiguity says so", async () => {
      const wrong = await refused(
        () =>
          book({
            patientId: patients[6],
            appointmentTypeId: visit,
            locationId: hudson,
            practitionerId: ana,
            when: { localDate: "2026-03-05", localTime: "11:00", utcOffsetMinutes: -240 },
          }),
        400,
        "invalid_request",
        "appointment.book",
      );
      expect(wrong.message).toContain("The UTC offset given (UTC−04:00) does not match the local time");
      expect(wrong.message).toContain("UTC−05:00");
      expect(wrong.message).not.toContain("twice");
      const ambiguous = await refused(
        () =>
          book({
            patientId: patients[6],
            appointmentTypeId: visit,
            locationId: hudson,
            practitionerId: ana,
            when: { localDate: "2026-11-01", localTime: "01:30", utcOffsetMinutes: -360 },
          }),
        400,
        "invalid_request",
        "appointment.book",
      );
      expect(ambiguous.message).toContain("exists twice");
    });
  });

  describe("no-shows", () => {
    it("refuses a no-show before the start plus the grace period, saying from when", async () => {
      services.clock.set("2026-03-02T15:00:00Z");
      const r = await bookAt("2026-03-02T16:00:00Z", 7, ana);
      expect(r.statusCode, r.body).toBe(201);
      const id = r.json().id;
      services.clock.set("2026-03-02T16:05:00Z");
      desk = await signIn(app, seed.alpha.users["front-desk"].email);
      const error = await refused(
        () => asSession(app, desk, "POST", `/api/appointments/${id}/status`, { status: "noshow" }),
        409,
        "no_show_too_early",
        "appointment.status",
      );
      expect(error.message).toContain("until 11:10 AM EST");
      expect(error.details?.[0]).toMatchObject({
        path: "status",
        message: "can be marked from 2026-03-02T16:10:00.000Z",
      });
      services.clock.set("2026-03-02T16:10:00Z");
      desk = await signIn(app, seed.alpha.users["front-desk"].email);
      const ok = await asSession(app, desk, "POST", `/api/appointments/${id}/status`, { status: "noshow" });
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.json().status).toBe("noshow");
    });

    it("undoes a no-show: booked again, its time held again, the fee reversed, audited", async () => {
      services.clock.set("2026-03-03T14:00:00Z");
      desk = await signIn(app, seed.alpha.users["front-desk"].email);
      const r = await bookAt("2026-03-03T15:00:00Z", 7, cal);
      expect(r.statusCode, r.body).toBe(201);
      const id = r.json().id as string;
      services.clock.set("2026-03-03T15:31:00Z");
      desk = await signIn(app, seed.alpha.users["front-desk"].email);
      const run = await markNoShows(services, cliActor(org));
      // This visit and the series' first visit of the same morning.
      expect(run).toMatchObject({ marked: 2, fees: 2 });
      const seq = await auditSeq(services, org);
      const undo = await asSession(app, desk, "POST", `/api/appointments/${id}/undo-no-show`, {
        reason: "She was in the waiting room",
      });
      expect(undo.statusCode, undo.body).toBe(200);
      expect(undo.json()).toMatchObject({
        appointment: { id, status: "booked" },
        reversedFee: { amountCents: 2500, status: "pending" },
      });
      const fees = await services.systemDb
        .selectFrom("no_show_fees")
        .select("id")
        .where("appointment_id", "=", id)
        .execute();
      expect(fees).toEqual([]);
      const holds = await services.systemDb
        .selectFrom("appointment_resources")
        .select(["resource_id", "active"])
        .where("appointment_id", "=", id)
        .execute();
      expect(holds).toEqual([{ resource_id: cal, active: 1 }]);
      const entries = await auditAfter(services, org, seq);
      expect(entries.map((e) => [e.action, e.outcome, e.patient_id])).toEqual([
        ["flow.no-show.undo", "success", patients[7]],
      ]);
      expect(JSON.parse(String(entries[0]!.detail))).toMatchObject({
        reason: "She was in the waiting room",
        reversedFeeCents: 2500,
      });
      // The job does not mark a reinstated visit again.
      services.clock.set("2026-03-03T15:45:00Z");
      desk = await signIn(app, seed.alpha.users["front-desk"].email);
      expect(await markNoShows(services, cliActor(org))).toMatchObject({ marked: 0 });
      // Nothing left to undo.
      await refused(
        () => asSession(app, desk, "POST", `/api/appointments/${id}/undo-no-show`, {}),
        409,
        "conflict",
        "flow.no-show.undo",
      );
    });
  });
});

import { randomUUID } from "node:crypto";
import type { Appointment, Bundle, OperationOutcome, Schedule, Slot } from "@medplum/fhirtypes";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../admin/organizations.ts";
import { createAppointmentType } from "../scheduling/create-appointment-type.ts";
import { createTemplate } from "../scheduling/create-template.ts";
import {
  asBearer,
  auditAfter,
  auditSeq,
  bearer,
  closeTestServices,
  countRows,
  createTestApp,
  createTestServices,
  dialect,
  type Method,
  type Seed,
  type SeededOrg,
  seedTwoOrgs,
  type TestServices,
} from "../testing/harness.ts";
import { APPOINTMENT_TYPE_SYSTEM, compactUuid, expandUuid, parseSlotId } from "./fhir-scheduling-ids.ts";

/**
 * A FHIR client books through /fhir/R4: finds free Slots for a visit type at a location, books one, is
 * refused a second booking of the same slot (409 OperationOutcome), reads, searches, moves and cancels
 * it with version checks. Other organizations' ids answer like missing ones; bad input is a 400
 * OperationOutcome and writes nothing.
 *
 * The clock stands at 2026-03-02T15:00Z (Monday). The seeded location is in America/Chicago (CST, UTC-6
 * until 8 March), the practitioner works Monday to Friday 09:00-17:00 there, visits take 30 minutes.
 */
describe(`FHIR scheduling (${dialect})`, () => {
  let services: TestServices;
  let app: FastifyInstance;
  let seed: Seed;
  let alpha: SeededOrg;
  let token: string;
  let betaToken: string;
  let typeId: string;
  let betaTypeId: string;
  let scheduleId: string;
  let betaScheduleId: string;
  let bookedId: string;

  const fhir = (method: Method, url: string, body?: unknown, headers?: Record<string, string>) =>
    asBearer(app, token, method, `/fhir/R4${url}`, body, {
      headers: { "content-type": "application/fhir+json", ...headers },
    });
  const outcome = (r: LightMyRequestResponse, status: number, code: string): OperationOutcome => {
    expect(r.statusCode, r.body).toBe(status);
    expect(r.headers["content-type"]).toMatch(/^application\/fhir\+json/);
    const body = r.json() as OperationOutcome;
    expect(body.resourceType).toBe("OperationOutcome");
    expect(body.issue[0]!.code).toBe(code);
    return body;
  };
  const bundle = (r: LightMyRequestResponse): Bundle => {
    expect(r.statusCode, r.body).toBe(200);
    const b = r.json() as Bundle;
    expect(b.resourceType).toBe("Bundle");
    return b;
  };
  const resources = <T>(b: Bundle): T[] => (b.entry ?? []).map((e) => e.resource as T);

  async function setUp(org: SeededOrg) {
    const actor = cliActor(org.id);
    const type = await createAppointmentType(services, actor, {
      name: "Follow-up visit",
      durationMinutes: 30,
      stepMinutes: 30,
    });
    for (let weekday = 1; weekday <= 5; weekday++) {
      await createTemplate(services, actor, {
        resourceKind: "practitioner",
        resourceId: org.practitionerId,
        locationId: org.locationId,
        weekday,
        start: "09:00",
        end: "17:00",
        effectiveFrom: "2026-01-01",
        effectiveTo: null,
      });
    }
    return type.id;
  }

  beforeAll(async () => {
    services = await createTestServices();
    seed = await seedTwoOrgs(services);
    alpha = seed.alpha;
    ({ app } = await createTestApp(services));
    typeId = await setUp(alpha);
    betaTypeId = await setUp(seed.beta);
    token = await bearer(services, alpha, alpha.users["front-desk"].email, "front-desk");
    betaToken = await bearer(services, seed.beta, seed.beta.users["front-desk"].email, "front-desk");
  });
  afterAll(async () => {
    await app?.close();
    await closeTestServices(services);
  });

  const slotQuery = `appointment-type=${encodeURIComponent(`${APPOINTMENT_TYPE_SYSTEM}|`)}`;

  it("ids are compact, reversible and FHIR-safe", () => {
    const id = randomUUID();
    const c = compactUuid(id)!;
    expect(c).toMatch(/^[0-9A-Za-z]{22}$/);
    expect(expandUuid(c)).toBe(id);
    expect(compactUuid("not-a-uuid")).toBeNull();
    expect(parseSlotId("nonsense")).toBeNull();
  });

  it("the CapabilityStatement lists Schedule, Slot (free only) and Appointment", async () => {
    const meta = (await app.inject({ method: "GET", url: "/fhir/R4/metadata" })).json();
    const byType = Object.fromEntries(
      meta.rest[0].resource.map((r: { type: string }) => [r.type, r]),
    ) as Record<
      string,
      {
        interaction: { code: string }[];
        searchParam: { name: string; documentation?: string }[];
        versioning?: string;
      }
    >;
    expect(byType.Schedule!.interaction.map((i) => i.code)).toEqual(["read", "search-type"]);
    expect(byType.Slot!.interaction.map((i) => i.code)).toEqual(["search-type"]);
    expect(byType.Slot!.searchParam.find((p) => p.name === "status")!.documentation).toMatch(/only free/);
    expect(byType.Appointment!.interaction.map((i) => i.code).sort()).toEqual(
      ["create", "read", "search-type", "update"].sort(),
    );
    expect(byType.Appointment!.versioning).toBe("versioned-update");
    expect(byType.Appointment!.searchParam.map((p) => p.name)).toEqual(
      expect.arrayContaining(["patient", "practitioner", "actor", "date", "status"]),
    );
  });

  it("finds the practitioner's Schedule by actor and reads it", async () => {
    const b = bundle(await fhir("GET", `/Schedule?actor=Practitioner/${alpha.practitionerId}`));
    expect(b.total).toBe(1);
    const schedule = resources<Schedule>(b)[0]!;
    expect(schedule.id).toMatch(/^[A-Za-z0-9-]{1,64}$/);
    expect(schedule.actor).toEqual([
      { reference: `Practitioner/${alpha.practitionerId}`, display: "Patalpha Practitioner-alpha" },
      { reference: `Location/${alpha.locationId}`, display: "Alpha Family Practice Main" },
    ]);
    scheduleId = schedule.id!;
    const read = await fhir("GET", `/Schedule/${scheduleId}`);
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual(schedule);
    expect(bundle(await fhir("GET", `/Schedule?_id=${scheduleId}`)).total).toBe(1);
    expect(bundle(await fhir("GET", `/Schedule?actor=Location/${alpha.locationId}`)).total).toBe(1);
    expect(bundle(await fhir("GET", `/Schedule?actor=Practitioner/${alpha.staffId}`)).total).toBe(0);
    // Beta's schedule is invisible to alpha.
    const betaSchedules = bundle(
      await asBearer(
        app,
        betaToken,
        "GET",
        `/fhir/R4/Schedule?actor=Practitioner/${seed.beta.practitionerId}`,
      ),
    );
    betaScheduleId = resources<Schedule>(betaSchedules)[0]!.id!;
    outcome(await fhir("GET", `/Schedule/${betaScheduleId}`), 404, "not-found");
    outcome(await fhir("GET", `/Schedule/${randomUUID()}`), 404, "not-found");
    expect(bundle(await fhir("GET", `/Schedule?_id=${betaScheduleId}`)).total).toBe(0);
  });

  it("searches free Slots for a type and location within a start range", async () => {
    const b = bundle(
      await fhir(
        "GET",
        `/Slot?${slotQuery}${typeId}&location=Location/${alpha.locationId}&start=ge2026-03-03&start=lt2026-03-04&status=free&_count=5`,
      ),
    );
    const slots = resources<Slot>(b);
    expect(slots).toHaveLength(5);
    // 09:00 Chicago = 15:00Z, every 30 minutes.
    expect(slots.map((s) => s.start)).toEqual([
      "2026-03-03T15:00:00.000Z",
      "2026-03-03T15:30:00.000Z",
      "2026-03-03T16:00:00.000Z",
      "2026-03-03T16:30:00.000Z",
      "2026-03-03T17:00:00.000Z",
    ]);
    for (const s of slots) {
      expect(s.status).toBe("free");
      expect(s.schedule.reference).toBe(`Schedule/${scheduleId}`);
      expect(s.id).toMatch(/^[A-Za-z0-9-]{1,64}$/);
      expect(s.serviceType![0]!.coding![0]).toEqual({
        system: APPOINTMENT_TYPE_SYSTEM,
        code: typeId,
        display: "Follow-up visit",
      });
      expect(Date.parse(s.end) - Date.parse(s.start)).toBe(30 * 60_000);
    }
    expect(b.link!.some((l) => l.relation === "next")).toBe(true);
    // The same slots by schedule (which implies the location), with the bare code and service-type.
    const bySchedule = resources<Slot>(
      bundle(
        await fhir(
          "GET",
          `/Slot?service-type=${typeId}&schedule=Schedule/${scheduleId}&start=ge2026-03-03T15:00:00Z&start=lt2026-03-03T16:00:00Z`,
        ),
      ),
    );
    expect(bySchedule.map((s) => s.id)).toEqual(slots.slice(0, 2).map((s) => s.id));
    // A whole day given as a date is the location's day: 2026-03-03 Chicago ends at 2026-03-04T06:00Z.
    const day = resources<Slot>(
      bundle(
        await fhir(
          "GET",
          `/Slot?${slotQuery}${typeId}&location=Location/${alpha.locationId}&start=2026-03-03&_count=100`,
        ),
      ),
    );
    expect(day).toHaveLength(16);
    // Another system's code matches nothing.
    expect(
      bundle(
        await fhir(
          "GET",
          `/Slot?appointment-type=${encodeURIComponent(`http://example.org|${typeId}`)}&location=Location/${alpha.locationId}`,
        ),
      ).total,
    ).toBe(0);
  });

  it("refuses Slot searches it cannot answer with a 400 OperationOutcome that says why", async () => {
    const loc = `location=Location/${alpha.locationId}`;
    const busy = outcome(await fhir("GET", `/Slot?${slotQuery}${typeId}&${loc}&status=busy`), 400, "invalid");
    expect(busy.issue[0]!.details!.text).toMatch(/only status=free/i);
    const noType = outcome(await fhir("GET", `/Slot?${loc}`), 400, "invalid");
    expect(noType.issue[0]!.details!.text).toMatch(/appointment-type is required/);
    const noLocation = outcome(await fhir("GET", `/Slot?${slotQuery}${typeId}`), 400, "invalid");
    expect(noLocation.issue[0]!.details!.text).toMatch(/location is required/);
    outcome(await fhir("GET", `/Slot?${slotQuery}${randomUUID()}&${loc}`), 400, "invalid");
    outcome(await fhir("GET", `/Slot?${slotQuery}${typeId}&schedule=${betaScheduleId}`), 400, "invalid");
    outcome(
      await fhir("GET", `/Slot?${slotQuery}${typeId}&location=Location/${seed.beta.locationId}`),
      400,
      "invalid",
    );
    outcome(await fhir("GET", `/Slot?${slotQuery}${typeId}&${loc}&start=ne2026-03-03`), 400, "invalid");
    outcome(await fhir("GET", `/Slot?${slotQuery}${typeId}&${loc}&start=tomorrow`), 400, "invalid");
    outcome(
      await fhir("GET", `/Slot?${slotQuery}${typeId}&${loc}&start=ge2026-03-03&start=lt2026-06-01`),
      400,
      "invalid",
    );
    outcome(await fhir("GET", `/Slot?${slotQuery}${typeId}&${loc}&_sort=start`), 400, "invalid");
  });

  const slotsOn = async (from: string, to: string) =>
    resources<Slot>(
      bundle(
        await fhir(
          "GET",
          `/Slot?${slotQuery}${typeId}&location=Location/${alpha.locationId}&start=ge${from}&start=lt${to}`,
        ),
      ),
    );

  it("books a Slot by POST Appointment (201, Location), and the same Slot again answers 409", async () => {
    const [first] = await slotsOn("2026-03-03T15:00:00Z", "2026-03-03T16:00:00Z");
    const before = await countRows(services, "appointments");
    const seq = await auditSeq(services, alpha.id);
    const created = await fhir("POST", "/Appointment", {
      resourceType: "Appointment",
      status: "booked",
      slot: [{ reference: `Slot/${first!.id}` }],
      participant: [{ actor: { reference: `Patient/${alpha.patientIds[0]}` }, status: "accepted" }],
    });
    expect(created.statusCode, created.body).toBe(201);
    const appointment = created.json() as Appointment;
    bookedId = appointment.id!;
    expect(created.headers.location).toMatch(new RegExp(`/fhir/R4/Appointment/${bookedId}/_history/1$`));
    expect(created.headers.etag).toBe('W/"1"');
    expect(appointment).toMatchObject({
      resourceType: "Appointment",
      status: "booked",
      start: "2026-03-03T15:00:00.000Z",
      end: "2026-03-03T15:30:00.000Z",
      minutesDuration: 30,
      meta: { versionId: "1" },
      serviceType: [{ coding: [{ system: APPOINTMENT_TYPE_SYSTEM, code: typeId }] }],
    });
    const refs = appointment.participant.map((p) => p.actor?.reference).filter(Boolean);
    expect(refs).toEqual([
      `Patient/${alpha.patientIds[0]}`,
      `Practitioner/${alpha.practitionerId}`,
      `Location/${alpha.locationId}`,
    ]);
    expect(await countRows(services, "appointments")).toBe(before + 1);
    const entries = await auditAfter(services, alpha.id, seq);
    expect(entries.map((e) => [e.action, e.outcome, e.patient_id])).toContainEqual([
      "appointment.book",
      "success",
      alpha.patientIds[0],
    ]);

    const again = await fhir("POST", "/Appointment", {
      resourceType: "Appointment",
      status: "booked",
      slot: [{ reference: `Slot/${first!.id}` }],
      participant: [{ actor: { reference: `Patient/${alpha.patientIds[1]}` }, status: "accepted" }],
    });
    const conflict = outcome(again, 409, "conflict");
    expect(conflict.issue[0]!.details!.text).toMatch(/taken/);
    expect(await countRows(services, "appointments")).toBe(before + 1);
    // The slot is gone from the search.
    const after = await slotsOn("2026-03-03T15:00:00Z", "2026-03-03T16:00:00Z");
    expect(after.map((s) => s.start)).toEqual(["2026-03-03T15:30:00.000Z"]);
  });

  it("books from participants, start and appointmentType without a slot", async () => {
    const r = await fhir("POST", "/Appointment", {
      resourceType: "Appointment",
      status: "pending",
      appointmentType: { coding: [{ system: APPOINTMENT_TYPE_SYSTEM, code: typeId }] },
      start: "2026-03-03T10:00:00-06:00",
      end: "2026-03-03T10:30:00-06:00",
      comment: "bring the glucose log",
      participant: [
        { actor: { reference: `Patient/${alpha.patientIds[1]}` }, status: "accepted" },
        { actor: { reference: `Practitioner/${alpha.practitionerId}` }, status: "accepted" },
      ],
    });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json()).toMatchObject({
      status: "pending",
      start: "2026-03-03T16:00:00.000Z",
      comment: "bring the glucose log",
      participant: expect.arrayContaining([
        expect.objectContaining({ actor: { reference: `Location/${alpha.locationId}` } }),
      ]),
    });
  });

  it("reads the appointment and finds it by patient, practitioner, date and status", async () => {
    const read = await fhir("GET", `/Appointment/${bookedId}`);
    expect(read.statusCode).toBe(200);
    expect(read.headers.etag).toBe('W/"1"');
    expect(read.json()).toMatchObject({ id: bookedId, status: "booked", meta: { versionId: "1" } });
    const ids = async (q: string) =>
      resources<Appointment>(bundle(await fhir("GET", `/Appointment?${q}`))).map((a) => a.id);
    const p0 = alpha.patientIds[0];
    expect(await ids(`patient=Patient/${p0}`)).toEqual([bookedId]);
    expect(await ids(`patient=${p0}&date=ge2026-03-03&date=lt2026-03-04`)).toEqual([bookedId]);
    expect(await ids(`patient=${p0}&date=2026-03-03`)).toEqual([bookedId]);
    expect(await ids(`patient=${p0}&date=2026-03-04`)).toEqual([]);
    expect(await ids(`patient=${p0}&date=gt2026-03-03T15:00:00Z`)).toEqual([]);
    expect(await ids(`patient=${p0}&date=le2026-03-03T15:00:00Z`)).toEqual([bookedId]);
    expect(await ids(`actor=Patient/${p0}&status=booked,arrived`)).toEqual([bookedId]);
    expect(await ids(`patient=${p0}&status=cancelled`)).toEqual([]);
    expect(await ids(`practitioner=Practitioner/${alpha.practitionerId}&date=2026-03-03`)).toHaveLength(2);
    expect(await ids(`patient=${seed.beta.patientIds[0]}`)).toEqual([]);
    outcome(await fhir("GET", "/Appointment?status=done"), 400, "invalid");
    outcome(await fhir("GET", "/Appointment?actor=abc"), 400, "invalid");
    outcome(await fhir("GET", "/Appointment?date=sa2026-03-03"), 400, "invalid");
  });

  const current = async (id: string) => (await fhir("GET", `/Appointment/${id}`)).json() as Appointment;

  it("reschedules by PUT, refuses a stale version with 409, and refuses an occupied time with 409", async () => {
    const a = await current(bookedId);
    const moved = await fhir("PUT", `/Appointment/${bookedId}`, {
      ...a,
      start: "2026-03-03T17:00:00Z",
      end: "2026-03-03T17:30:00Z",
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json()).toMatchObject({ start: "2026-03-03T17:00:00.000Z", meta: { versionId: "2" } });
    expect(moved.headers.etag).toBe('W/"2"');
    // The same body again carries version 1: stale.
    const stale = outcome(
      await fhir("PUT", `/Appointment/${bookedId}`, {
        ...a,
        start: "2026-03-03T18:00:00Z",
        end: "2026-03-03T18:30:00Z",
      }),
      409,
      "conflict",
    );
    expect(stale.issue[0]!.details!.text).toMatch(/version 2, not 1/);
    const fresh = await current(bookedId);
    outcome(
      await fhir(
        "PUT",
        `/Appointment/${bookedId}`,
        { ...fresh, meta: undefined, start: "2026-03-03T18:00:00Z", end: "2026-03-03T18:30:00Z" },
        { "if-match": 'W/"1"' },
      ),
      409,
      "conflict",
    );
    // Onto the other patient's visit at 16:00Z: the practitioner is busy.
    const busy = outcome(
      await fhir("PUT", `/Appointment/${bookedId}`, {
        ...fresh,
        start: "2026-03-03T16:00:00Z",
        end: "2026-03-03T16:30:00Z",
      }),
      409,
      "conflict",
    );
    expect(busy.issue[0]!.details!.text).toMatch(/taken/);
    expect((await current(bookedId)).start).toBe("2026-03-03T17:00:00.000Z");
  });

  it("changes status and cancels by PUT with a cancelationReason", async () => {
    const a = await current(bookedId);
    outcome(await fhir("PUT", `/Appointment/${bookedId}`, { ...a, status: "cancelled" }), 400, "invalid");
    const cancelled = await fhir("PUT", `/Appointment/${bookedId}`, {
      ...a,
      status: "cancelled",
      cancelationReason: { text: "patient called" },
    });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(cancelled.json()).toMatchObject({
      status: "cancelled",
      cancelationReason: { text: "patient called" },
      meta: { versionId: "3" },
    });
    // A cancelled appointment can no longer be moved.
    const c = cancelled.json() as Appointment;
    outcome(
      await fhir("PUT", `/Appointment/${bookedId}`, {
        ...c,
        status: "booked",
        start: "2026-03-03T18:00:00Z",
      }),
      400,
      "invalid",
    );
    // The pending one is confirmed (booked) by a status change.
    const [pending] = resources<Appointment>(bundle(await fhir("GET", `/Appointment?status=pending`)));
    const booked = await fhir("PUT", `/Appointment/${pending!.id}`, { ...pending, status: "booked" });
    expect(booked.statusCode, booked.body).toBe(200);
    expect(booked.json()).toMatchObject({ status: "booked", meta: { versionId: "2" } });
    const arrived = await fhir("PUT", `/Appointment/${pending!.id}`, {
      ...(booked.json() as Appointment),
      status: "arrived",
    });
    expect(arrived.json()).toMatchObject({ status: "arrived" });
    outcome(
      await fhir("PUT", `/Appointment/${pending!.id}`, {
        ...(arrived.json() as Appointment),
        status: "proposed",
      }),
      400,
      "invalid",
    );
  });

  it("answers another organization's ids exactly like missing ones, and writes nothing", async () => {
    const before = await countRows(services, "appointments");
    const betaAppointment = await asBearer(app, betaToken, "POST", "/fhir/R4/Appointment", {
      resourceType: "Appointment",
      status: "booked",
      appointmentType: { coding: [{ system: APPOINTMENT_TYPE_SYSTEM, code: betaTypeId }] },
      start: "2026-03-04T15:00:00Z",
      participant: [
        { actor: { reference: `Patient/${seed.beta.patientIds[0]}` }, status: "accepted" },
        { actor: { reference: `Practitioner/${seed.beta.practitionerId}` }, status: "accepted" },
      ],
    });
    expect(betaAppointment.statusCode, betaAppointment.body).toBe(201);
    const betaId = (betaAppointment.json() as Appointment).id!;
    const strip = (r: LightMyRequestResponse) => ({
      status: r.statusCode,
      body: { ...r.json(), issue: r.json().issue.map((i: object) => ({ ...i, diagnostics: "" })) },
    });
    expect(strip(await fhir("GET", `/Appointment/${betaId}`))).toEqual(
      strip(await fhir("GET", `/Appointment/${randomUUID()}`)),
    );
    expect((await fhir("GET", `/Appointment/${betaId}`)).statusCode).toBe(404);
    const b = (await asBearer(app, betaToken, "GET", `/fhir/R4/Appointment/${betaId}`)).json() as Appointment;
    const put = await fhir("PUT", `/Appointment/${betaId}`, {
      ...b,
      status: "cancelled",
      cancelationReason: { text: "x" },
    });
    outcome(put, 404, "not-found");
    // Alpha books beta's patient: 404 like a missing patient.
    const withBetaPatient = (patient: string) =>
      fhir("POST", "/Appointment", {
        resourceType: "Appointment",
        status: "booked",
        appointmentType: { coding: [{ system: APPOINTMENT_TYPE_SYSTEM, code: typeId }] },
        start: "2026-03-04T15:00:00Z",
        participant: [
          { actor: { reference: `Patient/${patient}` }, status: "accepted" },
          { actor: { reference: `Practitioner/${alpha.practitionerId}` }, status: "accepted" },
        ],
      });
    expect(strip(await withBetaPatient(seed.beta.patientIds[1]))).toEqual(
      strip(await withBetaPatient(randomUUID())),
    );
    outcome(await withBetaPatient(seed.beta.patientIds[1]), 404, "not-found");
    expect(resources(bundle(await fhir("GET", `/Appointment?patient=${seed.beta.patientIds[0]}`)))).toEqual(
      [],
    );
    expect(await countRows(services, "appointments")).toBe(before + 1);
    const again = (await asBearer(app, betaToken, "GET", `/fhir/R4/Appointment/${betaId}`)).json();
    expect(again).toMatchObject({ status: "booked", meta: { versionId: "1" } });
  });

  it("refuses bad input with a 400 OperationOutcome and writes nothing", async () => {
    const before = await countRows(services, "appointments");
    const seq = await auditSeq(services, alpha.id);
    const patient = { actor: { reference: `Patient/${alpha.patientIds[0]}` }, status: "accepted" };
    const practitioner = { actor: { reference: `Practitioner/${alpha.practitionerId}` }, status: "accepted" };
    const type = { coding: [{ system: APPOINTMENT_TYPE_SYSTEM, code: typeId }] };
    const good = {
      resourceType: "Appointment",
      status: "booked",
      appointmentType: type,
      start: "2026-03-05T15:00:00Z",
      participant: [patient, practitioner],
    };
    const bad: [string, unknown][] = [
      ["another resource type", { ...good, resourceType: "Patient" }],
      ["no participants", { ...good, participant: [] }],
      ["no patient", { ...good, participant: [practitioner] }],
      [
        "two patients",
        {
          ...good,
          participant: [
            patient,
            practitioner,
            { ...patient, actor: { reference: `Patient/${alpha.patientIds[1]}` } },
          ],
        },
      ],
      ["no practitioner", { ...good, participant: [patient] }],
      [
        "a reference to another type",
        { ...good, participant: [patient, { actor: { reference: "Device/x" }, status: "accepted" }] },
      ],
      ["no type", { ...good, appointmentType: undefined }],
      [
        "a type of another system",
        { ...good, appointmentType: { coding: [{ system: "http://x", code: typeId }] } },
      ],
      [
        "an unknown type",
        { ...good, appointmentType: { coding: [{ system: APPOINTMENT_TYPE_SYSTEM, code: randomUUID() }] } },
      ],
      ["no start", { ...good, start: undefined }],
      ["a start without zone", { ...good, start: "2026-03-05T09:00:00" }],
      ["an end before the start", { ...good, end: "2026-03-05T14:00:00Z" }],
      ["in the past", { ...good, start: "2026-03-02T14:00:00Z" }],
      ["outside the hours", { ...good, start: "2026-03-05T03:00:00Z" }],
      ["an arrived status", { ...good, status: "arrived" }],
      ["a cancelationReason", { ...good, cancelationReason: { text: "x" } }],
      ["an unknown element", { ...good, priority: 5 }],
      ["a made-up slot", { ...good, slot: [{ reference: "Slot/abc" }] }],
      ["a not-a-JSON-object body", "nope"],
    ];
    for (const [label, body] of bad) {
      const r = await fhir("POST", "/Appointment", body);
      expect(r.statusCode, `${label}: ${r.body}`).toBe(400);
      expect(r.json().resourceType, label).toBe("OperationOutcome");
      expect(r.json().issue[0].code, label).toBe("invalid");
    }
    // An unknown resource type on update, and a body id that differs from the URL.
    outcome(
      await fhir("PUT", `/Appointment/${bookedId}`, { ...good, resourceType: "Slot", id: bookedId }),
      400,
      "invalid",
    );
    outcome(await fhir("PUT", `/Appointment/${bookedId}`, { ...good, id: randomUUID() }), 400, "invalid");
    expect(await countRows(services, "appointments")).toBe(before);
    // The refusals that reached a use case are on the audit trail as failures, nothing as a success.
    const entries = await auditAfter(services, alpha.id, seq);
    expect(entries.filter((e) => e.outcome === "success")).toEqual([]);
  });

  // Last: it gives the room hours, which narrows every later booking to them.
  it("a room with weekly hours has its own Schedule; its Slots book with a Practitioner participant", async () => {
    for (let weekday = 1; weekday <= 5; weekday++)
      await createTemplate(services, cliActor(alpha.id), {
        resourceKind: "room",
        resourceId: alpha.roomId,
        locationId: alpha.locationId,
        weekday,
        start: "09:00",
        end: "12:00",
        effectiveFrom: "2026-01-01",
        effectiveTo: null,
      });
    const schedules = resources<Schedule>(
      bundle(await fhir("GET", `/Schedule?actor=Location/${alpha.locationId}`)),
    );
    expect(schedules).toHaveLength(2);
    const room = schedules.find((s) => s.id!.startsWith("r"))!;
    expect(room.actor[1]).toEqual({
      type: "Location",
      identifier: { system: "urn:salus:room", value: alpha.roomId },
      display: "Exam 1",
    });
    const slots = resources<Slot>(
      bundle(
        await fhir(
          "GET",
          `/Slot?${slotQuery}${typeId}&schedule=Schedule/${room.id}&start=ge2026-03-06&start=lt2026-03-07&_count=50`,
        ),
      ),
    );
    // Friday 09:00-12:00 Chicago: six half-hour starts, all on the room's schedule.
    expect(slots.map((s) => s.start)).toEqual([
      "2026-03-06T15:00:00.000Z",
      "2026-03-06T15:30:00.000Z",
      "2026-03-06T16:00:00.000Z",
      "2026-03-06T16:30:00.000Z",
      "2026-03-06T17:00:00.000Z",
      "2026-03-06T17:30:00.000Z",
    ]);
    expect(new Set(slots.map((s) => s.schedule.reference))).toEqual(new Set([`Schedule/${room.id}`]));
    const patient = { actor: { reference: `Patient/${alpha.patientIds[0]}` }, status: "accepted" };
    const withoutPractitioner = await fhir("POST", "/Appointment", {
      resourceType: "Appointment",
      status: "booked",
      slot: [{ reference: `Slot/${slots[0]!.id}` }],
      participant: [patient],
    });
    outcome(withoutPractitioner, 400, "invalid");
    const booked = await fhir("POST", "/Appointment", {
      resourceType: "Appointment",
      status: "booked",
      slot: [{ reference: `Slot/${slots[0]!.id}` }],
      participant: [
        patient,
        { actor: { reference: `Practitioner/${alpha.practitionerId}` }, status: "accepted" },
      ],
    });
    expect(booked.statusCode, booked.body).toBe(201);
    expect((booked.json() as Appointment).participant).toContainEqual({
      actor: { type: "Location", identifier: { system: "urn:salus:room", value: alpha.roomId } },
      required: "required",
      status: "accepted",
    });
  });

  it("a role without schedule:write cannot book; without schedule:read cannot search", async () => {
    const biller = await bearer(services, alpha, alpha.users.biller.email, "biller");
    const hr = await bearer(services, alpha, alpha.users.hr.email, "hr");
    outcome(
      await asBearer(app, biller, "POST", "/fhir/R4/Appointment", { resourceType: "Appointment" }),
      403,
      "forbidden",
    );
    expect((await asBearer(app, biller, "GET", `/fhir/R4/Appointment/${bookedId}`)).statusCode).toBe(200);
    outcome(await asBearer(app, hr, "GET", `/fhir/R4/Slot?location=x`), 403, "forbidden");
  });
});

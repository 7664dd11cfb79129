import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../admin/organizations.ts";
import { createUser } from "../admin/users.ts";
import { addLicense, createStaff } from "../directory/staff.ts";
import { createAppointmentType } from "../scheduling/create-appointment-type.ts";
import { createTemplate } from "../scheduling/create-template.ts";
import {
  asSession,
  auditSeq,
  closeTestServices,
  countRows,
  createTestApp,
  createTestServices,
  dialect,
  errorOf,
  PASSWORD,
  type Seed,
  type SignedIn,
  seedTwoOrgs,
  signIn,
  type TestServices,
} from "../testing/harness.ts";

/**
 * Break-glass stays temporary (issue 9, item 3; SECURITY.md SEC-EA-01/02). Under a grant a clinician may
 * book a visit and document an encounter (an emergency must be documented), but nothing written under
 * the grant becomes a relation: once the grant expires, every reader of the patient answers as if the
 * patient did not exist. The review queue lists what was read and written under the grant. A reason
 * needs a few visible words.
 *
 * The clock stands at 2026-03-02T15:00Z (Monday 09:00 in Chicago, the seeded location's zone).
 */
describe(`break-glass stays temporary (${dialect})`, () => {
  let services: TestServices;
  let app: FastifyInstance;
  let seed: Seed;
  let emergency: SignedIn; // the clinician who breaks the glass
  let frontDesk: SignedIn;
  let privacy: SignedIn;
  let staffE: string;
  let typeId: string;
  let pA: string; // clinician A's patient (primary practitioner); nothing to do with `emergency`
  let pOther: string;

  beforeAll(async () => {
    services = await createTestServices();
    seed = await seedTwoOrgs(services);
    ({ app } = await createTestApp(services));
    const actor = cliActor(seed.alpha.id);
    const { user } = await createUser(services, actor, {
      email: "emergency@alpha.test",
      displayName: "Emergency clinician",
      roles: ["clinician"],
      password: PASSWORD,
    });
    staffE = (
      await createStaff(services, actor, {
        kind: "practitioner",
        givenName: "Erin",
        familyName: "Emergency",
        jobTitle: "Physician",
        email: null,
        phone: null,
        npi: null,
        taxonomy: null,
      })
    ).id;
    await addLicense(services, actor, staffE, { state: "TX", number: "TX-ERIN", expiresOn: "2030-12-31" });
    for (const [staff, userId] of [
      [staffE, user.id],
      [seed.alpha.practitionerId, seed.alpha.users.clinician.id],
    ] as const) {
      await services.systemDb
        .updateTable("staff_members")
        .set({ user_id: userId })
        .where("organization_id", "=", seed.alpha.id)
        .where("id", "=", staff)
        .execute();
    }
    for (let weekday = 1; weekday <= 5; weekday++) {
      await createTemplate(services, actor, {
        resourceKind: "practitioner",
        resourceId: staffE,
        locationId: seed.alpha.locationId,
        weekday,
        start: "08:00",
        end: "17:00",
        effectiveFrom: "2026-01-01",
        effectiveTo: null,
      });
    }
    typeId = (
      await createAppointmentType(services, actor, {
        name: "Emergency follow-up",
        durationMinutes: 30,
        bufferBeforeMinutes: 0,
        bufferAfterMinutes: 0,
      })
    ).id;
    [pA, pOther] = seed.alpha.patientIds;
    await services.systemDb
      .updateTable("patients")
      .set({ primary_practitioner_id: seed.alpha.practitionerId })
      .where("organization_id", "=", seed.alpha.id)
      .where("id", "=", pA)
      .execute();
    await signInAll();
  });
  afterAll(async () => {
    await app?.close();
    await closeTestServices(services);
  });

  async function signInAll(): Promise<void> {
    emergency = await signIn(app, "emergency@alpha.test");
    frontDesk = await signIn(app, seed.alpha.users["front-desk"].email);
    privacy = await signIn(app, seed.alpha.users["privacy-officer"].email);
  }

  /** Every reader of one patient the clinician has: status codes, and whether lists include the patient. */
  async function readers(patientId: string, encounterId: string, appointmentId: string) {
    const get = (url: string) => asSession(app, emergency, "GET", url);
    const list = await get("/api/patients?limit=200");
    const search = await get(`/api/patients?q=${encodeURIComponent(seed.alpha.canaries[0])}`);
    const fhirSearch = await get("/fhir/R4/Patient");
    const fhirByName = await get(`/fhir/R4/Patient?family=${encodeURIComponent(seed.alpha.canaries[0])}`);
    const schedule = await get("/api/appointments?from=2026-03-01T00:00:00.000Z&to=2026-03-31T00:00:00.000Z");
    return {
      read: (await get(`/api/patients/${patientId}`)).statusCode,
      export: (await get(`/api/patients/${patientId}/export`)).statusCode,
      exportPdf: (await get(`/api/patients/${patientId}/export?format=pdf`)).statusCode,
      encounters: (await get(`/api/patients/${patientId}/encounters`)).statusCode,
      encounter: (await get(`/api/encounters/${encounterId}`)).statusCode,
      appointment: (await get(`/api/appointments/${appointmentId}`)).statusCode,
      fhirRead: (await get(`/fhir/R4/Patient/${patientId}`)).statusCode,
      fhirEverything: (await get(`/fhir/R4/Patient/${patientId}/$everything`)).statusCode,
      fhirEncounters: (await get(`/fhir/R4/Encounter?patient=${patientId}`)).json().total ?? null,
      inList: list.json().items.some((p: { id: string }) => p.id === patientId),
      inSearch: (search.json().items ?? []).some((p: { id: string }) => p.id === patientId),
      inFhirSearch: JSON.stringify(fhirSearch.json()).includes(patientId),
      inFhirByName: JSON.stringify(fhirByName.json()).includes(patientId),
      inSchedule: JSON.stringify(schedule.json()).includes(patientId),
    };
  }

  it("a visit booked and an encounter recorded under break-glass give no access once the grant expires", async () => {
    expect((await asSession(app, emergency, "GET", `/api/patients/${pA}`)).statusCode).toBe(404);
    const open = await asSession(app, emergency, "POST", "/api/break-glass", {
      patientId: pA,
      reason: "Patient collapsed in the waiting room, her doctor is away",
    });
    expect(open.statusCode, open.body).toBe(201);
    const grant = open.json() as { id: string; expiresAt: string };

    // Temporary access cannot be made permanent by the other routes either.
    const primary = await asSession(app, emergency, "PATCH", `/api/patients/${pA}`, {
      primaryPractitionerId: staffE,
    });
    expect(primary.statusCode).toBe(403);
    const team = await asSession(app, emergency, "POST", `/api/patients/${pA}/care-team`, {
      userId: seed.alpha.users.clinician.id,
    });
    expect(team.statusCode).toBe(403);

    // During the emergency the clinician documents: a follow-up visit with themselves, an encounter.
    const booked = await asSession(app, emergency, "POST", "/api/appointments", {
      patientId: pA,
      appointmentTypeId: typeId,
      locationId: seed.alpha.locationId,
      practitionerId: staffE,
      when: { start: "2026-03-03T16:00:00.000Z" },
    });
    expect(booked.statusCode, booked.body).toBe(201);
    const appointmentId = booked.json().id as string;
    const encounter = await asSession(app, emergency, "POST", `/api/patients/${pA}/encounters`, {
      date: "2026-03-02",
      practitionerId: staffE,
      locationId: seed.alpha.locationId,
      type: "office-visit",
      reason: "Syncope in the waiting room",
    });
    expect(encounter.statusCode, encounter.body).toBe(201);
    const encounterId = encounter.json().id as string;
    // While the grant runs, every reader answers.
    expect(await readers(pA, encounterId, appointmentId)).toMatchObject({
      read: 200,
      export: 200,
      encounters: 200,
      encounter: 200,
      appointment: 200,
      fhirRead: 200,
      inList: true,
      inFhirSearch: true,
    });

    // The grant expires (sessions time out after 15 idle minutes: sign in afresh after moving the clock).
    services.clock.advance(Date.parse(grant.expiresAt) - services.clock().getTime() + 1);
    await signInAll();
    const after = await readers(pA, encounterId, appointmentId);
    expect(after).toEqual({
      read: 404,
      export: 404,
      exportPdf: 404,
      encounters: 404,
      encounter: 404,
      appointment: 404,
      fhirRead: 404,
      fhirEverything: 404,
      fhirEncounters: 0,
      inList: false,
      inSearch: false,
      inFhirSearch: false,
      inFhirByName: false,
      inSchedule: false,
    });
    // Both rows name the grant they were written under.
    const db = services.systemDb;
    expect(
      (
        await db
          .selectFrom("appointments")
          .select("break_glass_id")
          .where("id", "=", appointmentId)
          .executeTakeFirstOrThrow()
      ).break_glass_id,
    ).toBe(grant.id);
    expect(
      (
        await db
          .selectFrom("encounters")
          .select("break_glass_id")
          .where("id", "=", encounterId)
          .executeTakeFirstOrThrow()
      ).break_glass_id,
    ).toBe(grant.id);
    // A disclosure export (POST) is refused too, and nothing is written.
    const disclosures = await countRows(services, "disclosures");
    const disclose = await asSession(app, emergency, "POST", `/api/patients/${pA}/export`, {
      format: "fhir",
      recipientName: "Another hospital",
      purpose: "Continuing care",
      category: "treatment",
    });
    expect(disclose.statusCode).toBe(404);
    expect(await countRows(services, "disclosures")).toBe(disclosures);

    // The way to keep caring for the patient: the front desk books the follow-up (a relation made by
    // someone who sees the schedule practice-wide), and the chart opens again.
    const desk = await asSession(app, frontDesk, "POST", "/api/appointments", {
      patientId: pA,
      appointmentTypeId: typeId,
      locationId: seed.alpha.locationId,
      practitionerId: staffE,
      when: { start: "2026-03-04T16:00:00.000Z" },
    });
    expect(desk.statusCode, desk.body).toBe(201);
    expect((await asSession(app, emergency, "GET", `/api/patients/${pA}`)).statusCode).toBe(200);
    await asSession(app, frontDesk, "POST", `/api/appointments/${desk.json().id}/cancel`, {
      reason: "Test clean-up",
    });
    expect((await asSession(app, emergency, "GET", `/api/patients/${pA}`)).statusCode).toBe(404);

    // The review queue shows what was read and written under the grant, in plain words.
    const queue = await asSession(app, privacy, "GET", "/api/break-glass?status=pending");
    expect(queue.statusCode, queue.body).toBe(200);
    const item = queue.json().items.find((i: { id: string }) => i.id === grant.id);
    const activity = item.activity as {
      action: string;
      text: string;
      wrote: boolean;
      resourceId: string | null;
      open: { patientId: string; tab: string } | null;
    }[];
    const byAction = (a: string) => activity.filter((x) => x.action === a);
    expect(byAction("break-glass.open")[0]).toMatchObject({ text: "Opened emergency access" });
    expect(byAction("appointment.book")[0]).toMatchObject({
      text: "Booked a visit",
      wrote: true,
      resourceId: appointmentId,
      open: null, // a privacy officer does not see the schedule section
    });
    expect(byAction("encounter.create")[0]).toMatchObject({
      text: "Created an encounter",
      wrote: true,
      resourceId: encounterId,
      open: null,
    });
    expect(byAction("patient.read")[0]).toMatchObject({
      text: "Opened the patient's details",
      wrote: false,
      open: { patientId: pA, tab: "summary" },
    });
    expect(byAction("record.export")[0]).toMatchObject({ text: "Exported the whole record" });
    expect(byAction("patient.update")[0]?.text).toBe("Changed the patient's details (refused)");
    expect(byAction("care-team.grant")[0]?.text).toBe("Added someone to the care team (refused)");
    // Nothing after the grant ended is listed, and nothing from other users.
    expect(activity.every((a) => a.action !== "patient.search" || a.text.includes("among the results"))).toBe(
      true,
    );
    expect(item.activityTruncated).toBe(false);
  });

  it("an encounter moved to oneself under break-glass gives no lasting relation either", async () => {
    // A legitimate encounter by clinician A, then B (emergency) takes it over under a grant.
    const clinicianA = await signIn(app, seed.alpha.users.clinician.email);
    const made = await asSession(app, clinicianA, "POST", `/api/patients/${pA}/encounters`, {
      date: "2026-03-02",
      practitionerId: seed.alpha.practitionerId,
      locationId: seed.alpha.locationId,
      type: "office-visit",
    });
    expect(made.statusCode, made.body).toBe(201);
    const open = await asSession(app, emergency, "POST", "/api/break-glass", {
      patientId: pA,
      reason: "Covering the ward tonight, urgent question from nurse",
    });
    expect(open.statusCode, open.body).toBe(201);
    const moved = await asSession(app, emergency, "PATCH", `/api/encounters/${made.json().id}`, {
      practitionerId: staffE,
    });
    expect(moved.statusCode, moved.body).toBe(200);
    services.clock.advance(Date.parse(open.json().expiresAt) - services.clock().getTime() + 1);
    await signInAll();
    expect((await asSession(app, emergency, "GET", `/api/patients/${pA}`)).statusCode).toBe(404);
    expect((await asSession(app, emergency, "GET", `/api/patients/${pA}/export`)).statusCode).toBe(404);
  });

  it("a break-glass reason needs a few visible words: zero-width characters are not a reason", async () => {
    const seq = await auditSeq(services, seed.alpha.id);
    const grants = await countRows(services, "break_glass_grants");
    const outbox = await countRows(services, "outbox_messages");
    for (const reason of [
      "\u200b".repeat(40),
      `urgent${"\u200b\u200c\u200d\u2060".repeat(10)}`,
      "\u3164\u3164\u3164 \u3164\u3164\u3164 \u3164\u3164\u3164 \u3164\u3164",
      "urgent urgent",
      "a b c d e f g",
    ]) {
      const r = await asSession(app, emergency, "POST", "/api/break-glass", { patientId: pOther, reason });
      expect(r.statusCode, JSON.stringify(reason)).toBe(400);
      const error = errorOf(r);
      expect(error.code).toBe("invalid_request");
      expect(error.message).toMatch(/at least 3 words and 12 visible characters/);
      expect(error.details).toEqual([expect.objectContaining({ path: "reason" })]);
    }
    expect(await countRows(services, "break_glass_grants")).toBe(grants);
    expect(await countRows(services, "outbox_messages")).toBe(outbox);
    expect(await auditSeq(services, seed.alpha.id)).toBe(seq);
    const ok = await asSession(app, emergency, "POST", "/api/break-glass", {
      patientId: pOther,
      reason: "Unconscious, no ID, ER asked",
    });
    expect(ok.statusCode, ok.body).toBe(201);
  });
});

import { randomUUID } from "node:crypto";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../admin/organizations.ts";
import { createUser } from "../admin/users.ts";
import { createStaff } from "../directory/staff.ts";
import {
  asSession,
  auditAfter,
  auditSeq,
  closeTestServices,
  countRows,
  createTestApp,
  createTestServices,
  dialect,
  PASSWORD,
  type Seed,
  type SignedIn,
  seedTwoOrgs,
  signIn,
  type TestServices,
} from "../testing/harness.ts";

/**
 * The patient record and its access rules end to end (HTTP → use case → real database → audit):
 * clinicians see their own patients only, by id, list, search and count alike; care-team grants and
 * break-glass open a chart and close again; break-glass alerts the privacy officers in the same
 * transaction and marks the audit trail; duplicates, merge and undo, coverages, consents; names in any
 * script kept as written.
 */
describe(`patient records and access (${dialect})`, () => {
  let services: TestServices;
  let app: FastifyInstance;
  let seed: Seed;
  let clinicianA: SignedIn;
  let clinicianB: SignedIn;
  let frontDesk: SignedIn;
  let privacy: SignedIn;
  let biller: SignedIn;
  let userA: string;
  let userB: string;
  let staffA: string;
  let staffB: string;
  let pA: string; // clinician A's patient (primary practitioner)
  let pB: string; // clinician B's patient (an appointment)
  let pNone: string; // nobody's patient

  const comparable = (r: LightMyRequestResponse) => {
    const body = r.json();
    if (body?.error) delete body.error.requestId;
    return { status: r.statusCode, body };
  };

  beforeAll(async () => {
    services = await createTestServices();
    seed = await seedTwoOrgs(services);
    ({ app } = await createTestApp(services));
    const actor = cliActor(seed.alpha.id);
    userA = seed.alpha.users.clinician.id;
    const { user: b } = await createUser(services, actor, {
      email: "clinician2@alpha.test",
      displayName: "Second clinician",
      roles: ["clinician"],
      password: PASSWORD,
    });
    userB = b.id;
    staffA = seed.alpha.practitionerId;
    staffB = (
      await createStaff(services, actor, {
        kind: "practitioner",
        givenName: "Bea",
        familyName: "Second",
        jobTitle: "Physician",
        email: null,
        phone: null,
        npi: null,
        taxonomy: null,
      })
    ).id;
    const db = services.systemDb;
    for (const [staff, user] of [
      [staffA, userA],
      [staffB, userB],
    ] as const) {
      await db
        .updateTable("staff_members")
        .set({ user_id: user })
        .where("organization_id", "=", seed.alpha.id)
        .where("id", "=", staff)
        .execute();
    }
    [pA, pB] = seed.alpha.patientIds;
    await db
      .updateTable("patients")
      .set({ primary_practitioner_id: staffA })
      .where("organization_id", "=", seed.alpha.id)
      .where("id", "=", pA)
      .execute();
    // B treats pB through a booked visit; a cancelled visit with A gives A nothing.
    for (const [practitioner, status] of [
      [staffB, "booked"],
      [staffA, "cancelled"],
    ] as const) {
      await db
        .insertInto("appointments")
        .values({
          organization_id: seed.alpha.id,
          id: randomUUID(),
          location_id: seed.alpha.locationId,
          patient_id: pB,
          appointment_type_id: randomUUID(),
          practitioner_id: practitioner,
          room_id: null,
          start_at: "2026-03-10T15:00:00.000Z",
          end_at: "2026-03-10T15:30:00.000Z",
          status,
          overbooked: 0,
          series_id: null,
          series_index: null,
          rescheduled_from_id: null,
          note: null,
          created_by: null,
          cancelled_at: null,
          cancelled_by: null,
          cancel_reason: null,
          late_cancel: 0,
          version: 1,
          created_at: "2026-03-01T00:00:00.000Z",
          updated_at: "2026-03-01T00:00:00.000Z",
        })
        .execute();
    }
    await signInAll();
    const none = await asSession(app, frontDesk, "POST", "/api/patients", {
      givenName: "Nadia",
      familyName: "Nobody",
      dateOfBirth: "1991-09-09",
      sex: "female",
    });
    expect(none.statusCode, none.body).toBe(201);
    pNone = none.json().id;
  });
  afterAll(async () => {
    await app?.close();
    await closeTestServices(services);
  });

  async function signInAll(): Promise<void> {
    clinicianA = await signIn(app, seed.alpha.users.clinician.email);
    clinicianB = await signIn(app, "clinician2@alpha.test");
    frontDesk = await signIn(app, seed.alpha.users["front-desk"].email);
    privacy = await signIn(app, seed.alpha.users["privacy-officer"].email);
    biller = await signIn(app, seed.alpha.users.biller.email);
  }

  async function visibleTo(
    s: SignedIn,
    url = "/api/patients?limit=200",
  ): Promise<{ ids: string[]; total: number }> {
    const r = await asSession(app, s, "GET", url);
    expect(r.statusCode, r.body).toBe(200);
    return {
      ids: r
        .json()
        .items.map((p: { id: string }) => p.id)
        .sort(),
      total: r.json().total,
    };
  }

  it("a clinician sees their own patients only: get, list, search and count agree; others are 404 like a missing id", async () => {
    const a = await visibleTo(clinicianA);
    expect(a).toEqual({ ids: [pA], total: 1 });
    expect(await visibleTo(clinicianB)).toEqual({ ids: [pB], total: 1 });
    expect((await visibleTo(frontDesk)).total).toBe(3);
    expect((await visibleTo(biller)).total).toBe(3);
    // Search by B's patient's name, MRN and birth date finds nothing for A.
    const [row] = await services.systemDb.selectFrom("patients").select("mrn").where("id", "=", pB).execute();
    for (const q of [seed.alpha.canaries[1], row!.mrn, "1975-11-02", "CANARY"]) {
      const r = await visibleTo(clinicianA, `/api/patients?q=${encodeURIComponent(q)}`);
      expect(r.ids, q).not.toContain(pB);
      expect(r.total, q).toBe(r.ids.length);
    }
    const fhir = await asSession(app, clinicianA, "GET", "/fhir/R4/Patient");
    expect(fhir.json().total).toBe(1);
    expect(JSON.stringify(fhir.json())).not.toContain(seed.alpha.canaries[1]);
    for (const [method, path, body] of [
      ["GET", "", undefined],
      ["PATCH", "", { city: "Nowhere" }],
      ["GET", "/coverages", undefined],
      ["GET", "/consents", undefined],
      ["GET", "/care-team", undefined],
    ] as const) {
      const other = await asSession(app, clinicianA, method, `/api/patients/${pB}${path}`, body);
      const missing = await asSession(app, clinicianA, method, `/api/patients/${randomUUID()}${path}`, body);
      expect(other.statusCode, `${method} ${path}`).toBe(404);
      expect(comparable(other), `${method} ${path}`).toEqual(comparable(missing));
    }
    const fhirRead = await asSession(app, clinicianA, "GET", `/fhir/R4/Patient/${pB}`);
    expect(fhirRead.statusCode).toBe(404);
    // The patient is unchanged by the refused PATCH.
    const fd = await asSession(app, frontDesk, "GET", `/api/patients/${pB}`);
    expect(fd.json().city).toBeNull();
    // A's own patient opens, and the audit entry says how.
    const before = await auditSeq(services, seed.alpha.id);
    expect((await asSession(app, clinicianA, "GET", `/api/patients/${pA}`)).statusCode).toBe(200);
    const [entry] = await auditAfter(services, seed.alpha.id, before);
    expect(entry).toMatchObject({ action: "patient.read", patient_id: pA, outcome: "success" });
    expect(JSON.parse(entry!.detail!)).toMatchObject({ access: "treating" });
  });

  it("the calendar obeys the same rule: a clinician lists and opens only visits of patients they may see", async () => {
    const range = "from=2026-03-01T00:00:00.000Z&to=2026-04-01T00:00:00.000Z";
    const all = await asSession(app, frontDesk, "GET", `/api/appointments?${range}`);
    expect(all.statusCode, all.body).toBe(200);
    expect(all.json().total).toBe(2);
    const ofA = await asSession(app, clinicianA, "GET", `/api/appointments?${range}`);
    expect(ofA.json()).toMatchObject({ total: 0, items: [] });
    expect(ofA.body).not.toContain(seed.alpha.canaries[1]);
    const ofB = await asSession(app, clinicianB, "GET", `/api/appointments?${range}`);
    expect(ofB.json().total).toBe(2);
    const visit = ofB.json().items[0].id;
    const other = await asSession(app, clinicianA, "GET", `/api/appointments/${visit}`);
    const missing = await asSession(app, clinicianA, "GET", `/api/appointments/${randomUUID()}`);
    expect(other.statusCode).toBe(404);
    expect(comparable(other)).toEqual(comparable(missing));
    expect((await asSession(app, clinicianB, "GET", `/api/appointments/${visit}`)).statusCode).toBe(200);
  });

  it("a care-team grant opens a chart to a colleague and revoking it closes it on the next request", async () => {
    const grant = await asSession(app, clinicianA, "POST", `/api/patients/${pA}/care-team`, {
      userId: userB,
      reason: "Covering while I am away",
    });
    expect(grant.statusCode, grant.body).toBe(201);
    expect((await asSession(app, clinicianB, "GET", `/api/patients/${pA}`)).statusCode).toBe(200);
    expect((await visibleTo(clinicianB)).ids).toEqual([pA, pB].sort());
    // A colleague on the care team cannot widen access further.
    const chain = await asSession(app, clinicianB, "POST", `/api/patients/${pA}/care-team`, {
      userId: userA,
    });
    expect(chain.statusCode).toBe(403);
    // Someone who is not a clinician cannot be granted.
    const notClinician = await asSession(app, clinicianA, "POST", `/api/patients/${pA}/care-team`, {
      userId: seed.alpha.users["front-desk"].id,
    });
    expect(notClinician.statusCode).toBe(400);
    const team = await asSession(app, clinicianA, "GET", `/api/patients/${pA}/care-team`);
    expect(team.json().items.map((m: { userId: string }) => m.userId)).toEqual([userB]);
    const revoke = await asSession(app, clinicianA, "DELETE", `/api/patients/${pA}/care-team/${userB}`);
    expect(revoke.statusCode, revoke.body).toBe(200);
    expect((await asSession(app, clinicianB, "GET", `/api/patients/${pA}`)).statusCode).toBe(404);
    expect((await visibleTo(clinicianB)).ids).toEqual([pB]);
  });

  it("break-glass: a too-short reason is refused and nothing is written", async () => {
    const seq = await auditSeq(services, seed.alpha.id);
    const grants = await countRows(services, "break_glass_grants");
    const outbox = await countRows(services, "outbox_messages");
    for (const body of [
      { patientId: pA, reason: "urgent" },
      { patientId: pA, reason: "          x         " },
      { patientId: pA },
      { reason: "Patient unconscious in the waiting room" },
    ]) {
      const r = await asSession(app, clinicianB, "POST", "/api/break-glass", body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
    }
    expect(await countRows(services, "break_glass_grants")).toBe(grants);
    expect(await countRows(services, "outbox_messages")).toBe(outbox);
    expect(await auditSeq(services, seed.alpha.id)).toBe(seq);
    // Other roles cannot use it at all.
    const fd = await asSession(app, frontDesk, "POST", "/api/break-glass", {
      patientId: pA,
      reason: "I would like to see the chart",
    });
    expect(fd.statusCode).toBe(403);
  });

  it("break-glass opens one patient for the window, alerts privacy officers in the same transaction, marks every audit entry, and is reviewed", async () => {
    expect((await asSession(app, clinicianB, "GET", `/api/patients/${pA}`)).statusCode).toBe(404);
    const seq = await auditSeq(services, seed.alpha.id);
    const open = await asSession(app, clinicianB, "POST", "/api/break-glass", {
      patientId: pA,
      reason: "Patient collapsed in the waiting room, primary is away",
    });
    expect(open.statusCode, open.body).toBe(201);
    const grant = open.json();
    expect(grant.patientId).toBe(pA);
    expect(Date.parse(grant.expiresAt) - services.clock().getTime()).toBe(60 * 60_000);
    const [opened] = await auditAfter(services, seed.alpha.id, seq);
    expect(opened).toMatchObject({ action: "break-glass.open", patient_id: pA, resource_id: grant.id });
    expect(JSON.parse(opened!.detail!)).toMatchObject({ access: "break-glass", breakGlassId: grant.id });
    // The alert: one e-mail per privacy officer (and the all-roles user), written with the grant.
    const messages = await services.systemDb
      .selectFrom("outbox_messages")
      .selectAll()
      .where("organization_id", "=", seed.alpha.id)
      .where("dedupe_key", "like", `break-glass:${grant.id}:%`)
      .execute();
    expect(messages.map((m) => m.recipient).sort()).toEqual(
      [seed.alpha.users["privacy-officer"].email, seed.alpha.allRoles.email].sort(),
    );
    for (const m of messages) {
      expect(m.body).toContain("clinician2@alpha.test");
      expect(m.body).not.toContain(seed.alpha.canaries[0]);
      expect(m.body).not.toContain("Robin");
      expect(m.body).not.toContain("collapsed");
    }
    // The chart opens, every read under the grant names it; one patient only.
    const s2 = await auditSeq(services, seed.alpha.id);
    expect((await asSession(app, clinicianB, "GET", `/api/patients/${pA}`)).statusCode).toBe(200);
    expect((await asSession(app, clinicianB, "GET", `/api/patients/${pA}/coverages`)).statusCode).toBe(200);
    const list = await visibleTo(clinicianB);
    expect(list.ids).toEqual([pA, pB].sort());
    expect((await asSession(app, clinicianB, "GET", `/api/patients/${pNone}`)).statusCode).toBe(404);
    const entries = (await auditAfter(services, seed.alpha.id, s2)).filter((e) => e.outcome === "success");
    expect(entries.map((e) => e.action)).toEqual(["patient.read", "coverage.list", "patient.search"]);
    for (const e of entries) expect(JSON.parse(e.detail!).breakGlassId, e.action).toBe(grant.id);
    // Temporary access cannot be made permanent: no naming oneself primary practitioner, no care team.
    const primary = await asSession(app, clinicianB, "PATCH", `/api/patients/${pA}`, {
      primaryPractitionerId: staffB,
    });
    expect(primary.statusCode).toBe(403);
    const team = await asSession(app, clinicianB, "POST", `/api/patients/${pA}/care-team`, { userId: userB });
    expect(team.statusCode).toBe(403);
    // Break-glass changes no roles or permissions: administration and the audit trail stay closed.
    for (const [method, url, body] of [
      ["GET", "/api/audit", undefined],
      ["GET", "/api/users", undefined],
      ["PATCH", `/api/users/${userB}`, { roles: ["clinician", "privacy-officer"] }],
      ["GET", "/api/break-glass", undefined],
      ["PUT", "/api/break-glass/settings", { breakGlassMinutes: 720 }],
    ] as const) {
      const r = await asSession(app, clinicianB, method, url, body);
      expect(r.statusCode, `${method} ${url}`).toBe(403);
    }
    const session = await asSession(app, clinicianB, "GET", "/api/auth/session");
    expect(session.json().roles).toEqual(["clinician"]);
    // Own history.
    const mine = await asSession(app, clinicianB, "GET", "/api/break-glass/mine");
    expect(mine.json().items).toEqual([
      expect.objectContaining({ id: grant.id, active: true, reviewStatus: "pending" }),
    ]);
    // The privacy officer's queue, and the review.
    const queue = await asSession(app, privacy, "GET", "/api/break-glass?status=pending");
    expect(queue.statusCode, queue.body).toBe(200);
    expect(queue.json().items).toEqual([
      expect.objectContaining({
        id: grant.id,
        reason: "Patient collapsed in the waiting room, primary is away",
        user: expect.objectContaining({ email: "clinician2@alpha.test" }),
        patient: expect.objectContaining({ id: pA }),
      }),
    ]);
    const review = await asSession(app, privacy, "POST", `/api/break-glass/${grant.id}/review`, {
      outcome: "appropriate",
      note: "Confirmed with the charge nurse",
    });
    expect(review.statusCode, review.body).toBe(200);
    expect((await asSession(app, privacy, "GET", "/api/break-glass?status=pending")).json().total).toBe(0);
    expect(
      (await asSession(app, privacy, "GET", "/api/break-glass?status=reviewed")).json().items[0],
    ).toMatchObject({
      id: grant.id,
      reviewOutcome: "appropriate",
      reviewNote: "Confirmed with the charge nurse",
    });
    const again = await asSession(app, privacy, "POST", `/api/break-glass/${grant.id}/review`, {
      outcome: "inappropriate",
    });
    expect(again.statusCode).toBe(409);
    // The window closes on time (test clock).
    // (Sessions time out after 15 idle minutes, so sign in afresh after moving the clock.)
    services.clock.advance(59 * 60_000);
    await signInAll();
    expect((await asSession(app, clinicianB, "GET", `/api/patients/${pA}`)).statusCode).toBe(200);
    services.clock.advance(60_001);
    await signInAll();
    expect((await asSession(app, clinicianB, "GET", `/api/patients/${pA}`)).statusCode).toBe(404);
    expect((await visibleTo(clinicianB)).ids).toEqual([pB]);
  });

  it("the break-glass window is a per-practice setting", async () => {
    const put = await asSession(app, privacy, "PUT", "/api/break-glass/settings", { breakGlassMinutes: 15 });
    expect(put.statusCode, put.body).toBe(200);
    const open = await asSession(app, clinicianB, "POST", "/api/break-glass", {
      mrn: (
        await services.systemDb
          .selectFrom("patients")
          .select("mrn")
          .where("id", "=", pNone)
          .executeTakeFirstOrThrow()
      ).mrn,
      reason: "Called by the ambulance crew about this patient",
    });
    expect(open.statusCode, open.body).toBe(201);
    expect(open.json().patientId).toBe(pNone);
    expect(Date.parse(open.json().expiresAt) - services.clock().getTime()).toBe(15 * 60_000);
    const missing = await asSession(app, clinicianB, "POST", "/api/break-glass", {
      patientId: seed.beta.patientIds[0],
      reason: "Another practice's patient, which must not exist here",
    });
    expect(missing.statusCode).toBe(404);
    await asSession(app, privacy, "PUT", "/api/break-glass/settings", { breakGlassMinutes: 60 });
    // A privacy officer who is also a clinician cannot review their own use.
    const both = await signIn(app, seed.alpha.allRoles.email);
    const own = await asSession(app, both, "POST", "/api/break-glass", {
      patientId: pNone,
      reason: "Checking a lab result the patient phoned about",
    });
    expect(own.statusCode, own.body).toBe(201);
    const self = await asSession(app, both, "POST", `/api/break-glass/${own.json().id}/review`, {
      outcome: "appropriate",
    });
    expect(self.statusCode).toBe(409);
    const other = await asSession(app, privacy, "POST", `/api/break-glass/${own.json().id}/review`, {
      outcome: "appropriate",
    });
    expect(other.statusCode).toBe(200);
  });

  it("registration: possible duplicates are answered 409 with the candidates the caller may see, unless confirmed", async () => {
    const probe = {
      givenName: "Robyn",
      familyName: seed.alpha.canaries[0],
      dateOfBirth: "1980-05-17",
      sex: "female",
    };
    const dup = await asSession(app, frontDesk, "POST", "/api/patients", probe);
    expect(dup.statusCode, dup.body).toBe(409);
    expect(dup.json().error.code).toBe("possible_duplicate");
    expect(dup.json().error.candidates).toEqual([expect.objectContaining({ id: pA, reasons: ["name"] })]);
    const check = await asSession(
      app,
      frontDesk,
      "GET",
      `/api/patients/duplicates?givenName=Robyn&familyName=${seed.alpha.canaries[0]}&dateOfBirth=1980-05-17`,
    );
    expect(check.json().items.map((c: { id: string }) => c.id)).toEqual([pA]);
    // Clinician B may not see pA, so it is no candidate for them (no oracle of who is registered).
    const byB = await asSession(
      app,
      clinicianB,
      "GET",
      `/api/patients/duplicates?givenName=Robyn&familyName=${seed.alpha.canaries[0]}&dateOfBirth=1980-05-17`,
    );
    expect(byB.json().items).toEqual([]);
    const count = await countRows(services, "patients", seed.alpha.id);
    const ok = await asSession(app, frontDesk, "POST", "/api/patients", {
      ...probe,
      confirmedNotDuplicate: true,
    });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(await countRows(services, "patients", seed.alpha.id)).toBe(count + 1);
    // A clinician who registers a patient is their primary practitioner and sees them.
    const mine = await asSession(app, clinicianB, "POST", "/api/patients", {
      givenName: "Kai",
      familyName: "Newpatient",
      dateOfBirth: "2001-01-01",
      sex: "unknown",
    });
    expect(mine.statusCode, mine.body).toBe(201);
    expect(mine.json().primaryPractitionerId).toBe(staffB);
    expect((await asSession(app, clinicianB, "GET", `/api/patients/${mine.json().id}`)).statusCode).toBe(200);
    expect((await asSession(app, clinicianA, "GET", `/api/patients/${mine.json().id}`)).statusCode).toBe(404);
  });

  it("names in any script and text that looks like markup are stored and returned exactly as written", async () => {
    const names = [
      ["محمد", "العلي"],
      ["太郎", "山田"],
      ["Αλέξανδρος", "Παπαδόπουλος"],
      ["अनीता", "शर्मा"],
      ["Zoe\u0308", "Ngu\u1EC5n"],
      ["<script>alert(1)</script>", "O'Brien\"; drop table patients;--"],
      ["👩🏽‍⚕️", "Ä\u200Dx"],
    ];
    for (const [given, family] of names) {
      const r = await asSession(app, frontDesk, "POST", "/api/patients", {
        givenName: given,
        familyName: family,
        dateOfBirth: "1999-12-31",
        sex: "unknown",
        frontDeskNote: `<img src=x onerror=alert(1)> ${given}`,
        confirmedNotDuplicate: true,
      });
      expect(r.statusCode, r.body).toBe(201);
      const back = await asSession(app, frontDesk, "GET", `/api/patients/${r.json().id}`);
      expect(back.json()).toMatchObject({
        givenName: given,
        familyName: family,
        frontDeskNote: `<img src=x onerror=alert(1)> ${given}`,
      });
      const row = await services.systemDb
        .selectFrom("patients")
        .select(["given_name", "family_name"])
        .where("id", "=", r.json().id)
        .executeTakeFirstOrThrow();
      expect(Buffer.from(row.given_name)).toEqual(Buffer.from(given!));
      expect(Buffer.from(row.family_name)).toEqual(Buffer.from(family!));
    }
    const bad = await asSession(app, frontDesk, "POST", "/api/patients", {
      givenName: "A",
      familyName: "B",
      dateOfBirth: "1999-02-30",
      sex: "unknown",
    });
    expect(bad.statusCode).toBe(400);
  });

  it("extended demographics: SSN sealed and shown as its last four, guarantor, preferences", async () => {
    const r = await asSession(app, frontDesk, "PATCH", `/api/patients/${pNone}`, {
      preferredName: "Nad",
      genderIdentity: "Woman",
      pronouns: "she/her",
      language: "es",
      interpreterNeeded: true,
      contactMethod: "sms",
      mayLeaveMessage: false,
      mayText: true,
      guarantor: { relationship: "parent", givenName: "Nora", familyName: "Nobody", phone: "555-0100" },
      ssn: "123-45-6789",
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({
      preferredName: "Nad",
      interpreterNeeded: true,
      contactMethod: "sms",
      mayLeaveMessage: false,
      mayText: true,
      ssnLast4: "6789",
      guarantor: { relationship: "parent", givenName: "Nora", familyName: "Nobody" },
    });
    expect(r.body).not.toContain("123-45");
    const row = await services.systemDb
      .selectFrom("patients")
      .select("ssn_encrypted")
      .where("id", "=", pNone)
      .executeTakeFirstOrThrow();
    expect(row.ssn_encrypted).toMatch(/^v[12]/);
    expect(row.ssn_encrypted).not.toContain("6789");
    for (const body of [
      { ssn: "000-12-3456" },
      { guarantor: { relationship: "other" } },
      { primaryPractitionerId: randomUUID() },
      { dateOfBirth: "2999-01-01" },
    ]) {
      const bad = await asSession(app, frontDesk, "PATCH", `/api/patients/${pNone}`, body);
      expect(bad.statusCode, JSON.stringify(body)).toBe(400);
    }
  });

  it("coverages: dates checked, one active coverage per order and period, mistakes marked not deleted", async () => {
    const base = {
      order: "primary",
      payerName: "Acme Health",
      memberId: "M-1",
      subscriberRelationship: "self",
      effectiveFrom: "2026-01-01",
      effectiveTo: "2026-12-31",
    };
    const url = `/api/patients/${pNone}/coverages`;
    const first = await asSession(app, frontDesk, "POST", url, base);
    expect(first.statusCode, first.body).toBe(201);
    for (const [body, status] of [
      [{ ...base, effectiveTo: "2025-12-31" }, 400],
      [{ ...base, effectiveFrom: "2026-02-30" }, 400],
      [{ ...base, subscriberRelationship: "spouse" }, 400],
      [{ ...base, effectiveFrom: "2026-06-01", effectiveTo: null }, 409],
      [{ ...base, effectiveFrom: "2025-01-01", effectiveTo: "2026-01-01" }, 409],
    ] as const) {
      const r = await asSession(app, frontDesk, "POST", url, body);
      expect(r.statusCode, JSON.stringify(body)).toBe(status);
    }
    const next = await asSession(app, frontDesk, "POST", url, {
      ...base,
      effectiveFrom: "2027-01-01",
      effectiveTo: null,
    });
    expect(next.statusCode).toBe(201);
    const secondary = await asSession(app, frontDesk, "POST", url, {
      ...base,
      order: "secondary",
      payerName: "Spouse Plan",
      subscriberRelationship: "spouse",
      subscriberGivenName: "Sam",
      subscriberFamilyName: "Nobody",
    });
    expect(secondary.statusCode, secondary.body).toBe(201);
    const err = await asSession(app, frontDesk, "PATCH", `${url}/${first.json().id}`, {
      status: "entered-in-error",
    });
    expect(err.statusCode, err.body).toBe(200);
    const replace = await asSession(app, frontDesk, "POST", url, { ...base, payerName: "Correct Payer" });
    expect(replace.statusCode).toBe(201);
    const list = await asSession(app, biller, "GET", url);
    expect(list.json().items).toHaveLength(4);
    // Clinician A has no relation with this patient.
    expect((await asSession(app, clinicianA, "GET", url)).statusCode).toBe(404);
    const consent = await asSession(app, frontDesk, "POST", `/api/patients/${pNone}/consents`, {
      kind: "confidential-communication",
      status: "active",
      effectiveFrom: "2026-03-01",
      note: "Mail to the work address only",
    });
    expect(consent.statusCode, consent.body).toBe(201);
    const revoked = await asSession(
      app,
      frontDesk,
      "PATCH",
      `/api/patients/${pNone}/consents/${consent.json().id}`,
      {
        status: "revoked",
        effectiveTo: "2026-03-02",
      },
    );
    expect(revoked.json()).toMatchObject({ status: "revoked", effectiveTo: "2026-03-02" });
  });

  it("merge moves everything of the duplicate to the surviving record, and undo restores every row exactly", async () => {
    const dup = await asSession(app, frontDesk, "POST", "/api/patients", {
      givenName: "Nadia",
      familyName: "Nobody",
      dateOfBirth: "1991-09-09",
      sex: "female",
      confirmedNotDuplicate: true,
    });
    const source = dup.json().id;
    await asSession(app, frontDesk, "POST", `/api/patients/${source}/coverages`, {
      order: "primary",
      payerName: "Dup Payer",
      memberId: "D-1",
      subscriberRelationship: "self",
      effectiveFrom: "2020-01-01",
      effectiveTo: "2020-12-31",
    });
    await asSession(app, frontDesk, "POST", `/api/patients/${source}/consents`, {
      kind: "treatment",
      status: "active",
      effectiveFrom: "2020-01-01",
    });
    const snapshot = async () => {
      const db = services.systemDb;
      const org = seed.alpha.id;
      return {
        patients: await db
          .selectFrom("patients")
          .selectAll()
          .where("organization_id", "=", org)
          .orderBy("id")
          .execute(),
        coverages: await db
          .selectFrom("coverages")
          .selectAll()
          .where("organization_id", "=", org)
          .orderBy("id")
          .execute(),
        consents: await db
          .selectFrom("patient_consents")
          .selectAll()
          .where("organization_id", "=", org)
          .orderBy("id")
          .execute(),
        appointments: await db
          .selectFrom("appointments")
          .selectAll()
          .where("organization_id", "=", org)
          .orderBy("id")
          .execute(),
        care: await db
          .selectFrom("care_team_grants")
          .selectAll()
          .where("organization_id", "=", org)
          .orderBy("id")
          .execute(),
      };
    };
    // Give the duplicate a visit too (moved by the merge).
    await services.systemDb
      .updateTable("appointments")
      .set({ patient_id: source })
      .where("organization_id", "=", seed.alpha.id)
      .where("patient_id", "=", pB)
      .where("status", "=", "cancelled")
      .execute();
    const before = await snapshot();
    const merge = await asSession(app, frontDesk, "POST", `/api/patients/${pNone}/merge`, {
      sourcePatientId: source,
    });
    expect(merge.statusCode, merge.body).toBe(200);
    expect(merge.json().moved).toEqual({ appointments: 1, coverages: 1, patient_consents: 1 });
    const gone = await asSession(app, frontDesk, "GET", `/api/patients/${source}`);
    expect(gone.json()).toMatchObject({ mergedIntoId: pNone, active: false });
    expect((await visibleTo(frontDesk, "/api/patients?q=Nobody")).ids).toEqual([pNone]);
    const covs = await asSession(app, frontDesk, "GET", `/api/patients/${pNone}/coverages`);
    expect(covs.json().items.map((c: { payerName: string }) => c.payerName)).toContain("Dup Payer");
    expect(
      (await asSession(app, frontDesk, "GET", `/api/patients/${source}/coverages`)).json().items,
    ).toEqual([]);
    // A merged record cannot be merged again or edited.
    const twice = await asSession(app, frontDesk, "POST", `/api/patients/${pNone}/merge`, {
      sourcePatientId: source,
    });
    expect(twice.statusCode).toBe(409);
    expect(
      (await asSession(app, frontDesk, "PATCH", `/api/patients/${source}`, { city: "X" })).statusCode,
    ).toBe(409);
    const undo = await asSession(app, frontDesk, "POST", `/api/patient-merges/${merge.json().id}/undo`);
    expect(undo.statusCode, undo.body).toBe(200);
    expect(await snapshot()).toEqual(before);
    expect(
      (await asSession(app, frontDesk, "POST", `/api/patient-merges/${merge.json().id}/undo`)).statusCode,
    ).toBe(409);
    // Merging is front-office work: a clinician may not (or a record opened by break-glass could be
    // merged into their own patient and kept), whatever the ids.
    const byA = await asSession(app, clinicianA, "POST", `/api/patients/${pA}/merge`, {
      sourcePatientId: source,
    });
    expect(byA.statusCode).toBe(403);
    const undoByA = await asSession(app, clinicianA, "POST", `/api/patient-merges/${merge.json().id}/undo`);
    const undoMissing = await asSession(app, clinicianA, "POST", `/api/patient-merges/${randomUUID()}/undo`);
    expect(undoByA.statusCode).toBe(404);
    expect(comparable(undoByA)).toEqual(comparable(undoMissing));
  });
});

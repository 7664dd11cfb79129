import { randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  asBearer,
  asSession,
  auditAfter,
  auditSeq,
  bearer,
  closeTestServices,
  countRows,
  createTestApp,
  createTestServices,
  dialect,
  enrollMfa,
  PASSWORD,
  type Seed,
  type SignedIn,
  seedTwoOrgs,
  signIn,
  type TestServices,
  totpAt,
} from "../testing/harness.ts";
import { PLATFORM_CHAIN } from "./append-audit.ts";

/**
 * SEC-AUD-01/03: each read, search, write, refusal and security event appends exactly the expected entry
 * (who, organization, action, resource, patient, outcome, address, request id), in the same transaction as
 * the work it records.
 */
describe(`audit entries (${dialect})`, () => {
  let services: TestServices;
  let app: FastifyInstance;
  let seed: Seed;
  let clinician: SignedIn;
  let admin: SignedIn;
  const IP = "203.0.113.7";

  beforeAll(async () => {
    services = await createTestServices();
    seed = await seedTwoOrgs(services);
    ({ app } = await createTestApp(services));
    // Clinicians see only patients they treat: make the clinician the seeded practitioner and the
    // primary practitioner of both seeded patients.
    await services.systemDb
      .updateTable("staff_members")
      .set({ user_id: seed.alpha.users.clinician.id })
      .where("organization_id", "=", seed.alpha.id)
      .where("id", "=", seed.alpha.practitionerId)
      .execute();
    await services.systemDb
      .updateTable("patients")
      .set({ primary_practitioner_id: seed.alpha.practitionerId })
      .where("organization_id", "=", seed.alpha.id)
      .execute();
    clinician = await signIn(app, seed.alpha.users.clinician.email);
    admin = await signIn(app, seed.alpha.users.admin.email);
  });
  afterAll(async () => {
    await app?.close();
    await closeTestServices(services);
  });

  /** Runs `fn` and answers the entries it appended to a chain (alpha's by default). */
  async function appended<T>(fn: () => Promise<T>, chain = seed.alpha.id) {
    const before = await auditSeq(services, chain);
    const result = await fn();
    return { result, entries: await auditAfter(services, chain, before) };
  }

  const asClinician = (method: "GET" | "POST" | "PATCH", url: string, body?: unknown) =>
    asSession(app, clinician, method, url, body, { ip: IP });

  function who(role: "clinician" | "admin" | "hr") {
    return {
      organization_id: seed.alpha.id,
      chain_id: seed.alpha.id,
      user_id: seed.alpha.users[role].id,
      actor: seed.alpha.users[role].email,
    };
  }

  it("reading a patient appends one patient.read entry naming the patient", async () => {
    const id = seed.alpha.patientIds[0];
    const { result, entries } = await appended(() => asClinician("GET", `/api/patients/${id}`));
    expect(result.statusCode).toBe(200);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      ...who("clinician"),
      action: "patient.read",
      resource_type: "Patient",
      resource_id: id,
      patient_id: id,
      outcome: "success",
      ip: IP,
      request_id: result.headers["x-request-id"],
    });
    // …and how the record was opened (records/patient-access.ts): the clinician treats this patient.
    expect(JSON.parse(entries[0]!.detail!)).toEqual({ via: "session", access: "treating" });
    expect(Date.parse(entries[0]!.at)).toBe(services.clock().getTime());
  });

  it("a patient search records the ids of the patients it returned", async () => {
    const { result, entries } = await appended(() => asClinician("GET", "/api/patients?q=CANARY"));
    expect(result.statusCode).toBe(200);
    const returned = result.json().items.map((p: { id: string }) => p.id);
    expect(returned).toHaveLength(2);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      ...who("clinician"),
      action: "patient.search",
      outcome: "success",
      ip: IP,
    });
    const detail = JSON.parse(entries[0]!.detail!);
    expect(detail.ids).toEqual(returned);
    expect(detail.query.q).toBe("CANARY");
    // and a FHIR search records the same
    const fhir = await appended(() => asClinician("GET", `/fhir/R4/Patient?_id=${seed.alpha.patientIds[1]}`));
    expect(fhir.entries).toHaveLength(1);
    expect(JSON.parse(fhir.entries[0]!.detail!).ids).toEqual([seed.alpha.patientIds[1]]);
  });

  it("reading a missing patient appends a failure entry; a refused route a denied one", async () => {
    const missing = randomUUID();
    const { result, entries } = await appended(() => asClinician("GET", `/api/patients/${missing}`));
    expect(result.statusCode).toBe(404);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      ...who("clinician"),
      action: "patient.read",
      resource_id: missing,
      patient_id: missing,
      outcome: "failure",
      ip: IP,
    });
    expect(JSON.parse(entries[0]!.detail!)).toMatchObject({ error: "not_found" });

    const refused = await appended(() => asClinician("GET", "/api/users"));
    expect(refused.result.statusCode).toBe(403);
    expect(refused.entries).toHaveLength(1);
    expect(refused.entries[0]).toMatchObject({
      ...who("clinician"),
      action: "permission.denied",
      resource_type: "Route",
      resource_id: "GET /api/users",
      outcome: "denied",
      ip: IP,
    });
  });

  it("creating and updating a patient, staff member and location each append one success entry", async () => {
    const p = await appended(() =>
      asClinician("POST", "/api/patients", {
        givenName: "Ada",
        familyName: "Audit",
        dateOfBirth: "1990-01-01",
        sex: "female",
      }),
    );
    expect(p.result.statusCode).toBe(201);
    const pid = p.result.json().id;
    expect(p.entries).toHaveLength(1);
    expect(p.entries[0]).toMatchObject({
      ...who("clinician"),
      action: "patient.create",
      resource_type: "Patient",
      resource_id: pid,
      patient_id: pid,
      outcome: "success",
      ip: IP,
    });
    const pu = await appended(() =>
      asClinician("PATCH", `/api/patients/${pid}`, { city: "Austin", phone: "555" }),
    );
    expect(pu.result.statusCode).toBe(200);
    expect(pu.entries).toHaveLength(1);
    expect(pu.entries[0]).toMatchObject({ action: "patient.update", patient_id: pid, outcome: "success" });
    expect(JSON.parse(pu.entries[0]!.detail!).fields).toEqual(["city", "phone"]);

    const hr = await signIn(app, seed.alpha.users.hr.email);
    const s = await appended(() =>
      asSession(
        app,
        hr,
        "POST",
        "/api/staff",
        { kind: "staff", givenName: "Al", familyName: "Audit" },
        { ip: IP },
      ),
    );
    expect(s.result.statusCode).toBe(201);
    const sid = s.result.json().id;
    expect(s.entries).toHaveLength(1);
    expect(s.entries[0]).toMatchObject({
      ...who("hr"),
      action: "staff.create",
      resource_type: "StaffMember",
      resource_id: sid,
      patient_id: null,
      outcome: "success",
      ip: IP,
    });
    const su = await appended(() =>
      asSession(app, hr, "PATCH", `/api/staff/${sid}`, { jobTitle: "Nurse" }, { ip: IP }),
    );
    expect(su.entries).toHaveLength(1);
    expect(su.entries[0]).toMatchObject({
      ...who("hr"),
      action: "staff.update",
      resource_id: sid,
      outcome: "success",
    });

    const l = await appended(() =>
      asSession(
        app,
        admin,
        "POST",
        "/api/locations",
        { name: "Annex", timeZone: "America/Denver" },
        { ip: IP },
      ),
    );
    expect(l.result.statusCode).toBe(201);
    const lid = l.result.json().id;
    expect(l.entries).toHaveLength(1);
    expect(l.entries[0]).toMatchObject({
      ...who("admin"),
      action: "location.create",
      resource_type: "Location",
      resource_id: lid,
      outcome: "success",
      ip: IP,
    });
    const lu = await appended(() =>
      asSession(app, admin, "PATCH", `/api/locations/${lid}`, { city: "Denver" }, { ip: IP }),
    );
    expect(lu.entries).toHaveLength(1);
    expect(lu.entries[0]).toMatchObject({
      ...who("admin"),
      action: "location.update",
      resource_id: lid,
      outcome: "success",
    });
  });

  it("sign-in success and failures (known and unknown account) are recorded", async () => {
    const ok = await appended(() =>
      app.inject({
        method: "POST",
        url: "/api/auth/login",
        remoteAddress: "198.51.100.1",
        payload: { email: seed.alpha.users.biller.email, password: PASSWORD },
      }),
    );
    expect(ok.result.statusCode).toBe(200);
    expect(ok.entries).toHaveLength(1);
    expect(ok.entries[0]).toMatchObject({
      organization_id: seed.alpha.id,
      user_id: seed.alpha.users.biller.id,
      actor: seed.alpha.users.biller.email,
      action: "auth.sign_in",
      outcome: "success",
      ip: "198.51.100.1",
    });

    const wrong = await appended(() =>
      app.inject({
        method: "POST",
        url: "/api/auth/login",
        remoteAddress: "198.51.100.2",
        payload: { email: seed.alpha.users.biller.email.toUpperCase(), password: "not the password at all" },
      }),
    );
    expect(wrong.result.statusCode).toBe(401);
    expect(wrong.entries).toHaveLength(1);
    expect(wrong.entries[0]).toMatchObject({
      organization_id: seed.alpha.id,
      user_id: seed.alpha.users.biller.id,
      actor: seed.alpha.users.biller.email,
      action: "auth.sign_in",
      outcome: "failure",
      ip: "198.51.100.2",
    });
    expect(JSON.parse(wrong.entries[0]!.detail!)).toEqual({ reason: "wrong_password" });

    const unknown = await appended(
      () =>
        app.inject({
          method: "POST",
          url: "/api/auth/login",
          remoteAddress: "198.51.100.3",
          payload: { email: "Nobody@Alpha.test", password: "whatever it is here" },
        }),
      PLATFORM_CHAIN,
    );
    expect(unknown.result.statusCode).toBe(401);
    expect(unknown.entries).toHaveLength(1);
    expect(unknown.entries[0]).toMatchObject({
      organization_id: null,
      user_id: null,
      actor: "nobody@alpha.test",
      action: "auth.sign_in",
      outcome: "failure",
      ip: "198.51.100.3",
    });
    expect(JSON.parse(unknown.entries[0]!.detail!)).toEqual({ reason: "unknown_account" });
  });

  it("MFA enrolment and verification are recorded", async () => {
    const s = await signIn(app, seed.alpha.users["front-desk"].email);
    const enrol = await appended(() => enrollMfa(app, s, services.clock));
    const enrolEntries = enrol.entries.filter((e) => e.action === "auth.mfa.enroll");
    expect(enrolEntries).toHaveLength(1);
    expect(enrolEntries[0]).toMatchObject({
      user_id: seed.alpha.users["front-desk"].id,
      organization_id: seed.alpha.id,
      outcome: "success",
    });
    const again = await signIn(app, seed.alpha.users["front-desk"].email);
    expect(again.status).toBe("mfa_required");
    const bad = await appended(() =>
      asSession(app, again, "POST", "/api/auth/mfa/verify", { code: "000000" }, { ip: IP }),
    );
    expect(bad.result.statusCode).toBe(401);
    expect(bad.entries).toHaveLength(1);
    expect(bad.entries[0]).toMatchObject({ action: "auth.mfa", outcome: "failure", ip: IP });
    const code = await totpAt(enrol.result.secret, services.clock);
    const good = await appended(() =>
      asSession(app, again, "POST", "/api/auth/mfa/verify", { code }, { ip: IP }),
    );
    expect(good.result.statusCode).toBe(200);
    expect(good.entries).toHaveLength(1);
    expect(good.entries[0]).toMatchObject({
      action: "auth.mfa",
      outcome: "success",
      user_id: seed.alpha.users["front-desk"].id,
      ip: IP,
    });
  });

  it("bearer token use is recorded (at most once a minute per token), a refused token too", async () => {
    const token = await bearer(services, seed.alpha, seed.alpha.users.biller.email);
    const tokenRow = await services.systemDb
      .selectFrom("api_tokens")
      .select("id")
      .where("organization_id", "=", seed.alpha.id)
      .orderBy("created_at", "desc")
      .orderBy("id")
      .execute();
    const first = await appended(() => asBearer(app, token, "GET", "/api/locations", undefined, { ip: IP }));
    expect(first.result.statusCode).toBe(200);
    expect(first.entries).toHaveLength(1);
    expect(first.entries[0]).toMatchObject({
      organization_id: seed.alpha.id,
      user_id: seed.alpha.users.biller.id,
      actor: seed.alpha.users.biller.email,
      action: "auth.token.use",
      resource_type: "ApiToken",
      outcome: "success",
      ip: IP,
    });
    expect(tokenRow.map((t) => t.id)).toContain(first.entries[0]!.resource_id);
    const soon = await appended(() => asBearer(app, token, "GET", "/api/locations"));
    expect(soon.entries).toHaveLength(0);
    services.clock.advance(61_000);
    const later = await appended(() => asBearer(app, token, "GET", "/api/locations"));
    expect(later.entries.map((e) => e.action)).toEqual(["auth.token.use"]);
    const unknown = await appended(
      () => asBearer(app, `salus_${"Z".repeat(43)}`, "GET", "/api/locations"),
      PLATFORM_CHAIN,
    );
    expect(unknown.result.statusCode).toBe(401);
    expect(unknown.entries).toHaveLength(1);
    expect(unknown.entries[0]).toMatchObject({ action: "auth.token.use", outcome: "denied", user_id: null });
    expect(JSON.parse(unknown.entries[0]!.detail!)).toEqual({ reason: "unknown_token" });
  });

  it("disabling a user is recorded, and so is the end of their session", async () => {
    const target = seed.alpha.users.manager;
    const victim = await signIn(app, target.email);
    const d = await appended(() =>
      asSession(app, admin, "PATCH", `/api/users/${target.id}`, { disabled: true }, { ip: IP }),
    );
    expect(d.result.statusCode).toBe(200);
    expect(d.entries).toHaveLength(1);
    expect(d.entries[0]).toMatchObject({
      ...who("admin"),
      action: "user.update",
      resource_type: "User",
      resource_id: target.id,
      outcome: "success",
      ip: IP,
    });
    expect(JSON.parse(d.entries[0]!.detail!)).toMatchObject({ disabled: true });
    // The disable itself ended the session (revoked in the same transaction), so the next request is
    // simply unauthenticated and appends nothing more.
    const sessions = await services.systemDb
      .selectFrom("sessions")
      .select("revoked_at")
      .where("user_id", "=", target.id)
      .execute();
    expect(sessions.length).toBeGreaterThan(0);
    for (const row of sessions) expect(row.revoked_at).toBe(services.clock().toISOString());
    const after = await appended(() => asSession(app, victim, "GET", "/api/locations"));
    expect(after.result.statusCode).toBe(401);
    expect(after.entries).toEqual([]);
  });

  it("a write that fails leaves no row and no success entry (audit in the same transaction)", async () => {
    // A conflicting MRN: the write is refused, the refusal recorded, no success entry.
    const mrnOf = await services.systemDb
      .selectFrom("patients")
      .select("mrn")
      .where("id", "=", seed.alpha.patientIds[0])
      .executeTakeFirstOrThrow();
    const patientsBefore = await countRows(services, "patients");
    const clash = await appended(() =>
      asClinician("POST", "/api/patients", {
        mrn: mrnOf.mrn,
        givenName: "Dup",
        familyName: "Licate",
        dateOfBirth: "2000-01-01",
        sex: "male",
      }),
    );
    expect(clash.result.statusCode).toBe(409);
    expect(clash.entries.map((e) => [e.action, e.outcome])).toEqual([["patient.create", "failure"]]);
    expect(await countRows(services, "patients")).toBe(patientsBefore);

    // The audit store refuses the entry after the patient row was inserted: the row must roll back too.
    if (dialect === "postgres") {
      await sql`create function test_fail_audit() returns trigger language plpgsql as $$
        begin if new.action = 'patient.create' then raise exception 'audit store unavailable'; end if;
        return new; end $$`.execute(services.systemDb);
      await sql`create trigger test_fail_audit before insert on audit_entries
        for each row execute function test_fail_audit()`.execute(services.systemDb);
    } else {
      await sql`create trigger test_fail_audit before insert on audit_entries when new.action = 'patient.create'
        begin select raise(abort, 'audit store unavailable'); end`.execute(services.systemDb);
    }
    try {
      const failed = await appended(() =>
        asClinician("POST", "/api/patients", {
          givenName: "Never",
          familyName: "Written",
          dateOfBirth: "2001-02-03",
          sex: "other",
        }),
      );
      expect(failed.result.statusCode).toBe(500);
      expect(failed.result.json().error.code).toBe("internal");
      expect(failed.result.body).not.toMatch(/audit store|insert|audit_entries|trigger/i);
      expect(failed.entries).toEqual([]);
      expect(await countRows(services, "patients")).toBe(patientsBefore);
      const ghost = await services.systemDb
        .selectFrom("patients")
        .select("id")
        .where("family_name", "=", "Written")
        .execute();
      expect(ghost).toEqual([]);
    } finally {
      await sql`drop trigger test_fail_audit${sql.raw(dialect === "postgres" ? " on audit_entries" : "")}`.execute(
        services.systemDb,
      );
    }
    // and with the audit store back, the same write succeeds with its entry
    const ok = await appended(() =>
      asClinician("POST", "/api/patients", {
        givenName: "Now",
        familyName: "Written",
        dateOfBirth: "2001-02-03",
        sex: "other",
      }),
    );
    expect(ok.result.statusCode).toBe(201);
    expect(ok.entries.map((e) => [e.action, e.outcome])).toEqual([["patient.create", "success"]]);
  });

  it("the whole trail still verifies after all of the above", async () => {
    const { verifyAuditTrail } = await import("./verify-audit.ts");
    for (const v of await verifyAuditTrail(services.db, services.secrets.auditKey)) expect(v.ok).toBe(true);
  });
});

import { randomUUID } from "node:crypto";
import { ROLES, type Role } from "@salus/core";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  asBearer,
  asSession,
  bearer,
  closeTestServices,
  createTestApp,
  createTestServices,
  dialect,
  type Method,
  nextIp,
  type Seed,
  type SignedIn,
  seedTwoOrgs,
  signIn,
  type TestServices,
} from "../testing/harness.ts";

// Each test walks the whole route inventory (every role x every route), which grows with every slice:
// minutes on PostgreSQL on a loaded 2-core machine, so this file gets a longer limit than the default.
vi.setConfig({ testTimeout: 600_000 });

/**
 * SEC-AZ-02/05: a user of `alpha` can neither see nor change anything of `beta`. An id of beta's answers
 * exactly like an id that does not exist (no existence oracle), and lists, searches, counts, FHIR search,
 * the audit trail and its CSV export never contain beta's data.
 */
describe(`tenant isolation (${dialect})`, () => {
  let services: TestServices;
  let app: FastifyInstance;
  let seed: Seed;
  const alphaSessions = {} as Record<Role | "all", SignedIn>;
  let alphaToken: string;
  let betaMrns: string[];

  beforeAll(async () => {
    services = await createTestServices();
    seed = await seedTwoOrgs(services);
    ({ app } = await createTestApp(services));
    for (const role of ROLES) alphaSessions[role] = await signIn(app, seed.alpha.users[role].email);
    alphaSessions.all = await signIn(app, seed.alpha.allRoles.email);
    alphaToken = await bearer(services, seed.alpha, seed.alpha.allRoles.email, "manager");
    // Beta's own users work with their records, so beta's audit chain holds beta users, patients, searches.
    const betaAll = await signIn(app, seed.beta.allRoles.email);
    for (const id of seed.beta.patientIds) await asSession(app, betaAll, "GET", `/api/patients/${id}`);
    await asSession(app, betaAll, "GET", `/api/patients?q=${seed.beta.canaries[0]}`);
    await asSession(app, betaAll, "PATCH", `/api/patients/${seed.beta.patientIds[1]}`, { city: "Betaville" });
    const rows = await services.systemDb
      .selectFrom("patients")
      .select("mrn")
      .where("organization_id", "=", seed.beta.id)
      .execute();
    betaMrns = rows.map((r) => r.mrn);
  });
  afterAll(async () => {
    await app?.close();
    await closeTestServices(services);
  });

  /** Strings that exist only in beta's data: none may appear in anything alpha is shown. */
  function betaNeedles(): string[] {
    const b = seed.beta;
    return [
      b.id,
      ...b.canaries,
      ...b.patientIds,
      ...betaMrns,
      b.locationId,
      b.roomId,
      b.equipmentId,
      b.practitionerId,
      b.practitionerNpi,
      b.staffId,
      b.licenseId,
      b.tokenId,
      ...Object.values(b.users).flatMap((u) => [u.id, u.email]),
      b.allRoles.id,
      b.allRoles.email,
      "Beta Clinic",
      "Betaville",
    ];
  }
  function expectNoBeta(response: LightMyRequestResponse, what: string) {
    for (const needle of betaNeedles())
      expect(response.body, `${what} leaks ${needle}`).not.toContain(needle);
  }

  /** Every row that belongs to beta, to prove nothing of beta's changed. */
  async function betaSnapshot() {
    const db = services.systemDb;
    const b = seed.beta.id;
    const userIds = [...Object.values(seed.beta.users).map((u) => u.id), seed.beta.allRoles.id];
    return {
      organizations: await db.selectFrom("organizations").selectAll().where("id", "=", b).execute(),
      locations: await db
        .selectFrom("locations")
        .selectAll()
        .where("organization_id", "=", b)
        .orderBy("id")
        .execute(),
      rooms: await db
        .selectFrom("rooms")
        .selectAll()
        .where("organization_id", "=", b)
        .orderBy("id")
        .execute(),
      equipment: await db
        .selectFrom("equipment")
        .selectAll()
        .where("organization_id", "=", b)
        .orderBy("id")
        .execute(),
      staff: await db
        .selectFrom("staff_members")
        .selectAll()
        .where("organization_id", "=", b)
        .orderBy("id")
        .execute(),
      licenses: await db
        .selectFrom("practitioner_licenses")
        .selectAll()
        .where("organization_id", "=", b)
        .orderBy("id")
        .execute(),
      patients: await db
        .selectFrom("patients")
        .selectAll()
        .where("organization_id", "=", b)
        .orderBy("id")
        .execute(),
      users: await db.selectFrom("users").selectAll().where("id", "in", userIds).orderBy("id").execute(),
      memberships: await db
        .selectFrom("memberships")
        .selectAll()
        .where("organization_id", "=", b)
        .orderBy("user_id")
        .orderBy("role")
        .execute(),
      tokens: await db
        .selectFrom("api_tokens")
        .selectAll()
        .where("organization_id", "=", b)
        .orderBy("id")
        .execute(),
      sessions: await db
        .selectFrom("sessions")
        .select(["id", "revoked_at"])
        .where("organization_id", "=", b)
        .orderBy("id")
        .execute(),
      audit: await db
        .selectFrom("audit_entries")
        .select(["seq", "hash"])
        .where("chain_id", "=", b)
        .orderBy("seq")
        .execute(),
    };
  }

  /** The answer with the parts that differ per request (request ids) removed. */
  function comparable(response: LightMyRequestResponse) {
    const body = response.body ? response.json() : null;
    if (body?.error) delete body.error.requestId;
    if (body?.resourceType === "OperationOutcome") for (const i of body.issue) delete i.diagnostics;
    return { status: response.statusCode, body };
  }

  // Runs first: audit search and export before alpha has typed any of beta's ids into a request.
  it("the audit trail and its CSV export show alpha's entries only", async () => {
    const po = alphaSessions["privacy-officer"];
    const search = await asSession(app, po, "GET", "/api/audit?limit=500");
    expect(search.statusCode).toBe(200);
    const page = search.json();
    expect(page.total).toBeGreaterThan(5);
    expect(page.items.length).toBe(Math.min(500, page.total));
    for (const e of page.items) expect(e.organizationId).toBe(seed.alpha.id);
    const alphaCount = await services.systemDb
      .selectFrom("audit_entries")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("organization_id", "=", seed.alpha.id)
      .executeTakeFirstOrThrow();
    // total counts alpha's entries (the search itself is committed after it counted)
    expect(page.total).toBe(Number(alphaCount.n) - 1);
    expectNoBeta(search, "audit search");

    const csv = await asSession(app, po, "GET", "/api/audit/export.csv");
    expect(csv.statusCode).toBe(200);
    expect(csv.body.split("\n").length).toBeGreaterThan(5);
    expect(csv.body).toContain(seed.alpha.allRoles.email);
    expectNoBeta(csv, "audit CSV");
    // Filters alpha types itself (they are on alpha's trail from here on) still select nothing of beta's.
    for (const filter of [
      `patientId=${seed.beta.patientIds[0]}`,
      `userId=${seed.beta.allRoles.id}`,
      "action=patient.read",
      "action=patient.update",
    ]) {
      const r = await asSession(app, po, "GET", `/api/audit?${filter}`);
      expect(r.statusCode, filter).toBe(200);
      for (const e of r.json().items) expect(e.organizationId).toBe(seed.alpha.id);
      if (filter.startsWith("patientId") || filter.startsWith("userId")) expect(r.json().total).toBe(0);
      if (filter === "action=patient.update") expect(r.json().total).toBe(0);
    }
    const csvFiltered = await asSession(
      app,
      po,
      "GET",
      `/api/audit/export.csv?patientId=${seed.beta.patientIds[1]}`,
    );
    expect(csvFiltered.body.trim().split("\n")).toHaveLength(1);
    const actions = await asSession(app, po, "GET", "/api/audit/actions");
    expect(actions.json()).not.toContain("patient.update");
  });

  it("lists, searches and counts never include beta's records", async () => {
    const s = alphaSessions.all;
    const lists: [string, number][] = [
      ["/api/patients", 2],
      ["/api/patients?q=CANARY", 2],
      [`/api/patients?q=${seed.beta.canaries[0]}`, 0],
      [`/api/patients?q=${betaMrns[0]}`, 0],
      ["/api/patients?q=1975-11-02", 1],
      ["/api/staff", 2],
      [`/api/staff?q=${seed.beta.practitionerNpi}`, 0],
      ["/api/staff?q=beta", 0],
      ["/api/locations", 1],
      ["/api/locations?q=Beta", 0],
      ["/api/rooms", 1],
      [`/api/rooms?locationId=${seed.beta.locationId}`, 0],
      ["/api/equipment", 1],
      [`/api/equipment?locationId=${seed.beta.locationId}`, 0],
      ["/api/users", 8],
      ["/api/tokens", 2],
    ];
    for (const [url, total] of lists) {
      const r = await asSession(app, s, "GET", url);
      expect(r.statusCode, url).toBe(200);
      expect(r.json().total, url).toBe(total);
      expect(r.json().items.length, url).toBe(total);
      const items = JSON.stringify(r.json().items);
      for (const needle of betaNeedles()) expect(items, `${url} leaks ${needle}`).not.toContain(needle);
    }
  });

  it("FHIR search (names, identifiers, _id) never includes beta's resources", async () => {
    const s = alphaSessions.all;
    const b = seed.beta;
    const searches: [string, number][] = [
      ["/fhir/R4/Patient", 2],
      ["/fhir/R4/Patient?name=CANARY", 2],
      [`/fhir/R4/Patient?name=${b.canaries[0]}`, 0],
      [`/fhir/R4/Patient?family=${b.canaries[1]}`, 0],
      [`/fhir/R4/Patient?_id=${b.patientIds[0]}`, 0],
      [`/fhir/R4/Patient?identifier=${betaMrns[0]}`, 0],
      ["/fhir/R4/Patient?birthdate=1975-11-02", 1],
      ["/fhir/R4/Practitioner", 1],
      [`/fhir/R4/Practitioner?_id=${b.practitionerId}`, 0],
      [`/fhir/R4/Practitioner?identifier=${b.practitionerNpi}`, 0],
      ["/fhir/R4/Practitioner?name=beta", 0],
      ["/fhir/R4/Location", 1],
      [`/fhir/R4/Location?_id=${b.locationId}`, 0],
      ["/fhir/R4/Location?name=Beta", 0],
      ["/fhir/R4/Organization", 1],
      [`/fhir/R4/Organization?_id=${b.id}`, 0],
      ["/fhir/R4/Organization?name=Beta", 0],
    ];
    for (const [url, total] of searches) {
      const r = await asSession(app, s, "GET", url);
      expect(r.statusCode, url).toBe(200);
      const bundle = r.json();
      expect(bundle.resourceType).toBe("Bundle");
      expect(bundle.total, url).toBe(total);
      expect((bundle.entry ?? []).length, url).toBe(total);
      const entries = JSON.stringify(bundle.entry ?? []);
      for (const needle of betaNeedles()) expect(entries, `${url} leaks ${needle}`).not.toContain(needle);
    }
  });

  /** Requests on beta's ids, each paired with the same request on an id that does not exist. */
  interface Probe {
    method: Method;
    beta: string;
    missing: string;
    body?: unknown;
    missingBody?: unknown;
  }
  function probes(): Probe[] {
    const b = seed.beta;
    const a = seed.alpha;
    const none = () => randomUUID();
    const pairs: Probe[] = [];
    const add = (
      method: Method,
      betaUrl: string,
      missingUrl: string,
      body?: unknown,
      missingBody?: unknown,
    ) => pairs.push({ method, beta: betaUrl, missing: missingUrl, body, missingBody: missingBody ?? body });
    for (const id of b.patientIds) {
      const n = none();
      add("GET", `/api/patients/${id}`, `/api/patients/${n}`);
      add("PATCH", `/api/patients/${id}`, `/api/patients/${n}`, { givenName: "Mallory" });
      add("GET", `/fhir/R4/Patient/${id}`, `/fhir/R4/Patient/${n}`);
    }
    for (const id of [b.practitionerId, b.staffId]) {
      const n = none();
      add("GET", `/api/staff/${id}`, `/api/staff/${n}`);
      add("PATCH", `/api/staff/${id}`, `/api/staff/${n}`, { jobTitle: "Mallory" });
      add("POST", `/api/staff/${id}/licenses`, `/api/staff/${n}/licenses`, {
        state: "TX",
        number: "EVIL-1",
        expiresOn: "2030-01-01",
      });
    }
    const nl = none();
    add(
      "PATCH",
      `/api/staff/${b.practitionerId}/licenses/${b.licenseId}`,
      `/api/staff/${nl}/licenses/${none()}`,
      {
        number: "EVIL-2",
      },
    );
    add(
      "DELETE",
      `/api/staff/${b.practitionerId}/licenses/${b.licenseId}`,
      `/api/staff/${nl}/licenses/${none()}`,
    );
    // beta's license under alpha's own practitioner
    add(
      "PATCH",
      `/api/staff/${a.practitionerId}/licenses/${b.licenseId}`,
      `/api/staff/${a.practitionerId}/licenses/${none()}`,
      { number: "EVIL-3" },
    );
    add(
      "DELETE",
      `/api/staff/${a.practitionerId}/licenses/${b.licenseId}`,
      `/api/staff/${a.practitionerId}/licenses/${none()}`,
    );
    add("GET", `/fhir/R4/Practitioner/${b.practitionerId}`, `/fhir/R4/Practitioner/${none()}`);
    for (const [path, id] of [
      ["locations", b.locationId],
      ["rooms", b.roomId],
      ["equipment", b.equipmentId],
    ] as const) {
      const n = none();
      add("GET", `/api/${path}/${id}`, `/api/${path}/${n}`);
      add("PATCH", `/api/${path}/${id}`, `/api/${path}/${n}`, { name: "Mallory" });
    }
    add("GET", `/fhir/R4/Location/${b.locationId}`, `/fhir/R4/Location/${none()}`);
    add("GET", `/fhir/R4/Organization/${b.id}`, `/fhir/R4/Organization/${none()}`);
    // ids inside bodies
    add(
      "POST",
      "/api/rooms",
      "/api/rooms",
      { locationId: b.locationId, name: "Mallory" },
      { locationId: none(), name: "Mallory" },
    );
    add(
      "POST",
      "/api/equipment",
      "/api/equipment",
      { locationId: b.locationId, name: "Mallory", kind: "x" },
      { locationId: none(), name: "Mallory", kind: "x" },
    );
    add(
      "PATCH",
      `/api/rooms/${a.roomId}`,
      `/api/rooms/${a.roomId}`,
      { locationId: b.locationId },
      { locationId: none() },
    );
    for (const user of [b.users.admin, b.users.clinician, b.allRoles]) {
      const n = none();
      add("PATCH", `/api/users/${user.id}`, `/api/users/${n}`, { displayName: "Mallory" });
      add("PATCH", `/api/users/${user.id}`, `/api/users/${n}`, { disabled: true });
      add("PATCH", `/api/users/${user.id}`, `/api/users/${n}`, { roles: ["admin"] });
      add("POST", `/api/users/${user.id}/reset-password`, `/api/users/${n}/reset-password`);
      add("POST", `/api/users/${user.id}/reset-mfa`, `/api/users/${n}/reset-mfa`);
      add(
        "POST",
        "/api/tokens",
        "/api/tokens",
        { name: "steal", userId: user.id },
        { name: "steal", userId: none() },
      );
    }
    add("DELETE", `/api/tokens/${b.tokenId}`, `/api/tokens/${none()}`);
    return pairs;
  }

  it("every read and write of a beta id, for every alpha role, answers exactly like a missing id and changes nothing", async () => {
    const before = await betaSnapshot();
    let compared = 0;
    let notFoundAnswers = 0;
    for (const who of [...ROLES, "all"] as const) {
      for (const p of probes()) {
        const betaAnswer = await asSession(app, alphaSessions[who], p.method, p.beta, p.body);
        const missingAnswer = await asSession(app, alphaSessions[who], p.method, p.missing, p.missingBody);
        const label = `${who} ${p.method} ${p.beta}`;
        expect(comparable(betaAnswer), label).toEqual(comparable(missingAnswer));
        expect(betaAnswer.statusCode, label).toBeGreaterThanOrEqual(400);
        expect(betaAnswer.statusCode, label).toBeLessThan(500);
        if (betaAnswer.statusCode === 404) notFoundAnswers++;
        expectNoBeta(betaAnswer, label);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(300);
    expect(notFoundAnswers).toBeGreaterThan(100);
    expect(await betaSnapshot()).toEqual(before);
  });

  it("a bearer token of alpha gets the same answers on beta's ids as on missing ids", async () => {
    const before = await betaSnapshot();
    const b = seed.beta;
    for (const [method, betaUrl, missingUrl, body] of [
      ["GET", `/api/patients/${b.patientIds[0]}`, `/api/patients/${randomUUID()}`, undefined],
      ["PATCH", `/api/patients/${b.patientIds[0]}`, `/api/patients/${randomUUID()}`, { city: "X" }],
      ["GET", `/fhir/R4/Patient/${b.patientIds[1]}`, `/fhir/R4/Patient/${randomUUID()}`, undefined],
      ["GET", `/api/staff/${b.practitionerId}`, `/api/staff/${randomUUID()}`, undefined],
      ["PATCH", `/api/locations/${b.locationId}`, `/api/locations/${randomUUID()}`, { name: "X" }],
    ] as const) {
      const x = await asBearer(app, alphaToken, method, betaUrl, body);
      const y = await asBearer(app, alphaToken, method, missingUrl, body);
      expect(comparable(x), `${method} ${betaUrl}`).toEqual(comparable(y));
      expect(x.statusCode).toBe(404);
    }
    const list = await asBearer(app, alphaToken, "GET", `/api/patients?q=${b.canaries[0]}`);
    expect(list.json().total).toBe(0);
    expect(await betaSnapshot()).toEqual(before);
  });

  it("alpha users cannot sign in to or switch into beta", async () => {
    const login = await app.inject({
      method: "POST",
      url: "/api/auth/login",
      remoteAddress: nextIp(),
      payload: {
        email: seed.alpha.allRoles.email,
        password: "correct horse battery staple 42",
        organization: "beta",
      },
    });
    expect(login.statusCode).toBe(401);
    expect(login.json().error.code).toBe("invalid_credentials");
    const s = await signIn(app, seed.alpha.users.admin.email);
    const sw = await asSession(app, s, "POST", "/api/auth/switch-organization", { organization: "beta" });
    expect(sw.statusCode).toBe(404);
    const session = await asSession(app, s, "GET", "/api/auth/session");
    expect(session.json().organization.slug).toBe("alpha");
    expect(session.json().organizations).toEqual([{ slug: "alpha", name: seed.alpha.name }]);
  });
});

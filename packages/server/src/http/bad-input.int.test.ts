import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  asSession,
  closeTestServices,
  createTestApp,
  createTestServices,
  dialect,
  type Method,
  type Seed,
  type SignedIn,
  seedTwoOrgs,
  signIn,
  type TestServices,
} from "../testing/harness.ts";

const CODES = new Set([
  "invalid_request",
  "payload_too_large",
  "unsupported_media_type",
  "not_found",
  "conflict",
]);

/**
 * SEC-APP-07/08/11: hostile and malformed input is refused with a 4xx, a stable code and a message; never
 * a 500, a stack trace or SQL; and nothing is written.
 */
describe(`bad input (${dialect})`, () => {
  let services: TestServices;
  let app: FastifyInstance;
  let seed: Seed;
  let s: SignedIn;

  beforeAll(async () => {
    services = await createTestServices();
    seed = await seedTwoOrgs(services);
    ({ app } = await createTestApp(services));
    s = await signIn(app, seed.alpha.allRoles.email);
  });
  afterAll(async () => {
    await app?.close();
    await closeTestServices(services);
  });

  /** Every row of the data a write could touch, to prove nothing changed. */
  async function snapshot() {
    const db = services.systemDb;
    return {
      patients: await db.selectFrom("patients").selectAll().orderBy("id").execute(),
      staff: await db.selectFrom("staff_members").selectAll().orderBy("id").execute(),
      licenses: await db.selectFrom("practitioner_licenses").selectAll().orderBy("id").execute(),
      locations: await db.selectFrom("locations").selectAll().orderBy("id").execute(),
      users: await db.selectFrom("users").selectAll().orderBy("id").execute(),
      memberships: await db
        .selectFrom("memberships")
        .selectAll()
        .orderBy("organization_id")
        .orderBy("user_id")
        .orderBy("role")
        .execute(),
      tokens: await db.selectFrom("api_tokens").selectAll().orderBy("id").execute(),
      organizations: await db.selectFrom("organizations").selectAll().orderBy("id").execute(),
    };
  }

  function expectRefused(r: LightMyRequestResponse, label: string, code?: string) {
    expect(r.statusCode, `${label}: ${r.body.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
    expect(r.statusCode, `${label}: ${r.body.slice(0, 300)}`).toBeLessThan(500);
    expect(r.body, label).not.toMatch(/\bat .+\.(ts|js):\d+|node_modules|Error:|stack/);
    expect(r.body, label).not.toMatch(
      /\b(select|insert into|update .+ set|sqlite|postgres|constraint|syntax error)\b/i,
    );
    if (r.headers["content-type"]?.toString().includes("fhir")) {
      expect(r.json().resourceType, label).toBe("OperationOutcome");
      expect(r.json().issue[0].details.text.length, label).toBeGreaterThan(5);
      return;
    }
    const error = r.json().error;
    expect(CODES.has(error.code), `${label}: code ${error.code}`).toBe(true);
    if (code) expect(error.code, label).toBe(code);
    expect(typeof error.message, label).toBe("string");
    expect(error.message.length, label).toBeGreaterThan(5);
  }

  interface Target {
    name: string;
    method: Method;
    url: () => string;
    valid: Record<string, unknown>;
    text: string;
  }
  const targets: Target[] = [
    {
      name: "create patient",
      method: "POST",
      url: () => "/api/patients",
      valid: { givenName: "Val", familyName: "Id", dateOfBirth: "1980-01-01", sex: "female" },
      text: "givenName",
    },
    {
      name: "update patient",
      method: "PATCH",
      url: () => `/api/patients/${seed.alpha.patientIds[0]}`,
      valid: { givenName: "Val" },
      text: "givenName",
    },
    {
      name: "create staff",
      method: "POST",
      url: () => "/api/staff",
      valid: { kind: "staff", givenName: "Val", familyName: "Id" },
      text: "familyName",
    },
    {
      name: "update staff",
      method: "PATCH",
      url: () => `/api/staff/${seed.alpha.staffId}`,
      valid: { jobTitle: "Nurse" },
      text: "jobTitle",
    },
    {
      name: "create location",
      method: "POST",
      url: () => "/api/locations",
      valid: { name: "Val", timeZone: "America/Chicago" },
      text: "name",
    },
    {
      name: "update location",
      method: "PATCH",
      url: () => `/api/locations/${seed.alpha.locationId}`,
      valid: { city: "Val" },
      text: "city",
    },
    {
      name: "add license",
      method: "POST",
      url: () => `/api/staff/${seed.alpha.practitionerId}/licenses`,
      valid: { state: "TX", number: "L-1", expiresOn: "2030-01-01" },
      text: "number",
    },
    {
      name: "update license",
      method: "PATCH",
      url: () => `/api/staff/${seed.alpha.practitionerId}/licenses/${seed.alpha.licenseId}`,
      valid: { number: "L-2" },
      text: "number",
    },
    {
      name: "create user",
      method: "POST",
      url: () => "/api/users",
      valid: { email: "val@alpha.test", displayName: "Val", roles: ["hr"] },
      text: "displayName",
    },
    {
      name: "update user",
      method: "PATCH",
      url: () => `/api/users/${seed.alpha.users.biller.id}`,
      valid: { displayName: "Val" },
      text: "displayName",
    },
  ];

  const raw = (method: Method, url: string, body: string, contentType = "application/json") =>
    app.inject({
      method,
      url,
      headers: { cookie: s.cookie, "x-csrf-token": s.csrfToken, "content-type": contentType },
      payload: body,
    });

  for (const t of targets) {
    it(`${t.name}: hostile bodies are refused and change nothing`, async () => {
      const before = await snapshot();
      const cases: [string, () => Promise<LightMyRequestResponse>, string?][] = [
        [
          "unknown field",
          () => asSession(app, s, t.method, t.url(), { ...t.valid, isAdmin: true }),
          "invalid_request",
        ],
        [
          "server-owned field",
          () => asSession(app, s, t.method, t.url(), { ...t.valid, organizationId: seed.beta.id }),
          "invalid_request",
        ],
        ...[123, true, [], { a: 1 }, ["x"]].map(
          (v): [string, () => Promise<LightMyRequestResponse>, string] => [
            `wrong type ${JSON.stringify(v)}`,
            () => asSession(app, s, t.method, t.url(), { ...t.valid, [t.text]: v }),
            "invalid_request",
          ],
        ),
        [
          "over-long string",
          () => asSession(app, s, t.method, t.url(), { ...t.valid, [t.text]: "x".repeat(5000) }),
          "invalid_request",
        ],
        [
          "NUL byte",
          () => asSession(app, s, t.method, t.url(), { ...t.valid, [t.text]: "a\u0000b" }),
          "invalid_request",
        ],
        [
          "lone surrogate",
          () =>
            raw(t.method, t.url(), JSON.stringify({ ...t.valid, [t.text]: "@@" }).replace("@@", "\\ud800")),
          "invalid_request",
        ],
        [
          "lone low surrogate",
          () =>
            raw(t.method, t.url(), JSON.stringify({ ...t.valid, [t.text]: "a@@" }).replace("@@", "\\udc00")),
          "invalid_request",
        ],
        ["malformed JSON", () => raw(t.method, t.url(), '{"a": '), "invalid_request"],
        ["JSON array", () => raw(t.method, t.url(), "[1,2]"), "invalid_request"],
        ["JSON string", () => raw(t.method, t.url(), '"text"'), "invalid_request"],
        ["empty body", () => raw(t.method, t.url(), ""), "invalid_request"],
        [
          "__proto__ key",
          () =>
            raw(t.method, t.url(), `{"__proto__": {"isAdmin": true}, ${JSON.stringify(t.valid).slice(1)}`),
          "invalid_request",
        ],
        [
          "constructor key",
          () =>
            raw(
              t.method,
              t.url(),
              `{"constructor": {"prototype": {"x": 1}}, ${JSON.stringify(t.valid).slice(1)}`,
            ),
          "invalid_request",
        ],
        [
          "oversized body",
          () => raw(t.method, t.url(), JSON.stringify({ ...t.valid, [t.text]: "x".repeat(1_100_000) })),
          "payload_too_large",
        ],
        [
          "text/plain",
          () => raw(t.method, t.url(), JSON.stringify(t.valid), "text/plain"),
          "unsupported_media_type",
        ],
      ];
      for (const [label, send, code] of cases) {
        const r = await send();
        expectRefused(r, `${t.name} / ${label}`, code);
      }
      expect(await snapshot()).toEqual(before);
      // the valid body itself is accepted (so the refusals above were about the bad part)
      const ok = await asSession(app, s, t.method, t.url(), t.valid);
      expect(ok.statusCode, ok.body).toBeLessThan(300);
    });
  }

  it("domain checks: NPI check digit, impossible and future dates, IANA zones, emails", async () => {
    const before = await snapshot();
    const cases: [string, Method, string, unknown, string][] = [
      [
        "bad NPI",
        "POST",
        "/api/staff",
        { kind: "practitioner", givenName: "A", familyName: "B", npi: "1234567890" },
        "npi",
      ],
      ["bad NPI patch", "PATCH", `/api/staff/${seed.alpha.practitionerId}`, { npi: "1234567891" }, "npi"],
      [
        "short NPI",
        "POST",
        "/api/staff",
        { kind: "practitioner", givenName: "A", familyName: "B", npi: "12345" },
        "npi",
      ],
      [
        "impossible birth date",
        "POST",
        "/api/patients",
        { givenName: "A", familyName: "B", dateOfBirth: "2023-02-30", sex: "male" },
        "dateOfBirth",
      ],
      [
        "month 13",
        "PATCH",
        `/api/patients/${seed.alpha.patientIds[0]}`,
        { dateOfBirth: "2020-13-01" },
        "dateOfBirth",
      ],
      [
        "future birth date",
        "POST",
        "/api/patients",
        { givenName: "A", familyName: "B", dateOfBirth: "2999-01-01", sex: "male" },
        "dateOfBirth",
      ],
      [
        "tomorrow's birth date",
        "PATCH",
        `/api/patients/${seed.alpha.patientIds[0]}`,
        { dateOfBirth: "2026-03-04" },
        "dateOfBirth",
      ],
      [
        "not a date",
        "POST",
        "/api/patients",
        { givenName: "A", familyName: "B", dateOfBirth: "yesterday", sex: "male" },
        "dateOfBirth",
      ],
      [
        "impossible licence expiry",
        "POST",
        `/api/staff/${seed.alpha.practitionerId}/licenses`,
        { state: "TX", number: "9", expiresOn: "2027-02-29" },
        "expiresOn",
      ],
      ["bad zone", "POST", "/api/locations", { name: "Mars", timeZone: "Mars/Olympus_Mons" }, "timeZone"],
      [
        "bad zone patch",
        "PATCH",
        `/api/locations/${seed.alpha.locationId}`,
        { timeZone: "EST5EDT-ish" },
        "timeZone",
      ],
      [
        "bad sex",
        "POST",
        "/api/patients",
        { givenName: "A", familyName: "B", dateOfBirth: "2000-01-01", sex: "x" },
        "sex",
      ],
      [
        "bad email",
        "POST",
        "/api/users",
        { email: "not an email", displayName: "A", roles: ["hr"] },
        "email",
      ],
      [
        "bad role",
        "POST",
        "/api/users",
        { email: "r@alpha.test", displayName: "A", roles: ["root"] },
        "roles",
      ],
      ["no roles", "POST", "/api/users", { email: "r@alpha.test", displayName: "A", roles: [] }, "roles"],
    ];
    for (const [label, method, url, body, field] of cases) {
      const r = await asSession(app, s, method, url, body);
      expectRefused(r, label, "invalid_request");
      const details = r.json().error.details ?? [];
      expect(
        details.some((d: { path: string }) => d.path.includes(field)),
        `${label} names ${field}: ${r.body}`,
      ).toBe(true);
    }
    expect(await snapshot()).toEqual(before);
  });

  it("query strings: repeated, nested and out-of-range parameters are refused", async () => {
    const urls = [
      "/api/patients?limit=1&limit=2",
      "/api/patients?q=a&q=b",
      "/api/patients?limit[$gt]=1",
      "/api/patients?q[]=x",
      "/api/patients?q[a]=x",
      "/api/patients?limit=0",
      "/api/patients?limit=201",
      "/api/patients?limit=abc",
      "/api/patients?offset=-1",
      "/api/patients?sort=ssn",
      `/api/patients?q=${"x".repeat(300)}`,
      "/api/patients?q=%00",
      "/api/staff?kind=admin",
      "/api/audit?from=not-a-date",
      "/api/audit?limit=1&limit=2",
      "/api/audit?userId=' or 1=1 --",
      "/fhir/R4/Patient?_count=1&_count=2",
      "/fhir/R4/Patient?birthdate=2023-02-30x",
      "/fhir/R4/Patient?unknown=1",
      "/api/patients/' or '1'='1",
      `/api/patients/${"a".repeat(300)}`,
      "/api/patients/%E0%A4%A",
      "/fhir/R4/Patient/%E0%A4%A",
    ];
    for (const url of urls) {
      const r = await asSession(app, s, "GET", url);
      expectRefused(r, url);
    }
  });

  it("SQL and LIKE metacharacters in search text are just text", async () => {
    for (const q of ["' or 1=1 --", '"; drop table patients; --', "\\", "_", "%25", "ZZQ' --"]) {
      const r = await asSession(app, s, "GET", `/api/patients?q=${encodeURIComponent(q)}`);
      expect(r.statusCode, q).toBe(200);
      expect(r.json().total, q).toBe(0);
    }
    // Punctuation is ignored in names (O'Brien = OBrien), so this is a search for "canary", no more.
    const quoted = await asSession(app, s, "GET", `/api/patients?q=${encodeURIComponent("CANARY' --")}`);
    const plain = await asSession(app, s, "GET", "/api/patients?q=canary-alpha-7f3a");
    expect(quoted.json().total).toBeGreaterThanOrEqual(plain.json().total);
    expect(plain.json().total).toBe(1);
    expect((await asSession(app, s, "GET", "/api/patients")).json().total).toBeGreaterThan(0);
  });
});

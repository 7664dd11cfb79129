import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../db/connection.ts";
import {
  asBearer,
  asSession,
  bearer,
  closeTestServices,
  countAll,
  createTestApp,
  createTestServices,
  dialect,
  enrollMfa,
  type Seed,
  type SignedIn,
  seedTwoOrgs,
  sessionCookieFrom,
  signIn,
  type TestServices,
  totpAt,
} from "../testing/harness.ts";

const MIN = 60_000;

/** SEC-SES-01..03, SEC-AZ-04, SEC-APP-03: automatic logoff, ending sessions, cookies and CSRF. */
describe(`sessions (${dialect})`, () => {
  let services: TestServices;
  let app: FastifyInstance;
  let seed: Seed;
  let admin: SignedIn;

  beforeAll(async () => {
    services = await createTestServices();
    seed = await seedTwoOrgs(services);
    ({ app } = await createTestApp(services));
  });
  afterAll(async () => {
    await app?.close();
    await closeTestServices(services);
  });

  /** Changes alpha's session limits through the API as a freshly signed-in alpha admin. */
  async function setAlphaTimeouts(idleTimeoutMinutes: number, absoluteTimeoutHours: number) {
    admin = await signIn(app, seed.alpha.users.admin.email);
    const r = await asSession(app, admin, "PATCH", "/api/organization", {
      idleTimeoutMinutes,
      absoluteTimeoutHours,
    });
    expect(r.statusCode, r.body).toBe(200);
  }

  const get = (s: SignedIn, url = "/api/locations", headers: Record<string, string> = {}) =>
    asSession(app, s, "GET", url, undefined, { headers });

  it("idle timeout: a request at timeout - 1 s succeeds, at timeout + 1 s answers 401 session_expired", async () => {
    const s = await signIn(app, seed.alpha.users.clinician.email);
    services.clock.advance(15 * MIN - 1000);
    expect((await get(s)).statusCode).toBe(200);
    // that request was activity: the idle period starts again from it
    services.clock.advance(15 * MIN - 1000);
    expect((await get(s)).statusCode).toBe(200);
    services.clock.advance(15 * MIN + 1000);
    const expired = await get(s);
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.code).toBe("session_expired");
    // and it stays ended even if the clock went back
    services.clock.advance(-10 * MIN);
    expect((await get(s)).statusCode).toBe(401);
  });

  it("the organization's idleTimeoutMinutes setting changes the idle timeout", async () => {
    await setAlphaTimeouts(5, 12);
    const s = await signIn(app, seed.alpha.users.clinician.email);
    services.clock.advance(5 * MIN - 1000);
    expect((await get(s)).statusCode).toBe(200);
    services.clock.advance(5 * MIN + 1000);
    const r = await get(s);
    expect(r.statusCode).toBe(401);
    expect(r.json().error.code).toBe("session_expired");
    await setAlphaTimeouts(15, 12);
  });

  it("absolute lifetime ends even a busy session", async () => {
    await setAlphaTimeouts(15, 1);
    const s = await signIn(app, seed.alpha.users.clinician.email);
    for (let i = 0; i < 4; i++) {
      services.clock.advance(12 * MIN);
      expect((await get(s)).statusCode).toBe(200);
    }
    // 60 min - 1 s after sign-in: still fine; 60 min + 1 s: over, though the last request was 1 s earlier
    services.clock.advance(12 * MIN - 1000);
    expect((await get(s)).statusCode).toBe(200);
    services.clock.advance(2000);
    const r = await get(s);
    expect(r.statusCode).toBe(401);
    expect(r.json().error.code).toBe("session_expired");
    await setAlphaTimeouts(15, 12);
  });

  it("background polling (x-salus-background: 1) does not extend the idle timeout", async () => {
    const s = await signIn(app, seed.alpha.users.clinician.email);
    for (let i = 0; i < 3; i++) {
      services.clock.advance(4 * MIN);
      const poll = await get(s, "/api/auth/session", { "x-salus-background": "1" });
      expect(poll.statusCode).toBe(200);
    }
    services.clock.advance(3 * MIN + 1000); // 15 min + 1 s after the last real activity (sign-in)
    const r = await get(s, "/api/auth/session", { "x-salus-background": "1" });
    expect(r.statusCode).toBe(401);
    expect(r.json().error.code).toBe("session_expired");
  });

  it("disabling a user ends their session at once and their bearer tokens stop working", async () => {
    const target = seed.alpha.users.biller;
    const s = await signIn(app, target.email);
    const token = await bearer(services, seed.alpha, target.email);
    expect((await get(s)).statusCode).toBe(200);
    expect((await asBearer(app, token, "GET", "/api/locations")).statusCode).toBe(200);
    admin = await signIn(app, seed.alpha.users.admin.email);
    const d = await asSession(app, admin, "PATCH", `/api/users/${target.id}`, { disabled: true });
    expect(d.statusCode, d.body).toBe(200);
    expect(d.json().disabled).toBe(true);
    const r = await get(s);
    expect(r.statusCode).toBe(401);
    expect(r.json().error.code).toBe("unauthenticated");
    const t = await asBearer(app, token, "GET", "/api/locations");
    expect(t.statusCode).toBe(401);
    // and they cannot sign in again
    const login = await app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { email: target.email, password: "correct horse battery staple 42" },
    });
    expect(login.statusCode).toBe(401);
    // re-enabling does not resurrect the old session or token... the session stays ended
    await asSession(app, admin, "PATCH", `/api/users/${target.id}`, { disabled: false });
    expect((await get(s)).statusCode).toBe(401);
  });

  it("removing a role takes effect on the next request (session and token)", async () => {
    const target = seed.alpha.users["front-desk"];
    const s = await signIn(app, target.email);
    const token = await bearer(services, seed.alpha, target.email, "front-desk");
    expect((await get(s, "/api/patients")).statusCode).toBe(200);
    expect((await asBearer(app, token, "GET", "/api/patients")).statusCode).toBe(200);
    admin = await signIn(app, seed.alpha.users.admin.email);
    const r = await asSession(app, admin, "PATCH", `/api/users/${target.id}`, { roles: ["hr"] });
    expect(r.statusCode, r.body).toBe(200);
    const denied = await get(s, "/api/patients");
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.code).toBe("forbidden");
    expect((await get(s, "/api/staff")).statusCode).toBe(200);
    expect((await asBearer(app, token, "GET", "/api/patients")).statusCode).toBe(401);
    // removing every role removes them from the organization and ends the session
    const none = await asSession(app, admin, "PATCH", `/api/users/${target.id}`, { roles: [] });
    expect(none.statusCode).toBe(204);
    expect((await get(s, "/api/staff")).statusCode).toBe(401);
  });

  it("a revoked bearer token answers 401 on the very next request; a granted role counts at once", async () => {
    admin = await signIn(app, seed.alpha.users.admin.email);
    const issued = await asSession(app, admin, "POST", "/api/tokens", { name: "revocation test" });
    expect(issued.statusCode, issued.body).toBe(201);
    const { id, token } = issued.json() as { id: string; token: string };
    expect((await asBearer(app, token, "GET", "/api/locations")).statusCode).toBe(200);
    const revoked = await asSession(app, admin, "DELETE", `/api/tokens/${id}`);
    expect(revoked.statusCode, revoked.body).toBe(204);
    expect((await asBearer(app, token, "GET", "/api/locations")).statusCode).toBe(401);

    // Widening works the same way: the role read on every request, not remembered from sign-in.
    const target = seed.alpha.users.biller;
    const s = await signIn(app, target.email);
    expect((await get(s, "/api/audit")).statusCode).toBe(403);
    const widened = await asSession(app, admin, "PATCH", `/api/users/${target.id}`, {
      roles: ["biller", "privacy-officer"],
    });
    expect(widened.statusCode, widened.body).toBe(200);
    expect((await get(s, "/api/audit")).statusCode).toBe(200);
  });

  it("a token revoked by another process (the CLI) is refused: at once on SQLite, within 1 s on PostgreSQL", async () => {
    admin = await signIn(app, seed.alpha.users.admin.email);
    const issued = await asSession(app, admin, "POST", "/api/tokens", { name: "other process" });
    const { id, token } = issued.json() as { id: string; token: string };
    // Twice: the second answer may come from the process's memory of the token (auth/bearer.ts).
    expect((await asBearer(app, token, "GET", "/api/locations")).statusCode).toBe(200);
    expect((await asBearer(app, token, "GET", "/api/locations")).statusCode).toBe(200);
    const other = openDatabase(services.config.databaseUrl);
    try {
      await other.kysely
        .updateTable("api_tokens")
        .set({ revoked_at: services.clock().toISOString() })
        .where("id", "=", id)
        .execute();
    } finally {
      await other.close();
    }
    if (dialect === "postgres") await new Promise((r) => setTimeout(r, services.db.authCacheMaxAgeMs + 50));
    expect((await asBearer(app, token, "GET", "/api/locations")).statusCode).toBe(401);
  });

  it("activity is written at most every 10 s; the idle timeout may then end a session up to 10 s early, never late", async () => {
    await setAlphaTimeouts(15, 12);
    const s = await signIn(app, seed.alpha.users.manager.email);
    const lastActivity = async () =>
      (
        await services.systemDb
          .selectFrom("sessions")
          .select("last_activity_at")
          .where("user_id", "=", seed.alpha.users.manager.id)
          .where("revoked_at", "is", null)
          .executeTakeFirstOrThrow()
      ).last_activity_at;
    const signedInAt = await lastActivity();
    services.clock.advance(9_000);
    expect((await get(s)).statusCode).toBe(200);
    expect(await lastActivity()).toBe(signedInAt);
    services.clock.advance(2_000);
    expect((await get(s)).statusCode).toBe(200);
    const touched = await lastActivity();
    expect(Date.parse(touched) - Date.parse(signedInAt)).toBe(11_000);
    // 9 s after the recorded activity (not written), then 15 min - 8 s: 15 min + 1 s after the record.
    services.clock.advance(9_000);
    expect((await get(s)).statusCode).toBe(200);
    services.clock.advance(15 * MIN - 8_000);
    const r = await get(s);
    expect(r.statusCode).toBe(401);
    expect(r.json().error.code).toBe("session_expired");
  });

  it("logout ends the session and clears the cookie", async () => {
    const s = await signIn(app, seed.alpha.users.hr.email);
    const out = await asSession(app, s, "POST", "/api/auth/logout", {});
    expect(out.statusCode).toBe(204);
    const cleared = String(out.headers["set-cookie"]);
    expect(cleared).toMatch(/salus_session=;/);
    expect((await get(s)).statusCode).toBe(401);
    expect((await get(s, "/api/auth/session")).statusCode).toBe(401);
  });

  it("the session cookie is HttpOnly, SameSite=Strict, Path=/; a new token at every sign-in", async () => {
    const s = await signIn(app, seed.alpha.users.hr.email);
    const raw = String(s.response.headers["set-cookie"]);
    expect(raw).toMatch(/HttpOnly/i);
    expect(raw).toMatch(/SameSite=Strict/i);
    expect(raw).toMatch(/Path=\//);
    expect(raw).not.toMatch(/Domain=/i);
    const value = s.cookie.split("=")[1]!;
    expect(Buffer.from(value, "base64url").length).toBeGreaterThanOrEqual(16);
    // signing in while presenting an existing cookie yields a different one (no fixation)
    const again = await app.inject({
      method: "POST",
      url: "/api/auth/login",
      headers: { cookie: s.cookie },
      payload: { email: seed.alpha.users.hr.email, password: "correct horse battery staple 42" },
    });
    expect(sessionCookieFrom(again)).not.toBe(s.cookie);
    // the cookie value is stored only as a digest
    const stored = await services.systemDb.selectFrom("sessions").select("id").execute();
    expect(stored.map((r) => r.id)).not.toContain(value);
  });

  it("the session token rotates after MFA and the pre-MFA token stops working", async () => {
    const email = seed.alpha.users.clinician.email;
    const first = await signIn(app, email);
    const { secret, session: enrolled } = await enrollMfa(app, first, services.clock);
    expect(enrolled.cookie).not.toBe(first.cookie);
    expect((await get(first)).statusCode).toBe(401);
    expect((await get(enrolled as SignedIn)).statusCode).toBe(200);
    const second = await signIn(app, email);
    expect(second.status).toBe("mfa_required");
    const verified = await asSession(app, second, "POST", "/api/auth/mfa/verify", {
      code: await totpAt(secret, services.clock),
    });
    expect(verified.statusCode, verified.body).toBe(200);
    const rotated = sessionCookieFrom(verified);
    expect(rotated).toBeTruthy();
    expect(rotated).not.toBe(second.cookie);
    expect((await get(second)).statusCode).toBe(401);
    expect((await get({ ...second, cookie: rotated! })).statusCode).toBe(200);
  });

  it("CSRF: a mutating cookie request without or with a wrong x-csrf-token answers 403 csrf_failed", async () => {
    const s = await signIn(app, seed.alpha.users.manager.email);
    const other = await signIn(app, seed.alpha.users.admin.email);
    const before = await countAll(services);
    const body = { givenName: "Csrf", familyName: "Victim", dateOfBirth: "1999-09-09", sex: "unknown" };
    for (const headers of [
      {},
      { "x-csrf-token": "" },
      { "x-csrf-token": "wrong" },
      { "x-csrf-token": `${s.csrfToken}x` },
      { "x-csrf-token": other.csrfToken },
    ]) {
      const r = await app.inject({
        method: "POST",
        url: "/api/patients",
        headers: { cookie: s.cookie, ...headers },
        payload: body,
      });
      expect(r.statusCode, JSON.stringify(headers)).toBe(403);
      expect(r.json().error.code).toBe("csrf_failed");
    }
    const patch = await app.inject({
      method: "PATCH",
      url: `/api/patients/${seed.alpha.patientIds[0]}`,
      headers: { cookie: s.cookie },
      payload: { givenName: "Changed" },
    });
    expect(patch.statusCode).toBe(403);
    expect(patch.json().error.code).toBe("csrf_failed");
    const logout = await app.inject({
      method: "POST",
      url: "/api/auth/logout",
      headers: { cookie: s.cookie },
      payload: {},
    });
    expect(logout.json().error.code).toBe("csrf_failed");
    expect(await countAll(services)).toEqual(before);
    expect((await get(s)).statusCode).toBe(200);
    // with the right token the same request works
    const ok = await asSession(app, s, "POST", "/api/patients", body);
    expect(ok.statusCode).toBe(201);
  });

  it("a text/plain (or form) body answers 415 and writes nothing", async () => {
    const s = await signIn(app, seed.alpha.users.manager.email);
    const before = await countAll(services);
    for (const contentType of [
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
    ]) {
      const r = await app.inject({
        method: "POST",
        url: "/api/patients",
        headers: { cookie: s.cookie, "x-csrf-token": s.csrfToken, "content-type": contentType },
        payload: JSON.stringify({
          givenName: "Plain",
          familyName: "Text",
          dateOfBirth: "1999-09-09",
          sex: "unknown",
        }),
      });
      expect(r.statusCode, contentType).toBe(415);
      expect(r.json().error.code).toBe("unsupported_media_type");
    }
    expect(await countAll(services)).toEqual(before);
  });
});

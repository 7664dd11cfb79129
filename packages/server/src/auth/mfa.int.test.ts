import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decryptField } from "../platform/crypto.ts";
import {
  asSession,
  closeTestServices,
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

/** SEC-AUTH-02/03: TOTP enrolment, verification, replay, attempt limit, organization policy, storage. */
describe(`multi-factor authentication (${dialect})`, () => {
  let services: TestServices;
  let app: FastifyInstance;
  let seed: Seed;
  const secrets: Record<string, string> = {};

  beforeAll(async () => {
    services = await createTestServices();
    seed = await seedTwoOrgs(services);
    ({ app } = await createTestApp(services));
    // Users enrolled once for the whole file.
    for (const role of ["front-desk", "biller", "hr", "manager"] as const) {
      const email = seed.alpha.users[role].email;
      const s = await signIn(app, email);
      secrets[email] = (await enrollMfa(app, s, services.clock)).secret;
    }
  });
  afterAll(async () => {
    await app?.close();
    await closeTestServices(services);
  });

  const verify = (s: SignedIn, code: string) => asSession(app, s, "POST", "/api/auth/mfa/verify", { code });

  it("enrolment: a secret and otpauth URL, confirmed with a current code; the secret is stored encrypted", async () => {
    const user = seed.alpha.users.clinician;
    const s = await signIn(app, user.email);
    const start = await asSession(app, s, "POST", "/api/auth/mfa/enroll", {});
    expect(start.statusCode).toBe(200);
    const { secret, otpauthUrl } = start.json();
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    expect(otpauthUrl).toMatch(/^otpauth:\/\/totp\//);
    expect(otpauthUrl).toContain(`secret=${secret}`);
    const wrong = await asSession(app, s, "POST", "/api/auth/mfa/enroll/confirm", { code: "123456" });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe("invalid_code");
    const notEnabled = await services.systemDb
      .selectFrom("users")
      .select(["mfa_enabled", "mfa_secret_enc"])
      .where("id", "=", user.id)
      .executeTakeFirstOrThrow();
    expect(notEnabled).toEqual({ mfa_enabled: 0, mfa_secret_enc: null });
    const ok = await asSession(app, s, "POST", "/api/auth/mfa/enroll/confirm", {
      code: await totpAt(secret, services.clock),
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().status).toBe("signed_in");
    const row = await services.systemDb
      .selectFrom("users")
      .select(["mfa_enabled", "mfa_secret_enc"])
      .where("id", "=", user.id)
      .executeTakeFirstOrThrow();
    expect(row.mfa_enabled).toBe(1);
    expect(row.mfa_secret_enc).toBeTruthy();
    expect(row.mfa_secret_enc).not.toContain(secret);
    expect(row.mfa_secret_enc).not.toBe(secret);
    expect(decryptField(services.secrets.encryptionKey, row.mfa_secret_enc!)).toBe(secret);
    // the pending secret on the session is cleared once confirmed
    const sessions = await services.systemDb
      .selectFrom("sessions")
      .select("pending_mfa_secret_enc")
      .where("user_id", "=", user.id)
      .execute();
    for (const x of sessions) expect(x.pending_mfa_secret_enc).toBeNull();
    // enrolling again is refused
    const again = await asSession(
      app,
      { cookie: sessionCookieFrom(ok)!, csrfToken: ok.json().csrfToken },
      "POST",
      "/api/auth/mfa/enroll",
      {},
    );
    expect(again.statusCode).toBe(409);
    services.clock.advance(30_000);
  });

  it("sign-in then needs a code; until then practice data answers 401; the right code signs in", async () => {
    const email = seed.alpha.users["front-desk"].email;
    const s = await signIn(app, email);
    expect(s.status).toBe("mfa_required");
    const data = await asSession(app, s, "GET", "/api/patients");
    expect(data.statusCode).toBe(401);
    expect(data.json().error.code).toBe("unauthenticated");
    const session = await asSession(app, s, "GET", "/api/auth/session");
    expect(session.statusCode).toBe(200);
    expect(session.json()).toMatchObject({ stage: "mfa", roles: [], permissions: [] });
    const ok = await verify(s, await totpAt(secrets[email]!, services.clock));
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().status).toBe("signed_in");
    const signedIn = { cookie: sessionCookieFrom(ok)!, csrfToken: ok.json().csrfToken };
    expect((await asSession(app, signedIn, "GET", "/api/patients")).statusCode).toBe(200);
  });

  it("a code that was used once is refused again, even within its window; a wrong or stale code too", async () => {
    const email = seed.alpha.users.biller.email;
    const first = await signIn(app, email);
    const code = await totpAt(secrets[email]!, services.clock);
    expect((await verify(first, code)).statusCode).toBe(200);
    // 10 s later the same code is still inside its 30 s window, but it was used
    services.clock.advance(10_000);
    const second = await signIn(app, email);
    const replay = await verify(second, code);
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error.code).toBe("invalid_code");
    const wrongDigit = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
    const wrong = await verify(second, wrongDigit);
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe("invalid_code");
    for (const junk of ["", "12345", "abcdef", "1234567"]) {
      const r = await verify(second, junk);
      expect(r.statusCode, junk).toBeGreaterThanOrEqual(400);
      expect(r.statusCode, junk).toBeLessThan(500);
      if (r.statusCode >= 429) break;
    }
    // a fresh session later: a code from 3 steps ago is refused, the current one accepted
    services.clock.advance(60_000);
    const third = await signIn(app, email);
    const stale = await totpAt(secrets[email]!, new Date(services.clock().getTime() - 90_000));
    expect((await verify(third, stale)).statusCode).toBe(401);
    // That was the account's sixth wrong code in a row (across sessions): even the right one waits a minute.
    const early = await verify(third, await totpAt(secrets[email]!, services.clock));
    expect(early.statusCode).toBe(429);
    expect(early.headers["retry-after"]).toBe("60");
    services.clock.advance(60_000);
    expect((await verify(third, await totpAt(secrets[email]!, services.clock))).statusCode).toBe(200);
  });

  it("more than 5 attempts end the session with 429, even if the sixth code is right", async () => {
    services.clock.advance(30_000);
    const email = seed.alpha.users.hr.email;
    const s = await signIn(app, email);
    for (let i = 0; i < 5; i++) {
      const r = await verify(s, String(100000 + i));
      expect(r.statusCode).toBe(401);
    }
    const sixth = await verify(s, await totpAt(secrets[email]!, services.clock));
    expect(sixth.statusCode).toBe(429);
    expect(sixth.json().error.code).toBe("rate_limited");
    const after = await verify(s, await totpAt(secrets[email]!, services.clock));
    expect(after.statusCode).toBe(401);
    expect((await asSession(app, s, "GET", "/api/auth/session")).statusCode).toBe(401);
  });

  it("parallel guesses cannot exceed the attempt limit", async () => {
    services.clock.advance(30_000);
    const email = seed.alpha.users.manager.email;
    const s = await signIn(app, email);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => verify(s, String(200000 + i).padStart(6, "0"))),
    );
    const evaluated = answers.filter((a) => a.statusCode === 401 && a.json().error.code === "invalid_code");
    expect(evaluated.length).toBeLessThanOrEqual(5);
    expect(answers.filter((a) => a.statusCode === 429 || a.statusCode === 401).length).toBe(20);
    const failures = await services.systemDb
      .selectFrom("audit_entries")
      .select("seq")
      .where("action", "=", "auth.mfa")
      .where("user_id", "=", seed.alpha.users.manager.id)
      .where("outcome", "=", "failure")
      .execute();
    expect(failures.length).toBeLessThanOrEqual(5);
  });

  it("an organization requiring MFA forces enrolment before any practice data", async () => {
    const admin = await signIn(app, seed.beta.users.admin.email);
    const set = await asSession(app, admin, "PATCH", "/api/organization", { mfaRequired: true });
    expect(set.statusCode).toBe(200);
    expect(set.json().mfaRequired).toBe(true);
    const s = await signIn(app, seed.beta.users.clinician.email);
    expect(s.status).toBe("mfa_enrollment_required");
    for (const url of ["/api/patients", "/api/locations", "/fhir/R4/Patient"]) {
      expect((await asSession(app, s, "GET", url)).statusCode, url).toBe(401);
    }
    expect((await asSession(app, s, "GET", "/api/auth/session")).json().stage).toBe("mfa_enrollment");
    const { session } = await enrollMfa(app, s, services.clock);
    expect((await asSession(app, session, "GET", "/api/patients")).statusCode).toBe(200);
    expect((await asSession(app, s, "GET", "/api/patients")).statusCode).toBe(401);
  });
});

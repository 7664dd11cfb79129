import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  asSession,
  closeTestServices,
  createTestApp,
  createTestServices,
  dialect,
  enrollMfa,
  nextIp,
  PASSWORD,
  type Seed,
  type SignedIn,
  seedTwoOrgs,
  sessionCookieFrom,
  signIn,
  type TestServices,
  totpAt,
} from "../testing/harness.ts";

/**
 * SEC-AUTH-02, SEC-AUTH-05, SEC-SES-01 (issue 9, item 4): guessing is bounded across parallel requests
 * and sessions. "Evaluated" is counted twice: by the answers (401 = the check ran and failed; 429 = it
 * never ran) and by the audit trail (each check that ran writes one `failure` entry), so a guess that
 * slipped through cannot hide in either.
 */
describe(`guessing limits across parallel requests and sessions (${dialect})`, () => {
  let services: TestServices;
  let app: FastifyInstance;
  let seed: Seed;

  beforeAll(async () => {
    services = await createTestServices();
    seed = await seedTwoOrgs(services);
    ({ app } = await createTestApp(services));
  });
  afterAll(async () => {
    await app?.close();
    await closeTestServices(services);
  });

  const login = (email: string, password: string, ip = nextIp()) =>
    app.inject({ method: "POST", url: "/api/auth/login", remoteAddress: ip, payload: { email, password } });
  const withoutRequestId = (r: LightMyRequestResponse) => {
    const { requestId: _r, ...rest } = r.json().error as Record<string, unknown>;
    return rest;
  };
  const failures = async (action: string, where: { userId?: string; actor?: string }) => {
    let q = services.systemDb
      .selectFrom("audit_entries")
      .select("seq")
      .where("action", "=", action)
      .where("outcome", "=", "failure");
    if (where.userId) q = q.where("user_id", "=", where.userId);
    if (where.actor) q = q.where("actor", "=", where.actor);
    return (await q.execute()).length;
  };
  /** Moves the clock past any lockout (the cap is 15 minutes) so one test's counters never leak. */
  const pastLockouts = () => services.clock.advance(16 * 60_000);

  it("50 parallel wrong passwords for one account: at most 5 are evaluated, the rest answer 429 with Retry-After", async () => {
    const user = seed.alpha.users.biller;
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => login(user.email, `wrong guess number ${i}`)),
    );
    const evaluated = answers.filter((a) => a.statusCode === 401);
    const refused = answers.filter((a) => a.statusCode === 429);
    expect(evaluated.length).toBeLessThanOrEqual(5);
    expect(evaluated.length + refused.length).toBe(50);
    expect(await failures("auth.sign_in", { userId: user.id })).toBeLessThanOrEqual(5);
    for (const r of refused) {
      expect(r.json().error.code).toBe("rate_limited");
      expect(Number(r.headers["retry-after"])).toBeGreaterThan(0);
      expect(r.json().error.message).toMatch(/try again in \d+ seconds/);
    }
    pastLockouts();
  });

  it("an unknown account is throttled the same way, with an identical answer (no enumeration)", async () => {
    const known = seed.alpha.users.hr.email;
    const unknown = "nobody-at-all@alpha.test";
    const run = (email: string) =>
      Promise.all(Array.from({ length: 30 }, (_, i) => login(email, `wrong guess ${i}`)));
    const [k, u] = [await run(known), await run(unknown)];
    const evaluated = (xs: LightMyRequestResponse[]) => xs.filter((a) => a.statusCode === 401).length;
    expect(evaluated(k)).toBeLessThanOrEqual(5);
    expect(evaluated(u)).toBeLessThanOrEqual(5);
    expect(await failures("auth.sign_in", { actor: unknown })).toBeLessThanOrEqual(5);
    // Same lockout, same answer: status, code, message, Retry-After.
    const k429 = await login(known, PASSWORD);
    const u429 = await login(unknown, PASSWORD);
    expect(k429.statusCode).toBe(429);
    expect(u429.statusCode).toBe(429);
    expect(withoutRequestId(u429)).toEqual(withoutRequestId(k429));
    expect(u429.headers["retry-after"]).toBe(k429.headers["retry-after"]);
    expect(k429.headers["set-cookie"]).toBeUndefined();
    pastLockouts();
  });

  it("one address spraying many accounts in parallel: at most 20 are evaluated", async () => {
    const ip = nextIp();
    const answers = await Promise.all(
      // 28: under the route's own limit of 30 requests a minute per address, so only the counter stops them
      Array.from({ length: 28 }, (_, i) => login(`spray-${i}@alpha.test`, "Winter2026!!", ip)),
    );
    expect(answers.filter((a) => a.statusCode === 401).length).toBeLessThanOrEqual(20);
    expect(answers.every((a) => a.statusCode === 401 || a.statusCode === 429)).toBe(true);
    pastLockouts();
  });

  it("the lockout grows (30 s, then 60 s) and even the right password is refused during it; success resets", async () => {
    const user = seed.alpha.users.manager;
    for (let i = 0; i < 5; i++) expect((await login(user.email, `wrong ${i}`)).statusCode).toBe(401);
    const first = await login(user.email, PASSWORD);
    expect(first.statusCode).toBe(429);
    expect(first.headers["retry-after"]).toBe("30");
    services.clock.advance(29_000);
    expect((await login(user.email, PASSWORD)).statusCode).toBe(429);
    services.clock.advance(1_000);
    expect((await login(user.email, "wrong again")).statusCode).toBe(401);
    const second = await login(user.email, PASSWORD);
    expect(second.statusCode).toBe(429);
    expect(second.headers["retry-after"]).toBe("60");
    services.clock.advance(60_000);
    expect((await login(user.email, PASSWORD)).statusCode).toBe(200);
    // The success reset the account's counter: a typo now is just a typo.
    expect((await login(user.email, "one typo")).statusCode).toBe(401);
    expect((await login(user.email, PASSWORD)).statusCode).toBe(200);
  });

  it("the owner, the organization's audit trail and its administrators are told when a lockout starts; nobody for an unknown account", async () => {
    const user = seed.beta.users.biller;
    const outboxBefore = await services.systemDb.selectFrom("outbox_messages").select("id").execute();
    for (let i = 0; i < 5; i++) expect((await login(user.email, `nope ${i}`)).statusCode).toBe(401);
    const known = new Set(outboxBefore.map((m) => m.id));
    const messages = (
      await services.systemDb
        .selectFrom("outbox_messages")
        .select(["id", "organization_id", "recipient", "subject", "body"])
        .where("dedupe_key", "like", "auth-lockout:%")
        .execute()
    ).filter((m) => !known.has(m.id));
    // the owner, and beta's two administrators (the admin, and the user holding every role)
    expect(messages.map((m) => m.recipient).sort()).toEqual(
      [user.email, seed.beta.users.admin.email, seed.beta.allRoles.email].sort(),
    );
    const toOwner = messages.filter((m) => m.recipient === user.email);
    expect(toOwner).toHaveLength(1);
    expect(toOwner[0]!.body).toContain("5 wrong passwords");
    expect(toOwner[0]!.body).not.toContain(PASSWORD);
    const toAdmin = messages.filter((m) => m.recipient === seed.beta.users.admin.email);
    expect(toAdmin).toHaveLength(1);
    expect(toAdmin[0]!.organization_id).toBe(seed.beta.id);
    expect(toAdmin[0]!.body).toContain(user.email);
    const events = await services.systemDb
      .selectFrom("audit_entries")
      .select(["organization_id", "detail"])
      .where("action", "=", "auth.lockout")
      .where("user_id", "=", user.id)
      .execute();
    expect(events).toHaveLength(1);
    expect(events[0]!.organization_id).toBe(seed.beta.id);
    expect(JSON.parse(events[0]!.detail!)).toMatchObject({ factor: "password", failures: 5 });
    // Four more failures after the lockout do not flood anyone.
    services.clock.advance(30_000);
    expect((await login(user.email, "nope again")).statusCode).toBe(401);
    const after = await services.systemDb
      .selectFrom("outbox_messages")
      .select("id")
      .where("dedupe_key", "like", "auth-lockout:%")
      .execute();
    expect(after.filter((m) => !known.has(m.id))).toHaveLength(messages.length);
    // An unknown account: the same answers, and no message to anyone.
    for (let i = 0; i < 5; i++) await login("ghost-of-beta@beta.test", `nope ${i}`);
    const total = await services.systemDb.selectFrom("outbox_messages").select("id").execute();
    expect(total.length - outboxBefore.length).toBe(messages.length);
    pastLockouts();
  });

  it("change-password: 20 parallel guesses of the current password evaluate at most 5, and count toward sign-in", async () => {
    const user = seed.alpha.users["privacy-officer"];
    const s = await signIn(app, user.email);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        asSession(
          app,
          s,
          "POST",
          "/api/auth/password",
          { currentPassword: `guess ${i}`, newPassword: "another fine passphrase here" },
          { ip: nextIp() },
        ),
      ),
    );
    expect(answers.filter((a) => a.statusCode === 401).length).toBeLessThanOrEqual(5);
    expect(answers.filter((a) => a.statusCode === 429).length).toBeGreaterThanOrEqual(15);
    expect(await failures("auth.password.change", { userId: user.id })).toBeLessThanOrEqual(5);
    // The same counter as sign-in: the right password at the sign-in form waits too.
    const r = await login(user.email, PASSWORD);
    expect(r.statusCode).toBe(429);
    pastLockouts();
  });

  describe("MFA", () => {
    let secret: string;
    const user = () => seed.alpha.users["front-desk"];

    beforeAll(async () => {
      const s = await signIn(app, user().email);
      ({ secret } = await enrollMfa(app, s, services.clock));
    });

    const verify = (s: Pick<SignedIn, "cookie" | "csrfToken">, code: string) =>
      asSession(app, s, "POST", "/api/auth/mfa/verify", { code }, { ip: nextIp() });

    it("60 parallel wrong codes across 12 sessions of one account: at most 5 are evaluated", async () => {
      const sessions: SignedIn[] = [];
      for (let i = 0; i < 12; i++) sessions.push(await signIn(app, user().email));
      for (const s of sessions) expect(s.status).toBe("mfa_required");
      const before = await failures("auth.mfa", { userId: user().id });
      const answers = await Promise.all(
        sessions.flatMap((s, i) =>
          Array.from({ length: 5 }, (_, j) => verify(s, String(100000 + i * 10 + j).padStart(6, "0"))),
        ),
      );
      const evaluated = answers.filter((a) => a.statusCode === 401 && a.json().error.code === "invalid_code");
      expect(evaluated.length).toBeLessThanOrEqual(5);
      expect(answers.filter((a) => a.statusCode === 429).length).toBeGreaterThanOrEqual(55);
      expect((await failures("auth.mfa", { userId: user().id })) - before).toBeLessThanOrEqual(5);
      // A thirteenth session with the right code still waits: the limit is the account's, not the session's.
      const fresh = await signIn(app, user().email);
      const right = await verify(fresh, await totpAt(secret, services.clock));
      expect(right.statusCode).toBe(429);
      expect(right.json().error.message).toMatch(/Try again in \d+ seconds/);
      // The owner is told (a wrong code means the password is known).
      const told = await services.systemDb
        .selectFrom("outbox_messages")
        .select("body")
        .where("recipient", "=", user().email)
        .where("dedupe_key", "like", "auth-lockout:mfa:%")
        .execute();
      expect(told).toHaveLength(1);
      expect(told[0]!.body).toContain("change your password");
      pastLockouts();
      const later = await signIn(app, user().email);
      const ok = await verify(later, await totpAt(secret, services.clock));
      expect(ok.statusCode, ok.body).toBe(200);
    });

    it("enrolment confirmation is bounded too (20 parallel wrong codes: at most 5 evaluated)", async () => {
      const enrolling = seed.alpha.users.clinician;
      const s = await signIn(app, enrolling.email);
      expect((await asSession(app, s, "POST", "/api/auth/mfa/enroll", {})).statusCode).toBe(200);
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          asSession(
            app,
            s,
            "POST",
            "/api/auth/mfa/enroll/confirm",
            { code: String(300000 + i) },
            { ip: nextIp() },
          ),
        ),
      );
      expect(answers.filter((a) => a.statusCode === 401).length).toBeLessThanOrEqual(5);
      expect(answers.filter((a) => a.statusCode === 429).length).toBeGreaterThanOrEqual(15);
      expect(await failures("auth.mfa.enroll", { userId: enrolling.id })).toBeLessThanOrEqual(5);
      pastLockouts();
    });

    it("the CSRF token rotates with the session after MFA: the pre-MFA token is refused", async () => {
      services.clock.advance(30_000);
      const s = await signIn(app, user().email);
      const ok = await verify(s, await totpAt(secret, services.clock));
      expect(ok.statusCode, ok.body).toBe(200);
      const cookie = sessionCookieFrom(ok)!;
      const fresh = ok.json().csrfToken as string;
      expect(fresh).not.toBe(s.csrfToken);
      const stale = await asSession(app, { cookie, csrfToken: s.csrfToken }, "POST", "/api/auth/logout", {});
      expect(stale.statusCode).toBe(403);
      expect(stale.json().error.code).toBe("csrf_failed");
      const me = await asSession(app, { cookie, csrfToken: fresh }, "GET", "/api/auth/session");
      expect(me.json().csrfToken).toBe(fresh);
      expect(
        (await asSession(app, { cookie, csrfToken: fresh }, "POST", "/api/auth/logout", {})).statusCode,
      ).toBe(204);
    });
  });

  it("the CSRF token rotates at sign-in, after a password change and after switching organization", async () => {
    const user = seed.alpha.users.clinician;
    // sign-in: a new session never accepts the token of an earlier one
    const before = await signIn(app, user.email);
    const s = await signIn(app, user.email);
    expect(s.csrfToken).not.toBe(before.csrfToken);
    const r = await asSession(
      app,
      { cookie: s.cookie, csrfToken: before.csrfToken },
      "POST",
      "/api/auth/logout",
      {},
    );
    expect(r.statusCode).toBe(403);
    // password change
    const changed = await asSession(app, s, "POST", "/api/auth/password", {
      currentPassword: PASSWORD,
      newPassword: "a brand new passphrase for csrf",
    });
    expect(changed.statusCode, changed.body).toBe(200);
    const afterChange = {
      cookie: sessionCookieFrom(changed)!,
      csrfToken: changed.json().csrfToken as string,
    };
    expect(afterChange.csrfToken).not.toBe(s.csrfToken);
    const stale = await asSession(
      app,
      { cookie: afterChange.cookie, csrfToken: s.csrfToken },
      "POST",
      "/api/auth/switch-organization",
      { organization: "beta" },
    );
    expect(stale.statusCode).toBe(403);
    expect(stale.json().error.code).toBe("csrf_failed");
    // switching organization (the account is made a member of beta directly in the database)
    await services.systemDb
      .insertInto("memberships")
      .values({
        organization_id: seed.beta.id,
        user_id: user.id,
        role: "clinician",
        created_at: services.clock().toISOString(),
      })
      .execute();
    const switched = await asSession(app, afterChange, "POST", "/api/auth/switch-organization", {
      organization: "beta",
    });
    expect(switched.statusCode, switched.body).toBe(200);
    const inBeta = { cookie: sessionCookieFrom(switched)!, csrfToken: switched.json().csrfToken as string };
    expect(inBeta.csrfToken).not.toBe(afterChange.csrfToken);
    const old = await asSession(
      app,
      { cookie: inBeta.cookie, csrfToken: afterChange.csrfToken },
      "POST",
      "/api/auth/logout",
      {},
    );
    expect(old.statusCode).toBe(403);
    expect((await asSession(app, inBeta, "POST", "/api/auth/logout", {})).statusCode).toBe(204);
  });
});

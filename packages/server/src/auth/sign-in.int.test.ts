import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../admin/organizations.ts";
import { createUser } from "../admin/users.ts";
import {
  asSession,
  closeTestServices,
  createTestApp,
  createTestServices,
  dialect,
  nextIp,
  PASSWORD,
  type Seed,
  type SignedIn,
  seedTwoOrgs,
  sessionCookieFrom,
  signIn,
  type TestServices,
} from "../testing/harness.ts";

/** SEC-AUTH-01/03/04/05: sign-in answers, throttling, password policy, hashing, account names. */
describe(`passwords and sign-in (${dialect})`, () => {
  let services: TestServices;
  let app: FastifyInstance;
  let seed: Seed;
  let admin: SignedIn;

  beforeAll(async () => {
    services = await createTestServices();
    seed = await seedTwoOrgs(services);
    ({ app } = await createTestApp(services));
    admin = await signIn(app, seed.alpha.users.admin.email);
  });
  afterAll(async () => {
    await app?.close();
    await closeTestServices(services);
  });

  const login = (email: string, password: string, ip = nextIp()) =>
    app.inject({ method: "POST", url: "/api/auth/login", remoteAddress: ip, payload: { email, password } });
  const withoutRequestId = (body: { error: Record<string, unknown> }) => {
    const { requestId: _r, ...rest } = body.error;
    return rest;
  };

  /**
   * Creates a user in alpha as the platform operator does (`salus user create`: administrators invite,
   * see admin/accounts.int.test.ts) and answers their one-time password.
   */
  async function newUser(email: string, roles: string[] = ["clinician"]) {
    return createUser(services, cliActor(seed.alpha.id), { email, displayName: email, roles });
  }

  /** Signs in with a one-time password and sets `password`; answers the new session. */
  async function setPassword(email: string, oneTime: string, password: string) {
    const s = await signIn(app, email, oneTime);
    expect(s.status).toBe("password_change_required");
    const r = await asSession(app, s, "POST", "/api/auth/password", {
      currentPassword: oneTime,
      newPassword: password,
    });
    expect(r.statusCode, r.body).toBe(200);
    return r;
  }

  it("an unknown account and a wrong password answer identically", async () => {
    const unknown = await login("nobody-here@alpha.test", "some password 123");
    const wrong = await login(seed.alpha.users.biller.email, "some password 123");
    const disabledish = await login(seed.alpha.users.biller.email.toUpperCase(), "another wrong one");
    expect(unknown.statusCode).toBe(401);
    expect(wrong.statusCode).toBe(401);
    expect(withoutRequestId(unknown.json())).toEqual(withoutRequestId(wrong.json()));
    expect(withoutRequestId(disabledish.json())).toEqual(withoutRequestId(wrong.json()));
    expect(unknown.json().error.code).toBe("invalid_credentials");
    expect(unknown.headers["set-cookie"]).toBeUndefined();
    expect(wrong.headers["set-cookie"]).toBeUndefined();
  });

  it("the email matches after case folding and NFKC", async () => {
    const s = await signIn(app, "  ＣＬＩＮＩＣＩＡＮ@Alpha.TEST ");
    expect(s.status).toBe("signed_in");
    const me = await asSession(app, s, "GET", "/api/auth/session");
    expect(me.json().user.id).toBe(seed.alpha.users.clinician.id);
  });

  it("repeated failures throttle the account (429 rate_limited), whatever the address, known or not", async () => {
    for (const email of [seed.alpha.users.hr.email, "ghost@alpha.test"]) {
      for (let i = 0; i < 5; i++) expect((await login(email, `wrong password ${i}`)).statusCode).toBe(401);
      const throttled = await login(email, PASSWORD);
      expect(throttled.statusCode, email).toBe(429);
      expect(throttled.json().error.code).toBe("rate_limited");
      // even the right password is not evaluated while throttled
      expect((await login(email, PASSWORD)).statusCode).toBe(429);
    }
    // another account from the same address is unaffected
    const ip = nextIp();
    expect((await login(seed.alpha.users.biller.email, PASSWORD, ip)).statusCode).toBe(200);
    // once the wait has passed, the right password works and clears the count
    services.clock.advance(30_000);
    expect((await login(seed.alpha.users.hr.email, PASSWORD)).statusCode).toBe(200);
    expect((await login(seed.alpha.users.hr.email, "wrong again 1")).statusCode).toBe(401);
  });

  it("repeated failures from one address throttle that address", async () => {
    const ip = nextIp();
    for (let i = 0; i < 20; i++)
      expect((await login(`spray${i}@alpha.test`, "Winter2026!!", ip)).statusCode).toBe(401);
    const r = await login(seed.alpha.users.manager.email, PASSWORD, ip);
    expect(r.statusCode).toBe(429);
    expect(r.json().error.code).toBe("rate_limited");
    expect((await login(seed.alpha.users.manager.email, PASSWORD)).statusCode).toBe(200);
    services.clock.advance(30_000);
  });

  it("a one-time password forces a change; weak and common passwords are refused", async () => {
    const email = "newcomer@alpha.test";
    const { oneTimePassword } = await newUser(email);
    expect(oneTimePassword).toMatch(/^[a-z2-9]{5}(-[a-z2-9]{5}){3}$/);
    const s = await signIn(app, email, oneTimePassword!);
    expect(s.status).toBe("password_change_required");
    expect((await asSession(app, s, "GET", "/api/patients")).statusCode).toBe(401);
    for (const weak of [
      "password1234",
      "qwertyuiop123",
      "short",
      "aaaaaaaaaaaaaaaa",
      "newcomer@alpha.test1",
    ]) {
      const r = await asSession(app, s, "POST", "/api/auth/password", {
        currentPassword: oneTimePassword,
        newPassword: weak,
      });
      expect(r.statusCode, weak).toBe(400);
      expect(r.json().error.code, weak).toBe("weak_password");
      expect(r.json().error.message.length).toBeGreaterThan(10);
    }
    const wrongCurrent = await asSession(app, s, "POST", "/api/auth/password", {
      currentPassword: "not it at all",
      newPassword: "a perfectly fine new passphrase",
    });
    expect(wrongCurrent.statusCode).toBe(401);
    const ok = await asSession(app, s, "POST", "/api/auth/password", {
      currentPassword: oneTimePassword,
      newPassword: "a perfectly fine new passphrase",
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().status).toBe("signed_in");
    const changed = { cookie: sessionCookieFrom(ok)!, csrfToken: ok.json().csrfToken };
    expect((await asSession(app, changed, "GET", "/api/patients")).statusCode).toBe(200);
    expect((await login(email, oneTimePassword!)).statusCode).toBe(401);
    expect((await login(email, "a perfectly fine new passphrase")).json().status).toBe("signed_in");
  });

  it("guessing the current password through change-password is throttled too", async () => {
    const s = await signIn(app, seed.alpha.users["privacy-officer"].email);
    for (let i = 0; i < 5; i++) {
      const r = await asSession(app, s, "POST", "/api/auth/password", {
        currentPassword: `guess number ${i}`,
        newPassword: "another fine passphrase here",
      });
      expect(r.statusCode).toBe(401);
    }
    const r = await asSession(app, s, "POST", "/api/auth/password", {
      currentPassword: PASSWORD,
      newPassword: "another fine passphrase here",
    });
    expect(r.statusCode).toBe(429);
    services.clock.advance(30_000);
  });

  it("a 64-character Unicode and emoji password works, exactly as typed", async () => {
    const email = "unicode@alpha.test";
    const { oneTimePassword } = await newUser(email);
    const source = "🔐🦄 Ünïcødé пароль 密码 パスワード كلمة 🌍🚀✨ correct horse 🐎🔋📎 staple 🍀 ";
    const sixtyFour = [...source.repeat(3)].slice(0, 64).join("");
    expect([...sixtyFour]).toHaveLength(64);
    await setPassword(email, oneTimePassword!, sixtyFour);
    expect((await login(email, sixtyFour)).json().status).toBe("signed_in");
    expect((await login(email, [...sixtyFour].slice(0, 63).join(""))).statusCode).toBe(401);
    expect((await login(email, sixtyFour.normalize("NFD"))).statusCode).toBe(401);
  });

  it("an 80-byte password does not verify with only its first 72 bytes", async () => {
    const email = "longpass@alpha.test";
    const { oneTimePassword } = await newUser(email);
    const password = "tr0ub4dor&3-is-not-enough-so-here-is-a-very-long-passphrase-of-80-bytes-exactly!";
    expect(Buffer.byteLength(password)).toBe(80);
    await setPassword(email, oneTimePassword!, password);
    expect((await login(email, password.slice(0, 72))).statusCode).toBe(401);
    expect((await login(email, password)).json().status).toBe("signed_in");
  });

  it("stored hashes are argon2id, salted (same password, different hashes)", async () => {
    const rows = await services.systemDb.selectFrom("users").select(["email", "password_hash"]).execute();
    expect(rows.length).toBeGreaterThan(16);
    for (const r of rows) expect(r.password_hash, r.email).toMatch(/^\$argon2id\$/);
    const seeded = rows
      .filter((r) => /^(admin|manager|biller)@alpha\.test$/.test(r.email))
      .map((r) => r.password_hash);
    expect(seeded).toHaveLength(3); // three users with the same password
    expect(new Set(seeded).size).toBe(seeded.length);
    for (const r of rows) expect(r.password_hash).not.toContain(PASSWORD);
  });

  it("account names are unique after NFKC and case folding; invisible characters are refused", async () => {
    const first = await newUser("Admin@x.test");
    const before = await services.systemDb.selectFrom("users").select("id").execute();
    for (const variant of ["admin@x.test", "ADMIN@X.TEST", "ａdmin@x.test", " Admin@x.test "]) {
      const r = await asSession(app, admin, "POST", "/api/users", {
        email: variant,
        displayName: "Dup",
        roles: ["hr"],
      });
      expect(r.statusCode, variant).toBe(409);
      expect(r.json().error.code).toBe("conflict");
    }
    for (const invisible of [
      "admin\u200b@x.test",
      "ad\u00admin@x.test",
      "\ufeffadmin@x.test",
      "admin@x\u2060.test",
    ]) {
      const r = await asSession(app, admin, "POST", "/api/users", {
        email: invisible,
        displayName: "Inv",
        roles: ["hr"],
      });
      expect(r.statusCode, JSON.stringify(invisible)).toBe(400);
      expect(r.json().error.code).toBe("invalid_request");
    }
    expect(await services.systemDb.selectFrom("users").select("id").execute()).toHaveLength(before.length);
    // the same person invited to beta (in another spelling) is the same account, not a new one
    const betaAdmin = await signIn(app, seed.beta.users.admin.email);
    const beta = await asSession(app, betaAdmin, "POST", "/api/users", {
      email: "ＡＤＭＩＮ@x.test",
      displayName: "Same person",
      roles: ["hr"],
    });
    expect(beta.statusCode).toBe(201);
    expect(await services.systemDb.selectFrom("users").select("id").execute()).toHaveLength(before.length);
    const added = await createUser(services, cliActor(seed.beta.id), {
      email: "ＡＤＭＩＮ@x.test",
      displayName: "Same person",
      roles: ["hr"],
    });
    expect(added.user.id).toBe(first.user.id);
    expect(added.oneTimePassword).toBeNull();
    const stored = await services.systemDb
      .selectFrom("users")
      .select("email_normalized")
      .where("id", "=", first.user.id)
      .executeTakeFirstOrThrow();
    expect(stored.email_normalized).toBe("admin@x.test");
  });

  it("an administrator's password reset gives a one-time password, ends the user's sessions and forces a change", async () => {
    const email = "forgetful@alpha.test";
    const created = await newUser(email);
    await setPassword(email, created.oneTimePassword!, "a long enough passphrase 2026");
    const before = await signIn(app, email, "a long enough passphrase 2026");
    expect(before.status).toBe("signed_in");

    const r = await asSession(app, admin, "POST", `/api/users/${created.user.id}/reset-password`);
    expect(r.statusCode, r.body).toBe(200);
    const { oneTimePassword } = r.json() as { oneTimePassword: string };
    expect((await asSession(app, before, "GET", "/api/patients")).statusCode).toBe(401);
    expect((await login(email, "a long enough passphrase 2026")).statusCode).toBe(401);
    await setPassword(email, oneTimePassword, "another long passphrase 2027");
    // Another organization's administrator cannot reset this user (answered like a missing user).
    const beta = await signIn(app, seed.beta.users.admin.email);
    expect(
      (await asSession(app, beta, "POST", `/api/users/${created.user.id}/reset-password`)).statusCode,
    ).toBe(404);
  });
});

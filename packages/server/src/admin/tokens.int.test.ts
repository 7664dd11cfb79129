import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  asBearer,
  asSession,
  auditAfter,
  auditSeq,
  closeTestServices,
  createTestApp,
  createTestServices,
  dialect,
  errorOf,
  nextIp,
  type Seed,
  type SignedIn,
  seedTwoOrgs,
  signIn,
  type TestServices,
} from "../testing/harness.ts";
import { cliActor } from "./organizations.ts";
import { createToken } from "./tokens.ts";

/**
 * Issue 9, item 2: an administrator cannot act as someone else. A bearer token acts for the person who
 * created it, or for a service account (its own name and roles, no password sign-in), shown as such in
 * the audit trail.
 */
describe(`bearer tokens and service accounts (${dialect})`, () => {
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

  it("an administrator cannot mint a token for the privacy officer or a clinician (403, audited, nothing written)", async () => {
    for (const victim of [seed.alpha.users["privacy-officer"], seed.alpha.users.clinician]) {
      const before = await services.systemDb.selectFrom("api_tokens").select("id").execute();
      const seq = await auditSeq(services, seed.alpha.id);
      const r = await asSession(app, admin, "POST", "/api/tokens", { name: "export", userId: victim.id });
      expect(r.statusCode, r.body).toBe(403);
      expect(errorOf(r).code).toBe("token_for_another_person");
      expect(errorOf(r).message).toMatch(/service account/);
      expect(await services.systemDb.selectFrom("api_tokens").select("id").execute()).toHaveLength(
        before.length,
      );
      const entries = await auditAfter(services, seed.alpha.id, seq);
      expect(entries.map((e) => [e.action, e.outcome])).toEqual([["token.create", "denied"]]);
      expect(JSON.parse(entries[0]!.detail!)).toMatchObject({ userId: victim.id });
    }
  });

  it("an administrator may create a token for themselves", async () => {
    const r = await asSession(app, admin, "POST", "/api/tokens", { name: "my own script" });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json().role).toBe("admin");
    const use = await asBearer(app, r.json().token, "GET", "/api/organization");
    expect(use.statusCode).toBe(200);
  });

  it("a service account has its own name and roles, cannot sign in, and its token is shown as a service account in the audit trail", async () => {
    const created = await asSession(app, admin, "POST", "/api/service-accounts", {
      name: "Lab results interface",
      roles: ["front-desk"],
    });
    expect(created.statusCode, created.body).toBe(201);
    const account = created.json() as { id: string; email: string; serviceAccount: boolean; roles: string[] };
    expect(account.serviceAccount).toBe(true);
    expect(account.roles).toEqual(["front-desk"]);
    const list = await asSession(app, admin, "GET", "/api/users");
    expect(list.json().items.find((u: { id: string }) => u.id === account.id)).toMatchObject({
      serviceAccount: true,
      displayName: "Lab results interface",
    });

    const t = await asSession(app, admin, "POST", "/api/tokens", { name: "lab", userId: account.id });
    expect(t.statusCode, t.body).toBe(201);
    const seq = await auditSeq(services, seed.alpha.id);
    const read = await asBearer(app, t.json().token, "GET", "/api/patients");
    expect(read.statusCode, read.body).toBe(200);
    const entries = await auditAfter(services, seed.alpha.id, seq);
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) {
      expect(e.actor).toBe("service account: Lab results interface");
      expect(e.user_id).toBe(account.id);
    }
    const audit = await asSession(app, admin, "GET", `/api/audit?userId=${account.id}`);
    // (the administrator has no audit:read; the privacy officer reads it)
    expect(audit.statusCode).toBe(403);
    const po = await signIn(app, seed.alpha.users["privacy-officer"].email);
    const trail = await asSession(app, po, "GET", `/api/audit?userId=${account.id}`);
    expect(trail.statusCode).toBe(200);
    expect(trail.json().items[0].userEmail).toBe("service account: Lab results interface");

    // No password sign-in, even after the platform operator gave it a one-time password.
    const { resetUserPassword } = await import("./users.ts");
    await expect(resetUserPassword(services, cliActor(seed.alpha.id), account.id)).rejects.toMatchObject({
      code: "conflict",
    });
    const login = await app.inject({
      method: "POST",
      url: "/api/auth/login",
      remoteAddress: nextIp(),
      payload: { email: account.email, password: "anything at all 1234" },
    });
    expect(login.statusCode).toBe(401);
    // A service account of another organization is not this administrator's to use.
    const beta = await signIn(app, seed.beta.users.admin.email);
    const foreign = await asSession(app, beta, "POST", "/api/tokens", { name: "x", userId: account.id });
    expect(foreign.statusCode).toBe(404);
  });

  it("the platform operator's CLI path still issues a token for a person (it is the operator)", async () => {
    const r = await createToken(services, cliActor(seed.alpha.id), {
      name: "operator",
      userId: seed.alpha.users.clinician.id,
    });
    expect(r.role).toBe("clinician");
    expect((await asBearer(app, r.token, "GET", "/api/patients")).statusCode).toBe(200);
  });
});

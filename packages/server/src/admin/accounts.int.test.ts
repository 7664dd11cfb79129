import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  asSession,
  auditAfter,
  auditSeq,
  closeTestServices,
  createTestApp,
  createTestServices,
  dialect,
  enrollMfa,
  errorOf,
  nextIp,
  PASSWORD,
  type Seed,
  type SignedIn,
  seedTwoOrgs,
  signIn,
  type TestServices,
} from "../testing/harness.ts";
import { cliActor, createOrganization } from "./organizations.ts";
import { createUser } from "./users.ts";

/**
 * Issue 9, item 1: no practice can touch another practice's accounts. The attack: the administrator of
 * a hostile organization adds the email of another practice's owner, resets the account's (global)
 * password, signs in with `organization` set to the victim's practice and reads its patients. Each step
 * is refused here, and what an organization's administrator may still do is checked beside it.
 */
describe(`accounts across organizations (${dialect})`, () => {
  let services: TestServices;
  let app: FastifyInstance;
  let seed: Seed;
  // The hostile organization's name sorts before every other, which once made it the victim's landing
  // organization as soon as the victim was a member.
  const ATTACKER_ORG = { slug: "aardvark", name: "Aardvark Associates" };
  const ATTACKER = "mallory@aardvark.test";
  let attackerOrgId: string;
  let attacker: SignedIn;

  beforeAll(async () => {
    services = await createTestServices();
    seed = await seedTwoOrgs(services);
    ({ app } = await createTestApp(services));
    attackerOrgId = (await createOrganization(services, ATTACKER_ORG)).id;
    await createUser(services, cliActor(attackerOrgId), {
      email: ATTACKER,
      displayName: "Mallory",
      roles: ["admin"],
      password: PASSWORD,
    });
    attacker = await signIn(app, ATTACKER);
  });
  afterAll(async () => {
    await app?.close();
    await closeTestServices(services);
  });

  const db = () => services.systemDb;
  const membershipsOf = async (userId: string) =>
    (
      await db()
        .selectFrom("memberships")
        .select("organization_id")
        .distinct()
        .where("user_id", "=", userId)
        .execute()
    )
      .map((r) => r.organization_id)
      .sort();
  const userRow = (id: string) =>
    db().selectFrom("users").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
  /** The shape of a JSON value: keys and value types, not the values. */
  const shape = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(shape)
      : v && typeof v === "object"
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)]))
        : v === null
          ? "null"
          : typeof v;
  /** The invitation link the outbox holds for an email (the newest). */
  async function invitationToken(email: string): Promise<string> {
    const rows = await db()
      .selectFrom("outbox_messages")
      .select(["body", "created_at"])
      .where("recipient", "=", email)
      .where("dedupe_key", "like", "invitation:%")
      .orderBy("created_at", "desc")
      .execute();
    const match = /\/invitation#token=([A-Za-z0-9_.-]+)/.exec(rows[0]?.body ?? "");
    if (!match) throw new Error(`no invitation link for ${email}`);
    return match[1]!;
  }
  const landingOf = async (email: string) => {
    const s = await signIn(app, email);
    const me = await asSession(app, s, "GET", "/api/auth/session");
    return (me.json() as { organization: { slug: string } }).organization.slug;
  };

  it("the issue's attack is refused at each step: add by email, reset, sign in to the victim's practice, read patients", async () => {
    const victim = seed.alpha.users.admin;
    const before = await userRow(victim.id);

    // 1. Adding the victim's email only sends an invitation: no membership, nothing revealed.
    const added = await asSession(app, attacker, "POST", "/api/users", {
      email: victim.email,
      displayName: "Victim renamed",
      roles: ["admin", "clinician"],
    });
    expect(added.statusCode, added.body).toBe(201);
    expect(await membershipsOf(victim.id)).toEqual([seed.alpha.id]);
    expect(added.body).not.toContain(victim.id);
    expect(added.body).not.toMatch(/oneTimePassword|token/i);
    // The same status and body shape as for an email that has no account at all.
    const fresh = await asSession(app, attacker, "POST", "/api/users", {
      email: "nobody-yet@elsewhere.test",
      displayName: "Nobody yet",
      roles: ["admin", "clinician"],
    });
    expect(fresh.statusCode).toBe(added.statusCode);
    expect(shape(fresh.json())).toEqual(shape(added.json()));
    expect(Object.keys(fresh.json().invitation).sort()).toEqual(Object.keys(added.json().invitation).sort());

    // 2. Reset, rename, disable, token: the account is not a member here, answered like a missing user.
    for (const [method, url, body] of [
      ["POST", `/api/users/${victim.id}/reset-password`, undefined],
      ["POST", `/api/users/${victim.id}/reset-mfa`, undefined],
      ["PATCH", `/api/users/${victim.id}`, { displayName: "Owned" }],
      ["PATCH", `/api/users/${victim.id}`, { disabled: true }],
      ["POST", "/api/tokens", { name: "exfil", userId: victim.id }],
    ] as const) {
      const r = await asSession(app, attacker, method, url, body);
      expect(r.statusCode, `${method} ${url} ${r.body}`).toBe(404);
    }

    // 3. Signing in to the victim's practice needs the victim's password, which never changed hands.
    const after = await userRow(victim.id);
    expect(after.password_hash).toBe(before.password_hash);
    expect(after.display_name).toBe(before.display_name);
    expect(after.disabled_at).toBeNull();
    const login = await app.inject({
      method: "POST",
      url: "/api/auth/login",
      remoteAddress: nextIp(),
      payload: { email: victim.email, password: "a guess of mallory", organization: "alpha" },
    });
    expect(login.statusCode).toBe(401);

    // 4. The attacker reads no patient of the victim's practice (and, as an administrator, none at all).
    const patients = await asSession(app, attacker, "GET", "/api/patients");
    expect(patients.statusCode).toBe(403);
    expect(patients.body).not.toContain(seed.alpha.canaries[0]);

    // The owner still signs in, to their own practice.
    expect(await landingOf(victim.email)).toBe("alpha");
  });

  it("an account that belongs to another organization too: its administrator cannot reset, rename, disable or reset MFA (the platform operator does)", async () => {
    // The person truly works for both (the platform operator added them, or they accepted an invitation).
    const victim = seed.alpha.users.clinician;
    await createUser(services, cliActor(attackerOrgId), {
      email: victim.email,
      displayName: "ignored for an existing account",
      roles: ["clinician"],
    });
    expect(await membershipsOf(victim.id)).toEqual([seed.alpha.id, attackerOrgId].sort());
    const before = await userRow(victim.id);
    const seqAttacker = await auditSeq(services, attackerOrgId);

    for (const [method, url, body] of [
      ["POST", `/api/users/${victim.id}/reset-password`, undefined],
      ["POST", `/api/users/${victim.id}/reset-mfa`, undefined],
      ["PATCH", `/api/users/${victim.id}`, { displayName: "Owned" }],
      ["PATCH", `/api/users/${victim.id}`, { disabled: true }],
    ] as const) {
      const r = await asSession(app, attacker, method, url, body);
      expect(r.statusCode, `${method} ${url} ${r.body}`).toBe(403);
      expect(errorOf(r).code).toBe("platform_operator_required");
      expect(errorOf(r).message).toMatch(/salus user/);
    }
    const after = await userRow(victim.id);
    expect(after.password_hash).toBe(before.password_hash);
    expect(after.display_name).toBe(before.display_name);
    expect(after.disabled_at).toBeNull();
    expect(after.mfa_enabled).toBe(before.mfa_enabled);
    // Each refusal is on the attacker organization's trail, as denied.
    const refusals = (await auditAfter(services, attackerOrgId, seqAttacker)).filter(
      (e) => e.resource_id === victim.id,
    );
    expect(refusals.map((e) => e.outcome)).toEqual(["denied", "denied", "denied", "denied"]);

    // Roles here are this organization's business.
    const roles = await asSession(app, attacker, "PATCH", `/api/users/${victim.id}`, { roles: ["hr"] });
    expect(roles.statusCode, roles.body).toBe(200);

    // No bearer token acting as the person either.
    const token = await asSession(app, attacker, "POST", "/api/tokens", { name: "exfil", userId: victim.id });
    expect(token.statusCode, token.body).toBe(403);
    expect(errorOf(token).code).toBe("token_for_another_person");

    // The person's plain sign-in still lands where it did, although the new organization sorts first.
    expect(await landingOf(victim.email)).toBe("alpha");
  });

  it("every account-level change is audited in every organization the account belongs to", async () => {
    const person = seed.beta.users.biller;
    const alphaSeq = await auditSeq(services, seed.alpha.id);
    const betaSeq = await auditSeq(services, seed.beta.id);
    // Membership added (by the platform operator): on both trails.
    await createUser(services, cliActor(seed.alpha.id), {
      email: person.email,
      displayName: "x",
      roles: ["biller"],
    });
    const alphaAdded = await auditAfter(services, seed.alpha.id, alphaSeq);
    const betaAdded = await auditAfter(services, seed.beta.id, betaSeq);
    expect(alphaAdded.some((e) => e.action === "user.create" && e.resource_id === person.id)).toBe(true);
    expect(betaAdded.some((e) => e.action === "account.membership.add" && e.resource_id === person.id)).toBe(
      true,
    );

    // A password reset by the platform operator, named for one organization, is on both trails.
    const { resetUserPassword } = await import("./users.ts");
    const alphaSeq2 = await auditSeq(services, seed.alpha.id);
    const betaSeq2 = await auditSeq(services, seed.beta.id);
    await resetUserPassword(services, cliActor(seed.alpha.id), person.id);
    for (const [chain, seq] of [
      [seed.alpha.id, alphaSeq2],
      [seed.beta.id, betaSeq2],
    ] as const) {
      const entries = await auditAfter(services, chain, seq);
      const reset = entries.find((e) => e.action === "user.password.reset" && e.resource_id === person.id);
      expect(reset, chain).toBeDefined();
      expect(reset!.actor).toBe("cli");
    }
  });

  it("a rename, a disable and an MFA reset of an account wholly in this organization work, and are audited here", async () => {
    const admin = await signIn(app, seed.beta.users.admin.email);
    const person = seed.beta.users.hr;
    // MFA on, then reset by the administrator (the person lost their phone).
    const s = await signIn(app, person.email);
    await enrollMfa(app, s, services.clock);
    expect((await userRow(person.id)).mfa_enabled).toBe(1);
    const seq = await auditSeq(services, seed.beta.id);
    const mfa = await asSession(app, admin, "POST", `/api/users/${person.id}/reset-mfa`);
    expect(mfa.statusCode, mfa.body).toBe(204);
    const row = await userRow(person.id);
    expect(row.mfa_enabled).toBe(0);
    expect(row.mfa_secret_enc).toBeNull();
    const rename = await asSession(app, admin, "PATCH", `/api/users/${person.id}`, { displayName: "H. R." });
    expect(rename.statusCode, rename.body).toBe(200);
    expect(rename.json().displayName).toBe("H. R.");
    const actions = (await auditAfter(services, seed.beta.id, seq)).map((e) => `${e.action}:${e.outcome}`);
    expect(actions).toEqual(expect.arrayContaining(["user.mfa.reset:success", "user.update:success"]));
  });

  it("an invitation is accepted by the person signed in to their own account; it does not change where they land", async () => {
    const person = seed.beta.users.manager;
    const r = await asSession(app, attacker, "POST", "/api/users", {
      email: person.email.toUpperCase(),
      displayName: "Manager",
      roles: ["manager"],
    });
    expect(r.statusCode, r.body).toBe(201);
    // Sent to the address as the administrator typed it.
    const token = await invitationToken(person.email.toUpperCase());
    // Someone else signed in (the inviting administrator included) cannot accept it.
    const other = await asSession(app, attacker, "POST", "/api/invitations/accept", { token });
    expect(other.statusCode, other.body).toBe(403);
    expect(errorOf(other).code).toBe("forbidden");
    // A tampered or expired link is refused.
    const s = await signIn(app, person.email);
    const tampered = await asSession(app, s, "POST", "/api/invitations/accept", {
      token: `${token.slice(0, -2)}AA`,
    });
    expect(tampered.statusCode).toBe(400);
    expect(errorOf(tampered).code).toBe("invalid_request");
    const seqBeta = await auditSeq(services, seed.beta.id);
    const seqAttacker = await auditSeq(services, attackerOrgId);
    const ok = await asSession(app, s, "POST", "/api/invitations/accept", { token });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(await membershipsOf(person.id)).toEqual([attackerOrgId, seed.beta.id].sort());
    // Single use.
    const again = await asSession(app, s, "POST", "/api/invitations/accept", { token });
    expect(again.statusCode).toBe(400);
    // Audited in both organizations.
    expect(
      (await auditAfter(services, attackerOrgId, seqAttacker)).some(
        (e) => e.action === "user.invitation.accept" && e.user_id === person.id,
      ),
    ).toBe(true);
    expect(
      (await auditAfter(services, seed.beta.id, seqBeta)).some(
        (e) => e.action === "account.membership.add" && e.resource_id === person.id,
      ),
    ).toBe(true);
    // Still lands in beta; a chosen default moves it, and only the person chooses it.
    expect(await landingOf(person.email)).toBe("beta");
    const s2 = await signIn(app, person.email);
    const choose = await asSession(app, s2, "PUT", "/api/account/default-organization", {
      organization: ATTACKER_ORG.slug,
    });
    expect(choose.statusCode, choose.body).toBe(204);
    expect(await landingOf(person.email)).toBe(ATTACKER_ORG.slug);
  });

  it("an invitation expires", async () => {
    await asSession(app, attacker, "POST", "/api/users", {
      email: seed.beta.users.clinician.email,
      displayName: "C",
      roles: ["clinician"],
    });
    const token = await invitationToken(seed.beta.users.clinician.email);
    services.clock.advance(8 * 24 * 3_600_000);
    const s = await signIn(app, seed.beta.users.clinician.email);
    const r = await asSession(app, s, "POST", "/api/invitations/accept", { token });
    expect(r.statusCode).toBe(400);
    expect(errorOf(r).message).toMatch(/expired/);
    expect(await membershipsOf(seed.beta.users.clinician.id)).toEqual([seed.beta.id]);
  });

  it("an email with no account yet: the person sets their password through the link, then signs in", async () => {
    const email = "newcomer@somewhere.test";
    attacker = await signIn(app, ATTACKER); // the clock moved 8 days in the test before
    const r = await asSession(app, attacker, "POST", "/api/users", {
      email,
      displayName: "New Comer",
      roles: ["front-desk"],
    });
    expect(r.statusCode).toBe(201);
    const token = await invitationToken(email);
    const preview = await app.inject({ method: "POST", url: "/api/invitations/preview", payload: { token } });
    expect(preview.statusCode, preview.body).toBe(200);
    expect(preview.json()).toMatchObject({ organizationName: ATTACKER_ORG.name, needsPassword: true });
    const weak = await app.inject({
      method: "POST",
      url: "/api/invitations/accept-new",
      payload: { token, password: "password" },
    });
    expect(weak.statusCode).toBe(400);
    const ok = await app.inject({
      method: "POST",
      url: "/api/invitations/accept-new",
      payload: { token, password: "a brand new passphrase 2026" },
    });
    expect(ok.statusCode, ok.body).toBe(200);
    const s = await signIn(app, email, "a brand new passphrase 2026");
    expect(s.status).toBe("signed_in");
    const replay = await app.inject({
      method: "POST",
      url: "/api/invitations/accept-new",
      payload: { token, password: "another new passphrase 2027" },
    });
    expect(replay.statusCode).toBe(400);
    // The same public route never sets the password of an existing account.
    await asSession(app, attacker, "POST", "/api/users", {
      email: seed.alpha.users.biller.email,
      displayName: "B",
      roles: ["biller"],
    });
    const existing = await invitationToken(seed.alpha.users.biller.email);
    const hijack = await app.inject({
      method: "POST",
      url: "/api/invitations/accept-new",
      payload: { token: existing, password: "a takeover passphrase 2026" },
    });
    expect(hijack.statusCode).toBe(409);
    expect((await userRow(seed.alpha.users.biller.id)).password_hash).not.toBe(
      await db()
        .selectFrom("users")
        .select("password_hash")
        .where("email_normalized", "=", email)
        .executeTakeFirstOrThrow()
        .then((r) => r.password_hash),
    );
  });
});

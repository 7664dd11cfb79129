import {
  DomainError,
  normalizeEmail,
  type Permission,
  permissionsFor,
  ROLES,
  type Role,
  sessionState,
} from "@salus/core";
import { appendAudit } from "../audit/append-audit.ts";
import type { OrganizationRow, SessionRow, UserRow } from "../db/schema.ts";
import { inTransaction, type Trx } from "../db/transaction.ts";
import { digestToken, newSecretToken } from "../platform/crypto.ts";
import { openText, sealText } from "../platform/field-crypto.ts";
import type { Services } from "../platform/services.ts";
import {
  mfaKeys,
  noteFailure,
  passwordKeys,
  type Reserved,
  reserveAttempts,
  settleSuccess,
} from "./attempt-guard.ts";
import { landingOrganizationId } from "./landing.ts";
import { assertAcceptablePassword, burnPasswordCheck, hashPassword, verifyPassword } from "./passwords.ts";
import { checkTotp, newTotpSecret, totpUri } from "./totp.ts";

/**
 * Sign-in, multi-factor authentication and sessions. A session moves through stages: `mfa` (code needed),
 * `password_change` (one-time password), `mfa_enrollment` (organization requires MFA) and `active`. Only
 * `active` sessions reach practice data; the HTTP layer enforces that. Session tokens are random, stored
 * as digests, and replaced whenever the session gains privilege (fixation).
 */
export type Stage = SessionRow["stage"];

export interface RequestInfo {
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

export interface SignInResult {
  token: string;
  csrfToken: string;
  stage: Stage;
}

const MFA_ATTEMPTS = 5;

const GENERIC_FAILURE = "The email or password is incorrect.";
// One message whichever counter (account or address) is locked, and whether the account exists or not.
const PASSWORD_PAUSED = (wait: string) =>
  `Too many failed attempts. Sign-in is paused; try again in ${wait}. If you forgot your password, ask your administrator to reset it.`;
const MFA_PAUSED = (wait: string) =>
  `Too many wrong codes for this account. Try again in ${wait}, with the current code from your authenticator app.`;

function nextStage(user: UserRow, org: OrganizationRow, mfaPassed: boolean): Stage {
  if (user.mfa_enabled === 1 && !mfaPassed) return "mfa";
  if (user.must_change_password === 1) return "password_change";
  if (org.mfa_required === 1 && user.mfa_enabled !== 1) return "mfa_enrollment";
  return "active";
}

async function membershipOrgs(trx: Trx, userId: string): Promise<OrganizationRow[]> {
  return trx
    .selectFrom("organizations")
    .selectAll()
    .where("id", "in", (eb) =>
      eb.selectFrom("memberships").select("organization_id").where("user_id", "=", userId),
    )
    .orderBy("name")
    .execute();
}

function securityEvent(
  services: Services,
  info: RequestInfo,
  e: {
    organizationId: string | null;
    userId: string | null;
    actor: string | null;
    action: string;
    outcome: "success" | "failure" | "denied";
    detail?: Record<string, unknown>;
  },
) {
  return {
    at: services.clock().toISOString(),
    organizationId: e.organizationId,
    userId: e.userId,
    actor: e.actor,
    action: e.action,
    resourceType: "Session",
    resourceId: null,
    patientId: null,
    outcome: e.outcome,
    ip: info.ip,
    requestId: info.requestId,
    detail: e.detail ? JSON.stringify(e.detail) : null,
  };
}

/** A security event of the signed-in (or signing-in) user of a session, on their organization's chain. */
function sessionEvent(
  services: Services,
  info: RequestInfo,
  r: ResolvedSession,
  e: {
    action: string;
    outcome: "success" | "failure" | "denied";
    detail?: Record<string, unknown> | undefined;
  },
) {
  return securityEvent(services, info, {
    organizationId: r.organization.id,
    userId: r.user.id,
    actor: r.user.email,
    ...e,
  });
}

/**
 * Checks email and password. Every failure answers the same `invalid_credentials` whether the account
 * exists, is disabled or the password is wrong, after the same argon2 work. An attempt is reserved on
 * the account name's and the address's counters before argon2 runs (`attempt-guard.ts`), so parallel
 * guesses cannot exceed the limit; past it the caller waits (doubling) and the owner is told.
 */
export async function signIn(
  services: Services,
  info: RequestInfo,
  input: { email: string; password: string; organization?: string | undefined },
): Promise<SignInResult> {
  const now = services.clock();
  const at = now.toISOString();
  const normalized = normalizeEmail(input.email);

  const user = await services.db.kysely
    .selectFrom("users")
    .selectAll()
    .where("email_normalized", "=", normalized)
    .executeTakeFirst();
  const orgs = user ? await membershipOrgs(services.db.kysely, user.id) : [];
  // Where this person lands: their chosen (or first) organization, never whichever sorts first by name.
  const homeId = user ? await landingOrganizationId(services.db.kysely, user) : null;
  const home = orgs.find((o) => o.id === homeId);
  const auditOrg = home?.id ?? null;

  const reserved = await reserveAttempts(
    services,
    info,
    passwordKeys(normalized, info.ip),
    { organizationId: auditOrg, userId: user?.id ?? null, actor: normalized, action: "auth.sign_in" },
    PASSWORD_PAUSED,
  );

  let passwordOk = false;
  if (user) passwordOk = await verifyPassword(user.password_hash, input.password);
  else await burnPasswordCheck(input.password);
  const org = input.organization ? orgs.find((o) => o.slug === input.organization) : home;
  // A service account never signs in with a password (it has tokens), whatever is stored.
  const ok = user && passwordOk && user.disabled_at === null && user.service_account !== 1 && org;

  if (!ok) {
    const reason = !user
      ? "unknown_account"
      : !passwordOk
        ? "wrong_password"
        : user.disabled_at
          ? "disabled"
          : user.service_account === 1
            ? "service_account"
            : "no_membership";
    await inTransaction(
      services.db,
      async (trx) => {
        await appendAudit(
          trx,
          services.audit,
          securityEvent(services, info, {
            organizationId: auditOrg,
            userId: user?.id ?? null,
            actor: normalized,
            action: "auth.sign_in",
            outcome: "failure",
            detail: { reason },
          }),
        );
      },
      { serializeOn: auditOrg },
    );
    await noteFailure(
      services,
      info,
      reserved,
      "password",
      user
        ? {
            id: user.id,
            email: user.email,
            displayName: user.display_name,
            organizationIds: orgs.map((o) => o.id),
          }
        : null,
    );
    throw new DomainError("invalid_credentials", GENERIC_FAILURE);
  }
  await settleSuccess(services, reserved);

  const token = newSecretToken();
  const csrfToken = newSecretToken();
  const stage = nextStage(user, org, false);
  await inTransaction(
    services.db,
    async (trx) => {
      await trx
        .insertInto("sessions")
        .values({
          id: digestToken(token),
          user_id: user.id,
          organization_id: org.id,
          stage,
          csrf_token: csrfToken,
          pending_mfa_secret_enc: null,
          mfa_failures: 0,
          mfa_passed: 0,
          ip: info.ip,
          user_agent: info.userAgent?.slice(0, 300) ?? null,
          created_at: at,
          last_activity_at: at,
          revoked_at: null,
        })
        .execute();
      if (stage === "active")
        await trx.updateTable("users").set({ last_sign_in_at: at }).where("id", "=", user.id).execute();
      await appendAudit(
        trx,
        services.audit,
        securityEvent(services, info, {
          organizationId: org.id,
          userId: user.id,
          actor: user.email,
          action: "auth.sign_in",
          outcome: "success",
          detail: { stage },
        }),
      );
    },
    { serializeOn: org.id },
  );
  return { token, csrfToken, stage };
}

export interface ResolvedSession {
  session: SessionRow;
  user: UserRow;
  organization: OrganizationRow;
  organizations: OrganizationRow[];
  roles: Role[];
  permissions: Permission[];
}

/**
 * Loads the session a cookie names and checks it is still good: not revoked, user enabled and still a
 * member, within the idle timeout and the absolute lifetime. Activity extends the idle timeout unless the
 * request is background polling (`touch: false`).
 */
export async function resolveSession(
  services: Services,
  token: string,
  info: RequestInfo,
  touch: boolean,
): Promise<ResolvedSession> {
  const db = services.db.kysely;
  const now = services.clock();
  const session = await db
    .selectFrom("sessions")
    .selectAll()
    .where("id", "=", digestToken(token))
    .executeTakeFirst();
  if (!session || session.revoked_at) throw new DomainError("unauthenticated", "Please sign in.");
  const [user, organization] = await Promise.all([
    db.selectFrom("users").selectAll().where("id", "=", session.user_id).executeTakeFirstOrThrow(),
    db
      .selectFrom("organizations")
      .selectAll()
      .where("id", "=", session.organization_id)
      .executeTakeFirstOrThrow(),
  ]);
  const roleRows = await db
    .selectFrom("memberships")
    .select("role")
    .where("organization_id", "=", session.organization_id)
    .where("user_id", "=", session.user_id)
    .execute();
  const roles = ROLES.filter((r) => roleRows.some((x) => x.role === r));
  const state = sessionState(
    { createdAt: session.created_at, lastActivityAt: session.last_activity_at },
    now,
    {
      idleTimeoutMinutes: organization.idle_timeout_minutes,
      absoluteTimeoutHours: organization.absolute_timeout_hours,
    },
  );
  if (user.disabled_at || roles.length === 0 || state !== "active") {
    await inTransaction(
      services.db,
      async (trx) => {
        await trx
          .updateTable("sessions")
          .set({ revoked_at: now.toISOString() })
          .where("id", "=", session.id)
          .execute();
        await appendAudit(
          trx,
          services.audit,
          securityEvent(services, info, {
            organizationId: organization.id,
            userId: user.id,
            actor: user.email,
            action: "auth.session.end",
            outcome: "success",
            detail: { reason: user.disabled_at ? "user_disabled" : roles.length === 0 ? "no_roles" : state },
          }),
        );
      },
      { serializeOn: organization.id },
    );
    if (state !== "active")
      throw new DomainError("session_expired", "Your session timed out. Please sign in again.");
    throw new DomainError("unauthenticated", "Please sign in.");
  }
  if (touch) {
    await db
      .updateTable("sessions")
      .set({ last_activity_at: now.toISOString() })
      .where("id", "=", session.id)
      .execute();
  }
  const organizations = await membershipOrgs(db, user.id);
  return { session, user, organization, organizations, roles, permissions: permissionsFor(roles) };
}

/**
 * Replaces the session's token and its CSRF token (the row keeps its history) and answers both: a token
 * or CSRF token seen before the session gained privilege is worthless after (SEC-SES-01).
 */
async function rotate(
  trx: Trx,
  session: SessionRow,
  changes: Partial<SessionRow>,
): Promise<{ token: string; csrfToken: string }> {
  const token = newSecretToken();
  const csrfToken = newSecretToken();
  await trx
    .updateTable("sessions")
    .set({ ...changes, id: digestToken(token), csrf_token: csrfToken })
    .where("id", "=", session.id)
    .execute();
  return { token, csrfToken };
}

function requireStage(session: SessionRow, allowed: Stage[]): void {
  if (!allowed.includes(session.stage)) {
    throw new DomainError("conflict", "That step does not apply to this session now; reload the page.");
  }
}

/**
 * Checks a TOTP code in the `mfa` stage. Attempts are reserved atomically before the code is checked, so
 * parallel guesses cannot exceed the limit; after the limit the session is ended. A code whose time step
 * was already used is refused (replay), enforced by a conditional update so two parallel uses of one code
 * cannot both pass.
 */
export async function verifyMfa(
  services: Services,
  r: ResolvedSession,
  code: string,
  info: RequestInfo,
): Promise<SignInResult> {
  requireStage(r.session, ["mfa"]);
  const now = services.clock();
  const at = now.toISOString();
  const reserved = await inTransaction(
    services.db,
    async (trx) => {
      const res = await trx
        .updateTable("sessions")
        .set((eb) => ({ mfa_failures: eb("mfa_failures", "+", 1) }))
        .where("id", "=", r.session.id)
        .where("mfa_failures", "<", MFA_ATTEMPTS)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) {
        await trx.updateTable("sessions").set({ revoked_at: at }).where("id", "=", r.session.id).execute();
        await appendAudit(
          trx,
          services.audit,
          sessionEvent(services, info, r, {
            action: "auth.mfa",
            outcome: "denied",
            detail: { reason: "too_many_attempts" },
          }),
        );
        return false;
      }
      return true;
    },
    { serializeOn: r.organization.id },
  );
  if (!reserved) throw new DomainError("rate_limited", "Too many wrong codes. Sign in again.");
  // The per-session limit above ends this session; this one holds across every session of the account.
  const guard = await reserveAttempts(
    services,
    info,
    mfaKeys(r.user.id, info.ip),
    { organizationId: r.organization.id, userId: r.user.id, actor: r.user.email, action: "auth.mfa" },
    MFA_PAUSED,
  );

  const secret = r.user.mfa_secret_enc ? openText(services.secrets, r.user.mfa_secret_enc) : null;
  const check = secret
    ? await checkTotp(secret, code, now, r.user.mfa_last_step === null ? null : Number(r.user.mfa_last_step))
    : { ok: false as const };
  return inTransaction(
    services.db,
    async (trx) => {
      let accepted = false;
      if (check.ok) {
        const res = await trx
          .updateTable("users")
          .set({ mfa_last_step: check.step })
          .where("id", "=", r.user.id)
          .where((eb) => eb.or([eb("mfa_last_step", "is", null), eb("mfa_last_step", "<", check.step)]))
          .executeTakeFirst();
        accepted = Number(res.numUpdatedRows) === 1;
      }
      await appendAudit(
        trx,
        services.audit,
        sessionEvent(services, info, r, {
          action: "auth.mfa",
          outcome: accepted ? "success" : "failure",
          detail: check.ok && !accepted ? { reason: "replay" } : undefined,
        }),
      );
      if (!accepted) return null;
      const stage = nextStage(r.user, r.organization, true);
      const { token, csrfToken } = await rotate(trx, r.session, {
        stage,
        mfa_passed: 1,
        mfa_failures: 0,
        last_activity_at: at,
      });
      if (stage === "active")
        await trx.updateTable("users").set({ last_sign_in_at: at }).where("id", "=", r.user.id).execute();
      return { token, csrfToken, stage };
    },
    { serializeOn: r.organization.id },
  ).then(async (result) => {
    await settleGuard(services, info, guard, r, result !== null);
    if (!result)
      throw new DomainError(
        "invalid_code",
        "That code is not valid. Codes change every 30 seconds; enter the current one.",
      );
    return result;
  });
}

/** Starts enrolment: a fresh secret, kept (encrypted) on the session until a code proves the app has it. */
export async function startMfaEnrollment(
  services: Services,
  r: ResolvedSession,
): Promise<{ secret: string; otpauthUrl: string }> {
  requireStage(r.session, ["mfa_enrollment", "active"]);
  if (r.user.mfa_enabled === 1)
    throw new DomainError("conflict", "Multi-factor authentication is already on for this account.");
  const secret = newTotpSecret();
  await services.db.kysely
    .updateTable("sessions")
    .set({ pending_mfa_secret_enc: sealText(services.secrets, secret) })
    .where("id", "=", r.session.id)
    .execute();
  return { secret, otpauthUrl: totpUri(secret, r.user.email) };
}

export async function confirmMfaEnrollment(
  services: Services,
  r: ResolvedSession,
  code: string,
  info: RequestInfo,
): Promise<SignInResult> {
  requireStage(r.session, ["mfa_enrollment", "active"]);
  if (!r.session.pending_mfa_secret_enc) throw new DomainError("conflict", "Start enrolment first.");
  const guard = await reserveAttempts(
    services,
    info,
    mfaKeys(r.user.id, info.ip),
    { organizationId: r.organization.id, userId: r.user.id, actor: r.user.email, action: "auth.mfa.enroll" },
    MFA_PAUSED,
  );
  const secret = openText(services.secrets, r.session.pending_mfa_secret_enc);
  const now = services.clock();
  const check = await checkTotp(secret, code, now, null);
  return inTransaction(
    services.db,
    async (trx) => {
      await appendAudit(
        trx,
        services.audit,
        sessionEvent(services, info, r, {
          action: "auth.mfa.enroll",
          outcome: check.ok ? "success" : "failure",
        }),
      );
      if (!check.ok) return null;
      await trx
        .updateTable("users")
        .set({
          mfa_secret_enc: sealText(services.secrets, secret),
          mfa_enabled: 1,
          mfa_last_step: check.step,
          updated_at: now.toISOString(),
        })
        .where("id", "=", r.user.id)
        .execute();
      const user = { ...r.user, mfa_enabled: 1 };
      const stage = nextStage(user, r.organization, true);
      const { token, csrfToken } = await rotate(trx, r.session, {
        stage,
        mfa_passed: 1,
        pending_mfa_secret_enc: null,
        last_activity_at: now.toISOString(),
      });
      return { token, csrfToken, stage };
    },
    { serializeOn: r.organization.id },
  ).then(async (result) => {
    await settleGuard(services, info, guard, r, result !== null);
    if (!result)
      throw new DomainError(
        "invalid_code",
        "That code is not valid. Check the authenticator app's clock and enter the current code.",
      );
    return result;
  });
}

/**
 * Changes the password (required after a one-time password). The current password is checked under the
 * same counters as sign-in (reserved before argon2 runs); every other session of the user ends.
 */
export async function changePassword(
  services: Services,
  r: ResolvedSession,
  input: { currentPassword: string; newPassword: string },
  info: RequestInfo,
): Promise<SignInResult> {
  requireStage(r.session, ["password_change", "active"]);
  const now = services.clock();
  const at = now.toISOString();
  const guard = await reserveAttempts(
    services,
    info,
    passwordKeys(r.user.email_normalized, info.ip),
    {
      organizationId: r.organization.id,
      userId: r.user.id,
      actor: r.user.email,
      action: "auth.password.change",
    },
    PASSWORD_PAUSED,
  );
  const currentOk = await verifyPassword(r.user.password_hash, input.currentPassword);
  if (currentOk) await settleSuccess(services, guard);
  if (!currentOk) {
    await inTransaction(
      services.db,
      async (trx) => {
        await appendAudit(
          trx,
          services.audit,
          sessionEvent(services, info, r, {
            action: "auth.password.change",
            outcome: "failure",
            detail: { reason: "wrong_password" },
          }),
        );
      },
      { serializeOn: r.organization.id },
    );
    await noteFailure(services, info, guard, "password", lockedAccount(r));
    throw new DomainError("invalid_credentials", "The current password is incorrect.", [
      { path: "currentPassword", message: "is incorrect" },
    ]);
  }
  if (input.newPassword === input.currentPassword) {
    throw new DomainError("weak_password", "Choose a new password different from the current one.", [
      { path: "newPassword", message: "must differ from the current password" },
    ]);
  }
  assertAcceptablePassword(input.newPassword, [
    r.user.email_normalized,
    r.user.display_name,
    r.organization.name,
    r.organization.slug,
  ]);
  const hash = await hashPassword(input.newPassword);
  return inTransaction(
    services.db,
    async (trx) => {
      await trx
        .updateTable("users")
        .set({ password_hash: hash, must_change_password: 0, updated_at: at })
        .where("id", "=", r.user.id)
        .execute();
      await trx
        .updateTable("sessions")
        .set({ revoked_at: at })
        .where("user_id", "=", r.user.id)
        .where("id", "!=", r.session.id)
        .where("revoked_at", "is", null)
        .execute();
      await appendAudit(
        trx,
        services.audit,
        sessionEvent(services, info, r, {
          action: "auth.password.change",
          outcome: "success",
        }),
      );
      const stage = nextStage(
        { ...r.user, must_change_password: 0 },
        r.organization,
        r.session.mfa_passed === 1,
      );
      const { token, csrfToken } = await rotate(trx, r.session, { stage, last_activity_at: at });
      return { token, csrfToken, stage };
    },
    { serializeOn: r.organization.id },
  );
}

function lockedAccount(r: ResolvedSession) {
  return {
    id: r.user.id,
    email: r.user.email,
    displayName: r.user.display_name,
    organizationIds: [
      r.organization.id,
      ...r.organizations.map((o) => o.id).filter((id) => id !== r.organization.id),
    ],
  };
}

/** Settles an MFA reservation: a success resets the account's counter, a failure may start a lockout. */
async function settleGuard(
  services: Services,
  info: RequestInfo,
  guard: Reserved,
  r: ResolvedSession,
  accepted: boolean,
): Promise<void> {
  if (accepted) await settleSuccess(services, guard);
  else await noteFailure(services, info, guard, "mfa", lockedAccount(r));
}

export async function signOut(services: Services, r: ResolvedSession, info: RequestInfo): Promise<void> {
  await inTransaction(
    services.db,
    async (trx) => {
      await trx
        .updateTable("sessions")
        .set({ revoked_at: services.clock().toISOString() })
        .where("id", "=", r.session.id)
        .execute();
      await appendAudit(
        trx,
        services.audit,
        sessionEvent(services, info, r, {
          action: "auth.sign_out",
          outcome: "success",
        }),
      );
    },
    { serializeOn: r.organization.id },
  );
}

/** Moves the session to another organization the user belongs to (a new token; stage re-evaluated). */
export async function switchOrganization(
  services: Services,
  r: ResolvedSession,
  slug: string,
  info: RequestInfo,
): Promise<SignInResult> {
  requireStage(r.session, ["active"]);
  const target = r.organizations.find((o) => o.slug === slug);
  if (!target) throw new DomainError("not_found", "You are not a member of that organization.");
  const at = services.clock().toISOString();
  return inTransaction(
    services.db,
    async (trx) => {
      const stage = nextStage(r.user, target, r.session.mfa_passed === 1);
      const { token, csrfToken } = await rotate(trx, r.session, {
        organization_id: target.id,
        stage,
        last_activity_at: at,
      });
      await appendAudit(
        trx,
        services.audit,
        securityEvent(services, info, {
          organizationId: target.id,
          userId: r.user.id,
          actor: r.user.email,
          action: "auth.switch_organization",
          outcome: "success",
          detail: { from: r.organization.id },
        }),
      );
      return { token, csrfToken, stage };
    },
    { serializeOn: target.id },
  );
}

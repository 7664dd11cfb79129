import { DomainError, normalizeEmail } from "@salus/core";
import { appendAudit } from "../audit/append-audit.ts";
import { inTransaction } from "../db/transaction.ts";
import { digestToken, newSecretToken } from "../platform/crypto.ts";
import type { Services } from "../platform/services.ts";
import { noteFailure, passwordKeys, reserveAttempts, settleSuccess } from "./attempt-guard.ts";
import { landingOrganizationId } from "./landing.ts";
import { memberOrganizations } from "./member-organizations.ts";
import { burnPasswordCheck, verifyPassword } from "./passwords.ts";
import type { RequestInfo } from "./request-info.ts";
import { securityEvent } from "./security-event.ts";
import { PASSWORD_PAUSED } from "./session-attempts.ts";
import { nextStage, type SignInResult } from "./session-stage.ts";

const GENERIC_FAILURE = "The email or password is incorrect.";

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

  const user = await services.systemDb
    .selectFrom("users")
    .selectAll()
    .where("email_normalized", "=", normalized)
    .executeTakeFirst();
  const orgs = user ? await memberOrganizations(services.systemDb, user.id) : [];
  // Where this person lands: their chosen (or first) organization, never whichever sorts first by name.
  const homeId = user ? await landingOrganizationId(services.systemDb, user) : null;
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

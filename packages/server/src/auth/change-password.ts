import { DomainError } from "@salus/core";
import { appendAudit } from "../audit/append-audit.ts";
import { inTransaction } from "../db/transaction.ts";
import type { Services } from "../platform/services.ts";
import { noteFailure, passwordKeys, reserveAttempts, settleSuccess } from "./attempt-guard.ts";
import { assertAcceptablePassword, hashPassword, verifyPassword } from "./passwords.ts";
import type { RequestInfo } from "./request-info.ts";
import type { ResolvedSession } from "./resolve-session.ts";
import { sessionEvent } from "./security-event.ts";
import { lockedAccount, PASSWORD_PAUSED } from "./session-attempts.ts";
import { nextStage, requireStage, rotateSessionToken, type SignInResult } from "./session-stage.ts";

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
    await noteFailure(services, info, guard, "password", await lockedAccount(services, r));
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
      const { token, csrfToken } = await rotateSessionToken(trx, r.session, { stage, last_activity_at: at });
      return { token, csrfToken, stage };
    },
    { serializeOn: r.organization.id },
  );
}

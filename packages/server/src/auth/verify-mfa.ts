import { DomainError } from "@salus/core";
import { appendAudit } from "../audit/append-audit.ts";
import { inTransaction } from "../db/transaction.ts";
import { openText } from "../platform/field-crypto.ts";
import type { Services } from "../platform/services.ts";
import { mfaKeys, reserveAttempts } from "./attempt-guard.ts";
import type { RequestInfo } from "./request-info.ts";
import type { ResolvedSession } from "./resolve-session.ts";
import { sessionEvent } from "./security-event.ts";
import { MFA_PAUSED, settleMfaAttempt } from "./session-attempts.ts";
import { nextStage, requireStage, rotateSessionToken, type SignInResult } from "./session-stage.ts";
import { checkTotp } from "./totp.ts";

const MFA_ATTEMPTS = 5;

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
      const { token, csrfToken } = await rotateSessionToken(trx, r.session, {
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
    await settleMfaAttempt(services, info, guard, r, result !== null);
    if (!result)
      throw new DomainError(
        "invalid_code",
        "That code is not valid. Codes change every 30 seconds; enter the current one.",
      );
    return result;
  });
}

import { DomainError } from "@salus/core";
import { appendAudit } from "../audit/append-audit.ts";
import { inTransaction } from "../db/transaction.ts";
import { openText, sealText } from "../platform/field-crypto.ts";
import type { Services } from "../platform/services.ts";
import { mfaKeys, reserveAttempts } from "./attempt-guard.ts";
import type { RequestInfo } from "./request-info.ts";
import type { ResolvedSession } from "./resolve-session.ts";
import { sessionEvent } from "./security-event.ts";
import { MFA_PAUSED, settleMfaAttempt } from "./session-attempts.ts";
import { nextStage, requireStage, rotateSessionToken, type SignInResult } from "./session-stage.ts";
import { checkTotp } from "./totp.ts";

/** Ends enrolment: a code from the app proves it holds the secret; MFA is on and the token rotates. */
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
      const { token, csrfToken } = await rotateSessionToken(trx, r.session, {
        stage,
        mfa_passed: 1,
        pending_mfa_secret_enc: null,
        last_activity_at: now.toISOString(),
      });
      return { token, csrfToken, stage };
    },
    { serializeOn: r.organization.id },
  ).then(async (result) => {
    await settleMfaAttempt(services, info, guard, r, result !== null);
    if (!result)
      throw new DomainError(
        "invalid_code",
        "That code is not valid. Check the authenticator app's clock and enter the current code.",
      );
    return result;
  });
}

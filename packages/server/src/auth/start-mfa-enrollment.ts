import { DomainError } from "@salus/core";
import { sealText } from "../platform/field-crypto.ts";
import type { Services } from "../platform/services.ts";
import type { ResolvedSession } from "./resolve-session.ts";
import { requireStage } from "./session-stage.ts";
import { newTotpSecret, totpUri } from "./totp.ts";

/** Starts enrolment: a fresh secret, kept (encrypted) on the session until a code proves the app has it. */
export async function startMfaEnrollment(
  services: Services,
  r: ResolvedSession,
): Promise<{ secret: string; otpauthUrl: string }> {
  requireStage(r.session, ["mfa_enrollment", "active"]);
  if (r.user.mfa_enabled === 1)
    throw new DomainError("conflict", "Multi-factor authentication is already on for this account.");
  const secret = newTotpSecret();
  await services.systemDb
    .updateTable("sessions")
    .set({ pending_mfa_secret_enc: sealText(services.secrets, secret) })
    .where("id", "=", r.session.id)
    .execute();
  return { secret, otpauthUrl: totpUri(secret, r.user.email) };
}

import { DomainError } from "@salus/core";
import type { OrganizationRow, SessionRow, UserRow } from "../db/schema.ts";
import type { Trx } from "../db/transaction.ts";
import { digestToken, newSecretToken } from "../platform/crypto.ts";

/**
 * A session moves through stages: `mfa` (code needed), `password_change` (one-time password),
 * `mfa_enrollment` (organization requires MFA) and `active`. Only `active` sessions reach practice data;
 * the HTTP guard enforces that. Session tokens are random, stored as digests, and replaced whenever the
 * session gains privilege (fixation).
 */
export type Stage = SessionRow["stage"];

/** What a sign-in step answers: the (new) session token, its CSRF token and the stage reached. */
export interface SignInResult {
  token: string;
  csrfToken: string;
  stage: Stage;
}

/** The stage a session is in once the steps passed so far are taken into account. */
export function nextStage(
  user: Pick<UserRow, "mfa_enabled" | "must_change_password">,
  org: Pick<OrganizationRow, "mfa_required">,
  mfaPassed: boolean,
): Stage {
  if (user.mfa_enabled === 1 && !mfaPassed) return "mfa";
  if (user.must_change_password === 1) return "password_change";
  if (org.mfa_required === 1 && user.mfa_enabled !== 1) return "mfa_enrollment";
  return "active";
}

export function requireStage(session: SessionRow, allowed: Stage[]): void {
  if (!allowed.includes(session.stage)) {
    throw new DomainError("conflict", "That step does not apply to this session now; reload the page.");
  }
}

/**
 * Replaces the session's token and its CSRF token (the row keeps its history) and answers both: a token
 * or CSRF token seen before the session gained privilege is worthless after (SEC-SES-01).
 */
export async function rotateSessionToken(
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

import type { Services } from "../platform/services.ts";
import { noteFailure, type Reserved, settleSuccess } from "./attempt-guard.ts";
import { memberOrganizations } from "./member-organizations.ts";
import type { RequestInfo } from "./request-info.ts";
import type { ResolvedSession } from "./resolve-session.ts";

// One message whichever counter (account or address) is locked, and whether the account exists or not.
export const PASSWORD_PAUSED = (wait: string) =>
  `Too many failed attempts. Sign-in is paused; try again in ${wait}. If you forgot your password, ask your administrator to reset it.`;
export const MFA_PAUSED = (wait: string) =>
  `Too many wrong codes for this account. Try again in ${wait}, with the current code from your authenticator app.`;

/** The account a lockout notice is about: the session's organization first, then its others. */
export async function lockedAccount(services: Services, r: ResolvedSession) {
  const others = await memberOrganizations(services.systemDb, r.user.id);
  return {
    id: r.user.id,
    email: r.user.email,
    displayName: r.user.display_name,
    organizationIds: [r.organization.id, ...others.map((o) => o.id).filter((id) => id !== r.organization.id)],
  };
}

/** Settles an MFA reservation: a success resets the account's counter, a failure may start a lockout. */
export async function settleMfaAttempt(
  services: Services,
  info: RequestInfo,
  guard: Reserved,
  r: ResolvedSession,
  accepted: boolean,
): Promise<void> {
  if (accepted) await settleSuccess(services, guard);
  else await noteFailure(services, info, guard, "mfa", await lockedAccount(services, r));
}

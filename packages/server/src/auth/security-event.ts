import type { Services } from "../platform/services.ts";
import type { RequestInfo } from "./request-info.ts";

/** An audit entry for a security event (sign-in, MFA, session end…), resource type `Session`. */
export function securityEvent(
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

/**
 * A security event of the signed-in (or signing-in) user of a session, on their organization's chain.
 * `r` is a ResolvedSession, typed by the fields read: resolve-session.ts imports this file, and naming its
 * type here made an import circle (issue 11 item 3).
 */
export function sessionEvent(
  services: Services,
  info: RequestInfo,
  r: { organization: { id: string }; user: { id: string; email: string } },
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

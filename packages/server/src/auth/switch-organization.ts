import { DomainError } from "@salus/core";
import { appendAudit } from "../audit/append-audit.ts";
import { inTransaction } from "../db/transaction.ts";
import type { Services } from "../platform/services.ts";
import { memberOrganizations } from "./member-organizations.ts";
import type { RequestInfo } from "./request-info.ts";
import type { ResolvedSession } from "./resolve-session.ts";
import { securityEvent } from "./security-event.ts";
import { nextStage, requireStage, rotateSessionToken, type SignInResult } from "./session-stage.ts";

/** Moves the session to another organization the user belongs to (a new token; stage re-evaluated). */
export async function switchOrganization(
  services: Services,
  r: ResolvedSession,
  slug: string,
  info: RequestInfo,
): Promise<SignInResult> {
  requireStage(r.session, ["active"]);
  const target = (await memberOrganizations(services.systemDb, r.user.id)).find((o) => o.slug === slug);
  if (!target) throw new DomainError("not_found", "You are not a member of that organization.");
  const at = services.clock().toISOString();
  return inTransaction(
    services.db,
    async (trx) => {
      const stage = nextStage(r.user, target, r.session.mfa_passed === 1);
      const { token, csrfToken } = await rotateSessionToken(trx, r.session, {
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

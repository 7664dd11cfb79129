import { DomainError } from "@salus/core";
import { appendAudit } from "../audit/append-audit.ts";
import { type AuditSpec, auditInput } from "../audit/audited.ts";
import { systemTrx } from "../db/scoped.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";

/**
 * Users are platform-level identities with memberships per organization. An account's password, name,
 * disabled state and MFA are the account's, shared by every organization it belongs to, so an
 * organization's administrator may change them only for an account that belongs to no other
 * organization; the platform operator (the `salus` CLI) does it otherwise. Every such change is written
 * on the audit trail of every organization the account belongs to.
 */

/**
 * The organizations an account is a member of (distinct ids, sorted). SYSTEM ACCESS: memberships in
 * every organization, so it reads through `systemTrx` (the scoped handle would show only the actor's).
 */
export async function organizationsOf(trx: Trx, userId: string): Promise<string[]> {
  const rows = await systemTrx(trx)
    .selectFrom("memberships")
    .select("organization_id")
    .distinct()
    .where("user_id", "=", userId)
    .execute();
  return rows.map((r) => r.organization_id).sort();
}

/**
 * Refuses (403 `platform_operator_required`) an account-level change by an organization's administrator
 * when the account also belongs to another organization. The CLI actor is the platform operator and
 * passes. `what` completes "only the platform operator can …", `command` names the CLI command.
 */
export async function assertAccountWhollyHere(
  trx: Trx,
  actor: Actor,
  userId: string,
  what: string,
  command: string,
): Promise<void> {
  if (actor.via === "cli") return;
  const orgs = await organizationsOf(trx, userId);
  if (orgs.some((o) => o !== actor.organizationId)) {
    throw new DomainError(
      "platform_operator_required",
      `This account also belongs to another organization, so only the platform operator can ${what} ` +
        `(\`${command}\`). You can still change the roles it has here, or remove it from this organization.`,
    );
  }
}

/**
 * Writes the audit entry of an account-level change on the trail of every organization the account
 * belongs to other than the actor's (whose entry `audited()` writes), in the caller's transaction, so the
 * other organizations see who changed their member's account, and from which organization.
 */
export async function auditInOtherOrganizations(
  trx: Trx,
  services: Services,
  actor: Actor,
  userId: string,
  spec: AuditSpec,
  organizations?: readonly string[],
): Promise<void> {
  const orgs = organizations ?? (await organizationsOf(trx, userId));
  for (const organizationId of orgs) {
    if (organizationId === actor.organizationId) continue;
    // SYSTEM ACCESS: another organization's trail, so not through the actor's scoped handle.
    await appendAudit(
      systemTrx(trx),
      services.audit,
      auditInput(
        services,
        { ...actor, organizationId },
        {
          resourceType: "User",
          resourceId: userId,
          ...spec,
          detail: { ...(spec.detail ?? {}), fromOrganizationId: actor.organizationId },
        },
        "success",
      ),
    );
  }
}

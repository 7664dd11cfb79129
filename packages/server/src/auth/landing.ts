import { DomainError } from "@salus/core";
import { audited } from "../audit/audited.ts";
import type { UserRow } from "../db/schema.ts";
import { systemTrx } from "../db/scoped.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";

/**
 * Which organization a plain sign-in (no organization named) lands in: the one the person chose as their
 * default, while they are still a member there; otherwise the one they joined first. Being added to
 * another organization (an invitation accepted, the platform operator) never changes it, so nobody can
 * move a person's next sign-in into their own organization, whatever its name.
 */
export async function landingOrganizationId(
  trx: Trx,
  user: Pick<UserRow, "id" | "default_organization_id">,
): Promise<string | null> {
  // SYSTEM ACCESS: the account's memberships in every organization.
  const rows = await systemTrx(trx)
    .selectFrom("memberships")
    .select(["organization_id", (eb) => eb.fn.min("created_at").as("since")])
    .where("user_id", "=", user.id)
    .groupBy("organization_id")
    .execute();
  if (user.default_organization_id && rows.some((r) => r.organization_id === user.default_organization_id))
    return user.default_organization_id;
  const first = rows.sort(
    (a, b) =>
      String(a.since).localeCompare(String(b.since)) || a.organization_id.localeCompare(b.organization_id),
  )[0];
  return first?.organization_id ?? null;
}

/**
 * The person chooses where their plain sign-in lands (one of their organizations). Only they can: the
 * route takes a signed-in session, never a bearer token or an administrator acting for them.
 */
export async function chooseDefaultOrganization(
  services: Services,
  actor: Actor,
  slug: string,
): Promise<void> {
  await audited(
    services,
    actor,
    { action: "account.default_organization.set", resourceType: "User", resourceId: actor.userId },
    async (trx) => {
      if (actor.via !== "session" || !actor.userId)
        throw new DomainError("forbidden", "Only the person, signed in, chooses where they land.");
      // SYSTEM ACCESS: any of the person's organizations, not only the one they are signed in to.
      const org = await systemTrx(trx)
        .selectFrom("organizations")
        .innerJoin("memberships", "memberships.organization_id", "organizations.id")
        .select("organizations.id")
        .where("organizations.slug", "=", slug)
        .where("memberships.user_id", "=", actor.userId)
        .executeTakeFirst();
      if (!org) throw new DomainError("not_found", "You are not a member of that organization.");
      await trx
        .updateTable("users")
        .set({ default_organization_id: org.id, updated_at: services.clock().toISOString() })
        .where("id", "=", actor.userId)
        .execute();
    },
  );
}

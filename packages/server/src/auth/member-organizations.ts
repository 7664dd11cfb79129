import type { OrganizationRow } from "../db/schema.ts";
import type { Trx } from "../db/transaction.ts";

/**
 * Every organization the user is a member of, by name. Not part of resolving a session (the request path
 * needs only the session's own organization): the session answer, switching and lockout notices load it.
 */
export async function memberOrganizations(trx: Trx, userId: string): Promise<OrganizationRow[]> {
  return trx
    .selectFrom("organizations")
    .selectAll()
    .where("id", "in", (eb) =>
      eb.selectFrom("memberships").select("organization_id").where("user_id", "=", userId),
    )
    .orderBy("name")
    .execute();
}

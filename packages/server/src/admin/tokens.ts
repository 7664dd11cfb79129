import { randomUUID } from "node:crypto";
import { DomainError, isRole, notFound } from "@salus/core";
import { audited } from "../audit/audited.ts";
import { organizationDb } from "../db/scoped.ts";
import { digestToken, newSecretToken } from "../platform/crypto.ts";
import type { Actor, Services } from "../platform/services.ts";
import type { TokenView } from "./schemas.ts";

export type { TokenView } from "./schemas.ts";

/**
 * Bearer tokens for integrations: scoped to one organization, one user and one of that user's roles;
 * stored only as a SHA-256 digest; shown once; revocable. A token stops working when it is revoked, when
 * its user is disabled, or when the user no longer holds its role.
 *
 * A token acts as its user, so nobody may create one acting as someone else: an administrator issues
 * tokens for themselves or for a service account of their organization (an integration's own identity,
 * named as such in every audit entry), never for another person (403 `token_for_another_person`,
 * audited). The platform operator's CLI (`salus token create`) may name any member: the operator already
 * holds the database and the keys, and the issue is on the organization's trail with actor `cli`.
 */

export async function listTokens(services: Services, actor: Actor): Promise<TokenView[]> {
  const rows = await organizationDb(services.db, actor.organizationId)
    .selectFrom("api_tokens")
    .innerJoin("users", "users.id", "api_tokens.user_id")
    .select([
      "api_tokens.id",
      "api_tokens.name",
      "api_tokens.role",
      "api_tokens.user_id",
      "users.email",
      "users.service_account",
      "users.display_name",
      "api_tokens.created_at",
      "api_tokens.last_used_at",
      "api_tokens.revoked_at",
    ])
    .where("api_tokens.organization_id", "=", actor.organizationId)
    .orderBy("api_tokens.created_at", "desc")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    role: r.role,
    userId: r.user_id,
    userEmail: r.email,
    userName: r.display_name,
    serviceAccount: r.service_account === 1,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  }));
}

export async function createToken(
  services: Services,
  actor: Actor,
  input: { name: string; userId?: string | undefined; role?: string | undefined },
): Promise<{ token: string; id: string; role: string }> {
  // Without a user, the token is for the person asking.
  const userId = input.userId ?? actor.userId;
  if (!userId)
    throw new DomainError("invalid_request", "Name the user the token acts for.", [
      { path: "userId", message: "is required" },
    ]);
  if (input.role !== undefined && !isRole(input.role)) {
    throw new DomainError("invalid_request", `Unknown role ${input.role}.`, [
      { path: "role", message: "is not a role" },
    ]);
  }
  const id = randomUUID();
  const token = newSecretToken("salus_");
  return audited(
    services,
    actor,
    {
      action: "token.create",
      resourceType: "ApiToken",
      resourceId: id,
      detail: { userId },
      fromResult: (r: { role: string }) => ({ detail: { role: r.role } }),
    },
    async (trx) => {
      const memberships = await trx
        .selectFrom("memberships")
        .innerJoin("users", "users.id", "memberships.user_id")
        .select(["memberships.role", "users.disabled_at", "users.service_account"])
        .where("memberships.organization_id", "=", actor.organizationId)
        .where("memberships.user_id", "=", userId)
        .orderBy("memberships.role")
        .execute();
      if (memberships.length === 0) throw notFound("user");
      if (actor.via !== "cli" && userId !== actor.userId && memberships[0]!.service_account !== 1) {
        throw new DomainError(
          "token_for_another_person",
          "A token acts as its user, so it can only be created by that person for themselves. For an " +
            "integration, create a service account (its own name and roles) and issue the token to it.",
          [{ path: "userId", message: "must be yourself or a service account" }],
        );
      }
      if (memberships[0]!.disabled_at)
        throw new DomainError("conflict", "That user is disabled; enable them before issuing a token.");
      const role = input.role ?? memberships[0]!.role;
      if (!memberships.some((m) => m.role === role)) {
        throw new DomainError("invalid_request", `That user does not hold the role ${role} here.`, [
          { path: "role", message: "must be one of the user's roles" },
        ]);
      }
      await trx
        .insertInto("api_tokens")
        .values({
          organization_id: actor.organizationId,
          id,
          user_id: userId,
          role,
          name: input.name,
          token_hash: digestToken(token),
          created_at: services.clock().toISOString(),
          last_used_at: null,
          revoked_at: null,
        })
        .execute();
      return { token, id, role };
    },
  );
}

export async function revokeToken(services: Services, actor: Actor, id: string): Promise<void> {
  await audited(
    services,
    actor,
    { action: "token.revoke", resourceType: "ApiToken", resourceId: id },
    async (trx) => {
      const result = await trx
        .updateTable("api_tokens")
        .set({ revoked_at: services.clock().toISOString() })
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", id)
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) throw notFound("active token");
    },
  );
}

import { randomUUID } from "node:crypto";
import { DomainError, emailProblem, isRole, normalizeEmail, notFound, ROLES, type Role } from "@salus/core";
import { audited } from "../audit/audited.ts";
import { assertAcceptablePassword, hashPassword, oneTimePassword } from "../auth/passwords.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";

export interface UserView {
  id: string;
  email: string;
  displayName: string;
  roles: Role[];
  disabled: boolean;
  mfaEnabled: boolean;
  lastSignInAt: string | null;
}

async function rolesIn(trx: Trx, organizationId: string, userId: string): Promise<Role[]> {
  const rows = await trx
    .selectFrom("memberships")
    .select("role")
    .where("organization_id", "=", organizationId)
    .where("user_id", "=", userId)
    .execute();
  return ROLES.filter((r) => rows.some((row) => row.role === r));
}

async function loadMember(trx: Trx, actor: Actor, userId: string): Promise<UserView> {
  const user = await trx.selectFrom("users").selectAll().where("id", "=", userId).executeTakeFirst();
  const roles = user ? await rolesIn(trx, actor.organizationId, userId) : [];
  // A user of another organization is answered like one that does not exist.
  if (!user || roles.length === 0) throw notFound("user");
  return {
    id: user.id,
    email: user.email,
    displayName: user.display_name,
    roles,
    disabled: user.disabled_at !== null,
    mfaEnabled: user.mfa_enabled === 1,
    lastSignInAt: user.last_sign_in_at,
  };
}

export async function listUsers(services: Services, actor: Actor): Promise<UserView[]> {
  const db = services.db.kysely;
  const ids = await db
    .selectFrom("memberships")
    .select("user_id")
    .distinct()
    .where("organization_id", "=", actor.organizationId)
    .execute();
  const users = await Promise.all(ids.map((r) => loadMember(db, actor, r.user_id)));
  return users.sort((a, b) => a.displayName.localeCompare(b.displayName) || a.email.localeCompare(b.email));
}

function checkRoles(roles: readonly string[]): Role[] {
  const bad = roles.filter((r) => !isRole(r));
  if (bad.length > 0) {
    throw new DomainError(
      "invalid_request",
      `Unknown role ${bad.join(", ")}; roles are ${ROLES.join(", ")}.`,
      [{ path: "roles", message: `must be among ${ROLES.join(", ")}` }],
    );
  }
  return [...new Set(roles as Role[])];
}

export interface CreateUserInput {
  email: string;
  displayName: string;
  roles: string[];
  /** A chosen password (CLI `--password-stdin`); without it a one-time password is generated. */
  password?: string | undefined;
}

/**
 * Creates a user in the actor's organization, or gives an existing user (same email after NFKC and case
 * folding) roles here. A new user gets a one-time password they must change at first sign-in.
 */
export async function createUser(
  services: Services,
  actor: Actor,
  input: CreateUserInput,
): Promise<{ user: UserView; oneTimePassword: string | null }> {
  const problem = emailProblem(input.email);
  if (problem)
    throw new DomainError("invalid_request", `The email ${problem}.`, [{ path: "email", message: problem }]);
  const roles = checkRoles(input.roles);
  if (roles.length === 0)
    throw new DomainError("invalid_request", "Give the user at least one role.", [
      { path: "roles", message: "must not be empty" },
    ]);
  const email = input.email.normalize("NFKC").trim();
  const normalized = normalizeEmail(email);
  const displayName = input.displayName.trim() || email;
  if (input.password !== undefined) assertAcceptablePassword(input.password, [normalized, displayName]);
  const temporary = input.password === undefined ? oneTimePassword() : null;
  const passwordHash = await hashPassword(input.password ?? temporary!);
  const at = services.clock().toISOString();
  let createdNew = false;
  const user = await audited(
    services,
    actor,
    {
      action: "user.create",
      resourceType: "User",
      detail: { email: normalized, roles },
      fromResult: (u: UserView) => ({ resourceId: u.id, detail: { newAccount: createdNew } }),
    },
    async (trx) => {
      let existing = await trx
        .selectFrom("users")
        .selectAll()
        .where("email_normalized", "=", normalized)
        .executeTakeFirst();
      if (existing) {
        if ((await rolesIn(trx, actor.organizationId, existing.id)).length > 0) {
          throw new DomainError(
            "conflict",
            `${email} is already a user of this organization; change their roles instead.`,
          );
        }
      } else {
        const id = randomUUID();
        createdNew = true;
        await trx
          .insertInto("users")
          .values({
            id,
            email,
            email_normalized: normalized,
            display_name: displayName,
            password_hash: passwordHash,
            must_change_password: temporary ? 1 : 0,
            mfa_secret_enc: null,
            mfa_enabled: 0,
            mfa_last_step: null,
            disabled_at: null,
            last_sign_in_at: null,
            created_at: at,
            updated_at: at,
          })
          .execute();
        existing = await trx.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
      }
      await trx
        .insertInto("memberships")
        .values(
          roles.map((role) => ({
            organization_id: actor.organizationId,
            user_id: existing.id,
            role,
            created_at: at,
          })),
        )
        .execute();
      return loadMember(trx, actor, existing.id);
    },
  );
  return { user, oneTimePassword: createdNew ? temporary : null };
}

export interface UpdateUserInput {
  roles?: string[] | undefined;
  disabled?: boolean | undefined;
  displayName?: string | undefined;
}

/**
 * Changes roles, display name, or disables a user. Disabling ends every session at once; tokens stop
 * working because each request checks the user. Removing every role removes the user from the
 * organization. The last administrator cannot be removed or disabled, so nobody is locked out.
 */
export async function updateUser(
  services: Services,
  actor: Actor,
  userId: string,
  changes: UpdateUserInput,
): Promise<UserView | null> {
  const roles = changes.roles ? checkRoles(changes.roles) : undefined;
  const now = services.clock().toISOString();
  return audited(
    services,
    actor,
    {
      action: "user.update",
      resourceType: "User",
      resourceId: userId,
      detail: { roles: roles ?? null, disabled: changes.disabled ?? null },
    },
    async (trx) => {
      const before = await loadMember(trx, actor, userId);
      const losesAdmin =
        before.roles.includes("admin") && ((roles && !roles.includes("admin")) || changes.disabled === true);
      if (losesAdmin) {
        const admins = await trx
          .selectFrom("memberships")
          .innerJoin("users", "users.id", "memberships.user_id")
          .select("memberships.user_id")
          .where("memberships.organization_id", "=", actor.organizationId)
          .where("memberships.role", "=", "admin")
          .where("users.disabled_at", "is", null)
          .execute();
        if (admins.filter((a) => a.user_id !== userId).length === 0) {
          throw new DomainError(
            "conflict",
            "This is the organization's last active administrator; appoint another first.",
          );
        }
      }
      if (changes.disabled !== undefined) {
        const orgs = await trx
          .selectFrom("memberships")
          .select("organization_id")
          .distinct()
          .where("user_id", "=", userId)
          .execute();
        if (orgs.length > 1) {
          throw new DomainError(
            "conflict",
            "This user also works for another organization; remove their roles here instead of disabling the account.",
          );
        }
        await trx
          .updateTable("users")
          .set({ disabled_at: changes.disabled ? now : null, updated_at: now })
          .where("id", "=", userId)
          .execute();
        if (changes.disabled) await endSessions(trx, userId, now);
      }
      if (changes.displayName !== undefined) {
        await trx
          .updateTable("users")
          .set({ display_name: changes.displayName, updated_at: now })
          .where("id", "=", userId)
          .execute();
      }
      if (roles) {
        await trx
          .deleteFrom("memberships")
          .where("organization_id", "=", actor.organizationId)
          .where("user_id", "=", userId)
          .execute();
        if (roles.length > 0) {
          await trx
            .insertInto("memberships")
            .values(
              roles.map((role) => ({
                organization_id: actor.organizationId,
                user_id: userId,
                role,
                created_at: now,
              })),
            )
            .execute();
        } else {
          await trx
            .updateTable("sessions")
            .set({ revoked_at: now })
            .where("user_id", "=", userId)
            .where("organization_id", "=", actor.organizationId)
            .where("revoked_at", "is", null)
            .execute();
          return null;
        }
      }
      return loadMember(trx, actor, userId);
    },
  );
}

/** Platform operation (CLI `user disable`): disables the account everywhere and ends its sessions. */
export async function disableUserEverywhere(services: Services, actor: Actor, email: string): Promise<void> {
  const now = services.clock().toISOString();
  await audited(services, actor, { action: "user.disable", resourceType: "User" }, async (trx) => {
    const user = await trx
      .selectFrom("users")
      .select("id")
      .where("email_normalized", "=", normalizeEmail(email))
      .executeTakeFirst();
    if (!user) throw new DomainError("not_found", `No user with email ${email}.`);
    await trx
      .updateTable("users")
      .set({ disabled_at: now, updated_at: now })
      .where("id", "=", user.id)
      .execute();
    await endSessions(trx, user.id, now);
    return user.id;
  });
}

export async function endSessions(trx: Trx, userId: string, now: string): Promise<void> {
  await trx
    .updateTable("sessions")
    .set({ revoked_at: now })
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null)
    .execute();
}

/**
 * Gives a user who forgot their password a new one-time password (they must change it at their next
 * sign-in). Their sessions end at once; MFA stays as it is, so the new password alone does not sign in
 * an account that has MFA.
 */
export async function resetUserPassword(
  services: Services,
  actor: Actor,
  userId: string,
): Promise<{ oneTimePassword: string }> {
  const temporary = oneTimePassword();
  const hash = await hashPassword(temporary);
  const now = services.clock().toISOString();
  await audited(
    services,
    actor,
    { action: "user.password.reset", resourceType: "User", resourceId: userId },
    async (trx) => {
      await loadMember(trx, actor, userId);
      await trx
        .updateTable("users")
        .set({ password_hash: hash, must_change_password: 1, updated_at: now })
        .where("id", "=", userId)
        .execute();
      await endSessions(trx, userId, now);
    },
  );
  return { oneTimePassword: temporary };
}

import { randomUUID } from "node:crypto";
import { DomainError, emailProblem, isRole, normalizeEmail, notFound, ROLES, type Role } from "@salus/core";
import { audited } from "../audit/audited.ts";
import { landingOrganizationId } from "../auth/landing.ts";
import { assertAcceptablePassword, hashPassword, oneTimePassword } from "../auth/passwords.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import { assertAccountWhollyHere, auditInOtherOrganizations } from "./account-scope.ts";
import type { UserView } from "./schemas.ts";

export type { UserView } from "./schemas.ts";

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
    serviceAccount: user.service_account === 1,
  };
}

export async function listUsers(services: Services, actor: Actor): Promise<UserView[]> {
  const db = services.systemDb;
  const ids = await db
    .selectFrom("memberships")
    .select("user_id")
    .distinct()
    .where("organization_id", "=", actor.organizationId)
    .execute();
  const users = await Promise.all(ids.map((r) => loadMember(db, actor, r.user_id)));
  return users.sort((a, b) => a.displayName.localeCompare(b.displayName) || a.email.localeCompare(b.email));
}

/**
 * The email, name and roles of a person about to join (created by the operator or invited): refused with
 * the field named when the email or the roles will not do; the email as typed (NFKC, trimmed) and its
 * normalized form for look-ups.
 */
export function parseNewMember(input: { email: string; displayName: string; roles: readonly string[] }): {
  email: string;
  normalized: string;
  displayName: string;
  roles: Role[];
} {
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
  return { email, normalized, displayName, roles };
}

export function checkRoles(roles: readonly string[]): Role[] {
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
 * Platform operation (CLI `salus user create`, the demo seed, tests): creates an account in the actor's
 * organization, or gives an existing account (same email after NFKC and case folding) roles here at once.
 * A new account gets a one-time password to change at first sign-in unless a password is given. An
 * organization's administrator never adds an account directly: they invite (admin/invitations.ts), and
 * the person accepts, so no administrator can take hold of another organization's account.
 */
export async function createUser(
  services: Services,
  actor: Actor,
  input: CreateUserInput,
): Promise<{ user: UserView; oneTimePassword: string | null }> {
  if (actor.via !== "cli") {
    throw new DomainError(
      "platform_operator_required",
      "Only the platform operator creates accounts directly (`salus user create`); invite the person instead.",
    );
  }
  const { email, normalized, displayName, roles } = parseNewMember(input);
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
        if (existing.service_account === 1)
          throw new DomainError("conflict", "That is a service account of another organization.");
        // Membership added: on the trail of every organization the account already belongs to.
        await auditInOtherOrganizations(trx, services, actor, existing.id, {
          action: "account.membership.add",
          detail: { organizationId: actor.organizationId, roles },
        });
        // Where the person lands does not move because they joined another organization.
        if (existing.default_organization_id === null) {
          const home = await landingOrganizationId(trx, existing);
          if (home)
            await trx
              .updateTable("users")
              .set({ default_organization_id: home })
              .where("id", "=", existing.id)
              .execute();
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
            default_organization_id: actor.organizationId,
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

/**
 * A service account: an integration's own identity in the actor's organization, with its own name and
 * roles. It has no usable password (sign-in refuses it whatever the password) and belongs to this
 * organization only, so its administrator manages it fully and may issue it bearer tokens. Its
 * sign-in name is generated (`svc-…@<slug>.service.invalid`, a domain that never receives mail).
 */
export async function createServiceAccount(
  services: Services,
  actor: Actor,
  input: { name: string; roles: string[] },
): Promise<UserView> {
  const roles = checkRoles(input.roles);
  if (roles.length === 0)
    throw new DomainError("invalid_request", "Give the service account at least one role.", [
      { path: "roles", message: "must not be empty" },
    ]);
  const name = input.name.trim();
  if (!name)
    throw new DomainError("invalid_request", "Name the service account (what it is for).", [
      { path: "name", message: "must not be empty" },
    ]);
  const at = services.clock().toISOString();
  const id = randomUUID();
  return audited(
    services,
    actor,
    {
      action: "user.service_account.create",
      resourceType: "User",
      resourceId: id,
      detail: { name, roles },
    },
    async (trx) => {
      const org = await trx
        .selectFrom("organizations")
        .select("slug")
        .where("id", "=", actor.organizationId)
        .executeTakeFirstOrThrow();
      const email = `svc-${id.slice(0, 8)}@${org.slug}.service.invalid`;
      await trx
        .insertInto("users")
        .values({
          id,
          email,
          email_normalized: normalizeEmail(email),
          display_name: name,
          // Not an argon2 hash: no password ever verifies against it.
          password_hash: "!service-account",
          must_change_password: 0,
          mfa_secret_enc: null,
          mfa_enabled: 0,
          mfa_last_step: null,
          disabled_at: null,
          last_sign_in_at: null,
          created_at: at,
          updated_at: at,
          service_account: 1,
          default_organization_id: actor.organizationId,
        })
        .execute();
      await trx
        .insertInto("memberships")
        .values(
          roles.map((role) => ({ organization_id: actor.organizationId, user_id: id, role, created_at: at })),
        )
        .execute();
      return loadMember(trx, actor, id);
    },
  );
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
      detail: {
        roles: roles ?? null,
        disabled: changes.disabled ?? null,
        displayName: changes.displayName ?? null,
      },
    },
    async (trx) => {
      const before = await loadMember(trx, actor, userId);
      // The name and the disabled state are the account's, shared by all its organizations.
      if (changes.disabled !== undefined)
        await assertAccountWhollyHere(trx, actor, userId, "disable or enable it", "salus user disable");
      else if (changes.displayName !== undefined)
        await assertAccountWhollyHere(trx, actor, userId, "rename it", "salus user rename");
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
      if (changes.disabled !== undefined || changes.displayName !== undefined) {
        await auditInOtherOrganizations(trx, services, actor, userId, {
          action: "user.update",
          detail: { disabled: changes.disabled ?? null, displayName: changes.displayName ?? null },
        });
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

/**
 * Platform operation (CLI `user disable` / `user enable`): disables (or enables) the account everywhere;
 * disabling ends its sessions at once. Audited in every organization the account belongs to.
 */
export async function disableUserEverywhere(
  services: Services,
  actor: Actor,
  email: string,
  disabled = true,
): Promise<void> {
  const now = services.clock().toISOString();
  const user = await findAccount(services, email);
  await audited(
    services,
    actor,
    { action: disabled ? "user.disable" : "user.enable", resourceType: "User", resourceId: user.id },
    async (trx) => {
      await trx
        .updateTable("users")
        .set({ disabled_at: disabled ? now : null, updated_at: now })
        .where("id", "=", user.id)
        .execute();
      if (disabled) await endSessions(trx, user.id, now);
      await auditInOtherOrganizations(trx, services, actor, user.id, {
        action: disabled ? "user.disable" : "user.enable",
      });
      return user.id;
    },
  );
}

/** Platform operation (CLI `user rename`): the account's display name, everywhere. */
export async function renameUserEverywhere(
  services: Services,
  actor: Actor,
  email: string,
  displayName: string,
): Promise<void> {
  const name = displayName.trim();
  if (!name || name.length > 200)
    throw new DomainError("invalid_request", "The name must be 1-200 characters.", [
      { path: "name", message: "must be 1-200 characters" },
    ]);
  const user = await findAccount(services, email);
  await audited(
    services,
    actor,
    { action: "user.update", resourceType: "User", resourceId: user.id, detail: { displayName: name } },
    async (trx) => {
      await trx
        .updateTable("users")
        .set({ display_name: name, updated_at: services.clock().toISOString() })
        .where("id", "=", user.id)
        .execute();
      await auditInOtherOrganizations(trx, services, actor, user.id, {
        action: "user.update",
        detail: { displayName: name },
      });
    },
  );
}

/** The account with that email (after NFKC and case folding), for platform operations. */
export async function findAccount(services: Services, email: string): Promise<{ id: string }> {
  const user = await services.systemDb
    .selectFrom("users")
    .select("id")
    .where("email_normalized", "=", normalizeEmail(email))
    .executeTakeFirst();
  if (!user) throw new DomainError("not_found", `No user with email ${email}.`);
  return user;
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
 * an account that has MFA. An organization's administrator may do it only for an account that belongs
 * to no other organization (`platform_operator_required` otherwise); audited in every organization the
 * account belongs to.
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
      const member = await loadMember(trx, actor, userId);
      if (member.serviceAccount)
        throw new DomainError(
          "conflict",
          "A service account has no password; issue it a bearer token instead.",
        );
      await assertAccountWhollyHere(trx, actor, userId, "reset its password", "salus user reset-password");
      await trx
        .updateTable("users")
        .set({ password_hash: hash, must_change_password: 1, updated_at: now })
        .where("id", "=", userId)
        .execute();
      await endSessions(trx, userId, now);
      await auditInOtherOrganizations(trx, services, actor, userId, { action: "user.password.reset" });
    },
  );
  return { oneTimePassword: temporary };
}

/**
 * Turns multi-factor authentication off for a person who lost their authenticator (they enrol again at
 * their next sign-in when the organization requires MFA). Their sessions end. Same rule as a password
 * reset: only for an account wholly in the actor's organization, unless the platform operator does it;
 * audited in every organization the account belongs to.
 */
export async function resetUserMfa(services: Services, actor: Actor, userId: string): Promise<void> {
  const now = services.clock().toISOString();
  await audited(
    services,
    actor,
    { action: "user.mfa.reset", resourceType: "User", resourceId: userId },
    async (trx) => {
      await loadMember(trx, actor, userId);
      await assertAccountWhollyHere(trx, actor, userId, "reset its MFA", "salus user reset-mfa");
      await trx
        .updateTable("users")
        .set({ mfa_enabled: 0, mfa_secret_enc: null, mfa_last_step: null, updated_at: now })
        .where("id", "=", userId)
        .execute();
      await endSessions(trx, userId, now);
      await auditInOtherOrganizations(trx, services, actor, userId, { action: "user.mfa.reset" });
    },
  );
}

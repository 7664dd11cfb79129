import { DomainError, isRole, type Permission, ROLES, type Role, sessionState } from "@salus/core";
import { appendAudit } from "../audit/append-audit.ts";
import type { OrganizationRow, SessionRow, UserRow } from "../db/schema.ts";
import { inTransaction } from "../db/transaction.ts";
import { digestToken } from "../platform/crypto.ts";
import type { Services } from "../platform/services.ts";
import type { RequestInfo } from "./request-info.ts";
import { permissionsOf } from "./role-permissions.ts";
import { securityEvent } from "./security-event.ts";

export interface ResolvedSession {
  session: SessionRow;
  user: UserRow;
  organization: OrganizationRow;
  roles: Role[];
  permissions: Permission[];
}

/**
 * Activity younger than this is not written again: a page's burst of requests costs one write, not one
 * per request. The idle timeout is then measured from a time at most this much before the last activity,
 * so a session may end up to 10 s early, never late.
 */
export const TOUCH_INTERVAL_MS = 10_000;

// Explicit column lists: the one query below joins four tables whose column names collide (id, created_at).
const USER_COLUMNS = [
  "id",
  "email",
  "email_normalized",
  "display_name",
  "password_hash",
  "must_change_password",
  "mfa_secret_enc",
  "mfa_enabled",
  "mfa_last_step",
  "disabled_at",
  "last_sign_in_at",
  "created_at",
  "updated_at",
  "service_account",
  "default_organization_id",
] as const satisfies readonly (keyof UserRow)[];
const ORGANIZATION_COLUMNS = [
  "id",
  "slug",
  "name",
  "mfa_required",
  "idle_timeout_minutes",
  "absolute_timeout_hours",
  "created_at",
  "updated_at",
] as const satisfies readonly (keyof OrganizationRow)[];
const SESSION_COLUMNS = [
  "id",
  "user_id",
  "organization_id",
  "stage",
  "csrf_token",
  "pending_mfa_secret_enc",
  "mfa_failures",
  "mfa_passed",
  "ip",
  "user_agent",
  "created_at",
  "last_activity_at",
  "revoked_at",
] as const satisfies readonly (keyof SessionRow)[];

function pick<T>(row: Record<string, unknown>, prefix: string, columns: readonly string[]): T {
  const out: Record<string, unknown> = {};
  for (const c of columns) out[c] = row[`${prefix}${c}`];
  return out as T;
}

/**
 * Loads the session a cookie names and checks it is still good: not revoked, user enabled and still a
 * member, within the idle timeout and the absolute lifetime. Activity extends the idle timeout unless the
 * request is background polling (`touch: false`).
 *
 * No cache, on purpose: the session, its user, its organization and the user's roles there come from one
 * indexed query on every request (one row per role), so a sign-out, a disabled account, a removed
 * membership or a changed role takes effect on the very next request, in every server process.
 */
export async function resolveSession(
  services: Services,
  token: string,
  info: RequestInfo,
  touch: boolean,
): Promise<ResolvedSession> {
  const db = services.systemDb;
  const now = services.clock();
  const rows = (await db
    .selectFrom("sessions")
    .innerJoin("users", "users.id", "sessions.user_id")
    .innerJoin("organizations", "organizations.id", "sessions.organization_id")
    .leftJoin("memberships", (join) =>
      join
        .onRef("memberships.organization_id", "=", "sessions.organization_id")
        .onRef("memberships.user_id", "=", "sessions.user_id"),
    )
    .select([
      ...SESSION_COLUMNS.map((c) => `sessions.${c} as s_${c}` as const),
      ...USER_COLUMNS.map((c) => `users.${c} as u_${c}` as const),
      ...ORGANIZATION_COLUMNS.map((c) => `organizations.${c} as o_${c}` as const),
      "memberships.role as m_role",
    ])
    .where("sessions.id", "=", digestToken(token))
    .execute()) as Record<string, unknown>[];
  const first = rows[0];
  if (!first || first.s_revoked_at) throw new DomainError("unauthenticated", "Please sign in.");
  const session = pick<SessionRow>(first, "s_", SESSION_COLUMNS);
  const user = pick<UserRow>(first, "u_", USER_COLUMNS);
  const organization = pick<OrganizationRow>(first, "o_", ORGANIZATION_COLUMNS);
  const held = new Set(
    rows.map((r) => r.m_role).filter((r): r is Role => typeof r === "string" && isRole(r)),
  );
  const roles = ROLES.filter((r) => held.has(r));
  const state = sessionState(
    { createdAt: session.created_at, lastActivityAt: session.last_activity_at },
    now,
    {
      idleTimeoutMinutes: organization.idle_timeout_minutes,
      absoluteTimeoutHours: organization.absolute_timeout_hours,
    },
  );
  if (user.disabled_at || roles.length === 0 || state !== "active") {
    await inTransaction(
      services.db,
      async (trx) => {
        await trx
          .updateTable("sessions")
          .set({ revoked_at: now.toISOString() })
          .where("id", "=", session.id)
          .execute();
        await appendAudit(
          trx,
          services.audit,
          securityEvent(services, info, {
            organizationId: organization.id,
            userId: user.id,
            actor: user.email,
            action: "auth.session.end",
            outcome: "success",
            detail: { reason: user.disabled_at ? "user_disabled" : roles.length === 0 ? "no_roles" : state },
          }),
        );
      },
      { serializeOn: organization.id },
    );
    if (state !== "active")
      throw new DomainError("session_expired", "Your session timed out. Please sign in again.");
    throw new DomainError("unauthenticated", "Please sign in.");
  }
  if (touch && now.getTime() - Date.parse(session.last_activity_at) >= TOUCH_INTERVAL_MS) {
    const at = now.toISOString();
    await db.updateTable("sessions").set({ last_activity_at: at }).where("id", "=", session.id).execute();
    session.last_activity_at = at;
  }
  return { session, user, organization, roles, permissions: permissionsOf(roles) };
}

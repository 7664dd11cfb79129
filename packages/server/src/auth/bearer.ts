import { DomainError, isRole, type Role } from "@salus/core";
import { appendAudit } from "../audit/append-audit.ts";
import type { Db } from "../db/connection.ts";
import { inTransaction } from "../db/transaction.ts";
import { digestToken } from "../platform/crypto.ts";
import type { Actor, Services } from "../platform/services.ts";
import type { RequestInfo } from "./request-info.ts";
import { permissionsOf } from "./role-permissions.ts";

/** Token use is audited at most once a minute per token (with its last-use time), not on every call. */
const USE_AUDIT_INTERVAL_MS = 60_000;

/** Good tokens remembered per database (see `Db.authEpoch`), at most this many. */
const CACHE_LIMIT = 10_000;
interface Remembered {
  row: TokenRow;
  epoch: number;
  /** performance.now() when read from the database. */
  readAt: number;
}
const remembered = new WeakMap<Db, Map<string, Remembered>>();

/**
 * Resolves `Authorization: Bearer …` to an actor with exactly the token's role. A revoked token, a
 * disabled user or a user who lost the role answers 401, and the attempt is audited.
 *
 * A good token's row is remembered under the database's auth epoch (db/connection.ts), which moves on
 * whenever this process writes tokens, users, memberships or organizations: a revocation made through this
 * process counts on the very next request. The epoch is read BEFORE the lookup, so a row read before a
 * change is never filed under the epoch after it. Changes made by another process (the CLI): on SQLite
 * the epoch sees them too (data_version), so they also count at once; on PostgreSQL a remembered row is
 * trusted for at most `authCacheMaxAgeMs` (1 s).
 */
export async function resolveBearer(services: Services, token: string, info: RequestInfo): Promise<Actor> {
  const now = services.clock();
  const digest = digestToken(token);
  const epoch = services.db.authEpoch();
  const readAt = performance.now();
  let cache = remembered.get(services.db);
  if (!cache) {
    cache = new Map();
    remembered.set(services.db, cache);
  }
  const hit = cache.get(digest);
  const fresh = hit && hit.epoch === epoch && readAt - hit.readAt < services.db.authCacheMaxAgeMs;
  const row = fresh ? hit.row : await lookUpToken(services, digest);
  // SQLite answers 0/1, PostgreSQL a boolean.
  const holdsRole = row ? Boolean(row.holds_role) : false;
  const valid = row && !row.revoked_at && !row.disabled_at && holdsRole && isRole(row.role);
  // A service account is named as such on every audit entry its token causes (it is not a person).
  const label = row ? actorLabel(row) : null;
  const due = !row?.last_used_at || now.getTime() - Date.parse(row.last_used_at) >= USE_AUDIT_INTERVAL_MS;
  if (valid) {
    if (cache.size >= CACHE_LIMIT && !cache.has(digest)) cache.clear();
    // The last-use stamp written below is kept here too (its statement does not move the epoch).
    const kept = due ? { ...row, last_used_at: now.toISOString() } : row;
    cache.set(digest, fresh ? { ...hit, row: kept } : { row: kept, epoch, readAt });
  } else cache.delete(digest);
  if (!valid || due) {
    await inTransaction(
      services.db,
      async (trx) => {
        if (valid)
          await trx
            .updateTable("api_tokens")
            .set({ last_used_at: now.toISOString() })
            .where("id", "=", row.id)
            .execute();
        await appendAudit(trx, services.audit, {
          at: now.toISOString(),
          organizationId: row?.organization_id ?? null,
          userId: row?.user_id ?? null,
          actor: label,
          action: "auth.token.use",
          resourceType: "ApiToken",
          resourceId: row?.id ?? null,
          patientId: null,
          outcome: valid ? "success" : "denied",
          ip: info.ip,
          requestId: info.requestId,
          detail: valid
            ? null
            : JSON.stringify({
                reason: !row
                  ? "unknown_token"
                  : row.revoked_at
                    ? "revoked"
                    : row.disabled_at
                      ? "user_disabled"
                      : "role_removed",
              }),
        });
      },
      { serializeOn: row?.organization_id },
    );
  }
  if (!valid)
    throw new DomainError(
      "unauthenticated",
      "The bearer token is not valid (unknown, revoked or its user disabled).",
    );
  const roles = [row.role as Role];
  return {
    organizationId: row.organization_id,
    userId: row.user_id,
    label: label!,
    roles,
    permissions: permissionsOf(roles),
    via: "token",
    ip: info.ip,
    requestId: info.requestId,
  };
}

/** How an account appears as the actor of audit entries: its email, or "service account: <name>". */
export function actorLabel(u: { email: string; service_account: number; display_name: string }): string {
  return u.service_account === 1 ? `service account: ${u.display_name}` : u.email;
}

/** The token (by digest) with its user and whether the user still holds the token's role: one query. */
function lookUpToken(services: Services, digest: string) {
  return services.systemDb
    .selectFrom("api_tokens")
    .innerJoin("users", "users.id", "api_tokens.user_id")
    .select((eb) => [
      "api_tokens.id",
      "api_tokens.organization_id",
      "api_tokens.user_id",
      "api_tokens.role",
      "api_tokens.revoked_at",
      "api_tokens.last_used_at",
      "users.email",
      "users.disabled_at",
      "users.service_account",
      "users.display_name",
      eb
        .exists(
          eb
            .selectFrom("memberships")
            .select("memberships.role")
            .whereRef("memberships.organization_id", "=", "api_tokens.organization_id")
            .whereRef("memberships.user_id", "=", "api_tokens.user_id")
            .whereRef("memberships.role", "=", "api_tokens.role"),
        )
        .as("holds_role"),
    ])
    .where("api_tokens.token_hash", "=", digest)
    .executeTakeFirst();
}
type TokenRow = NonNullable<Awaited<ReturnType<typeof lookUpToken>>>;

import { randomUUID } from "node:crypto";
import {
  ACCOUNT_THROTTLE,
  ADDRESS_THROTTLE,
  DomainError,
  lockoutDelay,
  lockoutNotice,
  reserveAttempt,
  type ThrottlePolicy,
} from "@salus/core";
import { appendAudit } from "../audit/append-audit.ts";
import { inTransaction, type Trx } from "../db/transaction.ts";
import type { Services } from "../platform/services.ts";

/**
 * Guessing limits shared by every request and every session (SEC-AUTH-02, SEC-AUTH-05). Each password
 * or MFA code check first reserves an attempt on its counters (`auth_throttle`: one per account, one per
 * network address) in a write transaction of its own, queued per counter (SQLite `begin immediate`;
 * PostgreSQL an advisory lock on the counter's key before a serializable transaction). Only then is the
 * expensive check run (argon2, TOTP). So 50 requests sent at once see each other's reservations and at
 * most the limit are evaluated; checking first and counting afterwards (what sign-in did before) let 27
 * of 50 through. A success resets the account counter and releases its reservation on the address
 * counter; a failure stays counted. Past the limit each attempt waits for a lockout that doubles
 * (core `security/throttle.ts`), the same for existing and unknown accounts.
 */
export interface GuardKey {
  key: string;
  policy: ThrottlePolicy;
}

export type Factor = "password" | "mfa";

/** Sign-in and change-password share these: a guess at the current password costs the same either way. */
export function passwordKeys(emailNormalized: string, ip: string | null): GuardKey[] {
  return [
    { key: `email:${emailNormalized}`, policy: ACCOUNT_THROTTLE },
    { key: `ip:${ip ?? "unknown"}`, policy: ADDRESS_THROTTLE },
  ];
}

/** MFA verification and enrolment confirmation, per account across all its sessions, and per address. */
export function mfaKeys(userId: string, ip: string | null): GuardKey[] {
  return [
    { key: `mfa:user:${userId}`, policy: ACCOUNT_THROTTLE },
    { key: `mfa:ip:${ip ?? "unknown"}`, policy: ADDRESS_THROTTLE },
  ];
}

/** Attempts reserved on each key (the first key is the account's), to settle once the check is done. */
export interface Reserved {
  keys: GuardKey[];
  attempts: number[];
}

/** `rate_limited` (429) with the seconds to wait, sent as `Retry-After` by the HTTP layer. */
export class TooManyAttempts extends DomainError {
  constructor(
    readonly retryAfterSeconds: number,
    message: string,
  ) {
    super("rate_limited", message);
  }
}

/** "30 seconds", "4 minutes": how long to wait, in words a person reads at a glance. */
export function waitInWords(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds <= 90) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minutes`;
}

export interface RequestContext {
  ip: string | null;
  requestId: string | null;
}

/** Who the audit entry of a refused attempt names (the account, or just the name typed if unknown). */
export interface AttemptSubject {
  organizationId: string | null;
  userId: string | null;
  actor: string | null;
  action: string;
}

function lockKey(key: string): string {
  return `auth_throttle:${key}`;
}

async function reserveOne(
  services: Services,
  g: GuardKey,
): Promise<{ ok: true; attempt: number } | { ok: false; waitMs: number }> {
  return inTransaction(
    services.db,
    async (trx) => {
      const now = services.clock();
      const row = await trx
        .selectFrom("auth_throttle")
        .selectAll()
        .where("key", "=", g.key)
        .executeTakeFirst();
      const decision = reserveAttempt(
        { failures: row?.failures ?? 0, lastFailureAt: row?.last_failure_at ?? null },
        now,
        g.policy,
      );
      if (!decision.ok) return decision;
      await trx
        .insertInto("auth_throttle")
        .values({
          key: g.key,
          failures: decision.state.failures,
          last_failure_at: decision.state.lastFailureAt,
        })
        .onConflict((oc) =>
          oc.column("key").doUpdateSet({
            failures: decision.state.failures,
            last_failure_at: decision.state.lastFailureAt,
          }),
        )
        .execute();
      return { ok: true as const, attempt: decision.attempt };
    },
    { serializeOn: lockKey(g.key) },
  );
}

async function releaseOne(services: Services, key: string, reset: boolean): Promise<void> {
  await inTransaction(
    services.db,
    async (trx) => {
      if (reset) await trx.deleteFrom("auth_throttle").where("key", "=", key).execute();
      else
        await trx
          .updateTable("auth_throttle")
          .set((eb) => ({ failures: eb("failures", "-", 1) }))
          .where("key", "=", key)
          .where("failures", ">", 0)
          .execute();
    },
    { serializeOn: lockKey(key) },
  );
}

/**
 * Reserves one attempt on every key, before the check. When a key is locked the reservations already
 * made are released, the refusal is audited and `rate_limited` is thrown with the wait: the same answer
 * whether the account exists or not, and the check itself is never run.
 */
export async function reserveAttempts(
  services: Services,
  req: RequestContext,
  keys: GuardKey[],
  subject: AttemptSubject,
  message: (wait: string) => string,
): Promise<Reserved> {
  const attempts: number[] = [];
  for (const g of keys) {
    const r = await reserveOne(services, g);
    if (r.ok) {
      attempts.push(r.attempt);
      continue;
    }
    for (const done of keys.slice(0, attempts.length)) await releaseOne(services, done.key, false);
    await inTransaction(
      services.db,
      (trx) =>
        appendAudit(trx, services.audit, {
          at: services.clock().toISOString(),
          organizationId: subject.organizationId,
          userId: subject.userId,
          actor: subject.actor,
          action: subject.action,
          resourceType: "Session",
          resourceId: null,
          patientId: null,
          outcome: "denied",
          ip: req.ip,
          requestId: req.requestId,
          detail: JSON.stringify({ reason: "throttled", retryAfterSeconds: Math.ceil(r.waitMs / 1000) }),
        }),
      { serializeOn: subject.organizationId },
    );
    throw new TooManyAttempts(Math.ceil(r.waitMs / 1000), message(waitInWords(r.waitMs)));
  }
  return { keys, attempts };
}

/** The check passed: the account's counter starts again from zero; the address keeps only its failures. */
export async function settleSuccess(services: Services, reserved: Reserved): Promise<void> {
  for (const [i, g] of reserved.keys.entries()) await releaseOne(services, g.key, i === 0);
}

export interface LockedAccount {
  id: string;
  email: string;
  displayName: string;
  /** Every organization the account belongs to; the first is where the owner's message is queued. */
  organizationIds: string[];
}

const WHAT: Record<Factor, string> = {
  password: "wrong passwords",
  mfa: "wrong two-factor codes",
};

async function queueEmail(
  trx: Trx,
  organizationId: string,
  dedupeKey: string,
  recipient: string,
  subject: string,
  body: string,
  at: string,
): Promise<void> {
  await trx
    .insertInto("outbox_messages")
    .values({
      organization_id: organizationId,
      id: randomUUID(),
      dedupe_key: dedupeKey,
      channel: "email",
      recipient,
      subject,
      body,
      appointment_id: null,
      available_at: at,
      attempts: 0,
      lease_until: null,
      last_error: null,
      sent_at: null,
      cancelled_at: null,
      created_at: at,
    })
    .onConflict((oc) => oc.columns(["organization_id", "dedupe_key"]).doNothing())
    .execute();
}

/**
 * After a failed check: when this failure starts a lockout (the limit, then every tenth failure), the
 * account's owner gets an e-mail, each of its organizations gets an `auth.lockout` security event on the
 * audit trail, and that organization's administrators an e-mail, all through the transactional outbox.
 * Nothing is told about unknown accounts (there is nobody to tell), and the HTTP answer never differs.
 */
export async function noteFailure(
  services: Services,
  req: RequestContext,
  reserved: Reserved,
  factor: Factor,
  account: LockedAccount | null,
): Promise<void> {
  const attempt = reserved.attempts[0];
  const policy = reserved.keys[0]?.policy;
  if (!account || attempt === undefined || !policy || !lockoutNotice(attempt, policy)) return;
  const at = services.clock().toISOString();
  const wait = waitInWords(lockoutDelay(attempt, policy));
  const base = (services.config.publicUrl ?? `http://localhost:${services.config.port}`).replace(/\/+$/, "");
  const stamp = `${factor}:${account.id}:${attempt}:${at}`;
  for (const [i, organizationId] of account.organizationIds.entries()) {
    await inTransaction(
      services.db,
      async (trx) => {
        await appendAudit(trx, services.audit, {
          at,
          organizationId,
          userId: account.id,
          actor: account.email,
          action: "auth.lockout",
          resourceType: "User",
          resourceId: account.id,
          patientId: null,
          outcome: "denied",
          ip: req.ip,
          requestId: req.requestId,
          detail: JSON.stringify({
            factor,
            failures: attempt,
            lockedForSeconds: lockoutDelay(attempt, policy) / 1000,
          }),
        });
        if (i === 0) {
          await queueEmail(
            trx,
            organizationId,
            `auth-lockout:${stamp}:owner`,
            account.email,
            "Sign-in to your Salus account was paused",
            `There were ${attempt} ${WHAT[factor]} in a row for your Salus account (${account.email}), the last from network address ${req.ip ?? "unknown"}. Further attempts are refused for ${wait}, longer after each new failure.\n\nIf this was you, wait and try again. If it was not, someone may be guessing${factor === "mfa" ? " your code, which means they know your password: change your password now" : " your password: choose a stronger one"} and tell your administrator. ${base}/sign-in`,
            at,
          );
        }
        const admins = await trx
          .selectFrom("memberships")
          .innerJoin("users", "users.id", "memberships.user_id")
          .select(["users.id", "users.email"])
          .where("memberships.organization_id", "=", organizationId)
          .where("memberships.role", "=", "admin")
          .where("users.disabled_at", "is", null)
          .where("users.id", "!=", account.id)
          .execute();
        for (const admin of admins) {
          await queueEmail(
            trx,
            organizationId,
            `auth-lockout:${stamp}:admin:${admin.id}`,
            admin.email,
            "Repeated failed sign-ins in Salus",
            `${account.displayName} (${account.email}) had ${attempt} ${WHAT[factor]} in a row, the last from network address ${req.ip ?? "unknown"}; attempts are paused for ${wait}. The owner has been told. The audit trail records it as auth.lockout. If the person did not cause it, consider disabling the account or resetting its password: ${base}/settings/users`,
            at,
          );
        }
      },
      { serializeOn: organizationId },
    );
  }
}

import { DomainError } from "@salus/core";
import { type ScopedTrx, scopeToOrganization, transactionKey } from "../db/scoped.ts";
import { inReadOnlySnapshot, inTransaction, type Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import { appendAudit, PLATFORM_CHAIN } from "./append-audit.ts";
import { commitAuditEntry } from "./group-commit.ts";

/** Codes that mean "not allowed" (audited as denied); every other code is a failure. */
const REFUSALS: ReadonlySet<string> = new Set([
  "forbidden",
  "platform_operator_required",
  "token_for_another_person",
]);

/** What an audit entry says about an operation, apart from who, when, where and the outcome. */
export interface AuditSpec<T = unknown> {
  action: string;
  resourceType?: string | null;
  resourceId?: string | null;
  patientId?: string | null;
  detail?: Record<string, unknown> | null;
  /** What only the result can tell (the patient ids a search returned, the id a create made). */
  fromResult?: (result: T) => Partial<Omit<AuditSpec, "action" | "fromResult" | "readOnly">>;
  /**
   * The operation only reads. It then runs on a read-only snapshot (a write in it fails) instead of a
   * write transaction, and its entry is committed by the group committer (audit/group-commit.ts) with the
   * entries of concurrent reads; the result is returned only once that commit is done, and if it fails
   * the caller gets the error, not the data.
   */
  readOnly?: boolean;
  /**
   * With `readOnly`: the operation reads in ONE statement, so PostgreSQL sends it without BEGIN and COMMIT
   * (a statement is a snapshot of its own); a second statement is refused (db/transaction.ts).
   */
  oneStatement?: boolean;
  /**
   * PostgreSQL: keys of the rows the operation reads and then writes (db/transaction.ts `lockKeys`), so
   * concurrent operations on the same ones queue instead of failing serialization and retrying.
   */
  lockKeys?: readonly string[];
}

/**
 * Facts a use case learns while it runs and that belong on its audit entry whatever the spec says: how
 * the patient's record was opened (`access`: practice, treating, care-team or break-glass, and the
 * break-glass grant id), recorded by records/patient-access.ts#requirePatientAccess. Kept per
 * transaction, so they can never be attached to another operation's entry.
 */
const annotations = new WeakMap<Trx, Record<string, unknown>>();

/** Adds `detail` to the audit entry `audited()` writes for the transaction `trx` (later keys win). */
export function annotateAudit(trx: Trx, detail: Record<string, unknown>): void {
  // Keyed by the transaction, not the handle: the scoped handle and systemTrx() of one operation share it.
  const key = transactionKey(trx);
  annotations.set(key, { ...(annotations.get(key) ?? {}), ...detail });
}

/**
 * The patient whose record the transaction's operation targets, as the use case found it (the patient
 * exists in the actor's organization), before deciding whether the actor may see it. Written as the audit
 * entry's patient id when the spec names none, on success AND on refusal: a 404 on someone's note or
 * document belongs in that patient's access report even though the caller is told only "not found".
 * The first patient noted wins (an operation over several patients names them in its own spec).
 */
const notedPatients = new WeakMap<Trx, string>();

export function notePatient(trx: Trx, patientId: string): void {
  const key = transactionKey(trx);
  if (!notedPatients.has(key)) notedPatients.set(key, patientId);
}

/**
 * The one way use cases touch audited data: runs `fn` in a write transaction and appends the audit
 * entry (success) in that same transaction (a read marked `readOnly` runs on a snapshot instead, and
 * awaits its entry's group commit). When `fn` refuses with a DomainError, its work is rolled back and the
 * refusal is audited by the group committer, awaited, then rethrown, so a failed or denied attempt is on
 * the record too.
 */
export async function audited<T>(
  services: Services,
  actor: Actor,
  spec: AuditSpec<T>,
  fn: (trx: ScopedTrx) => Promise<T>,
): Promise<T> {
  const { fromResult, readOnly, oneStatement, lockKeys, ...base } = spec;
  let lastTrx = null as Trx | null;
  try {
    if (readOnly) {
      let entry = null as ReturnType<typeof auditInput> | null;
      const result = await inReadOnlySnapshot(
        services.db,
        async (trx) => {
          lastTrx = trx;
          const result = await fn(scopeToOrganization(trx, actor.organizationId));
          entry = auditInput(services, actor, successSpec(trx, base, fromResult?.(result) ?? {}), "success");
          return result;
        },
        { oneStatement },
      );
      // Nothing is returned before its entry is durable (committed in its batch).
      await commitAuditEntry(services.db, services.audit, entry!);
      return result;
    }
    return await inTransaction(
      services.db,
      async (trx) => {
        lastTrx = trx;
        const result = await fn(scopeToOrganization(trx, actor.organizationId));
        const s = successSpec(trx, base, fromResult ? fromResult(result) : {});
        await appendAudit(trx, services.audit, auditInput(services, actor, s, "success"));
        return result;
      },
      { auditChain: actor.organizationId ?? PLATFORM_CHAIN, lockKeys },
    );
  } catch (error) {
    if (error instanceof DomainError) {
      // A refusal after the record was opened (e.g. under break-glass) still says how it was opened.
      const noted = (lastTrx && annotations.get(lastTrx)) || {};
      const patientId = base.patientId ?? (lastTrx && notedPatients.get(lastTrx)) ?? null;
      const s = { ...base, patientId, detail: { ...(base.detail ?? {}), ...noted } };
      const outcome = REFUSALS.has(error.code) ? "denied" : "failure";
      await commitAuditEntry(
        services.db,
        services.audit,
        auditInput(services, actor, { ...s, detail: { ...(s.detail ?? {}), error: error.code } }, outcome),
      );
    }
    throw error;
  }
}

/** The success entry's spec: the spec, what the result tells, and what the use case noted on `trx`. */
function successSpec(
  trx: Trx,
  base: Omit<AuditSpec, "fromResult" | "readOnly">,
  extra: Partial<Omit<AuditSpec, "action" | "fromResult" | "readOnly">>,
): AuditSpec {
  const noted = annotations.get(trx) ?? {};
  return {
    ...base,
    ...extra,
    patientId: extra.patientId ?? base.patientId ?? notedPatients.get(trx) ?? null,
    detail: { ...(base.detail ?? {}), ...(extra.detail ?? {}), ...noted },
  };
}

export function auditInput(
  services: Services,
  actor: Actor,
  spec: AuditSpec,
  outcome: "success" | "failure" | "denied",
) {
  return {
    at: services.clock().toISOString(),
    organizationId: actor.organizationId,
    userId: actor.userId,
    actor: actor.label,
    action: spec.action,
    resourceType: spec.resourceType ?? null,
    resourceId: spec.resourceId ?? null,
    patientId: spec.patientId ?? null,
    outcome,
    ip: actor.ip,
    requestId: actor.requestId,
    detail: spec.detail
      ? JSON.stringify({ via: actor.via, ...spec.detail })
      : JSON.stringify({ via: actor.via }),
  };
}

/**
 * Audits a standalone event (a permission refusal, a security event): committed by the group committer,
 * awaited until durable.
 */
export async function auditEvent(
  services: Services,
  actor: Actor,
  spec: AuditSpec,
  outcome: "success" | "failure" | "denied",
): Promise<void> {
  await commitAuditEntry(services.db, services.audit, auditInput(services, actor, spec, outcome));
}

import { DomainError } from "@salus/core";
import { inTransaction, type Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import { appendAudit } from "./append-audit.ts";

/** What an audit entry says about an operation, apart from who, when, where and the outcome. */
export interface AuditSpec<T = unknown> {
  action: string;
  resourceType?: string | null;
  resourceId?: string | null;
  patientId?: string | null;
  detail?: Record<string, unknown> | null;
  /** What only the result can tell (the patient ids a search returned, the id a create made). */
  fromResult?: (result: T) => Partial<Omit<AuditSpec, "action" | "fromResult">>;
}

/**
 * The one way use cases touch audited data: runs `fn` in a write transaction and appends the audit
 * entry (success) in that same transaction. When `fn` refuses with a DomainError, its work is rolled
 * back and the refusal is audited in a transaction of its own, then rethrown, so a failed or denied
 * attempt is on the record too.
 */
export async function audited<T>(
  services: Services,
  actor: Actor,
  spec: AuditSpec<T>,
  fn: (trx: Trx) => Promise<T>,
): Promise<T> {
  const { fromResult, ...base } = spec;
  try {
    return await inTransaction(
      services.db,
      async (trx) => {
        const result = await fn(trx);
        const extra = fromResult ? fromResult(result) : {};
        const s = { ...base, ...extra, detail: { ...(base.detail ?? {}), ...(extra.detail ?? {}) } };
        await appendAudit(trx, services.audit, auditInput(services, actor, s, "success"));
        return result;
      },
      { serializeOn: actor.organizationId },
    );
  } catch (error) {
    if (error instanceof DomainError) {
      const s = base;
      const outcome = error.code === "forbidden" ? "denied" : "failure";
      await inTransaction(
        services.db,
        (trx) =>
          appendAudit(
            trx,
            services.audit,
            auditInput(
              services,
              actor,
              { ...s, detail: { ...(s.detail ?? {}), error: error.code } },
              outcome,
            ),
          ),
        { serializeOn: actor.organizationId },
      );
    }
    throw error;
  }
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

/** Audits a standalone event (a permission refusal, a security event) in its own transaction. */
export async function auditEvent(
  services: Services,
  actor: Actor,
  spec: AuditSpec,
  outcome: "success" | "failure" | "denied",
): Promise<void> {
  await inTransaction(
    services.db,
    (trx) => appendAudit(trx, services.audit, auditInput(services, actor, spec, outcome)),
    {
      serializeOn: actor.organizationId,
    },
  );
}

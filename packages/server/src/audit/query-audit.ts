import { csvRow } from "@salus/core";
import type { AuditEntryRow } from "../db/schema.ts";
import { organizationDb } from "../db/scoped.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import { audited } from "./audited.ts";

/** The privacy officer's view of the trail: always one organization's entries, newest first. */
export interface AuditFilters {
  userId?: string | undefined;
  patientId?: string | undefined;
  action?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  limit: number;
  offset: number;
}

export interface AuditEntryView {
  seq: number;
  at: string;
  userId: string | null;
  userEmail: string | null;
  organizationId: string | null;
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  patientId: string | null;
  outcome: string;
  ip: string | null;
  requestId: string | null;
  detail: string | null;
}

export function presentAuditEntry(r: AuditEntryRow): AuditEntryView {
  return {
    seq: Number(r.seq),
    at: r.at,
    userId: r.user_id,
    userEmail: r.actor,
    organizationId: r.organization_id,
    action: r.action,
    resourceType: r.resource_type,
    resourceId: r.resource_id,
    patientId: r.patient_id,
    outcome: r.outcome,
    ip: r.ip,
    requestId: r.request_id,
    detail: r.detail,
  };
}

/** A plain date `from` means the start of that UTC day; a plain date `to` includes the whole day. */
function bound(value: string, end: boolean): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return `${value}T${end ? "23:59:59.999" : "00:00:00.000"}Z`;
  return new Date(value).toISOString();
}

function filtered(trx: Trx, actor: Actor, f: AuditFilters) {
  let q = trx.selectFrom("audit_entries").where("organization_id", "=", actor.organizationId);
  if (f.userId) q = q.where("user_id", "=", f.userId);
  if (f.patientId) q = q.where("patient_id", "=", f.patientId);
  if (f.action) q = q.where("action", "=", f.action);
  if (f.from) q = q.where("at", ">=", bound(f.from, false));
  if (f.to) q = q.where("at", "<=", bound(f.to, true));
  return q;
}

export async function searchAudit(services: Services, actor: Actor, f: AuditFilters) {
  // Reading the trail is itself on the trail.
  return audited(
    services,
    actor,
    { action: "audit.search", resourceType: "AuditEvent", detail: { filters: { ...f } } },
    async (trx) => {
      const q = filtered(trx, actor, f);
      const rows = await q
        .selectAll()
        .orderBy("at", "desc")
        .orderBy("seq", "desc")
        .limit(f.limit)
        .offset(f.offset)
        .execute();
      const count = await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
      return { items: rows.map(presentAuditEntry), total: Number(count.n) };
    },
  );
}

const EXPORT_LIMIT = 100_000;
const CSV_HEADER = [
  "seq",
  "at",
  "user_id",
  "user",
  "action",
  "resource_type",
  "resource_id",
  "patient_id",
  "outcome",
  "ip",
  "request_id",
  "detail",
];

/** CSV export of the filtered trail (up to 100,000 entries), formula-safe. */
export async function exportAuditCsv(
  services: Services,
  actor: Actor,
  f: Omit<AuditFilters, "limit" | "offset">,
): Promise<string> {
  return audited(
    services,
    actor,
    { action: "audit.export", resourceType: "AuditEvent", detail: { filters: { ...f } } },
    async (trx) => {
      const rows = await filtered(trx, actor, { ...f, limit: EXPORT_LIMIT, offset: 0 })
        .selectAll()
        .orderBy("at", "desc")
        .orderBy("seq", "desc")
        .limit(EXPORT_LIMIT)
        .execute();
      let out = csvRow(CSV_HEADER);
      for (const r of rows) {
        out += csvRow([
          Number(r.seq),
          r.at,
          r.user_id,
          r.actor,
          r.action,
          r.resource_type,
          r.resource_id,
          r.patient_id,
          r.outcome,
          r.ip,
          r.request_id,
          r.detail,
        ]);
      }
      return out;
    },
  );
}

export async function auditActions(services: Services, actor: Actor): Promise<string[]> {
  const rows = await organizationDb(services.db, actor.organizationId)
    .selectFrom("audit_entries")
    .select("action")
    .distinct()
    .where("organization_id", "=", actor.organizationId)
    .orderBy("action")
    .execute();
  return rows.map((r) => r.action);
}

/** The FHIR AuditEvent search: instants already resolved in the practice's zone, `to` exclusive. */
export interface AuditEventQuery {
  patientId?: string | undefined;
  userId?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  action?: string | undefined;
  limit: number;
  offset: number;
}

/** One organization's trail for FHIR AuditEvent, newest first; the search is on the trail itself. */
export async function searchAuditEvents(
  services: Services,
  actor: Actor,
  q: AuditEventQuery,
): Promise<{ items: AuditEntryRow[]; total: number }> {
  return audited(
    services,
    actor,
    {
      action: "audit.search",
      resourceType: "AuditEvent",
      patientId: q.patientId ?? null,
      detail: {
        filters: { patient: q.patientId, agent: q.userId, from: q.from, to: q.to, action: q.action },
      },
    },
    async (trx) => {
      let query = trx.selectFrom("audit_entries").where("organization_id", "=", actor.organizationId);
      if (q.patientId) query = query.where("patient_id", "=", q.patientId);
      if (q.userId) query = query.where("user_id", "=", q.userId);
      if (q.from) query = query.where("at", ">=", q.from);
      if (q.to) query = query.where("at", "<", q.to);
      if (q.action) query = query.where("action", "=", q.action);
      const rows = await query
        .selectAll()
        .orderBy("at", "desc")
        .orderBy("seq", "desc")
        .limit(q.limit)
        .offset(q.offset)
        .execute();
      const count = await query.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
      return { items: rows.map((e) => ({ ...e, seq: Number(e.seq) })), total: Number(count.n) };
    },
  );
}

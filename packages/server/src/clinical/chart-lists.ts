import { randomUUID } from "node:crypto";
import { DomainError, isPlainDate, normalizeIcd10, notFound } from "@salus/core";
import {
  ALLERGY_SEVERITIES,
  LIST_KINDS,
  LIST_STATUSES,
  type ListKind,
} from "@salus/core/clinical/clinical-kinds";
import { audited } from "../audit/audited.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import { requirePatientAccess } from "../records/patient-access.ts";
import { keepRevision, type RevisionView, revisionsOf } from "./revisions.ts";

/**
 * The chart's lists: problems, allergies and medications. Each item has a status that changes over time
 * (active, resolved, stopped, …) and a mistake is marked entered-in-error, never deleted; lists hide
 * those unless asked. All of it is the "clinical" section of the record.
 */

/** Fields of each kind: API name → column, and which are dates. */
const FIELDS: Record<ListKind, Record<string, { column: string; date?: boolean; icd?: boolean }>> = {
  problems: {
    code: { column: "code", icd: true },
    description: { column: "description" },
    onsetDate: { column: "onset_date", date: true },
    resolvedDate: { column: "resolved_date", date: true },
  },
  allergies: {
    substance: { column: "substance" },
    reaction: { column: "reaction" },
    severity: { column: "severity" },
  },
  medications: {
    name: { column: "name" },
    dose: { column: "dose" },
    frequency: { column: "frequency" },
    startDate: { column: "start_date", date: true },
    endDate: { column: "end_date", date: true },
  },
};

const RESOURCE: Record<ListKind, { type: string; action: string; what: string }> = {
  problems: { type: "Condition", action: "problem", what: "problem" },
  allergies: { type: "AllergyIntolerance", action: "allergy", what: "allergy" },
  medications: { type: "MedicationStatement", action: "medication", what: "medication" },
};

export { ALLERGY_SEVERITIES, LIST_KINDS, LIST_STATUSES, type ListKind };
export type ListItemView = {
  id: string;
  patientId: string;
  status: string;
  errorReason: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
} & Record<string, string | number | null>;

function present(kind: ListKind, row: Record<string, unknown>): ListItemView {
  const out: Record<string, unknown> = {
    id: row.id,
    patientId: row.patient_id,
    status: row.status,
    errorReason: row.error_reason ?? null,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  for (const [name, f] of Object.entries(FIELDS[kind])) out[name] = (row[f.column] as string | null) ?? null;
  return out as ListItemView;
}

function columnsOf(kind: ListKind, input: Record<string, unknown>): Record<string, string | null> {
  const set: Record<string, string | null> = {};
  for (const [name, f] of Object.entries(FIELDS[kind])) {
    if (!(name in input)) continue;
    let v = input[name] as string | null | undefined;
    if (v === undefined) continue;
    if (v !== null && f.date && !isPlainDate(v))
      throw new DomainError("invalid_request", `${name} is not a real date.`, [
        { path: name, message: "must be a real date written YYYY-MM-DD" },
      ]);
    if (v !== null && f.icd) {
      const code = normalizeIcd10(v);
      if (!code)
        throw new DomainError("invalid_request", `${JSON.stringify(v)} is not an ICD-10-CM code.`, [
          { path: name, message: "is not an ICD-10-CM code" },
        ]);
      v = code;
    }
    set[f.column] = v;
  }
  if (
    kind === "allergies" &&
    set.severity &&
    !(ALLERGY_SEVERITIES as readonly string[]).includes(set.severity)
  )
    throw new DomainError("invalid_request", "Unknown severity.", [
      { path: "severity", message: `must be one of ${ALLERGY_SEVERITIES.join(", ")}` },
    ]);
  return set;
}

function checkStatus(kind: ListKind, status: unknown): void {
  if (status !== undefined && !LIST_STATUSES[kind].includes(String(status)))
    throw new DomainError("invalid_request", "Unknown status.", [
      { path: "status", message: `must be one of ${LIST_STATUSES[kind].join(", ")}` },
    ]);
}

async function loadItem(trx: Trx, actor: Actor, kind: ListKind, id: string) {
  const row = await trx
    .selectFrom(kind)
    .selectAll()
    .where("organization_id", "=", actor.organizationId)
    .where("id", "=", id)
    .executeTakeFirst();
  if (!row) throw notFound(RESOURCE[kind].what);
  return row as unknown as Record<string, unknown> & { patient_id: string; status: string; version: number };
}

async function requireItem(trx: Trx, services: Services, actor: Actor, kind: ListKind, id: string) {
  const row = await loadItem(trx, actor, kind, id);
  try {
    await requirePatientAccess(trx, services, actor, row.patient_id, "clinical");
  } catch (error) {
    if (error instanceof DomainError && error.code === "not_found") throw notFound(RESOURCE[kind].what);
    throw error;
  }
  return row;
}

export async function listChartItems(
  services: Services,
  actor: Actor,
  kind: ListKind,
  patientId: string,
  options: { includeEnteredInError?: boolean } = {},
): Promise<{ items: ListItemView[]; total: number }> {
  return audited(
    services,
    actor,
    { action: `${RESOURCE[kind].action}.search`, resourceType: RESOURCE[kind].type, patientId },
    async (trx) => {
      await requirePatientAccess(trx, services, actor, patientId, "clinical");
      let q = trx
        .selectFrom(kind)
        .selectAll()
        .where("organization_id", "=", actor.organizationId)
        .where("patient_id", "=", patientId);
      if (!options.includeEnteredInError) q = q.where("status", "!=", "entered-in-error");
      const rows = await q.orderBy("created_at", "desc").execute();
      const items = rows.map((r) => present(kind, r as unknown as Record<string, unknown>));
      return { items, total: items.length };
    },
  );
}

export async function createChartItem(
  services: Services,
  actor: Actor,
  kind: ListKind,
  patientId: string,
  input: Record<string, unknown> & { status?: string },
): Promise<ListItemView> {
  const id = randomUUID();
  return audited(
    services,
    actor,
    {
      action: `${RESOURCE[kind].action}.create`,
      resourceType: RESOURCE[kind].type,
      resourceId: id,
      patientId,
    },
    async (trx) => {
      await requirePatientAccess(trx, services, actor, patientId, "clinical");
      checkStatus(kind, input.status);
      const cols = columnsOf(kind, input);
      const at = services.clock().toISOString();
      const row = {
        organization_id: actor.organizationId,
        id,
        patient_id: patientId,
        ...cols,
        status: input.status ?? "active",
        error_reason: null,
        created_by: actor.userId,
        version: 1,
        created_at: at,
        updated_at: at,
      };
      await trx
        .insertInto(kind)
        .values(row as never)
        .execute();
      return present(kind, row);
    },
  );
}

export async function updateChartItem(
  services: Services,
  actor: Actor,
  kind: ListKind,
  id: string,
  patch: Record<string, unknown> & { status?: string; version?: number },
): Promise<ListItemView> {
  return audited(
    services,
    actor,
    {
      action: `${RESOURCE[kind].action}.update`,
      resourceType: RESOURCE[kind].type,
      resourceId: id,
      detail: { changed: Object.keys(patch).filter((k) => k !== "version") },
      fromResult: (v: ListItemView) => ({ patientId: v.patientId, detail: { version: v.version } }),
    },
    async (trx) => {
      const row = await requireItem(trx, services, actor, kind, id);
      if (row.status === "entered-in-error")
        throw new DomainError("conflict", "This entry was marked entered in error; it can no longer change.");
      if (patch.version !== undefined && patch.version !== row.version)
        throw new DomainError(
          "conflict",
          "Someone changed this entry since you loaded it; reload and try again.",
        );
      checkStatus(kind, patch.status);
      const cols = columnsOf(kind, patch);
      await keepRevision(trx, services, actor, kind, present(kind, row));
      const set = {
        ...cols,
        ...(patch.status ? { status: patch.status } : {}),
        version: row.version + 1,
        updated_at: services.clock().toISOString(),
      };
      await trx
        .updateTable(kind)
        .set(set as never)
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", id)
        .execute();
      return present(kind, { ...row, ...set });
    },
  );
}

export async function markChartItemEnteredInError(
  services: Services,
  actor: Actor,
  kind: ListKind,
  id: string,
  reason: string,
): Promise<ListItemView> {
  return audited(
    services,
    actor,
    {
      action: `${RESOURCE[kind].action}.entered-in-error`,
      resourceType: RESOURCE[kind].type,
      resourceId: id,
      fromResult: (v: ListItemView) => ({ patientId: v.patientId }),
    },
    async (trx) => {
      const row = await requireItem(trx, services, actor, kind, id);
      if (row.status === "entered-in-error")
        throw new DomainError("conflict", "This entry is already marked entered in error.");
      await keepRevision(trx, services, actor, kind, present(kind, row));
      const set = {
        status: "entered-in-error",
        error_reason: reason,
        version: row.version + 1,
        updated_at: services.clock().toISOString(),
      };
      await trx
        .updateTable(kind)
        .set(set as never)
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", id)
        .execute();
      return present(kind, { ...row, ...set });
    },
  );
}

/** Every version of a list item, oldest first. */
export async function chartItemHistory(
  services: Services,
  actor: Actor,
  kind: ListKind,
  id: string,
): Promise<{ items: RevisionView[] }> {
  return audited(
    services,
    actor,
    {
      action: `${RESOURCE[kind].action}.history`,
      resourceType: RESOURCE[kind].type,
      resourceId: id,
      fromResult: (r: { items: RevisionView[] }) => ({
        patientId: String(r.items.at(-1)?.value.patientId ?? "") || null,
      }),
    },
    async (trx) => {
      const row = await requireItem(trx, services, actor, kind, id);
      return { items: await revisionsOf(trx, services, actor, kind, present(kind, row)) };
    },
  );
}

import { randomUUID } from "node:crypto";
import { DomainError, notFound, seesPracticeWide } from "@salus/core";
import { audited } from "../audit/audited.ts";
import type { Database } from "../db/schema.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import { accessRoles, requirePatientAccess } from "./patient-access.ts";
import type { MergeView } from "./schemas.ts";

export type { MergeView } from "./schemas.ts";

/**
 * Merging is front-office work on the whole register: it needs practice-wide demographics. A clinician
 * could otherwise merge a record opened by break-glass into one of their own patients and keep it.
 */
function requireRegisterWide(actor: Actor): void {
  if (!seesPracticeWide(accessRoles(actor), "demographics")) {
    throw new DomainError("forbidden", "Merging records is done by the front desk or a practice manager.");
  }
}

/**
 * Merging a duplicate registration (`source`) into the record that stays (`target`): every row of the
 * source in the tables below moves to the target, and the source is marked merged (hidden from lists;
 * its id still reads and points at the target). The merge row keeps exactly which rows moved and the
 * source's fields as they were, so undo puts back those rows and fields and nothing else. Break-glass
 * grants stay on the source: they are the history of who opened which record.
 */
export const PATIENT_TABLES = [
  "appointments",
  "waitlist_entries",
  "no_show_fees",
  "coverages",
  "patient_consents",
  "care_team_grants",
  "encounters",
  "problems",
  "allergies",
  "medications",
  "clinical_notes",
  "clinical_documents",
  "amendments",
  "disclosures",
] as const satisfies readonly (keyof Database)[];
type PatientTable = (typeof PATIENT_TABLES)[number];

/** Ids of a table's rows that belong to a patient (the tables are typed alike: organization_id, id, patient_id). */
const ACTIVE_VISITS = ["proposed", "pending", "booked", "arrived", "checked-in", "fulfilled"] as const;

async function rowIds(trx: Trx, table: PatientTable, org: string, patientId: string): Promise<string[]> {
  const rows = await trx
    .selectFrom(table as "coverages")
    .select("id")
    .where("organization_id", "=", org)
    .where("patient_id", "=", patientId)
    .orderBy("id")
    .execute();
  return rows.map((r) => r.id);
}

async function moveRows(trx: Trx, table: PatientTable, org: string, ids: string[], from: string, to: string) {
  // In chunks: SQLite caps the number of bound parameters in one statement.
  for (let i = 0; i < ids.length; i += 500) {
    await trx
      .updateTable(table as "coverages")
      .set({ patient_id: to })
      .where("organization_id", "=", org)
      .where("patient_id", "=", from)
      .where("id", "in", ids.slice(i, i + 500))
      .execute();
  }
}

function counts(moved: Record<string, string[]>): Record<string, number> {
  return Object.fromEntries(Object.entries(moved).map(([t, ids]) => [t, ids.length]));
}

export async function mergePatients(
  services: Services,
  actor: Actor,
  targetId: string,
  sourceId: string,
): Promise<MergeView> {
  if (targetId === sourceId) {
    throw new DomainError("invalid_request", "A patient cannot be merged into themselves.", [
      { path: "sourcePatientId", message: "must be another patient" },
    ]);
  }
  const id = randomUUID();
  return audited(
    services,
    actor,
    {
      action: "patient.merge",
      resourceType: "PatientMerge",
      resourceId: id,
      patientId: targetId,
      detail: { sourcePatientId: sourceId },
      fromResult: (m: MergeView) => ({ detail: { moved: m.moved } }),
    },
    async (trx) => {
      requireRegisterWide(actor);
      await requirePatientAccess(trx, services, actor, targetId, "demographics");
      await requirePatientAccess(trx, services, actor, sourceId, "demographics");
      const org = actor.organizationId;
      const [target, source] = await Promise.all(
        [targetId, sourceId].map((pid) =>
          trx
            .selectFrom("patients")
            .select(["id", "merged_into_id", "active", "updated_at"])
            .where("organization_id", "=", org)
            .where("id", "=", pid)
            .executeTakeFirstOrThrow(),
        ),
      );
      if (target!.merged_into_id || source!.merged_into_id) {
        throw new DomainError("conflict", "One of these records was already merged into another.");
      }
      // Two records of one person may hold overlapping visits (each booked without seeing the other):
      // the merge keeps them, marked as allowed to overlap, so the patient-overlap rule (migration 0013,
      // a constraint on PostgreSQL) does not refuse the merge; the front desk then cancels one.
      // Built with the query builder (not raw SQL) so the organization scope applies to it as well.
      await trx
        .updateTable("appointments")
        .set({ patient_overlap_allowed: 1 })
        .where("organization_id", "=", org)
        .where("patient_id", "=", sourceId)
        .where("status", "in", ACTIVE_VISITS)
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom("appointments as b")
              .select("b.id")
              .where("b.organization_id", "=", org)
              .where("b.patient_id", "=", targetId)
              .where("b.status", "in", ACTIVE_VISITS)
              .whereRef("b.start_at", "<", "appointments.end_at")
              .whereRef("appointments.start_at", "<", "b.end_at"),
          ),
        )
        .execute();
      const moved: Record<string, string[]> = {};
      for (const table of PATIENT_TABLES) {
        const ids = await rowIds(trx, table, org, sourceId);
        if (ids.length === 0) continue;
        await moveRows(trx, table, org, ids, sourceId, targetId);
        moved[table] = ids;
      }
      const at = services.clock().toISOString();
      await trx
        .insertInto("patient_merges")
        .values({
          organization_id: org,
          id,
          source_patient_id: sourceId,
          target_patient_id: targetId,
          moved: JSON.stringify(moved),
          source_before: JSON.stringify({
            merged_into_id: source!.merged_into_id,
            active: source!.active,
            updated_at: source!.updated_at,
          }),
          merged_by: actor.userId,
          merged_at: at,
          undone_by: null,
          undone_at: null,
        })
        .execute();
      await trx
        .updateTable("patients")
        .set({ merged_into_id: targetId, active: 0, updated_at: at })
        .where("organization_id", "=", org)
        .where("id", "=", sourceId)
        .execute();
      return {
        id,
        sourcePatientId: sourceId,
        targetPatientId: targetId,
        moved: counts(moved),
        mergedAt: at,
        undoneAt: null,
      };
    },
  );
}

/** Undoes a merge: the rows it moved go back to the source, whose fields are restored as they were. */
export async function undoMerge(services: Services, actor: Actor, mergeId: string): Promise<MergeView> {
  return audited(
    services,
    actor,
    {
      action: "patient.merge-undo",
      resourceType: "PatientMerge",
      resourceId: mergeId,
      fromResult: (m: MergeView) => ({
        patientId: m.targetPatientId,
        detail: { sourcePatientId: m.sourcePatientId, moved: m.moved },
      }),
    },
    async (trx) => {
      // Not the front office: a merge they may not undo answers like a merge that does not exist.
      if (!seesPracticeWide(accessRoles(actor), "demographics")) throw notFound("merge");
      const org = actor.organizationId;
      const merge = await trx
        .selectFrom("patient_merges")
        .selectAll()
        .where("organization_id", "=", org)
        .where("id", "=", mergeId)
        .executeTakeFirst();
      if (!merge) throw notFound("merge");
      await requirePatientAccess(trx, services, actor, merge.target_patient_id, "demographics");
      if (merge.undone_at) throw new DomainError("conflict", "This merge was already undone.");
      const target = await trx
        .selectFrom("patients")
        .select("merged_into_id")
        .where("organization_id", "=", org)
        .where("id", "=", merge.target_patient_id)
        .executeTakeFirstOrThrow();
      if (target.merged_into_id) {
        throw new DomainError(
          "conflict",
          "The surviving record was merged again since; undo that merge first.",
        );
      }
      const moved = JSON.parse(merge.moved) as Record<string, string[]>;
      for (const table of PATIENT_TABLES) {
        const ids = moved[table];
        if (ids?.length)
          await moveRows(trx, table, org, ids, merge.target_patient_id, merge.source_patient_id);
      }
      const before = JSON.parse(merge.source_before) as {
        merged_into_id: string | null;
        active: number;
        updated_at: string;
      };
      await trx
        .updateTable("patients")
        .set({ merged_into_id: before.merged_into_id, active: before.active, updated_at: before.updated_at })
        .where("organization_id", "=", org)
        .where("id", "=", merge.source_patient_id)
        .execute();
      const at = services.clock().toISOString();
      await trx
        .updateTable("patient_merges")
        .set({ undone_at: at, undone_by: actor.userId })
        .where("organization_id", "=", org)
        .where("id", "=", mergeId)
        .execute();
      return {
        id: mergeId,
        sourcePatientId: merge.source_patient_id,
        targetPatientId: merge.target_patient_id,
        moved: counts(moved),
        mergedAt: merge.merged_at,
        undoneAt: at,
      };
    },
  );
}

import { randomUUID } from "node:crypto";
import type { ClinicalRevisionsTable } from "../db/schema-clinical.ts";
import type { Trx } from "../db/transaction.ts";
import { openText, sealText } from "../platform/field-crypto.ts";
import type { Actor, Services } from "../platform/services.ts";

/**
 * The forensic history of records that change in place (encounters and list items): before each change
 * the record as it was presented is kept, sealed, with its version, so every version can be read back
 * and the sequence of changes reconstructed (SEC-AUD-02). The audit trail names who changed which fields;
 * this holds what they were.
 */
export type RevisedResource = ClinicalRevisionsTable["resource_type"];

export interface RevisionView {
  version: number;
  /** When this version stopped being current, and by whom (null for the current version). */
  replacedAt: string | null;
  replacedBy: string | null;
  value: Record<string, unknown>;
}

/** Keeps `before` (a presented record with its `version`) as the revision its change replaces. */
export async function keepRevision(
  trx: Trx,
  services: Services,
  actor: Actor,
  type: RevisedResource,
  before: { id: string; patientId: string; version: number },
): Promise<void> {
  await trx
    .insertInto("clinical_revisions")
    .values({
      organization_id: actor.organizationId,
      id: randomUUID(),
      patient_id: before.patientId,
      resource_type: type,
      resource_id: before.id,
      version: before.version,
      replaced_by: actor.userId,
      replaced_at: services.clock().toISOString(),
      snapshot_enc: sealText(services.secrets, JSON.stringify(before)),
    })
    .execute();
}

/** Every version of a record, oldest first, ending with the current one (access already checked). */
export async function revisionsOf(
  trx: Trx,
  services: Services,
  actor: Actor,
  type: RevisedResource,
  current: { id: string; version: number },
): Promise<RevisionView[]> {
  const rows = await trx
    .selectFrom("clinical_revisions")
    .selectAll()
    .where("organization_id", "=", actor.organizationId)
    .where("resource_type", "=", type)
    .where("resource_id", "=", current.id)
    .orderBy("version")
    .execute();
  return [
    ...rows.map((r) => ({
      version: r.version,
      replacedAt: r.replaced_at,
      replacedBy: r.replaced_by,
      value: JSON.parse(openText(services.secrets, r.snapshot_enc)) as Record<string, unknown>,
    })),
    {
      version: current.version,
      replacedAt: null,
      replacedBy: null,
      value: current as unknown as Record<string, unknown>,
    },
  ];
}

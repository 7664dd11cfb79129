import { notFound } from "@salus/core";
import { audited } from "../audit/audited.ts";
import type { Actor, Services } from "../platform/services.ts";
import type { ClaimBatchesView } from "./batch-schemas.ts";
import { batchFileName, presentBatch } from "./batch-view.ts";

/** The practice's 837P batches, newest first, and what is ready to batch now. */
export async function listClaimBatches(
  services: Services,
  actor: Actor,
  limit = 100,
): Promise<ClaimBatchesView> {
  return audited(
    services,
    actor,
    { action: "billing.batch.list", resourceType: "ClaimBatch", readOnly: true },
    async (trx) => {
      const rows = await trx
        .selectFrom("claim_batches")
        .select([
          "organization_id",
          "id",
          "interchange_control_number",
          "group_control_number",
          "claims",
          "total_charge_cents",
          "sha256",
          "status",
          "created_by",
          "created_at",
        ])
        .orderBy("interchange_control_number", "desc")
        .limit(limit)
        .execute();
      const ready = await trx
        .selectFrom("claims")
        .innerJoin("claim_lines", (j) =>
          j
            .onRef("claim_lines.claim_id", "=", "claims.id")
            .onRef("claim_lines.organization_id", "=", "claims.organization_id"),
        )
        .select((eb) => [
          eb.fn.count<number | string>("claims.id").distinct().as("n"),
          eb.fn.sum<number | string>("claim_lines.charge_cents").as("cents"),
        ])
        .where("claims.status", "=", "ready")
        .executeTakeFirst();
      return {
        items: rows.map(presentBatch),
        readyClaims: Number(ready?.n ?? 0),
        readyTotalCents: Number(ready?.cents ?? 0),
      };
    },
  );
}

/** One batch's 837P file, for download (audited: it holds the claims' patients). */
export async function downloadClaimBatch(
  services: Services,
  actor: Actor,
  batchId: string,
): Promise<{ fileName: string; content: string }> {
  return audited(
    services,
    actor,
    { action: "billing.batch.download", resourceType: "ClaimBatch", resourceId: batchId, readOnly: true },
    async (trx) => {
      const row = await trx
        .selectFrom("claim_batches")
        .select(["interchange_control_number", "content"])
        .where("id", "=", batchId)
        .executeTakeFirst();
      if (!row) throw notFound("claim batch");
      return { fileName: batchFileName(row.interchange_control_number), content: row.content };
    },
  );
}

import { DomainError, notFound } from "@salus/core";
import { audited, notePatient } from "../audit/audited.ts";
import type { Actor, Services } from "../platform/services.ts";
import type { RejectionsView, RejectionView } from "./batch-schemas.ts";

/**
 * The rejection worklist: claims the clearinghouse (999) or the payer (277CA) rejected, with the reason
 * in words, the claim's patient, payer and date of service, oldest first so nothing waits forever.
 */
export async function listRejections(
  services: Services,
  actor: Actor,
  query: { status: "open" | "resolved"; limit: number },
): Promise<RejectionsView> {
  return audited(
    services,
    actor,
    {
      action: "billing.rejection.list",
      resourceType: "ClaimRejection",
      readOnly: true,
      fromResult: (r: RejectionsView) => ({ detail: { status: query.status, count: r.items.length } }),
    },
    async (trx) => {
      const rows = await trx
        .selectFrom("claim_rejections as r")
        .leftJoin("claims as c", "c.id", "r.claim_id")
        .leftJoin("patients as p", "p.id", "c.patient_id")
        .leftJoin("payers as y", "y.id", "c.payer_ref")
        .leftJoin("claim_acknowledgements as a", "a.id", "r.acknowledgement_id")
        .select([
          "r.id",
          "r.claim_id",
          "r.batch_id",
          "r.acknowledgement_id",
          "r.code",
          "r.reason",
          "r.status",
          "r.resolved_by",
          "r.resolved_at",
          "r.created_at",
          "c.patient_control_number",
          "c.patient_id",
          "c.date_of_service",
          "c.status as claim_status",
          "p.given_name",
          "p.family_name",
          "y.name as payer_name",
          "a.kind as ack_kind",
        ])
        .where("r.status", "=", query.status)
        .orderBy("r.created_at", query.status === "open" ? "asc" : "desc")
        .orderBy("r.id")
        .limit(query.limit)
        .execute();
      const open = await trx
        .selectFrom("claim_rejections")
        .select((eb) => eb.fn.countAll<number | string>().as("n"))
        .where("status", "=", "open")
        .executeTakeFirst();
      const items: RejectionView[] = rows.map((r) => ({
        id: r.id,
        claimId: r.claim_id,
        patientControlNumber: r.patient_control_number ?? null,
        patientId: r.patient_id ?? null,
        patientName: r.family_name ? `${r.family_name}, ${r.given_name ?? ""}`.trim() : null,
        payerName: r.payer_name ?? null,
        dateOfService: r.date_of_service ?? null,
        claimStatus: r.claim_status ?? null,
        batchId: r.batch_id,
        acknowledgementId: r.acknowledgement_id,
        acknowledgementKind: r.ack_kind ?? null,
        code: r.code,
        reason: r.reason,
        status: r.status,
        resolvedBy: r.resolved_by,
        resolvedAt: r.resolved_at,
        createdAt: r.created_at,
      }));
      return { items, open: Number(open?.n ?? 0) };
    },
  );
}

/** Marks a rejection worked (the claim corrected and rescrubbed, or written off): it leaves the worklist. */
export async function resolveRejection(
  services: Services,
  actor: Actor,
  rejectionId: string,
): Promise<{ id: string; status: "resolved" }> {
  return audited(
    services,
    actor,
    { action: "billing.rejection.resolve", resourceType: "ClaimRejection", resourceId: rejectionId },
    async (trx) => {
      const row = await trx
        .selectFrom("claim_rejections as r")
        .leftJoin("claims as c", "c.id", "r.claim_id")
        .select(["r.status", "c.patient_id"])
        .where("r.id", "=", rejectionId)
        .executeTakeFirst();
      if (!row) throw notFound("rejection");
      if (row.patient_id) notePatient(trx, row.patient_id);
      if (row.status === "resolved") throw new DomainError("conflict", "This rejection is already resolved.");
      await trx
        .updateTable("claim_rejections")
        .set({
          status: "resolved",
          resolved_by: actor.userId ?? actor.label,
          resolved_at: services.clock().toISOString(),
        })
        .where("id", "=", rejectionId)
        .where("status", "=", "open")
        .execute();
      return { id: rejectionId, status: "resolved" as const };
    },
  );
}

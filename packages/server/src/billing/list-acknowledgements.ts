import { audited } from "../audit/audited.ts";
import type { Actor, Services } from "../platform/services.ts";
import type { AcknowledgementView } from "./batch-schemas.ts";
import { presentAck } from "./import-acknowledgement.ts";

/** The acknowledgements imported, newest first, with what each did to the claims. */
export async function listAcknowledgements(
  services: Services,
  actor: Actor,
  limit = 100,
): Promise<{ items: AcknowledgementView[] }> {
  return audited(
    services,
    actor,
    { action: "billing.ack.list", resourceType: "ClaimAcknowledgement", readOnly: true },
    async (trx) => {
      const rows = await trx
        .selectFrom("claim_acknowledgements")
        .select(["id", "kind", "sha256", "batch_id", "summary", "imported_at", "imported_by"])
        .orderBy("imported_at", "desc")
        .orderBy("id")
        .limit(limit)
        .execute();
      const items: AcknowledgementView[] = [];
      for (const r of rows) items.push(await presentAck(trx, r));
      return { items };
    },
  );
}

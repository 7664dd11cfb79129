import { audited } from "../audit/audited.ts";
import type { Actor, Services } from "../platform/services.ts";
import { type ChargeRow, chargeQuery, presentCharge } from "./charge-view.ts";
import type { ChargeListQuery, ChargeView } from "./ledger-schemas.ts";

/** The charge review queue and charge lists: by status, patient and date of service, oldest first. */
export async function listCharges(
  services: Services,
  actor: Actor,
  query: ChargeListQuery,
): Promise<{ items: ChargeView[]; total: number; totalAmountCents: number }> {
  return audited(
    services,
    actor,
    {
      action: "billing.charge.list",
      resourceType: "ChargeItem",
      readOnly: true,
      detail: { status: query.status ?? null, patientId: query.patientId ?? null },
      fromResult: (r: { items: ChargeView[] }) => ({
        detail: { patientIds: [...new Set(r.items.map((c) => c.patientId))] },
      }),
    },
    async (trx) => {
      let q = chargeQuery(trx);
      if (query.status) q = q.where("c.status", "=", query.status);
      if (query.patientId) q = q.where("c.patient_id", "=", query.patientId);
      if (query.from) q = q.where("c.date_of_service", ">=", query.from);
      if (query.to) q = q.where("c.date_of_service", "<=", query.to);
      const all = await q
        .orderBy("c.date_of_service")
        .orderBy("p.family_name")
        .orderBy("c.source_key")
        .execute();
      const items = all
        .slice(query.offset, query.offset + query.limit)
        .map((r) => presentCharge(r as ChargeRow));
      return { items, total: all.length, totalAmountCents: all.reduce((s, r) => s + r.amount_cents, 0) };
    },
  );
}

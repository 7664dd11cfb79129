import { appendAudit } from "../audit/append-audit.ts";
import { auditInput } from "../audit/audited.ts";
import { inTransaction, type Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import { backToWaiting, passOn } from "./waitlist-offers.ts";
import { iso } from "./waitlist-view.ts";

/**
 * Expires the open offers past their expiry, puts their entries back to waiting, audits each, and passes
 * each offer's freed time to the next entry in line. Idempotent: only offers still open change, inside the
 * caller's transaction, so two runs (the job and a reader) never expire or pass on one offer twice.
 */
export async function passOnExpiredOffers(trx: Trx, services: Services, actor: Actor): Promise<number> {
  const now = services.clock();
  const expired = await trx
    .selectFrom("waitlist_offers as o")
    .innerJoin("waitlist_entries as e", (j) =>
      j.onRef("e.organization_id", "=", "o.organization_id").onRef("e.id", "=", "o.entry_id"),
    )
    .selectAll("o")
    .select(["e.patient_id", "e.location_id"])
    .where("o.organization_id", "=", actor.organizationId)
    .where("o.status", "=", "open")
    .where("o.expires_at", "<=", now.toISOString())
    .orderBy("o.expires_at")
    .orderBy("o.id")
    .execute();
  if (!expired.length) return 0;
  await trx
    .updateTable("waitlist_offers")
    .set({ status: "expired" })
    .where("organization_id", "=", actor.organizationId)
    .where(
      "id",
      "in",
      expired.map((o) => o.id),
    )
    .where("status", "=", "open")
    .execute();
  for (const entryId of new Set(expired.map((o) => o.entry_id)))
    await backToWaiting(trx, actor, entryId, now);
  for (const o of expired) {
    await appendAudit(
      trx,
      services.audit,
      auditInput(
        services,
        actor,
        {
          action: "waitlist.expire",
          resourceType: "WaitlistOffer",
          resourceId: o.id,
          patientId: o.patient_id,
          detail: { entryId: o.entry_id, start: iso(o.start_at), expiresAt: iso(o.expires_at) },
        },
        "success",
      ),
    );
  }
  for (const o of expired) await passOn(trx, services, actor, o, o.location_id);
  return expired.length;
}

/** The job started by `salus serve`: expired offers of every practice are passed on, every minute. */
export async function passOnExpiredOffersEverywhere(services: Services): Promise<number> {
  const now = services.clock().toISOString();
  const due = await services.systemDb
    .selectFrom("waitlist_offers")
    .select("organization_id")
    .distinct()
    .where("status", "=", "open")
    .where("expires_at", "<=", now)
    .execute();
  let total = 0;
  for (const { organization_id: org } of due) {
    const actor = waitlistJobActor(org);
    total += await inTransaction(services.db, (trx) => passOnExpiredOffers(trx, services, actor), {
      serializeOn: org,
    });
  }
  return total;
}

function waitlistJobActor(organizationId: string): Actor {
  return {
    organizationId,
    userId: null,
    label: "job:waitlist-offers",
    roles: [],
    permissions: [],
    via: "cli",
    ip: null,
    requestId: null,
  };
}

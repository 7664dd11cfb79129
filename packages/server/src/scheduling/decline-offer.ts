import { DomainError, notFound } from "@salus/core";
import { audited } from "../audit/audited.ts";
import type { Actor, Services } from "../platform/services.ts";
import type { OfferAnswerVia } from "./accept-offer.ts";
import { backToWaiting, passOn } from "./waitlist-offers.ts";
import { iso } from "./waitlist-view.ts";

/** Declines an offer: the patient stays on the waitlist, and the held time goes to the next in line. */
export async function declineOffer(
  services: Services,
  actor: Actor,
  offerId: string,
  answer: OfferAnswerVia = { via: "staff" },
): Promise<void> {
  await audited(
    services,
    actor,
    {
      action: "waitlist.decline",
      resourceType: "WaitlistOffer",
      resourceId: offerId,
      detail: { via: answer.via },
    },
    async (trx) => {
      const offer = await trx
        .selectFrom("waitlist_offers as o")
        .innerJoin("waitlist_entries as e", (j) =>
          j.onRef("e.organization_id", "=", "o.organization_id").onRef("e.id", "=", "o.entry_id"),
        )
        .selectAll("o")
        .select(["e.location_id"])
        .where("o.organization_id", "=", actor.organizationId)
        .where("o.id", "=", offerId)
        .executeTakeFirst();
      if (!offer) throw notFound("waitlist offer");
      const now = services.clock();
      if (
        offer.status === "expired" ||
        (offer.status === "open" && iso(offer.expires_at) <= now.toISOString())
      )
        throw new DomainError("conflict", "This offer has expired.");
      if (offer.status !== "open") throw new DomainError("conflict", "This offer is no longer open.");
      await trx
        .updateTable("waitlist_offers")
        .set({ status: "declined", responded_at: now.toISOString() })
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", offerId)
        .execute();
      await backToWaiting(trx, actor, offer.entry_id, now);
      await passOn(trx, services, actor, offer, offer.location_id);
    },
  );
}

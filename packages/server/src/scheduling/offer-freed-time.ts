import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import { passOnExpiredOffers } from "./pass-on-expired-offers.ts";
import { type FreedTime, offerTime } from "./waitlist-offers.ts";
import type { WaitlistOfferView } from "./waitlist-view.ts";

/**
 * Offers freed time to the best-matching waiting patient (inside the transaction that freed it). Ranking:
 * higher priority first, then whoever joined the waitlist first; a patient already offered this time
 * (declined, expired, taken) is skipped. The offered patient gets the earliest fitting start in the freed
 * time for their appointment type and preferences, held for them (see `waitlist-holds.ts`).
 */
export async function offerFreedTime(
  trx: Trx,
  services: Services,
  actor: Actor,
  freed: FreedTime,
): Promise<WaitlistOfferView[]> {
  await passOnExpiredOffers(trx, services, actor);
  return offerTime(trx, services, actor, freed);
}

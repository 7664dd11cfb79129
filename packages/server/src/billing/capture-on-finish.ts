import type { EncounterFinished } from "../clinical/encounter-finished.ts";
import { encounterFinished } from "../clinical/encounter-finished.ts";
import type { Subscriber } from "../platform/event-bus.ts";
import { captureChargesIn } from "./capture-charges.ts";

/**
 * Charge capture when a visit is finished (issue 13 item 2): in the transaction that finishes the
 * encounter, its procedure lines that have no charge yet become charges in the biller's review queue,
 * priced from the fee schedule. Idempotent by each line's source key, so finishing again, editing the
 * codes of a finished visit or the biller's Capture sweep never charges a line twice. No-show fees are
 * left to the sweep, and so is everything while the practice has not set up billing.
 */
const captureFinishedVisit: Subscriber<EncounterFinished> = async (trx, services, actor, event) => {
  // A practice that has not set up billing (no billing identity yet) collects no charges: the biller's
  // Capture sweep picks up visits finished before billing was set up, priced from the schedules by then.
  const billing = await trx.selectFrom("billing_settings").select("organization_id").executeTakeFirst();
  if (!billing) return;
  await captureChargesIn(trx, services, actor, { encounterId: event.encounterId, noShowFees: false });
};

/** Registered once per process from the domain list (domains.ts); answers the unsubscribe. */
export function subscribeCaptureOnFinish(): () => void {
  return encounterFinished.subscribe(captureFinishedVisit);
}

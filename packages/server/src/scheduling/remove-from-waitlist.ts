import { notFound } from "@salus/core";
import { audited } from "../audit/audited.ts";
import type { Actor, Services } from "../platform/services.ts";
import { passOn } from "./waitlist-offers.ts";
import { loadEntries } from "./waitlist-view.ts";

export async function removeFromWaitlist(services: Services, actor: Actor, id: string): Promise<void> {
  await audited(
    services,
    actor,
    { action: "waitlist.remove", resourceType: "WaitlistEntry", resourceId: id },
    async (trx) => {
      const entry = (await loadEntries(trx, actor, { id }))[0];
      if (!entry) throw notFound("waitlist entry");
      await trx
        .updateTable("waitlist_entries")
        .set({ status: "cancelled", updated_at: services.clock().toISOString() })
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", id)
        .execute();
      const open = await trx
        .selectFrom("waitlist_offers")
        .selectAll()
        .where("organization_id", "=", actor.organizationId)
        .where("entry_id", "=", id)
        .where("status", "=", "open")
        .execute();
      await trx
        .updateTable("waitlist_offers")
        .set({ status: "declined", responded_at: services.clock().toISOString() })
        .where("organization_id", "=", actor.organizationId)
        .where("entry_id", "=", id)
        .where("status", "=", "open")
        .execute();
      // The time those offers held goes to the next in line.
      for (const o of open) await passOn(trx, services, actor, o, entry.locationId);
    },
  );
}

import { notFound } from "@salus/core";
import { audited } from "../audit/audited.ts";
import type { Actor, Services } from "../platform/services.ts";

export async function revokeCalendarFeed(services: Services, actor: Actor, id: string): Promise<void> {
  await audited(
    services,
    actor,
    { action: "calendar_feed.revoke", resourceType: "CalendarFeed", resourceId: id },
    async (trx) => {
      const result = await trx
        .updateTable("calendar_feeds")
        .set({ revoked_at: services.clock().toISOString() })
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", id)
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) throw notFound("active calendar feed");
    },
  );
}

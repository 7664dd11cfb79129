import { randomUUID } from "node:crypto";
import { notFound } from "@salus/core";
import { audited } from "../audit/audited.ts";
import { digestToken, newSecretToken } from "../platform/crypto.ts";
import type { Actor, Services } from "../platform/services.ts";

/** Creates a feed for a practitioner of the caller's organization; answers the secret once. */
export async function createCalendarFeed(
  services: Services,
  actor: Actor,
  input: { practitionerId: string },
): Promise<{ id: string; token: string }> {
  const id = randomUUID();
  const token = newSecretToken();
  return audited(
    services,
    actor,
    {
      action: "calendar_feed.create",
      resourceType: "CalendarFeed",
      resourceId: id,
      detail: { practitionerId: input.practitionerId },
    },
    async (trx) => {
      const staff = await trx
        .selectFrom("staff_members")
        .select(["id", "kind"])
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", input.practitionerId)
        .executeTakeFirst();
      if (staff?.kind !== "practitioner") throw notFound("practitioner");
      await trx
        .insertInto("calendar_feeds")
        .values({
          organization_id: actor.organizationId,
          id,
          practitioner_id: input.practitionerId,
          token_hash: digestToken(token),
          created_at: services.clock().toISOString(),
          revoked_at: null,
        })
        .execute();
      return { id, token };
    },
  );
}

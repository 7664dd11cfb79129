import { randomUUID } from "node:crypto";
import { DomainError } from "@salus/core";
import { audited } from "../audit/audited.ts";
import type { Actor, Services } from "../platform/services.ts";
import { type BlockInput, type BlockView, requireResource } from "./availability-views.ts";

export async function createBlock(services: Services, actor: Actor, input: BlockInput): Promise<BlockView> {
  const id = randomUUID();
  if (Date.parse(input.end) <= Date.parse(input.start)) {
    throw new DomainError("invalid_request", "A block must end after it starts.", [
      { path: "end", message: "must be after start" },
    ]);
  }
  return audited(
    services,
    actor,
    { action: "availability.block.create", resourceType: "AvailabilityBlock", resourceId: id },
    async (trx) => {
      await requireResource(trx, actor, input.resourceKind, input.resourceId);
      await trx
        .insertInto("availability_blocks")
        .values({
          organization_id: actor.organizationId,
          id,
          resource_kind: input.resourceKind,
          resource_id: input.resourceId,
          start_at: new Date(input.start).toISOString(),
          end_at: new Date(input.end).toISOString(),
          reason: input.reason,
          created_at: services.clock().toISOString(),
        })
        .execute();
      return { id, ...input };
    },
  );
}

import { randomUUID } from "node:crypto";
import { DomainError } from "@salus/core";
import { validateAvailabilityInput } from "@salus/core/scheduling/availability";
import { audited } from "../audit/audited.ts";
import type { Actor, Services } from "../platform/services.ts";
import {
  type ExceptionInput,
  type ExceptionView,
  locationZone,
  requireResource,
} from "./availability-views.ts";
import { toCoreException } from "./load-availability-input.ts";

export async function createException(
  services: Services,
  actor: Actor,
  input: ExceptionInput,
): Promise<ExceptionView> {
  const id = randomUUID();
  return audited(
    services,
    actor,
    { action: "availability.exception.create", resourceType: "AvailabilityException", resourceId: id },
    async (trx) => {
      const zone = await locationZone(trx, actor, input.locationId);
      if (input.kind === "closure") {
        if (input.resourceId)
          throw new DomainError(
            "invalid_request",
            "A closure applies to the whole location; leave the resource empty.",
            [{ path: "resourceId", message: "must be empty for a closure" }],
          );
      } else {
        if (!input.resourceKind || !input.resourceId) {
          throw new DomainError(
            "invalid_request",
            "Name the practitioner, room or equipment this exception applies to.",
            [{ path: "resourceId", message: "is required" }],
          );
        }
        await requireResource(trx, actor, input.resourceKind, input.resourceId);
        if (input.kind === "extra" && (!input.start || !input.end)) {
          throw new DomainError("invalid_request", "Extra hours need a start and an end time.", [
            { path: "start", message: "is required for extra hours" },
          ]);
        }
        validateAvailabilityInput({
          templates: [],
          exceptions: [toCoreException(input, zone)],
          blocks: [],
          closures: [],
        });
      }
      await trx
        .insertInto("availability_exceptions")
        .values({
          organization_id: actor.organizationId,
          id,
          kind: input.kind,
          resource_kind: input.kind === "closure" ? null : input.resourceKind,
          resource_id: input.kind === "closure" ? null : input.resourceId,
          location_id: input.locationId,
          date: input.date,
          start_time: input.start,
          end_time: input.end,
          reason: input.reason,
          created_at: services.clock().toISOString(),
        })
        .execute();
      return { id, ...input };
    },
  );
}

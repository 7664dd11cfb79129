import { randomUUID } from "node:crypto";
import { validateAvailabilityInput } from "@salus/core/scheduling/availability";
import type { IsoWeekday } from "@salus/core/scheduling/zoned-time";
import { audited } from "../audit/audited.ts";
import type { Actor, Services } from "../platform/services.ts";
import {
  locationZone,
  requireResource,
  type TemplateInput,
  type TemplateView,
} from "./availability-views.ts";

export async function createTemplate(
  services: Services,
  actor: Actor,
  input: TemplateInput,
): Promise<TemplateView> {
  const id = randomUUID();
  return audited(
    services,
    actor,
    { action: "availability.template.create", resourceType: "AvailabilityTemplate", resourceId: id },
    async (trx) => {
      const zone = await locationZone(trx, actor, input.locationId);
      await requireResource(trx, actor, input.resourceKind, input.resourceId);
      validateAvailabilityInput({
        templates: [{ ...input, weekday: input.weekday as IsoWeekday, locationZone: zone }],
        exceptions: [],
        blocks: [],
        closures: [],
      });
      await trx
        .insertInto("availability_templates")
        .values({
          organization_id: actor.organizationId,
          id,
          resource_kind: input.resourceKind,
          resource_id: input.resourceId,
          location_id: input.locationId,
          weekday: input.weekday,
          start_time: input.start,
          end_time: input.end,
          effective_from: input.effectiveFrom,
          effective_to: input.effectiveTo,
          created_at: services.clock().toISOString(),
        })
        .execute();
      return { id, ...input };
    },
  );
}

import { notFound } from "@salus/core";
import { audited } from "../audit/audited.ts";
import type { Actor, Services } from "../platform/services.ts";

export async function deleteTemplate(services: Services, actor: Actor, id: string): Promise<void> {
  await audited(
    services,
    actor,
    { action: "availability.template.delete", resourceType: "AvailabilityTemplate", resourceId: id },
    async (trx) => {
      const r = await trx
        .deleteFrom("availability_templates")
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", id)
        .executeTakeFirst();
      if (Number(r.numDeletedRows) === 0) throw notFound("availability template");
    },
  );
}

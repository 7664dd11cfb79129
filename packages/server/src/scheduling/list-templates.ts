import type { Actor, Services } from "../platform/services.ts";
import type { TemplateView } from "./availability-views.ts";

export async function listTemplates(
  services: Services,
  actor: Actor,
  filter: { resourceId?: string | undefined; locationId?: string | undefined },
) {
  let q = services.systemDb
    .selectFrom("availability_templates")
    .selectAll()
    .where("organization_id", "=", actor.organizationId);
  if (filter.resourceId) q = q.where("resource_id", "=", filter.resourceId);
  if (filter.locationId) q = q.where("location_id", "=", filter.locationId);
  const rows = await q.orderBy("resource_id").orderBy("weekday").orderBy("start_time").execute();
  return rows.map(
    (r): TemplateView => ({
      id: r.id,
      resourceKind: r.resource_kind,
      resourceId: r.resource_id,
      locationId: r.location_id,
      weekday: r.weekday,
      start: r.start_time,
      end: r.end_time,
      effectiveFrom: r.effective_from,
      effectiveTo: r.effective_to,
    }),
  );
}

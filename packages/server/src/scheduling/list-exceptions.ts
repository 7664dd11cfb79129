import type { Actor, Services } from "../platform/services.ts";
import type { ExceptionView } from "./availability-views.ts";

export async function listExceptions(
  services: Services,
  actor: Actor,
  filter: { from?: string | undefined; to?: string | undefined; locationId?: string | undefined },
) {
  let q = services.systemDb
    .selectFrom("availability_exceptions")
    .selectAll()
    .where("organization_id", "=", actor.organizationId);
  if (filter.from) q = q.where("date", ">=", filter.from);
  if (filter.to) q = q.where("date", "<=", filter.to);
  if (filter.locationId) q = q.where("location_id", "=", filter.locationId);
  const rows = await q.orderBy("date").execute();
  return rows.map(
    (r): ExceptionView => ({
      id: r.id,
      kind: r.kind,
      resourceKind: r.resource_kind,
      resourceId: r.resource_id,
      locationId: r.location_id,
      date: r.date,
      start: r.start_time,
      end: r.end_time,
      reason: r.reason,
    }),
  );
}

import type { Actor, Services } from "../platform/services.ts";
import type { BlockView } from "./availability-views.ts";

export async function listBlocks(
  services: Services,
  actor: Actor,
  filter: { from?: string | undefined; to?: string | undefined; resourceId?: string | undefined },
) {
  let q = services.systemDb
    .selectFrom("availability_blocks")
    .selectAll()
    .where("organization_id", "=", actor.organizationId);
  if (filter.from) q = q.where("end_at", ">", new Date(filter.from).toISOString());
  if (filter.to) q = q.where("start_at", "<", new Date(filter.to).toISOString());
  if (filter.resourceId) q = q.where("resource_id", "=", filter.resourceId);
  const rows = await q.orderBy("start_at").execute();
  return rows.map(
    (r): BlockView => ({
      id: r.id,
      resourceKind: r.resource_kind,
      resourceId: r.resource_id,
      start: r.start_at,
      end: r.end_at,
      reason: r.reason,
    }),
  );
}

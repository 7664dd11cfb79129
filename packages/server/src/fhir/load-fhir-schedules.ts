import type { Actor, Services } from "../platform/services.ts";
import { type ScheduleKey, scheduleId } from "./fhir-scheduling-ids.ts";

export interface ScheduleEntry extends ScheduleKey {
  id: string;
  resourceName: string;
  resourceActive: boolean;
  locationName: string;
  locationActive: boolean;
}

/** Every schedule of the caller's organization (not PHI: no patient is involved, so not audited). */
export async function loadSchedules(services: Services, actor: Actor): Promise<ScheduleEntry[]> {
  const db = services.systemDb;
  const org = actor.organizationId;
  const templates = await db
    .selectFrom("availability_templates")
    .select(["resource_kind", "resource_id", "location_id"])
    .distinct()
    .where("organization_id", "=", org)
    .where("resource_kind", "in", ["practitioner", "room"])
    .execute();
  const extras = await db
    .selectFrom("availability_exceptions")
    .select(["resource_kind", "resource_id", "location_id"])
    .distinct()
    .where("organization_id", "=", org)
    .where("kind", "=", "extra")
    .where("resource_kind", "in", ["practitioner", "room"])
    .execute();
  const keys = new Map<string, ScheduleKey>();
  for (const r of [...templates, ...extras]) {
    if (!r.resource_id || (r.resource_kind !== "practitioner" && r.resource_kind !== "room")) continue;
    const key = { kind: r.resource_kind, resourceId: r.resource_id, locationId: r.location_id } as const;
    keys.set(`${key.kind}|${key.resourceId}|${key.locationId}`, key);
  }
  if (!keys.size) return [];
  const staff = await db
    .selectFrom("staff_members")
    .select(["id", "given_name", "family_name", "active"])
    .where("organization_id", "=", org)
    .where("kind", "=", "practitioner")
    .execute();
  const rooms = await db
    .selectFrom("rooms")
    .select(["id", "name", "active", "location_id"])
    .where("organization_id", "=", org)
    .execute();
  const locations = await db
    .selectFrom("locations")
    .select(["id", "name", "active"])
    .where("organization_id", "=", org)
    .execute();
  const staffBy = new Map(staff.map((s) => [s.id, s]));
  const roomBy = new Map(rooms.map((r) => [r.id, r]));
  const locationBy = new Map(locations.map((l) => [l.id, l]));
  const out: ScheduleEntry[] = [];
  for (const k of keys.values()) {
    const location = locationBy.get(k.locationId);
    const id = scheduleId(k);
    if (!location || !id) continue;
    if (k.kind === "practitioner") {
      const s = staffBy.get(k.resourceId);
      if (!s) continue;
      out.push({
        ...k,
        id,
        resourceName: `${s.given_name} ${s.family_name}`,
        resourceActive: s.active === 1,
        locationName: location.name,
        locationActive: location.active === 1,
      });
    } else {
      const r = roomBy.get(k.resourceId);
      if (!r || r.location_id !== k.locationId) continue;
      out.push({
        ...k,
        id,
        resourceName: r.name,
        resourceActive: r.active === 1,
        locationName: location.name,
        locationActive: location.active === 1,
      });
    }
  }
  return out.sort(
    (a, b) =>
      a.locationName.localeCompare(b.locationName) ||
      a.kind.localeCompare(b.kind) ||
      a.resourceName.localeCompare(b.resourceName) ||
      a.id.localeCompare(b.id),
  );
}

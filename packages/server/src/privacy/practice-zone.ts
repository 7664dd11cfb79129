import { organizationDb } from "../db/scoped.ts";
import type { Actor, Services } from "../platform/services.ts";

/**
 * The zone in which the practice's plain dates are counted (disclosure dates, amendment deadlines): the
 * only zone its locations use, else UTC (the rule FHIR scheduling uses for dates without an offset).
 */
export async function practiceZone(services: Services, actor: Actor): Promise<string> {
  const rows = await organizationDb(services.db, actor.organizationId)
    .selectFrom("locations")
    .select("time_zone")
    .distinct()
    .where("organization_id", "=", actor.organizationId)
    .execute();
  return rows.length === 1 ? rows[0]!.time_zone : "UTC";
}

/** The practice's name, printed on the documents it hands out. */
export async function practiceName(services: Services, actor: Actor): Promise<string> {
  const row = await organizationDb(services.db, actor.organizationId)
    .selectFrom("organizations")
    .select("name")
    .where("id", "=", actor.organizationId)
    .executeTakeFirst();
  return row?.name ?? "";
}

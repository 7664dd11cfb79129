import { DomainError } from "@salus/core";
import type { Trx } from "../db/transaction.ts";
import type { Actor } from "../platform/services.ts";
import type { BlockView, ExceptionView, ResourceKind, TemplateView } from "./schemas.ts";

export type { BlockView, ExceptionView, ResourceKind, TemplateView } from "./schemas.ts";

/**
 * Availability as the practice enters it: weekly templates per practitioner, room or equipment at a
 * location, dated exceptions (extra hours, a day off), blocks (a meeting, a vacation) and location
 * closures (holidays). Stored as entered (local wall times and dates) and expanded per request in the
 * location's zone by the core, so a DST change never shifts anyone's hours.
 */

export type TemplateInput = Omit<TemplateView, "id">;

export type ExceptionInput = Omit<ExceptionView, "id">;

export type BlockInput = Omit<BlockView, "id">;

export async function locationZone(trx: Trx, actor: Actor, locationId: string): Promise<string> {
  const row = await trx
    .selectFrom("locations")
    .select("time_zone")
    .where("organization_id", "=", actor.organizationId)
    .where("id", "=", locationId)
    .executeTakeFirst();
  if (!row) {
    throw new DomainError("invalid_request", "No location with that id.", [
      { path: "locationId", message: "does not name a location of this organization" },
    ]);
  }
  return row.time_zone;
}

/** Checks that a resource id names a resource of that kind in this organization. */
export async function requireResource(trx: Trx, actor: Actor, kind: ResourceKind, id: string): Promise<void> {
  const table = kind === "practitioner" ? "staff_members" : kind === "room" ? "rooms" : "equipment";
  let q = trx
    .selectFrom(table)
    .select("id")
    .where("organization_id", "=", actor.organizationId)
    .where("id", "=", id);
  if (kind === "practitioner") q = q.where("kind" as never, "=", "practitioner" as never);
  if (!(await q.executeTakeFirst())) {
    throw new DomainError("invalid_request", `No ${kind} with that id.`, [
      { path: "resourceId", message: `does not name a ${kind} of this organization` },
    ]);
  }
}

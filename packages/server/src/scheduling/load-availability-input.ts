import type {
  AvailabilityException,
  AvailabilityInput,
  LocationClosure,
  WeeklyTemplate,
} from "@salus/core/scheduling/availability";
import type { TimeInterval } from "@salus/core/scheduling/intervals";
import type { IsoWeekday } from "@salus/core/scheduling/zoned-time";
import type { Trx } from "../db/transaction.ts";
import type { ExceptionInput } from "./availability-views.ts";

export function toCoreException(r: ExceptionInput, zone: string): AvailabilityException {
  if (r.kind === "extra") {
    return {
      kind: "extra",
      resourceKind: r.resourceKind!,
      resourceId: r.resourceId!,
      locationId: r.locationId,
      locationZone: zone,
      date: r.date,
      start: r.start!,
      end: r.end!,
    };
  }
  return {
    kind: "unavailable",
    resourceKind: r.resourceKind!,
    resourceId: r.resourceId!,
    locationZone: zone,
    date: r.date,
    start: r.start,
    end: r.end,
  };
}

/**
 * Loads what `expandAvailability` needs for the given resources at one location over a range (dates are
 * padded by a day each side, so local days that straddle the UTC range are complete).
 */
export async function loadAvailabilityInput(
  trx: Trx,
  organizationId: string,
  location: { id: string; zone: string },
  resourceIds: readonly string[],
  range: TimeInterval,
): Promise<AvailabilityInput> {
  if (resourceIds.length === 0) return { templates: [], exceptions: [], blocks: [], closures: [] };
  const fromDate = new Date(range.start - 2 * 86_400_000).toISOString().slice(0, 10);
  const toDate = new Date(range.end + 2 * 86_400_000).toISOString().slice(0, 10);
  const [templates, exceptions, blocks] = await Promise.all([
    trx
      .selectFrom("availability_templates")
      .selectAll()
      .where("organization_id", "=", organizationId)
      .where("location_id", "=", location.id)
      .where("resource_id", "in", resourceIds)
      .where("effective_from", "<=", toDate)
      .where((eb) => eb.or([eb("effective_to", "is", null), eb("effective_to", ">=", fromDate)]))
      .execute(),
    trx
      .selectFrom("availability_exceptions")
      .selectAll()
      .where("organization_id", "=", organizationId)
      .where("location_id", "=", location.id)
      .where("date", ">=", fromDate)
      .where("date", "<=", toDate)
      .execute(),
    trx
      .selectFrom("availability_blocks")
      .selectAll()
      .where("organization_id", "=", organizationId)
      .where("resource_id", "in", resourceIds)
      .where("end_at", ">", new Date(range.start - 86_400_000).toISOString())
      .where("start_at", "<", new Date(range.end + 86_400_000).toISOString())
      .execute(),
  ]);
  const closures: LocationClosure[] = exceptions
    .filter((e) => e.kind === "closure")
    .map((e) => ({ locationId: location.id, date: e.date }));
  return {
    templates: templates.map(
      (t): WeeklyTemplate => ({
        resourceKind: t.resource_kind,
        resourceId: t.resource_id,
        locationId: t.location_id,
        locationZone: location.zone,
        weekday: t.weekday as IsoWeekday,
        start: t.start_time,
        end: t.end_time,
        effectiveFrom: t.effective_from,
        effectiveTo: t.effective_to,
      }),
    ),
    exceptions: exceptions
      .filter((e) => e.kind !== "closure" && e.resource_id && resourceIds.includes(e.resource_id))
      .map((e) =>
        toCoreException(
          {
            kind: e.kind,
            resourceKind: e.resource_kind,
            resourceId: e.resource_id,
            locationId: e.location_id,
            date: e.date,
            start: e.start_time,
            end: e.end_time,
            reason: e.reason,
          },
          location.zone,
        ),
      ),
    blocks: blocks.map((b) => ({
      resourceKind: b.resource_kind,
      resourceId: b.resource_id,
      start: Date.parse(b.start_at),
      end: Date.parse(b.end_at),
    })),
    closures,
  };
}

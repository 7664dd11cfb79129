import type {
  AvailabilityException,
  AvailabilityInput,
  LocationClosure,
  WeeklyTemplate,
} from "@salus/core/scheduling/availability";
import type { TimeInterval } from "@salus/core/scheduling/intervals";
import type { IsoWeekday } from "@salus/core/scheduling/zoned-time";
import { preparedQuery } from "../db/prepared.ts";
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

const selectTemplates = preparedQuery(
  (db, a: { org: string; location: string; ids: string[]; from: string; to: string }) =>
    db
      .selectFrom("availability_templates")
      .selectAll()
      .where("organization_id", "=", a.org)
      .where("location_id", "=", a.location)
      .where("resource_id", "in", a.ids)
      .where("effective_from", "<=", a.to)
      .where((eb) => eb.or([eb("effective_to", "is", null), eb("effective_to", ">=", a.from)])),
);
const selectExceptions = preparedQuery((db, a: { org: string; location: string; from: string; to: string }) =>
  db
    .selectFrom("availability_exceptions")
    .selectAll()
    .where("organization_id", "=", a.org)
    .where("location_id", "=", a.location)
    .where("date", ">=", a.from)
    .where("date", "<=", a.to),
);
const selectBlocks = preparedQuery((db, a: { org: string; ids: string[]; from: string; to: string }) =>
  db
    .selectFrom("availability_blocks")
    .selectAll()
    .where("organization_id", "=", a.org)
    .where("resource_id", "in", a.ids)
    .where("end_at", ">", a.from)
    .where("start_at", "<", a.to),
);

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
  const ids = [...resourceIds];
  const [templates, exceptions, blocks] = await Promise.all([
    selectTemplates.rows(trx, {
      org: organizationId,
      location: location.id,
      ids,
      from: fromDate,
      to: toDate,
    }),
    selectExceptions.rows(trx, { org: organizationId, location: location.id, from: fromDate, to: toDate }),
    selectBlocks.rows(trx, {
      org: organizationId,
      ids,
      from: new Date(range.start - 86_400_000).toISOString(),
      to: new Date(range.end + 86_400_000).toISOString(),
    }),
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

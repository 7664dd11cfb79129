import { createHash } from "node:crypto";
import { notFound } from "@salus/core";
import { instantToLocal, localDayBounds } from "@salus/core/scheduling/zoned-time";
import type { Trx } from "../db/transaction.ts";

/**
 * A location-day's version: a hash of everything the board and the re-plan read (each appointment's id,
 * version, status, practitioner and times; each flow row; the day's re-plan counter). Any change, made by
 * the flow use cases or by scheduling (a booking, a cancellation), changes it, so a proposal made on an
 * older day is recognised as stale without every scheduling path having to bump a counter.
 */
export interface LocationDay {
  locationId: string;
  date: string;
  timeZone: string;
  start: number;
  end: number;
}

export async function locationDay(
  trx: Trx,
  organizationId: string,
  locationId: string,
  date: string,
): Promise<LocationDay> {
  const loc = await trx
    .selectFrom("locations")
    .select(["id", "time_zone"])
    .where("organization_id", "=", organizationId)
    .where("id", "=", locationId)
    .executeTakeFirst();
  if (!loc) throw notFound("location");
  const bounds = localDayBounds(date, loc.time_zone);
  return { locationId, date, timeZone: loc.time_zone, start: bounds.start, end: bounds.end };
}

/** The location-day an appointment belongs to (its start's local date in the location's zone). */
export async function dayOfAppointment(
  trx: Trx,
  organizationId: string,
  appointment: { locationId: string; start: string },
): Promise<LocationDay> {
  const loc = await trx
    .selectFrom("locations")
    .select(["time_zone"])
    .where("organization_id", "=", organizationId)
    .where("id", "=", appointment.locationId)
    .executeTakeFirstOrThrow();
  const date = instantToLocal(Date.parse(appointment.start), loc.time_zone).date;
  return locationDay(trx, organizationId, appointment.locationId, date);
}

export async function computeDayVersion(trx: Trx, organizationId: string, day: LocationDay): Promise<string> {
  const rows = await trx
    .selectFrom("appointments as a")
    .leftJoin("visit_flow as f", (j) =>
      j.onRef("f.organization_id", "=", "a.organization_id").onRef("f.appointment_id", "=", "a.id"),
    )
    .select([
      "a.id",
      "a.version",
      "a.status",
      "a.practitioner_id",
      "a.start_at",
      "a.end_at",
      "f.updated_at as flow_updated_at",
      "f.planned_start",
      "f.notified_start",
      "f.expected_arrival",
    ])
    .where("a.organization_id", "=", organizationId)
    .where("a.location_id", "=", day.locationId)
    .where("a.start_at", ">=", new Date(day.start).toISOString())
    .where("a.start_at", "<", new Date(day.end).toISOString())
    .orderBy("a.id")
    .execute();
  const seq = await trx
    .selectFrom("flow_days")
    .select("seq")
    .where("organization_id", "=", organizationId)
    .where("location_id", "=", day.locationId)
    .where("date", "=", day.date)
    .executeTakeFirst();
  const hash = createHash("sha256");
  hash.update(String(seq?.seq ?? 0));
  for (const r of rows) hash.update(JSON.stringify(r));
  return hash.digest("hex").slice(0, 16);
}

/** Moves the day's counter (an accepted re-plan), so the version changes even if no row did. */
export async function bumpDay(trx: Trx, organizationId: string, day: LocationDay, at: string): Promise<void> {
  await trx
    .insertInto("flow_days")
    .values({
      organization_id: organizationId,
      location_id: day.locationId,
      date: day.date,
      seq: 1,
      updated_at: at,
    })
    .onConflict((oc) =>
      oc
        .columns(["organization_id", "location_id", "date"])
        .doUpdateSet((eb) => ({ seq: eb("flow_days.seq", "+", 1), updated_at: at })),
    )
    .execute();
}

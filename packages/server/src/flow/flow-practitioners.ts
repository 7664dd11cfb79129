import type { FlowPractitioner } from "@salus/core/flow/replan";
import { expandAvailability } from "@salus/core/scheduling/availability";
import { subtractIntervals } from "@salus/core/scheduling/intervals";
import type { Trx } from "../db/transaction.ts";
import { loadAvailabilityInput } from "../scheduling/load-availability-input.ts";
import type { LocationDay } from "./day-version.ts";

// Read by the board (their day ends) and by replan (where a late visit may move): in its own file, since
// board.ts importing replan.ts, which imports board.ts, made an import circle.

const iso = (ms: number) => new Date(ms).toISOString();

/** Practitioners working at the location that day, the types each can do and their hours (for "move"). */
export async function loadPractitioners(
  trx: Trx,
  organizationId: string,
  day: LocationDay,
): Promise<FlowPractitioner[]> {
  const allStaff = await trx
    .selectFrom("staff_members")
    .select(["id", "given_name", "family_name"])
    .where("organization_id", "=", organizationId)
    .where("kind", "=", "practitioner")
    .where("active", "=", 1)
    .orderBy("id")
    .execute();
  // Only practitioners licensed on the day can take a moved visit (the booking rules would refuse it).
  const licensed = new Set(
    (
      await trx
        .selectFrom("practitioner_licenses")
        .select("staff_id")
        .where("organization_id", "=", organizationId)
        .where("expires_on", ">=", day.date)
        .execute()
    ).map((l) => l.staff_id),
  );
  const staff = allStaff.filter((s) => licensed.has(s.id));
  if (!staff.length) return [];
  const range = { start: day.start, end: day.end };
  const input = await loadAvailabilityInput(
    trx,
    organizationId,
    { id: day.locationId, zone: day.timeZone },
    staff.map((s) => s.id),
    range,
  );
  const expanded = expandAvailability(input, range);
  // Time they spend at another location that day is not free here (the booking rules hold a practitioner's
  // time whatever the location): without it a move was offered into their visit elsewhere.
  const elsewhere = await trx
    .selectFrom("appointment_resources as r")
    .innerJoin("appointments as a", (j) =>
      j.onRef("a.id", "=", "r.appointment_id").onRef("a.organization_id", "=", "r.organization_id"),
    )
    .select(["r.resource_id", "r.busy_start", "r.busy_end"])
    .where("r.organization_id", "=", organizationId)
    .where("r.resource_kind", "=", "practitioner")
    .where("r.active", "=", 1)
    .where(
      "r.resource_id",
      "in",
      staff.map((s) => s.id),
    )
    .where("a.location_id", "<>", day.locationId)
    .where("r.busy_end", ">", iso(day.start))
    .where("r.busy_start", "<", iso(day.end))
    .execute();
  const busyElsewhere = (id: string) =>
    elsewhere
      .filter((b) => b.resource_id === id)
      .map((b) => ({ start: Date.parse(b.busy_start), end: Date.parse(b.busy_end) }));
  const types = await trx
    .selectFrom("appointment_types")
    .select(["id", "practitioner_ids"])
    .where("organization_id", "=", organizationId)
    .where("active", "=", 1)
    .execute();
  return staff
    .map((s) => ({
      id: s.id,
      name: `${s.given_name} ${s.family_name}`,
      appointmentTypeIds: types
        .filter(
          (t) => t.practitioner_ids === null || (JSON.parse(t.practitioner_ids) as string[]).includes(s.id),
        )
        .map((t) => t.id),
      available: subtractIntervals(
        expanded
          .filter((r) => r.resourceKind === "practitioner" && r.resourceId === s.id)
          .flatMap((r) => r.available)
          .map((i) => ({ start: Math.max(i.start, day.start), end: Math.min(i.end, day.end) }))
          .filter((i) => i.start < i.end),
        busyElsewhere(s.id),
      ),
    }))
    .filter((p) => p.available.length > 0);
}

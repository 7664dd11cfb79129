import { DomainError } from "@salus/core";
import { HOLDING_STATUSES } from "@salus/core/scheduling/appointment-status";
import { expandAvailability, resourceKey, type WeeklyTemplate } from "@salus/core/scheduling/availability";
import { clipIntervals, type TimeInterval } from "@salus/core/scheduling/intervals";
import type {
  BusyInterval,
  EquipmentRequirement,
  ResourceSchedule,
  SlotRequest,
} from "@salus/core/scheduling/slots";
import { localBoundary } from "@salus/core/scheduling/zoned-time";
import type { Trx } from "../db/transaction.ts";
import type { Actor } from "../platform/services.ts";
import { type AppointmentTypeView, loadAppointmentType } from "./appointment-type-view.ts";
import { loadAvailabilityInput } from "./load-availability-input.ts";
import { loadSchedulingSettings } from "./scheduling-settings.ts";
import { holdsAsBusy, loadActiveHolds } from "./waitlist-holds.ts";

const DAY = 86_400_000;

export interface SlotContext {
  request: SlotRequest;
  type: AppointmentTypeView;
  location: { id: string; zone: string; name: string; state: string | null };
  /** The eligible practitioners' licenses, to say why one is not bookable (wrong state, expired). */
  licenses: { staffId: string; state: string; expiresOn: string }[];
}

export interface SlotContextQuery {
  appointmentTypeId: string;
  locationId: string;
  /** Restrict to one practitioner (must be eligible for the type). */
  practitionerId?: string | undefined;
  range: TimeInterval;
  ignoreAppointmentIds?: readonly string[];
  /** Let the practitioner take a visit at a time they already have one, up to the practice's policy. */
  allowOverbook?: boolean;
  /**
   * Treat time held by open waitlist offers as busy (the slot finder, issue 10 item 5), except holds for
   * `exceptPatientId` (the offered patient sees their own offer's time as open). Booking paths refuse held
   * time with their own check (`refuseHeldTime`), which names the hold.
   */
  holds?: { exceptPatientId?: string | undefined };
  now: number;
}

/**
 * Loads everything the pure slot finder needs for one appointment type at one location: eligible
 * practitioners (active, with a license valid on the day), rooms and equipment, their availability
 * expanded in the location's zone, what already holds their time, and the visits counting against the
 * daily limit. The same context serves slot search, booking, rescheduling and the waitlist.
 */
export async function loadSlotContext(trx: Trx, actor: Actor, q: SlotContextQuery): Promise<SlotContext> {
  const org = actor.organizationId;
  const type = await loadAppointmentType(trx, actor, q.appointmentTypeId);
  if (!type.active)
    throw new DomainError("invalid_request", `Appointment type "${type.name}" is no longer offered.`, [
      { path: "appointmentTypeId", message: "is inactive" },
    ]);
  const loc = await trx
    .selectFrom("locations")
    .select(["id", "time_zone", "name", "active", "state"])
    .where("organization_id", "=", org)
    .where("id", "=", q.locationId)
    .executeTakeFirst();
  if (!loc)
    throw new DomainError("invalid_request", "No location with that id.", [
      { path: "locationId", message: "does not name a location of this organization" },
    ]);
  const zone = loc.time_zone;
  const settings = await loadSchedulingSettings(trx, org);

  // Practitioners: the type's list (or every practitioner), active ones only.
  let pq = trx
    .selectFrom("staff_members")
    .select("id")
    .where("organization_id", "=", org)
    .where("kind", "=", "practitioner")
    .where("active", "=", 1);
  if (type.practitionerIds)
    pq = pq.where("id", "in", type.practitionerIds.length ? type.practitionerIds : ["-"]);
  let practitionerIds = (await pq.orderBy("id").execute()).map((r) => r.id);
  if (q.practitionerId)
    practitionerIds = practitionerIds.includes(q.practitionerId) ? [q.practitionerId] : [];

  const roomIds = type.roomRequired
    ? (
        await trx
          .selectFrom("rooms")
          .select("id")
          .where("organization_id", "=", org)
          .where("location_id", "=", loc.id)
          .where("active", "=", 1)
          .$if(type.roomIds !== null, (b) =>
            b.where("id", "in", type.roomIds!.length ? type.roomIds! : ["-"]),
          )
          .orderBy("id")
          .execute()
      ).map((r) => r.id)
    : null;

  const equipmentRows = type.equipmentKinds.length
    ? await trx
        .selectFrom("equipment")
        .select(["id", "kind"])
        .where("organization_id", "=", org)
        .where("location_id", "=", loc.id)
        .where("active", "=", 1)
        .where("kind", "in", type.equipmentKinds)
        .orderBy("id")
        .execute()
    : [];
  const equipment: EquipmentRequirement[] = type.equipmentKinds.map((kind) => ({
    kind,
    eligibleIds: equipmentRows.filter((e) => e.kind === kind).map((e) => e.id),
  }));

  const allIds = [...practitionerIds, ...(roomIds ?? []), ...equipmentRows.map((e) => e.id)];
  const padded = { start: q.range.start - DAY, end: q.range.end + DAY };
  const availabilityInput = await loadAvailabilityInput(trx, org, { id: loc.id, zone }, allIds, padded);

  // Rooms and equipment without a weekly template are open whenever the location is (closures and
  // blocks still apply); practitioners are only bookable in the hours they were given.
  const templated = new Set(availabilityInput.templates.map((t) => t.resourceId));
  const alwaysOpen: WeeklyTemplate[] = [];
  for (const [kind, ids] of [
    ["room", roomIds ?? []],
    ["equipment", equipmentRows.map((e) => e.id)],
  ] as const) {
    for (const id of ids) {
      if (templated.has(id)) continue;
      for (let weekday = 1; weekday <= 7; weekday++) {
        alwaysOpen.push({
          resourceKind: kind,
          resourceId: id,
          locationId: loc.id,
          locationZone: zone,
          weekday: weekday as WeeklyTemplate["weekday"],
          start: "00:00",
          end: "24:00",
          effectiveFrom: "1900-01-01",
          effectiveTo: null,
        });
      }
    }
  }
  const expanded = expandAvailability(
    { ...availabilityInput, templates: [...availabilityInput.templates, ...alwaysOpen] },
    padded,
  );

  // A practitioner is bookable only through the last day one of their licenses valid in the location's
  // state is (issue 10, item 4): a license from another state does not let them practise here. A location
  // without a state on file cannot be matched, so any license counts there (the settings page asks for it).
  const licenses = practitionerIds.length
    ? await trx
        .selectFrom("practitioner_licenses")
        .select(["staff_id", "state", "expires_on"])
        .where("organization_id", "=", org)
        .where("staff_id", "in", practitionerIds)
        .execute()
    : [];
  const licensedUntil = new Map<string, number>();
  for (const l of licenses) {
    if (!licenseCoversState(l.state, loc.state)) continue;
    const until = localBoundary(l.expires_on, "24:00", zone);
    licensedUntil.set(l.staff_id, Math.max(licensedUntil.get(l.staff_id) ?? 0, until));
  }

  const holds = allIds.length
    ? await trx
        .selectFrom("appointment_resources")
        .select(["resource_kind", "resource_id", "busy_start", "busy_end", "appointment_id"])
        .where("organization_id", "=", org)
        .where("active", "=", 1)
        .where("resource_id", "in", allIds)
        .where("busy_end", ">", new Date(padded.start).toISOString())
        .where("busy_start", "<", new Date(padded.end).toISOString())
        .execute()
    : [];
  const busyBy = new Map<string, BusyInterval[]>();
  if (q.holds) {
    const active = await loadActiveHolds(trx, org, { range: padded, now: q.now, resourceIds: allIds });
    const others = active.filter((h) => h.patientId !== q.holds?.exceptPatientId);
    for (const [key, list] of holdsAsBusy(others)) busyBy.set(key, list);
  }
  for (const h of holds) {
    const key = resourceKey(h.resource_kind, h.resource_id);
    busyBy.set(key, [
      ...(busyBy.get(key) ?? []),
      { start: Date.parse(h.busy_start), end: Date.parse(h.busy_end), bookingId: h.appointment_id },
    ]);
  }

  const schedules: ResourceSchedule[] = expanded.map((r) => {
    let available = r.available;
    if (r.resourceKind === "practitioner") {
      const until = licensedUntil.get(r.resourceId);
      available =
        until === undefined ? [] : clipIntervals(available, { start: Number.MIN_SAFE_INTEGER, end: until });
    }
    return { ...r, available, busy: busyBy.get(resourceKey(r.resourceKind, r.resourceId)) ?? [] };
  });

  const sameType =
    practitionerIds.length && type.maxPerDay !== null
      ? await trx
          .selectFrom("appointments")
          .select(["id", "practitioner_id", "start_at"])
          .where("organization_id", "=", org)
          .where("appointment_type_id", "=", type.id)
          .where("status", "in", [...HOLDING_STATUSES])
          .where("practitioner_id", "in", practitionerIds)
          .where("start_at", ">=", new Date(padded.start).toISOString())
          .where("start_at", "<", new Date(padded.end).toISOString())
          .execute()
      : [];
  const ignore = new Set(q.ignoreAppointmentIds ?? []);

  const request: SlotRequest = {
    appointmentType: {
      durationMinutes: type.durationMinutes,
      bufferBeforeMinutes: type.bufferBeforeMinutes,
      bufferAfterMinutes: type.bufferAfterMinutes,
      minLeadMinutes: type.minLeadMinutes,
      maxPerDayPerPractitioner: type.maxPerDay,
      stepMinutes: type.stepMinutes,
    },
    practitionerIds,
    roomIds,
    equipment,
    schedules,
    sameTypeBookings: sameType
      .filter((a) => !ignore.has(a.id))
      .map((a) => ({ practitionerId: a.practitioner_id, start: Date.parse(a.start_at), bookingId: a.id })),
    now: q.now,
    range: q.range,
    zone,
    ignoreBookingIds: [...ignore],
    ...(q.allowOverbook
      ? { overbooking: { practitionerMaxConcurrent: Math.max(1, settings.practitionerMaxConcurrent) } }
      : {}),
  };
  return {
    request,
    type,
    location: { id: loc.id, zone, name: loc.name, state: loc.state },
    licenses: licenses.map((l) => ({ staffId: l.staff_id, state: l.state, expiresOn: l.expires_on })),
  };
}

/** A license issued by `licenseState` lets its holder practise at a location in `locationState`. */
export function licenseCoversState(licenseState: string, locationState: string | null): boolean {
  const norm = (s: string) => s.trim().toUpperCase();
  return locationState === null || norm(locationState) === "" || norm(licenseState) === norm(locationState);
}

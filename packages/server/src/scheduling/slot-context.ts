import { DomainError, isPlainDate } from "@salus/core";
import { HOLDING_STATUSES } from "@salus/core/scheduling/appointment-status";
import { expandAvailability, resourceKey, type WeeklyTemplate } from "@salus/core/scheduling/availability";
import { clipIntervals, type TimeInterval } from "@salus/core/scheduling/intervals";
import type {
  BusyInterval,
  EquipmentRequirement,
  ResourceSchedule,
  SlotRequest,
} from "@salus/core/scheduling/slots";
import { instantToLocal, localBoundary } from "@salus/core/scheduling/zoned-time";
import { preparedQuery } from "../db/prepared.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor } from "../platform/services.ts";
import { type AppointmentTypeView, loadAppointmentType } from "./appointment-type-view.ts";
import { loadAvailabilityInput } from "./load-availability-input.ts";
import { loadSchedulingSettings } from "./scheduling-settings.ts";
import { holdsAsBusy, loadActiveHolds } from "./waitlist-holds.ts";

const DAY = 86_400_000;
const MINUTE = 60_000;

export interface SlotContext {
  request: SlotRequest;
  type: AppointmentTypeView;
  location: { id: string; zone: string; name: string; state: string | null };
  /** The eligible practitioners' licenses, to say why one is not bookable (wrong state, expired). */
  licenses: { staffId: string; state: string; expiresOn: string }[];
}

/**
 * One visit being booked, moved or reinstated: the context covers only its local day (the date in the
 * location's zone, given as typed or taken from `start`), stretched to `end` when a custom end runs past
 * midnight. The day is enough for every rule `checkBooking` applies: availability and holds around the
 * visit (with the type's buffers) and the practitioner's visits of that date for the daily limit.
 */
export interface VisitDay {
  localDate?: string | undefined;
  start?: number | undefined;
  end?: number | undefined;
}

interface SlotContextScope {
  appointmentTypeId: string;
  locationId: string;
  /** Restrict to one practitioner (must be eligible for the type). */
  practitionerId?: string | undefined;
  /** Restrict the rooms to the one chosen (still refused when it is not eligible for the type). */
  roomId?: string | null | undefined;
  /** Restrict the equipment to the items chosen, when they cover every item the type needs. */
  equipmentIds?: readonly string[] | undefined;
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

const selectLocation = preparedQuery((db, a: { org: string; id: string }) =>
  db
    .selectFrom("locations")
    .select(["id", "time_zone", "name", "active", "state"])
    .where("organization_id", "=", a.org)
    .where("id", "=", a.id),
);
const selectPractitioner = preparedQuery((db, a: { org: string; id: string }) =>
  db
    .selectFrom("staff_members")
    .select("id")
    .where("organization_id", "=", a.org)
    .where("kind", "=", "practitioner")
    .where("active", "=", 1)
    .where("id", "=", a.id),
);
const selectLicenses = preparedQuery((db, a: { org: string; ids: string[] }) =>
  db
    .selectFrom("practitioner_licenses")
    .select(["staff_id", "state", "expires_on"])
    .where("organization_id", "=", a.org)
    .where("staff_id", "in", a.ids),
);
const selectHolds = preparedQuery((db, a: { org: string; ids: string[]; from: string; to: string }) =>
  db
    .selectFrom("appointment_resources")
    .select(["resource_kind", "resource_id", "busy_start", "busy_end", "appointment_id"])
    .where("organization_id", "=", a.org)
    .where("active", "=", 1)
    .where("resource_id", "in", a.ids)
    .where("busy_end", ">", a.from)
    .where("busy_start", "<", a.to),
);

/** A search over a range (the slot finder, the waitlist), or the check of one visit (`visit`). */
export type SlotContextQuery = SlotContextScope & ({ range: TimeInterval } | { visit: VisitDay });

/**
 * Loads everything the pure slot finder needs for one appointment type at one location: eligible
 * practitioners (active, with a license valid on the day), rooms and equipment, their availability
 * expanded in the location's zone, what already holds their time, and the visits counting against the
 * daily limit. The same context serves slot search, booking, rescheduling and the waitlist.
 */
export async function loadSlotContext(trx: Trx, actor: Actor, q: SlotContextQuery): Promise<SlotContext> {
  const org = actor.organizationId;
  // Reads that do not depend on each other are issued together: on a pool (the slot search) PostgreSQL
  // answers them side by side, three round trips in all instead of ten; in a transaction (a booking)
  // they simply queue on its one connection, as before.
  const [type, loc] = await Promise.all([
    loadAppointmentType(trx, actor, q.appointmentTypeId),
    selectLocation.first(trx, { org, id: q.locationId }),
  ]);
  if (!type.active)
    throw new DomainError("invalid_request", `Appointment type "${type.name}" is no longer offered.`, [
      { path: "appointmentTypeId", message: "is inactive" },
    ]);
  if (!loc)
    throw new DomainError("invalid_request", "No location with that id.", [
      { path: "locationId", message: "does not name a location of this organization" },
    ]);
  const zone = loc.time_zone;
  const { range, padded } = scope(q, zone, type);

  // Practitioners: the type's list (or every practitioner), active ones only.
  const eligible = (only?: string) => {
    // The common case (any practitioner may take the type, one named) is a prepared statement.
    if (only !== undefined && type.practitionerIds === null)
      return selectPractitioner.rows(trx, { org, id: only });
    let pq = trx
      .selectFrom("staff_members")
      .select("id")
      .where("organization_id", "=", org)
      .where("kind", "=", "practitioner")
      .where("active", "=", 1);
    if (type.practitionerIds)
      pq = pq.where("id", "in", type.practitionerIds.length ? type.practitionerIds : ["-"]);
    if (only !== undefined) pq = pq.where("id", "=", only);
    return pq.orderBy("id").execute();
  };
  // A search or booking naming one practitioner reads that one only. A search for one who is not
  // eligible finds nothing; a booking naming one keeps the eligible list, so the check says "cannot be
  // used for this visit" (a refusal path, cost irrelevant).
  const [named, roomRows, eligibleEquipment] = await Promise.all([
    eligible(q.practitionerId ?? undefined),
    type.roomRequired
      ? trx
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
      : null,
    type.equipmentKinds.length
      ? trx
          .selectFrom("equipment")
          .select(["id", "kind"])
          .where("organization_id", "=", org)
          .where("location_id", "=", loc.id)
          .where("active", "=", 1)
          .where("kind", "in", type.equipmentKinds)
          .orderBy("id")
          .execute()
      : [],
  ]);
  let practitionerIds = named.map((r) => r.id);
  if (q.practitionerId && practitionerIds.length === 0 && !("range" in q))
    practitionerIds = (await eligible()).map((r) => r.id);

  const eligibleRooms = roomRows ? roomRows.map((r) => r.id) : null;
  // A chosen room is the only one the check looks at; an ineligible choice leaves none (not_eligible).
  const roomIds =
    eligibleRooms && typeof q.roomId === "string"
      ? eligibleRooms.filter((id) => id === q.roomId)
      : eligibleRooms;

  const equipmentRows = chosenEquipment(eligibleEquipment, type.equipmentKinds, q.equipmentIds);
  const equipment: EquipmentRequirement[] = type.equipmentKinds.map((kind) => ({
    kind,
    eligibleIds: equipmentRows.filter((e) => e.kind === kind).map((e) => e.id),
  }));

  const allIds = [...practitionerIds, ...(roomIds ?? []), ...equipmentRows.map((e) => e.id)];
  const [availabilityInput, licenses, holds, active, sameType] = await Promise.all([
    loadAvailabilityInput(trx, org, { id: loc.id, zone }, allIds, padded),
    practitionerIds.length ? selectLicenses.rows(trx, { org, ids: practitionerIds }) : [],
    allIds.length
      ? selectHolds.rows(trx, {
          org,
          ids: allIds,
          from: new Date(padded.start).toISOString(),
          to: new Date(padded.end).toISOString(),
        })
      : [],
    q.holds ? loadActiveHolds(trx, org, { range: padded, now: q.now, resourceIds: allIds }) : null,
    practitionerIds.length && type.maxPerDay !== null
      ? trx
          .selectFrom("appointments")
          .select(["id", "practitioner_id", "start_at"])
          .where("organization_id", "=", org)
          .where("appointment_type_id", "=", type.id)
          .where("status", "in", [...HOLDING_STATUSES])
          .where("practitioner_id", "in", practitionerIds)
          .where("start_at", ">=", new Date(padded.start).toISOString())
          .where("start_at", "<", new Date(padded.end).toISOString())
          .execute()
      : [],
  ]);

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
  const licensedUntil = new Map<string, number>();
  for (const l of licenses) {
    if (!licenseCoversState(l.state, loc.state)) continue;
    const until = localBoundary(l.expires_on, "24:00", zone);
    licensedUntil.set(l.staff_id, Math.max(licensedUntil.get(l.staff_id) ?? 0, until));
  }

  const busyBy = new Map<string, BusyInterval[]>();
  if (active) {
    const others = active.filter((h) => h.patientId !== q.holds?.exceptPatientId);
    for (const [key, list] of holdsAsBusy(others)) busyBy.set(key, list);
  }
  for (const h of holds) {
    const key = resourceKey(h.resource_kind, h.resource_id);
    const busy = {
      start: Date.parse(h.busy_start),
      end: Date.parse(h.busy_end),
      bookingId: h.appointment_id,
    };
    // Appended in place: copying the list per hold was quadratic in a resource's holds (a practitioner
    // booked 80% for 60 days has ~800; the copies were most of a slot search's time).
    const list = busyBy.get(key);
    if (list) list.push(busy);
    else busyBy.set(key, [busy]);
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
    range,
    zone,
    ignoreBookingIds: [...ignore],
    ...(q.allowOverbook
      ? {
          overbooking: {
            // Read only when asked for: a plain booking needs none of the practice's settings.
            practitionerMaxConcurrent: Math.max(
              1,
              (await loadSchedulingSettings(trx, org)).practitionerMaxConcurrent,
            ),
          },
        }
      : {}),
  };
  return {
    request,
    type,
    location: { id: loc.id, zone, name: loc.name, state: loc.state },
    licenses: licenses.map((l) => ({ staffId: l.staff_id, state: l.state, expiresOn: l.expires_on })),
  };
}

/**
 * The range the request covers and the padded range rows are read for. A search reads a day more on
 * each side, so local days that straddle the UTC range are complete; one visit reads its local day, plus
 * the type's buffers, since nothing outside can touch it.
 */
function scope(
  q: SlotContextQuery,
  zone: string,
  type: AppointmentTypeView,
): { range: TimeInterval; padded: TimeInterval } {
  if ("range" in q) return { range: q.range, padded: { start: q.range.start - DAY, end: q.range.end + DAY } };
  const { localDate, start: at } = q.visit;
  const date = localDate ?? (at !== undefined && Number.isFinite(at) ? instantToLocal(at, zone).date : null);
  if (date === null || !isPlainDate(date))
    throw new DomainError("invalid_request", "The start time is not a valid date and time.", [
      { path: "when", message: "is not a valid time" },
    ]);
  const start = localBoundary(date, "00:00", zone);
  const visitEnd = q.visit.end !== undefined && Number.isFinite(q.visit.end) ? q.visit.end : 0;
  const end = Math.max(localBoundary(date, "24:00", zone), visitEnd);
  return {
    range: { start, end },
    padded: {
      start: start - type.bufferBeforeMinutes * MINUTE,
      end: end + (type.bufferAfterMinutes + type.durationMinutes) * MINUTE,
    },
  };
}

/**
 * The equipment a booking looks at: only the items it names when they cover every item the type needs
 * (as many of each kind as the type asks for), so the check reads their time alone; otherwise every
 * eligible item, so a refusal can still say whether the kind is missing or all taken.
 */
function chosenEquipment<E extends { id: string; kind: string }>(
  eligible: E[],
  kinds: readonly string[],
  chosen: readonly string[] | undefined,
): E[] {
  if (!chosen) return eligible;
  const picked = eligible.filter((e) => chosen.includes(e.id));
  const covers = kinds.every(
    (kind) => picked.filter((e) => e.kind === kind).length >= kinds.filter((k) => k === kind).length,
  );
  return covers && picked.length === chosen.length ? picked : eligible;
}

/** A license issued by `licenseState` lets its holder practise at a location in `locationState`. */
export function licenseCoversState(licenseState: string, locationState: string | null): boolean {
  const norm = (s: string) => s.trim().toUpperCase();
  return locationState === null || norm(locationState) === "" || norm(licenseState) === norm(locationState);
}

/**
 * Slot finding and booking validation: the one set of rules the calendar, the JSON API, FHIR `Slot`
 * search, the waitlist and the booking use case share, so an offered slot is always bookable and a
 * refused booking is never offered.
 *
 * A start `s` for an appointment of `d` minutes with buffers `b` (before) and `a` (after) is open when
 * every required resource (one practitioner, optionally one room, one item per equipment requirement)
 *   - is available for the whole visit `[s, s + d)` (inside one interval of its availability), and
 *   - is free for `[s − b, s + d + a)`: no busy interval there (busy = existing bookings, each already
 *     including its own buffers), or fewer than the overbooking policy allows for practitioners;
 * and `s` is not before `now + minLead`, the practitioner is under the type's daily limit on that local
 * day, and (for offered slots only) `s` falls on the step grid of the location's wall clock.
 */
import { DomainError, type ErrorDetail } from "../shared/domain-error.ts";
import { type ResourceKind, type ResourceRef, resourceKey } from "./availability.ts";
import {
  coveredAtLeast,
  mergeIntervals,
  normalizedContains,
  normalizedOverlaps,
  type TimeInterval,
} from "./intervals.ts";
import { maxCustomLengthMinutes, overlappingPatientVisits, type PatientVisit } from "./patient-overlap.ts";
import {
  assertTimeZone,
  formatWallTime,
  instantToLocal,
  localDatesInRange,
  localDayBounds,
  localToInstant,
  type PlainDate,
  resolveLocal,
  type WallTime,
  zoneOffsetMinutes,
} from "./zoned-time.ts";

const MINUTE = 60_000;
const DAY = 86_400_000;
/** The longest range one search may cover; longer requests are refused rather than left to run. */
export const MAX_SLOT_SEARCH_DAYS = 366;

/** The scheduling rules of an appointment type. */
export interface AppointmentTypeRules {
  durationMinutes: number;
  /** Preparation time every resource must be free before the visit (not required to be available). */
  bufferBeforeMinutes: number;
  /** Clean-up time every resource must be free after the visit. */
  bufferAfterMinutes: number;
  /** Earliest start is `now + minLeadMinutes` (0 = any future time). */
  minLeadMinutes: number;
  /** At most this many visits of this type per practitioner per local day (null = no limit). */
  maxPerDayPerPractitioner: number | null;
  /** Offered starts fall on multiples of this many minutes after local midnight (15 → :00, :15, …). */
  stepMinutes: number;
}

/** One piece of equipment the visit needs: any one of `eligibleIds` (each id serves one requirement). */
export interface EquipmentRequirement {
  kind: string;
  eligibleIds: readonly string[];
}

/** Time a resource is held: an existing booking with its buffers, or a hold. */
export interface BusyInterval extends TimeInterval {
  /** The booking holding the time, so a reschedule can ignore its own old time and refusals can name it. */
  bookingId?: string;
}

/** One candidate resource's bookable time and what already holds it. */
export interface ResourceSchedule extends ResourceRef {
  /** From `expandAvailability` (any list; normalized here). */
  available: readonly TimeInterval[];
  busy: readonly BusyInterval[];
}

/** An existing visit of the same appointment type, counted against the daily limit. */
export interface SameTypeBooking {
  practitionerId: string;
  start: number;
  bookingId?: string;
}

/** How far a practice lets a practitioner be double-booked. Rooms and equipment are never overbooked. */
export interface OverbookingPolicy {
  /** Visits a practitioner may have at the same moment: 1 = never overbook, 2 = one extra, … */
  practitionerMaxConcurrent: number;
}

/** Everything slot finding and booking validation need; nothing is read from the clock or environment. */
export interface SlotRequest {
  appointmentType: AppointmentTypeRules;
  /** Eligible practitioners: one id for "this practitioner", several for "any of them". */
  practitionerIds: readonly string[];
  /** Eligible rooms, or null when the visit needs no room. */
  roomIds: readonly string[] | null;
  equipment: readonly EquipmentRequirement[];
  /** Schedules of the candidate resources; a resource without one is never available. */
  schedules: readonly ResourceSchedule[];
  /** Visits of this type already booked, for the daily limit. */
  sameTypeBookings: readonly SameTypeBooking[];
  now: number;
  /** Slots whose START lies in this range are returned (the visit may run past its end). */
  range: TimeInterval;
  /** IANA zone of the location: the step grid and the daily limit follow its wall clock. */
  zone: string;
  /** Stop after this many slots. */
  limit?: number;
  overbooking?: OverbookingPolicy;
  /** One slot per open start and practitioner, instead of one per start (for per-practitioner columns). */
  eachPractitioner?: boolean;
  /** Bookings to treat as absent, e.g. the appointment being rescheduled. */
  ignoreBookingIds?: readonly string[];
  /** The patient's other active visits (booking validation only): an overlap is refused unless overridden. */
  patientVisits?: readonly PatientVisit[];
}

/** An open slot and the resources that would serve it. */
export interface Slot {
  start: number;
  end: number;
  practitionerId: string;
  roomId: string | null;
  equipmentIds: string[];
  /** True when the practitioner already has a visit then and the overbooking policy allows another. */
  overbooked: boolean;
}

/** A start given as a local wall time in the request's zone (an offset picks one side of an overlap). */
export interface LocalStart {
  localDate: PlainDate;
  localTime: WallTime;
  utcOffsetMinutes?: number;
}

/** One proposed booking to validate. */
export interface BookingProposal {
  /** An instant, or a local wall time resolved by the documented rule (gap refused, overlap → earlier). */
  start: number | LocalStart;
  /**
   * Defaults to start + duration; a different length is allowed (the front desk may extend a visit), up
   * to `maxCustomLengthMinutes` of the type unless `allowLongVisit` is set.
   */
  end?: number;
  practitionerId: string;
  roomId: string | null;
  equipmentIds: readonly string[];
  /** Staff explicitly book the patient at a time they already have another visit (audited by the server). */
  allowPatientOverlap?: boolean;
  /** Staff explicitly book a visit longer than the type's bound (audited by the server). */
  allowLongVisit?: boolean;
}

/** Why a proposed booking is refused. */
export type BookingRefusal =
  | { reason: "end_before_start" }
  | { reason: "too_long"; minutes: number; maxMinutes: number }
  | { reason: "nonexistent_local_time"; localDate: PlainDate; localTime: WallTime }
  | { reason: "offset_mismatch"; validOffsets: number[] }
  | { reason: "in_past" }
  | { reason: "too_soon"; earliestStart: number }
  | { reason: "not_eligible"; resource: ResourceRef }
  | { reason: "missing_resource"; resourceKind: ResourceKind; equipmentKind?: string }
  | { reason: "outside_availability"; resource: ResourceRef }
  | { reason: "resource_busy"; resource: ResourceRef; conflictingBookingIds: string[] }
  | { reason: "patient_overlap"; visits: PatientVisit[] }
  | { reason: "daily_limit"; practitionerId: string; localDate: PlainDate; max: number };

/** The verdict on a proposal, with the instants it resolved to. */
export interface BookingCheck {
  ok: boolean;
  reasons: BookingRefusal[];
  /** Resolved start and end (null when the start could not be resolved). */
  start: number | null;
  end: number | null;
  /** Local date of the start in the request's zone. */
  localDate: PlainDate | null;
  /** Allowed only because the overbooking policy permits it: the server marks and audits it. */
  overbooked: boolean;
}

interface PreparedResource {
  ref: ResourceRef;
  available: TimeInterval[];
  /** Where the resource is full (busy at its capacity). */
  full: TimeInterval[];
  /** Where it has any booking at all (to flag overbooking). */
  anyBusy: TimeInterval[];
  busy: readonly BusyInterval[];
}

interface Prepared {
  req: SlotRequest;
  durationMs: number;
  beforeMs: number;
  afterMs: number;
  resources: Map<string, PreparedResource>;
  dailyCounts: Map<string, number>;
  practitioners: string[];
  rooms: string[] | null;
  equipment: { kind: string; ids: string[] }[];
}

const sortedUnique = (ids: readonly string[]) => [...new Set(ids)].sort();
const isWholeAtLeast = (n: unknown, min: number) => typeof n === "number" && Number.isInteger(n) && n >= min;

/** Throws `invalid_request` naming every malformed setting of a slot request. */
export function validateSlotRequest(req: SlotRequest): void {
  const t = req.appointmentType;
  const problems: ErrorDetail[] = [];
  const need = (ok: boolean, path: string, message: string) => {
    if (!ok) problems.push({ path, message });
  };
  need(isWholeAtLeast(t.durationMinutes, 1), "appointmentType.durationMinutes", "must be a whole number ≥ 1");
  need(
    isWholeAtLeast(t.bufferBeforeMinutes, 0),
    "appointmentType.bufferBeforeMinutes",
    "must be a whole number ≥ 0",
  );
  need(
    isWholeAtLeast(t.bufferAfterMinutes, 0),
    "appointmentType.bufferAfterMinutes",
    "must be a whole number ≥ 0",
  );
  need(isWholeAtLeast(t.minLeadMinutes, 0), "appointmentType.minLeadMinutes", "must be a whole number ≥ 0");
  need(
    t.stepMinutes <= 1440 && isWholeAtLeast(t.stepMinutes, 1),
    "appointmentType.stepMinutes",
    "must be a whole number from 1 to 1440",
  );
  need(
    t.maxPerDayPerPractitioner === null || isWholeAtLeast(t.maxPerDayPerPractitioner, 0),
    "appointmentType.maxPerDayPerPractitioner",
    "must be null or a whole number ≥ 0",
  );
  need(Number.isFinite(req.now), "now", "must be an instant");
  need(
    Number.isFinite(req.range.start) && Number.isFinite(req.range.end) && req.range.start <= req.range.end,
    "range",
    "must end after it starts",
  );
  // A bounded search: an API caller asking for ten years must get an answer, not a stuck worker.
  need(
    req.range.end - req.range.start <= MAX_SLOT_SEARCH_DAYS * DAY,
    "range",
    `must span at most ${MAX_SLOT_SEARCH_DAYS} days`,
  );
  need(req.limit === undefined || isWholeAtLeast(req.limit, 1), "limit", "must be a whole number ≥ 1");
  need(
    req.overbooking === undefined || isWholeAtLeast(req.overbooking.practitionerMaxConcurrent, 1),
    "overbooking.practitionerMaxConcurrent",
    "must be a whole number ≥ 1",
  );
  need(req.practitionerIds.length > 0, "practitionerIds", "must name at least one practitioner");
  for (const [i, b] of req.sameTypeBookings.entries()) {
    need(Number.isFinite(b.start), `sameTypeBookings.${i}.start`, "must be an instant");
  }

  if (problems.length > 0) throw new DomainError("invalid_request", "The slot search is invalid.", problems);
  assertTimeZone(req.zone);
}

function prepare(req: SlotRequest): Prepared {
  validateSlotRequest(req);
  const ignored = new Set(req.ignoreBookingIds ?? []);
  const capacity = req.overbooking?.practitionerMaxConcurrent ?? 1;
  const resources = new Map<string, PreparedResource>();
  for (const s of req.schedules) {
    const key = resourceKey(s.resourceKind, s.resourceId);
    // A resource listed twice (two locations' availability) is one resource: combine, never overwrite.
    const prior = resources.get(key);
    const busy = [
      ...(prior?.busy ?? []),
      ...s.busy.filter((b) => b.bookingId === undefined || !ignored.has(b.bookingId)),
    ];
    const depth = s.resourceKind === "practitioner" ? capacity : 1;
    resources.set(key, {
      ref: { resourceId: s.resourceId, resourceKind: s.resourceKind },
      available: mergeIntervals([...(prior?.available ?? []), ...s.available]),
      full: coveredAtLeast(busy, depth),
      anyBusy: mergeIntervals(busy),
      busy,
    });
  }
  const dailyCounts = new Map<string, number>();
  for (const b of req.sameTypeBookings) {
    if (b.bookingId !== undefined && ignored.has(b.bookingId)) continue;
    const key = `${b.practitionerId}|${instantToLocal(b.start, req.zone).date}`;
    dailyCounts.set(key, (dailyCounts.get(key) ?? 0) + 1);
  }
  const t = req.appointmentType;
  return {
    req,
    durationMs: t.durationMinutes * MINUTE,
    beforeMs: t.bufferBeforeMinutes * MINUTE,
    afterMs: t.bufferAfterMinutes * MINUTE,
    resources,
    dailyCounts,
    practitioners: sortedUnique(req.practitionerIds),
    rooms: req.roomIds === null ? null : sortedUnique(req.roomIds),
    equipment: req.equipment.map((e) => ({ kind: e.kind, ids: sortedUnique(e.eligibleIds) })),
  };
}

/** Can this resource serve the visit `span` with its buffers `padded`? */
function fits(r: PreparedResource | undefined, span: TimeInterval, padded: TimeInterval): boolean {
  return r !== undefined && normalizedContains(r.available, span) && !normalizedOverlaps(r.full, padded);
}

function underDailyLimit(p: Prepared, practitionerId: string, localDate: PlainDate, extra = 1): boolean {
  const max = p.req.appointmentType.maxPerDayPerPractitioner;
  return max === null || (p.dailyCounts.get(`${practitionerId}|${localDate}`) ?? 0) + extra <= max;
}

/**
 * The first way (trying ids in order, requirement by requirement) to give each requirement its own id
 * for which `usable` holds, or null. Backtracks, so "any of a, b" then "only a" still finds b, a where
 * first-fit would take a for the first and wrongly report the second as missing.
 */
export function assignDistinct(
  needs: readonly (readonly string[])[],
  usable: (id: string) => boolean = () => true,
): string[] | null {
  const chosen: string[] = [];
  const search = (k: number): boolean => {
    const need = needs[k];
    if (need === undefined) return true;
    for (const id of need) {
      if (chosen.includes(id) || !usable(id)) continue;
      chosen.push(id);
      if (search(k + 1)) return true;
      chosen.pop();
    }
    return false;
  };
  return search(0) ? chosen : null;
}

/** Picks the first free room by id and the first free equipment assignment; null when none can serve. */
function assignOthers(
  p: Prepared,
  span: TimeInterval,
  padded: TimeInterval,
): { roomId: string | null; equipmentIds: string[] } | null {
  // Nothing to choose (the common visit type: a practitioner only): no search, no closures.
  if (p.rooms === null && p.equipment.length === 0) return { roomId: null, equipmentIds: [] };
  let roomId: string | null = null;
  if (p.rooms !== null) {
    roomId = p.rooms.find((id) => fits(p.resources.get(resourceKey("room", id)), span, padded)) ?? null;
    if (roomId === null) return null;
  }
  const equipmentIds = assignDistinct(
    p.equipment.map((e) => e.ids),
    (id) => fits(p.resources.get(resourceKey("equipment", id)), span, padded),
  );
  return equipmentIds === null ? null : { roomId, equipmentIds };
}

/** Candidate starts on the location's step grid within the range, in order, with their local dates. */
function gridStarts(p: Prepared): { start: number; localDate: PlainDate }[] {
  const { range, zone, appointmentType } = p.req;
  const step = appointmentType.stepMinutes;
  const earliest = Math.max(range.start, p.req.now + appointmentType.minLeadMinutes * MINUTE);
  const out: { start: number; localDate: PlainDate }[] = [];
  for (const date of localDatesInRange(range, zone)) {
    const day = localDayBounds(date, zone);
    const offset = zoneOffsetMinutes(zone, day.start);
    const plainDay =
      day.end - day.start === DAY &&
      zoneOffsetMinutes(zone, day.start + DAY / 2) === offset &&
      zoneOffsetMinutes(zone, day.end - 1) === offset;
    const starts: number[] = [];
    for (let m = 0; m < 1440; m += step) {
      if (plainDay) {
        // No transition today: wall minute m is m minutes after local midnight.
        starts.push(day.start + m * MINUTE);
        continue;
      }
      // A DST day: ask the zone, so the gap has no starts and the repeated hour has both of its starts.
      const r = localToInstant(date, formatWallTime(m), zone);
      if (r.kind === "ok") starts.push(r.instant);
      else if (r.kind === "ambiguous") starts.push(r.earlier, r.later);
    }
    starts.sort((a, b) => a - b);
    for (const s of starts) if (s >= earliest && s < range.end) out.push({ start: s, localDate: date });
  }
  // Sorted and unique across days too, so `limit` keeps the earliest slots and no start is offered twice.
  out.sort((a, b) => a.start - b.start);
  return out.filter((c, i) => i === 0 || out[i - 1]!.start !== c.start);
}

/**
 * The open slots for an appointment type, sorted by start then practitioner id. For each start it picks
 * the first practitioner by id that can take it (every eligible one with `eachPractitioner`), then the
 * first free room and equipment by id, so the same inputs always give the same slots.
 */
export function findSlots(req: SlotRequest): Slot[] {
  const p = prepare(req);
  const limit = req.limit ?? Number.POSITIVE_INFINITY;
  const slots: Slot[] = [];
  // Looked up once, not per start: the loop below runs (grid starts × practitioners) times.
  const docs = p.practitioners.map((id) => ({ id, doc: p.resources.get(resourceKey("practitioner", id)) }));
  // When any practitioner is available at all: a start outside it (nights, weekends, most of a search's
  // grid) is skipped without asking each practitioner. Only a shortcut: `fits` below still decides.
  const anyOpen = mergeIntervals(docs.flatMap((d) => d.doc?.available ?? []));
  for (const { start, localDate } of gridStarts(p)) {
    const span = { start, end: start + p.durationMs };
    if (!normalizedContains(anyOpen, span)) continue;
    const padded = { start: start - p.beforeMs, end: span.end + p.afterMs };
    for (const { id: practitionerId, doc } of docs) {
      if (!fits(doc, span, padded) || !underDailyLimit(p, practitionerId, localDate)) continue;
      const others = assignOthers(p, span, padded);
      // Rooms and equipment do not depend on the practitioner, so if they are missing no one can take it.
      if (others === null) break;
      slots.push({
        start,
        end: span.end,
        practitionerId,
        ...others,
        overbooked: normalizedOverlaps(doc!.anyBusy, padded),
      });
      if (slots.length >= limit || !req.eachPractitioner) break;
    }
    if (slots.length >= limit) break;
  }
  return slots;
}

/**
 * Why no room (or item of one equipment kind) was given or could be chosen: when some eligible one is
 * available then but every such one is held by another visit, the time is taken (a conflict, like a busy
 * practitioner), not a missing choice.
 */
function missingOrTaken(
  p: Prepared,
  kind: "room" | "equipment",
  ids: readonly string[],
  span: TimeInterval,
  padded: TimeInterval,
  equipmentKind?: string,
): BookingRefusal {
  const open = ids
    .map((id) => p.resources.get(resourceKey(kind, id)))
    .filter((r): r is PreparedResource => r !== undefined && normalizedContains(r.available, span));
  const taken = open.filter((r) => normalizedOverlaps(r.full, padded));
  if (open.length > 0 && taken.length === open.length) {
    const first = taken[0]!;
    const conflictingBookingIds = sortedUnique(
      first.busy
        .filter((b) => b.start < padded.end && padded.start < b.end && b.bookingId)
        .map((b) => b.bookingId!),
    );
    return { reason: "resource_busy", resource: first.ref, conflictingBookingIds };
  }
  return {
    reason: "missing_resource",
    resourceKind: kind,
    ...(equipmentKind !== undefined ? { equipmentKind } : {}),
  };
}

/** Validates one proposed booking by the same rules as `findSlots` (except the step grid), naming every reason it fails. */
export function checkBooking(req: SlotRequest, proposal: BookingProposal): BookingCheck {
  const p = prepare(req);
  const reasons: BookingRefusal[] = [];
  const refuse = (r: BookingRefusal): BookingCheck => ({
    ok: false,
    reasons: [r],
    start: null,
    end: null,
    localDate: null,
    overbooked: false,
  });

  let start: number;
  if (typeof proposal.start === "number") {
    start = proposal.start;
  } else {
    const { localDate, localTime, utcOffsetMinutes } = proposal.start;
    const r = resolveLocal(localDate, localTime, req.zone, utcOffsetMinutes);
    if (r.kind === "nonexistent") return refuse({ reason: "nonexistent_local_time", localDate, localTime });
    if (r.kind === "offset_mismatch")
      return refuse({ reason: "offset_mismatch", validOffsets: r.validOffsets });
    start = r.instant;
  }
  const end = proposal.end ?? start + p.durationMs;
  const localDate = instantToLocal(start, req.zone).date;
  // Nothing else is meaningful for an inverted visit (every overlap test would pass vacuously).
  if (!(end > start)) return { ...refuse({ reason: "end_before_start" }), start, end, localDate };
  // A custom end is bounded by the type, so a date typo never holds a room for a day.
  const maxMinutes = maxCustomLengthMinutes(req.appointmentType.durationMinutes);
  if (proposal.end !== undefined && end - start > maxMinutes * MINUTE && proposal.allowLongVisit !== true)
    reasons.push({ reason: "too_long", minutes: Math.ceil((end - start) / MINUTE), maxMinutes });

  if (start < req.now) reasons.push({ reason: "in_past" });
  else {
    const earliestStart = req.now + req.appointmentType.minLeadMinutes * MINUTE;
    if (start < earliestStart) reasons.push({ reason: "too_soon", earliestStart });
  }

  const span = { start, end };
  const padded = { start: start - p.beforeMs, end: end + p.afterMs };
  let overbooked = false;
  const checkResource = (kind: ResourceKind, id: string) => {
    const ref = { resourceId: id, resourceKind: kind };
    const r = p.resources.get(resourceKey(kind, id));
    if (!r || !normalizedContains(r.available, span))
      reasons.push({ reason: "outside_availability", resource: ref });
    if (!r) return;
    if (normalizedOverlaps(r.full, padded)) {
      const conflictingBookingIds = sortedUnique(
        r.busy
          .filter((b) => b.start < padded.end && padded.start < b.end && b.bookingId)
          .map((b) => b.bookingId!),
      );
      reasons.push({ reason: "resource_busy", resource: ref, conflictingBookingIds });
    } else if (kind === "practitioner" && normalizedOverlaps(r.anyBusy, padded)) {
      overbooked = true;
    }
  };

  if (p.practitioners.includes(proposal.practitionerId))
    checkResource("practitioner", proposal.practitionerId);
  else
    reasons.push({
      reason: "not_eligible",
      resource: { resourceId: proposal.practitionerId, resourceKind: "practitioner" },
    });

  if (p.rooms !== null) {
    if (proposal.roomId === null) reasons.push(missingOrTaken(p, "room", p.rooms, span, padded));
    else if (!p.rooms.includes(proposal.roomId)) {
      reasons.push({
        reason: "not_eligible",
        resource: { resourceId: proposal.roomId, resourceKind: "room" },
      });
    } else checkResource("room", proposal.roomId);
  } else if (proposal.roomId !== null) {
    // A room the type does not need would still be held; check it rather than double-book it.
    checkResource("room", proposal.roomId);
  }

  // Match proposed equipment to requirements (each item serves one), then check each matched item.
  const proposed = sortedUnique(proposal.equipmentIds);
  let used = assignDistinct(p.equipment.map((e) => e.ids.filter((id) => proposed.includes(id))));
  if (used === null) {
    // No complete matching: name the requirements a first-fit pass leaves without an item.
    used = [];
    for (const need of p.equipment) {
      const id = need.ids.find((e) => proposed.includes(e) && !used!.includes(e));
      if (id === undefined) {
        reasons.push(missingOrTaken(p, "equipment", need.ids, span, padded, need.kind));
      } else used.push(id);
    }
  }
  for (const id of used) checkResource("equipment", id);
  // An item no requirement takes would still be held by the booking without any check: refuse it.
  for (const id of proposed) {
    if (!used.includes(id))
      reasons.push({ reason: "not_eligible", resource: { resourceId: id, resourceKind: "equipment" } });
  }

  const max = req.appointmentType.maxPerDayPerPractitioner;
  if (max !== null && !underDailyLimit(p, proposal.practitionerId, localDate)) {
    reasons.push({ reason: "daily_limit", practitionerId: proposal.practitionerId, localDate, max });
  }

  // The patient's own time: the visit itself, without the resources' buffers; back to back is fine.
  if (proposal.allowPatientOverlap !== true && req.patientVisits?.length) {
    const visits = overlappingPatientVisits(req.patientVisits, span, req.ignoreBookingIds ?? []);
    if (visits.length) reasons.push({ reason: "patient_overlap", visits });
  }

  return {
    ok: reasons.length === 0,
    reasons,
    start,
    end,
    localDate,
    overbooked: reasons.length === 0 && overbooked,
  };
}

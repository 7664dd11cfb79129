/**
 * When each resource (practitioner, room, equipment) can be booked: weekly templates in the location's
 * zone, dated exceptions, blocks and location closures, expanded into UTC intervals.
 *
 * Order of precedence, per resource, for each local date:
 *   1. templates effective that date for its weekday, plus `extra` exceptions, unless the location is
 *      closed that date (a closure wins over an extra: to open on a holiday, remove the closure);
 *   2. minus `unavailable` exceptions (the whole local day, or the given times);
 *   3. minus blocks (instant ranges: meetings, lunch, vacation, an expired license onwards).
 * Wall times are converted day by day in the template's own zone with `localBoundary`, so 08:00–17:00 is
 * nine real hours on DST days too, and 01:00–03:00 on a spring-forward day is one real hour.
 *
 * Pass the templates and extras of the location being booked; pass blocks and busy time from every
 * location, since a practitioner cannot be in two places at once.
 */
import { DomainError, type ErrorDetail } from "../shared/domain-error.ts";
import { isPlainDate } from "../shared/time-zone.ts";
import { clipIntervals, mergeIntervals, subtractIntervals, type TimeInterval } from "./intervals.ts";
import {
  type IsoWeekday,
  isKnownTimeZone,
  isoWeekday,
  localBoundary,
  localDatesInRange,
  localDayBounds,
  type PlainDate,
  parseWallTime,
  type WallTime,
} from "./zoned-time.ts";

/** What a resource is; ids only need to be unique within a kind. */
export type ResourceKind = "practitioner" | "room" | "equipment";

/** Names one resource. */
export interface ResourceRef {
  resourceId: string;
  resourceKind: ResourceKind;
}

/** A recurring weekly window: `weekday` `start`–`end` local time, from `effectiveFrom` to `effectiveTo`. */
export interface WeeklyTemplate extends ResourceRef {
  locationId: string;
  /** IANA zone of the location; the wall times are read there. */
  locationZone: string;
  weekday: IsoWeekday;
  start: WallTime;
  /** Exclusive; `24:00` runs to midnight. Windows crossing midnight are two templates. */
  end: WallTime;
  /** First local date the template applies (inclusive). */
  effectiveFrom: PlainDate;
  /** Last local date the template applies (inclusive), or null for open-ended. */
  effectiveTo: PlainDate | null;
}

/** A dated change to the weekly pattern: extra hours on one date, or unavailable (all day or some hours). */
export type AvailabilityException =
  | (ResourceRef & {
      kind: "extra";
      locationId: string;
      locationZone: string;
      date: PlainDate;
      start: WallTime;
      end: WallTime;
    })
  | (ResourceRef & {
      kind: "unavailable";
      locationZone: string;
      date: PlainDate;
      /** Both null (or absent) = the whole local day. */
      start?: WallTime | null;
      end?: WallTime | null;
    });

/** Instants a resource cannot be booked (meeting, lunch, vacation, maintenance). */
export interface AvailabilityBlock extends ResourceRef {
  start: number;
  end: number;
}

/** A whole local date a location is closed (holiday, closure): no template or extra applies there. */
export interface LocationClosure {
  locationId: string;
  date: PlainDate;
}

/** Everything `expandAvailability` needs. */
export interface AvailabilityInput {
  templates: readonly WeeklyTemplate[];
  exceptions: readonly AvailabilityException[];
  blocks: readonly AvailabilityBlock[];
  closures: readonly LocationClosure[];
}

/** One resource's bookable time: a normalized list of UTC intervals. */
export interface ResourceAvailability extends ResourceRef {
  available: TimeInterval[];
}

/** A stable map key for a resource, so a room and a practitioner with the same id never collide. */
export function resourceKey(kind: ResourceKind, id: string): string {
  return `${kind}:${id}`;
}

const KINDS: readonly ResourceKind[] = ["practitioner", "room", "equipment"];

function checkWindow(
  problems: ErrorDetail[],
  path: string,
  start: string,
  end: string,
  zone: string,
  dates: string[],
): void {
  const s = parseWallTime(start);
  const e = parseWallTime(end, true);
  if (s === null) problems.push({ path: `${path}.start`, message: "must be a time HH:mm" });
  if (e === null) problems.push({ path: `${path}.end`, message: "must be a time HH:mm (or 24:00)" });
  // An inverted window would silently vanish; refuse it so an overnight shift is entered as two windows.
  if (s !== null && e !== null && s >= e)
    problems.push({ path: `${path}.end`, message: "must be after start" });
  if (!isKnownTimeZone(zone))
    problems.push({ path: `${path}.locationZone`, message: "must be an IANA zone" });
  for (const d of dates) if (!isPlainDate(d)) problems.push({ path, message: `"${d}" is not a date` });
}

function checkResource(problems: ErrorDetail[], path: string, r: ResourceRef): void {
  if (!KINDS.includes(r.resourceKind))
    problems.push({ path: `${path}.resourceKind`, message: "unknown kind" });
  if (!r.resourceId) problems.push({ path: `${path}.resourceId`, message: "is required" });
}

/** Throws `invalid_request` naming every malformed template, exception, block or closure. */
export function validateAvailabilityInput(input: AvailabilityInput): void {
  const problems: ErrorDetail[] = [];
  input.templates.forEach((t, i) => {
    const path = `templates.${i}`;
    checkResource(problems, path, t);
    checkWindow(problems, path, t.start, t.end, t.locationZone, [
      t.effectiveFrom,
      ...(t.effectiveTo === null ? [] : [t.effectiveTo]),
    ]);
    if (!Number.isInteger(t.weekday) || t.weekday < 1 || t.weekday > 7) {
      problems.push({ path: `${path}.weekday`, message: "must be 1 (Monday) to 7 (Sunday)" });
    }
    if (t.effectiveTo !== null && t.effectiveTo < t.effectiveFrom) {
      problems.push({ path: `${path}.effectiveTo`, message: "must not be before effectiveFrom" });
    }
  });
  input.exceptions.forEach((x, i) => {
    const path = `exceptions.${i}`;
    checkResource(problems, path, x);
    const start = x.start ?? null;
    const end = x.end ?? null;
    if (x.kind === "unavailable" && start === null && end === null) {
      checkWindow(problems, path, "00:00", "24:00", x.locationZone, [x.date]);
    } else if (start === null || end === null) {
      problems.push({ path, message: "needs both start and end (or neither, for a whole unavailable day)" });
    } else {
      checkWindow(problems, path, start, end, x.locationZone, [x.date]);
    }
  });
  input.blocks.forEach((b, i) => {
    checkResource(problems, `blocks.${i}`, b);
    if (!(Number.isFinite(b.start) && Number.isFinite(b.end) && b.start < b.end)) {
      problems.push({ path: `blocks.${i}`, message: "must end after it starts" });
    }
  });
  input.closures.forEach((c, i) => {
    if (!isPlainDate(c.date))
      problems.push({ path: `closures.${i}.date`, message: "must be a date YYYY-MM-DD" });
  });
  if (problems.length > 0)
    throw new DomainError("invalid_request", "The availability settings are invalid.", problems);
}

/** Instants of a local window on one date, boundaries resolved by the rule in zoned-time.ts. */
function windowOn(date: PlainDate, start: WallTime, end: WallTime, zone: string): TimeInterval {
  return { start: localBoundary(date, start, zone), end: localBoundary(date, end, zone) };
}

/**
 * Expands templates, exceptions, blocks and closures into each resource's available UTC intervals within
 * `range`. Every resource named by a template or exception is listed (possibly with no time), sorted by
 * kind then id. Throws `invalid_request` on malformed input.
 */
export function expandAvailability(input: AvailabilityInput, range: TimeInterval): ResourceAvailability[] {
  validateAvailabilityInput(input);
  const closed = new Set(input.closures.map((c) => `${c.locationId}|${c.date}`));
  const datesByZone = new Map<string, PlainDate[]>();
  const datesIn = (zone: string): PlainDate[] => {
    let dates = datesByZone.get(zone);
    if (!dates) {
      dates = localDatesInRange(range, zone);
      datesByZone.set(zone, dates);
    }
    return dates;
  };
  // Only dates that touch the range are expanded, so a query for one week never walks a template's
  // whole effective period.
  const inRange = (zone: string, date: PlainDate) => datesIn(zone).includes(date);

  const adds = new Map<string, { ref: ResourceRef; list: TimeInterval[] }>();
  const subs = new Map<string, TimeInterval[]>();
  const entry = (r: ResourceRef) => {
    const key = resourceKey(r.resourceKind, r.resourceId);
    let e = adds.get(key);
    if (!e) {
      e = { ref: { resourceId: r.resourceId, resourceKind: r.resourceKind }, list: [] };
      adds.set(key, e);
    }
    return e;
  };
  const cut = (r: ResourceRef, i: TimeInterval) => {
    const key = resourceKey(r.resourceKind, r.resourceId);
    const list = subs.get(key) ?? [];
    list.push(i);
    subs.set(key, list);
  };

  for (const t of input.templates) {
    const e = entry(t);
    for (const date of datesIn(t.locationZone)) {
      if (isoWeekday(date) !== t.weekday) continue;
      if (date < t.effectiveFrom || (t.effectiveTo !== null && date > t.effectiveTo)) continue;
      if (closed.has(`${t.locationId}|${date}`)) continue;
      e.list.push(windowOn(date, t.start, t.end, t.locationZone));
    }
  }
  for (const x of input.exceptions) {
    const e = entry(x);
    if (!inRange(x.locationZone, x.date)) continue;
    if (x.kind === "extra") {
      if (!closed.has(`${x.locationId}|${x.date}`))
        e.list.push(windowOn(x.date, x.start, x.end, x.locationZone));
    } else if (x.start && x.end) {
      cut(x, windowOn(x.date, x.start, x.end, x.locationZone));
    } else {
      cut(x, localDayBounds(x.date, x.locationZone));
    }
  }
  for (const b of input.blocks) cut(b, { start: b.start, end: b.end });

  const kindOrder = (k: ResourceKind) => KINDS.indexOf(k);
  return [...adds.entries()]
    .map(([key, { ref, list }]) => ({
      ...ref,
      available: clipIntervals(subtractIntervals(mergeIntervals(list), subs.get(key) ?? []), range),
    }))
    .sort(
      (a, b) =>
        kindOrder(a.resourceKind) - kindOrder(b.resourceKind) ||
        (a.resourceId < b.resourceId ? -1 : a.resourceId > b.resourceId ? 1 : 0),
    );
}

/**
 * Local wall time in an IANA zone ⇄ UTC instants, without ever consulting the process time zone: every
 * conversion asks the zone for its UTC offset at an instant (luxon's `IANAZone`, backed by Intl) and does
 * calendar arithmetic on UTC fields only.
 *
 * THE RULE for local times that do not map to exactly one instant (issue 3, item 11):
 * - A nonexistent local time (inside a spring-forward gap, e.g. 02:30 on 2026-03-08 in New York) has no
 *   instant: `localToInstant` answers `{ kind: "nonexistent" }`, `resolveLocal` refuses it, bookings there
 *   are refused and availability simply has no time in the gap.
 * - An ambiguous local time (inside a fall-back overlap, e.g. 01:30 on 2026-11-01 in New York) has two:
 *   `localToInstant` answers both; `resolveLocal` takes the EARLIER one (the first time the clock shows
 *   it, still on daylight time) unless the caller names the UTC offset it means.
 * - A boundary of an availability window (`localBoundary`) is "the first instant at which a wall clock
 *   shows that time or later": a gap moves it to the end of the gap, an overlap takes its first occurrence.
 */
import { IANAZone } from "luxon";
import { DomainError } from "../shared/domain-error.ts";
import { isPlainDate, isValidTimeZone } from "../shared/time-zone.ts";
import type { TimeInterval } from "./intervals.ts";

/** A calendar date `YYYY-MM-DD` with no zone. */
export type PlainDate = string;
/** A wall-clock time `HH:mm` (24-hour). */
export type WallTime = string;
/** ISO weekday: 1 = Monday … 7 = Sunday. */
export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** How a local date and time maps to instants: exactly one, none (gap) or two (overlap). */
export type LocalResolution =
  | { kind: "ok"; instant: number }
  | { kind: "nonexistent" }
  | { kind: "ambiguous"; earlier: number; later: number };

/** The outcome of `resolveLocal`: one instant, or why there is none. */
export type ResolvedLocal =
  | { kind: "ok"; instant: number; ambiguous: boolean }
  | { kind: "nonexistent" }
  | { kind: "offset_mismatch"; validOffsets: number[] };

/** An instant seen on the wall clocks of a zone. */
export interface LocalDateTime {
  date: PlainDate;
  time: WallTime;
  weekday: IsoWeekday;
  /** Minutes since local midnight of the wall clock (0–1439). */
  minuteOfDay: number;
  /** UTC offset in minutes at that instant (New York in winter: -300). */
  offsetMinutes: number;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

// Zone names already checked. Checking builds an Intl formatter (~150 µs), and every conversion checks,
// so without this memo slot finding over months would spend most of its time re-validating one name.
const knownZones = new Set<string>();

/** True when `zone` is an IANA zone name this runtime knows (memoized `isValidTimeZone`). */
export function isKnownTimeZone(zone: string): boolean {
  if (knownZones.has(zone)) return true;
  if (!isValidTimeZone(zone)) return false;
  knownZones.add(zone);
  return true;
}

/** Throws `invalid_request` unless `zone` is a known IANA zone name. */
export function assertTimeZone(zone: string): void {
  if (!isKnownTimeZone(zone)) {
    throw new DomainError("invalid_request", `Unknown time zone "${zone}".`, [
      { path: "zone", message: "must be an IANA time zone such as America/New_York" },
    ]);
  }
}

/** Throws `invalid_request` unless `date` is a real `YYYY-MM-DD` date. */
export function assertPlainDate(date: string, path = "date"): void {
  if (!isPlainDate(date)) {
    throw new DomainError("invalid_request", `"${date}" is not a date (YYYY-MM-DD).`, [
      { path, message: "must be a date YYYY-MM-DD" },
    ]);
  }
}

/**
 * Minutes since midnight of a wall time `HH:mm` (00:00–23:59), or null when malformed. With
 * `allowEndOfDay`, `24:00` (1440) is accepted so a window can run to midnight.
 */
export function parseWallTime(time: string, allowEndOfDay = false): number | null {
  const m = /^(\d{2}):(\d{2})$/.exec(time);
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (allowEndOfDay && h === 24 && min === 0) return 1440;
  if (h > 23 || min > 59) return null;
  return h * 60 + min;
}

/** Formats minutes since midnight as `HH:mm`. */
export function formatWallTime(minuteOfDay: number): WallTime {
  const h = Math.floor(minuteOfDay / 60);
  const m = minuteOfDay % 60;
  return `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`;
}

/** Epoch ms of the date at 00:00 UTC: the "floating" form used for calendar arithmetic. */
function floatingMidnight(date: PlainDate): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
}

function formatFloatingDate(ms: number): PlainDate {
  // toISOString reads UTC fields, never the process zone.
  return new Date(ms).toISOString().slice(0, 10);
}

/** The date `days` calendar days after `date` (negative goes back). */
export function addDays(date: PlainDate, days: number): PlainDate {
  return formatFloatingDate(floatingMidnight(date) + days * DAY);
}

/** Whole calendar days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: PlainDate, to: PlainDate): number {
  return Math.round((floatingMidnight(to) - floatingMidnight(from)) / DAY);
}

/** The ISO weekday of a calendar date (1 = Monday … 7 = Sunday). */
export function isoWeekday(date: PlainDate): IsoWeekday {
  return (((new Date(floatingMidnight(date)).getUTCDay() + 6) % 7) + 1) as IsoWeekday;
}

// Recent offset answers by zone and instant: day boundaries and window edges are asked for again and
// again, and each fresh answer costs an Intl formatting call. Bounded so a long-running server cannot grow it.
const offsetMemo = new Map<string, number>();
const OFFSET_MEMO_LIMIT = 50_000;

/** The zone's UTC offset in minutes at an instant (positive east of Greenwich). */
export function zoneOffsetMinutes(zone: string, instant: number): number {
  const key = `${zone}|${instant}`;
  const memo = offsetMemo.get(key);
  if (memo !== undefined) return memo;
  const offset = IANAZone.create(zone).offset(instant);
  if (offsetMemo.size >= OFFSET_MEMO_LIMIT) offsetMemo.clear();
  offsetMemo.set(key, offset);
  return offset;
}

/** The instant seen on the zone's wall clocks. */
export function instantToLocal(instant: number, zone: string): LocalDateTime {
  assertTimeZone(zone);
  const offsetMinutes = zoneOffsetMinutes(zone, instant);
  const wall = new Date(instant + offsetMinutes * MINUTE);
  const minuteOfDay = wall.getUTCHours() * 60 + wall.getUTCMinutes();
  return {
    date: wall.toISOString().slice(0, 10),
    time: formatWallTime(minuteOfDay),
    weekday: (((wall.getUTCDay() + 6) % 7) + 1) as IsoWeekday,
    minuteOfDay,
    offsetMinutes,
  };
}

/** Wall clock reading of an instant as floating ms (what `Date.UTC` would give for the local fields). */
function wallMs(zone: string, instant: number): number {
  return instant + zoneOffsetMinutes(zone, instant) * MINUTE;
}

function checkedWall(date: PlainDate, time: WallTime, zone: string, allowEndOfDay: boolean): number {
  assertTimeZone(zone);
  assertPlainDate(date);
  const minutes = parseWallTime(time, allowEndOfDay);
  if (minutes === null) {
    throw new DomainError("invalid_request", `"${time}" is not a time (HH:mm).`, [
      { path: "time", message: "must be a time HH:mm" },
    ]);
  }
  return floatingMidnight(date) + minutes * MINUTE;
}

/** All instants whose wall clock in `zone` reads exactly the floating time `wall`, earliest first. */
function instantsShowing(zone: string, wall: number): number[] {
  // Offsets seen a day either side bracket any single transition near this wall time (offsets stay
  // within ±14 h), so every instant that can show `wall` uses one of these offsets.
  const offsets = new Set([
    zoneOffsetMinutes(zone, wall - DAY),
    zoneOffsetMinutes(zone, wall),
    zoneOffsetMinutes(zone, wall + DAY),
  ]);
  const found = new Set<number>();
  for (const offset of offsets) {
    const candidate = wall - offset * MINUTE;
    // A candidate only counts when the zone really uses that offset at that instant: this is what
    // detects gaps (no candidate survives) and overlaps (two survive).
    if (zoneOffsetMinutes(zone, candidate) === offset) found.add(candidate);
  }
  return [...found].sort((a, b) => a - b);
}

/** Maps a local date and time in `zone` to its instant(s); see the rule at the top of this file. */
export function localToInstant(date: PlainDate, time: WallTime, zone: string): LocalResolution {
  const found = instantsShowing(zone, checkedWall(date, time, zone, false));
  if (found.length === 0) return { kind: "nonexistent" };
  if (found.length === 1) return { kind: "ok", instant: found[0]! };
  return { kind: "ambiguous", earlier: found[0]!, later: found[found.length - 1]! };
}

/**
 * The one instant a booking at a local date and time means: refused in a gap, the EARLIER occurrence in
 * an overlap, or the occurrence with `utcOffsetMinutes` when the caller names it (e.g. -300 for the
 * second 01:30 in New York on 2026-11-01).
 */
export function resolveLocal(
  date: PlainDate,
  time: WallTime,
  zone: string,
  utcOffsetMinutes?: number,
): ResolvedLocal {
  const found = instantsShowing(zone, checkedWall(date, time, zone, false));
  if (found.length === 0) return { kind: "nonexistent" };
  if (utcOffsetMinutes !== undefined) {
    // An explicit offset must be one the zone actually uses at that wall time; otherwise the caller
    // means an instant with a different wall time and silently "correcting" it would book the wrong hour.
    const match = found.find((t) => zoneOffsetMinutes(zone, t) === utcOffsetMinutes);
    if (match === undefined) {
      return { kind: "offset_mismatch", validOffsets: found.map((t) => zoneOffsetMinutes(zone, t)) };
    }
    return { kind: "ok", instant: match, ambiguous: found.length > 1 };
  }
  return { kind: "ok", instant: found[0]!, ambiguous: found.length > 1 };
}

/**
 * The first instant at which the zone's wall clock shows `date time` or later: the instant itself when
 * it exists once, the earlier occurrence in an overlap, the end of the gap in a spring-forward gap.
 * `24:00` means the next day's 00:00. Used for availability windows and day boundaries.
 */
export function localBoundary(date: PlainDate, time: WallTime, zone: string): number {
  const wall = checkedWall(date, time, zone, true);
  const found = instantsShowing(zone, wall);
  if (found.length > 0) return found[0]!;
  // In a gap the wall clock jumps forward, so near here it is increasing in the instant: binary search
  // for the first instant showing a later time (the transition) instead of guessing the gap's length.
  let lo = wall - DAY;
  let hi = wall + DAY;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (wallMs(zone, mid) >= wall) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The instants of a local day `[00:00, next day's 00:00)`: 23 or 25 hours long on DST days. */
export function localDayBounds(date: PlainDate, zone: string): TimeInterval {
  return { start: localBoundary(date, "00:00", zone), end: localBoundary(addDays(date, 1), "00:00", zone) };
}

/** The local dates in `zone` whose day shares at least one instant with `range`, in order. */
export function localDatesInRange(range: TimeInterval, zone: string): PlainDate[] {
  assertTimeZone(zone);
  if (!(range.start < range.end)) return [];
  // One day of slack either side, then keep the days that really intersect: a wall clock that falls back
  // across midnight can show the previous date after the new day has begun.
  const first = addDays(instantToLocal(range.start, zone).date, -1);
  const last = addDays(instantToLocal(range.end - 1, zone).date, 1);
  const out: PlainDate[] = [];
  for (let d = first; d <= last; d = addDays(d, 1)) {
    const day = localDayBounds(d, zone);
    if (day.start < range.end && range.start < day.end) out.push(d);
  }
  return out;
}

// Wall-clock time in a named IANA time zone (the location's), computed with Intl only: nothing here
// reads the browser's zone or calls a local Date getter, so the calendar shows the same times on any
// computer. Plain dates are `YYYY-MM-DD`; "minutes" are minutes after local midnight.

const formatters = new Map<string, Intl.DateTimeFormat>();

function cached(key: string, make: () => Intl.DateTimeFormat): Intl.DateTimeFormat {
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = make();
    formatters.set(key, formatter);
  }
  return formatter;
}

function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  return cached(
    `parts|${timeZone}`,
    () =>
      new Intl.DateTimeFormat("en-US", {
        timeZone,
        hourCycle: "h23",
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
      }),
  );
}

export interface ZonedParts {
  /** The local calendar date, `YYYY-MM-DD`. */
  date: string;
  /** Minutes after local midnight (0–1439). */
  minutes: number;
  seconds: number;
}

/** The local date and time of an instant in a time zone. */
export function zonedParts(instant: number | string | Date, timeZone: string): ZonedParts {
  const ms = toMs(instant);
  const values: Record<string, string> = {};
  for (const part of partsFormatter(timeZone).formatToParts(ms)) values[part.type] = part.value;
  const hour = Number(values.hour) % 24;
  return {
    date: `${values.year}-${values.month}-${values.day}`,
    minutes: hour * 60 + Number(values.minute),
    seconds: Number(values.second),
  };
}

function toMs(instant: number | string | Date): number {
  if (typeof instant === "number") return instant;
  if (typeof instant === "string") return Date.parse(instant);
  return instant.getTime();
}

function plainDateUtc(date: string): number {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d);
}

/** The zone's offset from UTC at an instant, in minutes (Chicago in winter: -360). */
export function offsetMinutes(instant: number, timeZone: string): number {
  const p = zonedParts(instant, timeZone);
  const asUtc = plainDateUtc(p.date) + p.minutes * 60_000 + p.seconds * 1000;
  return Math.round((asUtc - Math.floor(instant / 1000) * 1000) / 60_000);
}

/**
 * The instant of a local date and time in a zone. A time that does not exist (the hour skipped when
 * clocks spring forward) answers null; an ambiguous one (the hour repeated when they fall back) answers
 * the first occurrence: the same rule the server applies.
 */
export function localToInstant(date: string, minutes: number, timeZone: string): number | null {
  const naive = plainDateUtc(date) + minutes * 60_000;
  const candidates = new Set<number>();
  for (const probe of [naive - 14 * 3_600_000, naive, naive + 14 * 3_600_000]) {
    candidates.add(naive - offsetMinutes(probe, timeZone) * 60_000);
  }
  const valid = [...candidates]
    .filter((c) => {
      const p = zonedParts(c, timeZone);
      return p.date === date && p.minutes === minutes;
    })
    .sort((a, b) => a - b);
  return valid[0] ?? null;
}

/** The UTC instants that bound a local day (23 or 25 hours long on the days the clocks change). */
export function dayBounds(date: string, timeZone: string): { start: number; end: number } {
  return { start: startOfLocalDay(date, timeZone), end: startOfLocalDay(addDays(date, 1), timeZone) };
}

function startOfLocalDay(date: string, timeZone: string): number {
  // A few zones skip midnight itself on their change day; the day then starts at the first valid minute.
  for (let m = 0; m < 180; m += 15) {
    const instant = localToInstant(date, m, timeZone);
    if (instant !== null) return instant;
  }
  return plainDateUtc(date);
}

/** `2026-11-27` plus `n` days. */
export function addDays(date: string, n: number): string {
  return new Date(plainDateUtc(date) + n * 86_400_000).toISOString().slice(0, 10);
}

/** ISO weekday of a plain date: Monday 1 … Sunday 7. */
export function isoWeekday(date: string): number {
  const day = new Date(plainDateUtc(date)).getUTCDay();
  return day === 0 ? 7 : day;
}

/** The Monday of the week a plain date falls in. */
export function startOfWeek(date: string): string {
  return addDays(date, 1 - isoWeekday(date));
}

/** Today's date in the zone. */
export function todayIn(timeZone: string, now: number = Date.now()): string {
  return zonedParts(now, timeZone).date;
}

/** `08:30` → 510; `24:00` → 1440. */
export function parseWallTime(value: string): number {
  const [h, m] = value.split(":").map(Number) as [number, number];
  return h * 60 + m;
}

/** 510 → `08:30`. */
export function wallTime(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`;
}

/** 510 → `8:30 AM` (a wall-clock label for the time gutter). */
export function wallTimeLabel(minutes: number): string {
  const h = Math.floor(minutes / 60) % 24;
  const m = minutes % 60;
  const suffix = h < 12 ? "AM" : "PM";
  const h12 = h % 12 === 0 ? 12 : h % 12;
  return `${h12}:${String(m).padStart(2, "0")} ${suffix}`;
}

/** The zone's abbreviation at an instant: `CST`, `CDT` (or `GMT+1` where the zone has no common one). */
export function zoneAbbreviation(instant: number | string, timeZone: string): string {
  const formatter = cached(
    `abbr|${timeZone}`,
    () => new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "short" }),
  );
  return formatter.formatToParts(toMs(instant)).find((p) => p.type === "timeZoneName")?.value ?? timeZone;
}

/** An instant as a local time: `9:05 AM`. */
export function formatTime(instant: number | string, timeZone: string): string {
  const formatter = cached(
    `time|${timeZone}`,
    () => new Intl.DateTimeFormat("en-US", { timeZone, hour: "numeric", minute: "2-digit" }),
  );
  return formatter.format(toMs(instant));
}

/** An instant as a time with the zone: `9:05 AM CST`. */
export function formatTimeZoned(instant: number | string, timeZone: string): string {
  return `${formatTime(instant, timeZone)} ${zoneAbbreviation(instant, timeZone)}`;
}

/** A time range: `9:00 – 9:20 AM CST`-style, always with the zone abbreviation of the start. */
export function formatRange(start: number | string, end: number | string, timeZone: string): string {
  return `${formatTime(start, timeZone)} – ${formatTime(end, timeZone)} ${zoneAbbreviation(start, timeZone)}`;
}

/** A plain date as `Fri, Nov 27, 2026`. */
export function formatLongDate(date: string): string {
  const formatter = cached(
    "longdate",
    () =>
      new Intl.DateTimeFormat("en-US", {
        timeZone: "UTC",
        weekday: "short",
        month: "short",
        day: "numeric",
        year: "numeric",
      }),
  );
  return formatter.format(plainDateUtc(date));
}

/** A plain date as `Fri 27`. */
export function formatShortDate(date: string): string {
  const formatter = cached(
    "shortdate",
    () =>
      new Intl.DateTimeFormat("en-US", { timeZone: "UTC", weekday: "short", month: "short", day: "numeric" }),
  );
  return formatter.format(plainDateUtc(date));
}

/** An instant as `Fri, Nov 27, 9:05 AM CST` in the zone. */
export function formatDateTimeZoned(instant: number | string, timeZone: string): string {
  const p = zonedParts(toMs(instant), timeZone);
  return `${formatShortDate(p.date)}, ${formatTimeZoned(instant, timeZone)}`;
}

/**
 * Recurring series (RFC 5545 RRULE, the subset a practice needs): FREQ=DAILY|WEEKLY|MONTHLY, INTERVAL,
 * BYDAY (with ordinals such as 2TU or -1FR for MONTHLY), BYMONTHDAY (negative counts from the month's
 * end), COUNT, UNTIL, WKST=MO. Anything else is refused, never ignored, so a rule never expands to
 * something other than what the practice typed.
 *
 * Expansion works on plain calendar dates (the "floating time" of RFC 5545) and converts each date plus
 * the series' wall time to an instant in the location's zone only at the end: a 09:00 weekly series stays
 * at 09:00 local across DST changes, whatever the process time zone.
 *
 * Deliberate differences from RFC 5545 §3.3.10, following the Salus time rule (zoned-time.ts):
 * - an occurrence at a nonexistent local time is not shifted past the gap but REPORTED in `skipped` with
 *   its index, so the front desk decides where it goes and it never silently disappears;
 * - an ambiguous one takes the earlier instant;
 * - the first occurrence (DTSTART) must itself match the rule, since the RFC leaves the other case undefined.
 * COUNT counts every instance of the rule, skipped ones included. Dates a rule does not produce (the 31st
 * in a 30-day month) are not instances at all, as in the RFC.
 */
import { DomainError } from "../shared/domain-error.ts";
import { isPlainDate } from "../shared/time-zone.ts";
import {
  addDays,
  assertPlainDate,
  assertTimeZone,
  type IsoWeekday,
  isoWeekday,
  localBoundary,
  type PlainDate,
  parseWallTime,
  resolveLocal,
  type WallTime,
} from "./zoned-time.ts";

/** How often a series repeats. */
export type RecurrenceFrequency = "DAILY" | "WEEKLY" | "MONTHLY";

/** A BYDAY entry: a weekday, and for MONTHLY optionally which one in the month (1 = first, -1 = last). */
export interface RecurrenceWeekday {
  weekday: IsoWeekday;
  ordinal: number | null;
}

/** Where a series stops: after an instant (UNTIL in UTC) or after a local date (UNTIL as a date), inclusive. */
export type RecurrenceUntil = { kind: "instant"; at: number } | { kind: "date"; date: PlainDate };

/** A parsed recurrence rule. */
export interface RecurrenceRule {
  freq: RecurrenceFrequency;
  interval: number;
  byDay: RecurrenceWeekday[];
  byMonthDay: number[];
  count: number | null;
  until: RecurrenceUntil | null;
}

/** The first occurrence of a series: a local wall time in the location's zone. */
export interface SeriesStart {
  localDate: PlainDate;
  localTime: WallTime;
  zone: string;
}

/** Limits on one expansion. */
export interface RecurrenceOptions {
  /** Refuse rules producing more occurrences than this (default 366). */
  maxOccurrences?: number;
  /** Last local date to expand (inclusive). Required for a rule without COUNT or UNTIL. */
  horizon?: PlainDate;
}

/** One occurrence of a series. `index` is its position in the series (0 = the first occurrence). */
export interface Occurrence {
  index: number;
  localDate: PlainDate;
  start: number;
}

/** An instance of the rule with no instant (inside a spring-forward gap), reported rather than dropped. */
export interface SkippedOccurrence {
  index: number;
  localDate: PlainDate;
  reason: "nonexistent_local_time";
}

/** The expansion of a series. */
export interface RecurrenceExpansion {
  occurrences: Occurrence[];
  skipped: SkippedOccurrence[];
}

/** Default cap on occurrences in one series expansion. */
export const MAX_OCCURRENCES = 366;

const DAY_CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"] as const;

function invalid(message: string): DomainError {
  return new DomainError("invalid_request", message, [{ path: "rrule", message }]);
}

function positiveInt(value: string, name: string, max: number): number {
  if (!/^\d{1,6}$/.test(value) || Number(value) < 1 || Number(value) > max) {
    throw invalid(`${name} must be a whole number from 1 to ${max}.`);
  }
  return Number(value);
}

function parseUntil(value: string): RecurrenceUntil {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/.exec(value);
  if (!m) throw invalid("UNTIL must be a date (YYYYMMDD) or a UTC date-time (YYYYMMDDTHHMMSSZ).");
  const date = `${m[1]}-${m[2]}-${m[3]}`;
  if (!isPlainDate(date)) throw invalid("UNTIL is not a real date.");
  if (m[4] === undefined) return { kind: "date", date };
  // A floating or zoned UNTIL would be read in whichever zone the reader assumes; RFC 5545 requires UTC
  // here when DTSTART has a zone, so refuse anything else instead of guessing.
  if (m[7] !== "Z") throw invalid("UNTIL with a time must be in UTC (end with Z).");
  const [h, mi, s] = [Number(m[4]), Number(m[5]), Number(m[6])];
  if (h > 23 || mi > 59 || s > 59) throw invalid("UNTIL has an impossible time.");
  return { kind: "instant", at: Date.parse(`${date}T${m[4]}:${m[5]}:${m[6]}Z`) };
}

/** Parses an RRULE (with or without the `RRULE:` prefix); throws `invalid_request` on anything unsupported. */
export function parseRecurrenceRule(text: string): RecurrenceRule {
  const body = text.trim().replace(/^RRULE:/i, "");
  if (body.length === 0 || body.length > 500) throw invalid("The recurrence rule is empty or too long.");
  const seen = new Map<string, string>();
  for (const part of body.split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) throw invalid(`"${part}" is not NAME=VALUE.`);
    const name = part.slice(0, eq).toUpperCase();
    if (seen.has(name)) throw invalid(`${name} appears twice.`);
    seen.set(name, part.slice(eq + 1).toUpperCase());
  }
  for (const name of seen.keys()) {
    if (!["FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "COUNT", "UNTIL", "WKST"].includes(name)) {
      throw invalid(`${name} is not supported.`);
    }
  }
  const freq = seen.get("FREQ");
  if (freq !== "DAILY" && freq !== "WEEKLY" && freq !== "MONTHLY") {
    throw invalid("FREQ must be DAILY, WEEKLY or MONTHLY.");
  }
  // Weeks start on Monday; another WKST would change which days share a week for INTERVAL > 1.
  if (seen.has("WKST") && seen.get("WKST") !== "MO") throw invalid("Only WKST=MO is supported.");
  if (seen.has("COUNT") && seen.has("UNTIL")) throw invalid("COUNT and UNTIL cannot both be given.");

  const byDay: RecurrenceWeekday[] = [];
  for (const item of seen.get("BYDAY")?.split(",") ?? []) {
    const m = /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/.exec(item);
    if (!m) throw invalid(`BYDAY "${item}" is not a weekday such as MO, 2TU or -1FR.`);
    const ordinal = m[1] === undefined ? null : Number(m[1]);
    if (ordinal !== null && (freq !== "MONTHLY" || ordinal === 0 || Math.abs(ordinal) > 5)) {
      throw invalid(
        `BYDAY "${item}": a numbered weekday needs FREQ=MONTHLY and a number from -5 to 5 (not 0).`,
      );
    }
    const weekday = (DAY_CODES.indexOf(m[2] as (typeof DAY_CODES)[number]) + 1) as IsoWeekday;
    if (!byDay.some((d) => d.weekday === weekday && d.ordinal === ordinal)) byDay.push({ weekday, ordinal });
  }
  const byMonthDay: number[] = [];
  for (const item of seen.get("BYMONTHDAY")?.split(",") ?? []) {
    if (!/^[+-]?\d{1,2}$/.test(item) || Number(item) === 0 || Math.abs(Number(item)) > 31) {
      throw invalid(`BYMONTHDAY "${item}" must be 1 to 31 or -31 to -1.`);
    }
    if (!byMonthDay.includes(Number(item))) byMonthDay.push(Number(item));
  }
  if (freq === "WEEKLY" && byMonthDay.length > 0)
    throw invalid("BYMONTHDAY cannot be used with FREQ=WEEKLY.");

  const intervalText = seen.get("INTERVAL");
  const countText = seen.get("COUNT");
  const untilText = seen.get("UNTIL");
  return {
    freq,
    interval: intervalText === undefined ? 1 : positiveInt(intervalText, "INTERVAL", 1000),
    byDay,
    byMonthDay,
    count: countText === undefined ? null : positiveInt(countText, "COUNT", 100_000),
    until: untilText === undefined ? null : parseUntil(untilText),
  };
}

/** Writes a rule back as RRULE text (without the prefix), in a fixed order. */
export function formatRecurrenceRule(rule: RecurrenceRule): string {
  const parts = [`FREQ=${rule.freq}`];
  if (rule.interval !== 1) parts.push(`INTERVAL=${rule.interval}`);
  if (rule.byDay.length > 0) {
    parts.push(`BYDAY=${rule.byDay.map((d) => `${d.ordinal ?? ""}${DAY_CODES[d.weekday - 1]}`).join(",")}`);
  }
  if (rule.byMonthDay.length > 0) parts.push(`BYMONTHDAY=${rule.byMonthDay.join(",")}`);
  if (rule.count !== null) parts.push(`COUNT=${rule.count}`);
  if (rule.until?.kind === "date") parts.push(`UNTIL=${rule.until.date.replaceAll("-", "")}`);
  if (rule.until?.kind === "instant") {
    parts.push(
      `UNTIL=${new Date(rule.until.at)
        .toISOString()
        .replace(/[-:]/g, "")
        .replace(/\.\d{3}/, "")}`,
    );
  }
  return parts.join(";");
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function monthDate(year: number, month: number, day: number): PlainDate {
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** The first calendar date of a period: every date the period produces is on or after it. */
function periodStart(rule: RecurrenceRule, first: PlainDate, period: number): PlainDate {
  if (rule.freq === "DAILY") return addDays(first, period * rule.interval);
  if (rule.freq === "WEEKLY") return addDays(first, 1 - isoWeekday(first) + period * 7 * rule.interval);
  const months = Number(first.slice(0, 4)) * 12 + Number(first.slice(5, 7)) - 1 + period * rule.interval;
  return monthDate(Math.floor(months / 12), (months % 12) + 1, 1);
}

/** The dates one period of the rule produces (unsorted), before the start and end are applied. */
function periodDates(rule: RecurrenceRule, first: PlainDate, period: number): PlainDate[] {
  const weekdays = rule.byDay.filter((d) => d.ordinal === null).map((d) => d.weekday);
  if (rule.freq === "DAILY") {
    const date = addDays(first, period * rule.interval);
    const dom = Number(date.slice(8, 10));
    const dim = daysInMonth(Number(date.slice(0, 4)), Number(date.slice(5, 7)));
    if (weekdays.length > 0 && !weekdays.includes(isoWeekday(date))) return [];
    if (rule.byMonthDay.length > 0 && !rule.byMonthDay.some((n) => (n > 0 ? n : dim + n + 1) === dom))
      return [];
    return [date];
  }
  if (rule.freq === "WEEKLY") {
    const monday = addDays(first, 1 - isoWeekday(first) + period * 7 * rule.interval);
    const days = weekdays.length > 0 ? weekdays : [isoWeekday(first)];
    return days.map((wd) => addDays(monday, wd - 1));
  }
  const months = Number(first.slice(0, 4)) * 12 + Number(first.slice(5, 7)) - 1 + period * rule.interval;
  const year = Math.floor(months / 12);
  const month = (months % 12) + 1;
  const dim = daysInMonth(year, month);
  const all = Array.from({ length: dim }, (_, i) => i + 1);
  // A day missing from this month (31 in April, -31 in February) is simply not produced, as in RFC 5545.
  const byMonthDay = rule.byMonthDay.map((n) => (n > 0 ? n : dim + n + 1)).filter((d) => d >= 1 && d <= dim);
  const byDay = (day: number) => {
    const wd = isoWeekday(monthDate(year, month, day));
    const nth = Math.floor((day - 1) / 7) + 1;
    const nthFromEnd = -(Math.floor((dim - day) / 7) + 1);
    return rule.byDay.some(
      (d) => d.weekday === wd && (d.ordinal === null || d.ordinal === nth || d.ordinal === nthFromEnd),
    );
  };
  let days: number[];
  if (rule.byMonthDay.length > 0 && rule.byDay.length > 0) days = byMonthDay.filter(byDay);
  else if (rule.byMonthDay.length > 0) days = byMonthDay;
  else if (rule.byDay.length > 0) days = all.filter(byDay);
  else days = all.filter((d) => d === Number(first.slice(8, 10)));
  return days.map((d) => monthDate(year, month, d));
}

/**
 * Expands a series into its occurrences (instants in the series' zone) and the instances that fall in a
 * spring-forward gap. Throws `invalid_request` for a malformed rule, a first date the rule does not
 * produce, an unbounded rule without a horizon, or more than `maxOccurrences` occurrences.
 */
export function expandRecurrence(
  ruleOrText: RecurrenceRule | string,
  first: SeriesStart,
  options: RecurrenceOptions = {},
): RecurrenceExpansion {
  const rule = typeof ruleOrText === "string" ? parseRecurrenceRule(ruleOrText) : ruleOrText;
  assertTimeZone(first.zone);
  assertPlainDate(first.localDate, "localDate");
  if (parseWallTime(first.localTime) === null) throw invalid("The series time must be HH:mm.");
  const max = options.maxOccurrences ?? MAX_OCCURRENCES;
  if (options.horizon !== undefined) assertPlainDate(options.horizon, "horizon");
  // An open-ended rule would expand forever; the caller must say how far ahead it wants occurrences.
  if (rule.count === null && rule.until === null && options.horizon === undefined) {
    throw invalid("A series without COUNT or UNTIL needs a horizon date to expand to.");
  }
  if (rule.count !== null && rule.count > max) throw invalid(`A series may have at most ${max} occurrences.`);

  const untilDate = rule.until?.kind === "date" ? rule.until.date : null;
  const untilInstant = rule.until?.kind === "instant" ? rule.until.at : null;
  const lastDate = [options.horizon, untilDate]
    .filter((d): d is string => d !== undefined && d !== null)
    .sort()[0];
  // No period starting after this date can produce an occurrence: the horizon or UNTIL date, the day
  // after an UNTIL instant (any zone's wall date is within a day of UTC), and at most 50 years ahead so a
  // rule whose BY parts can never match (5MO on the 1st) ends instead of looping.
  const stops = [addDays(first.localDate, 50 * 366)];
  if (lastDate !== undefined) stops.push(lastDate);
  if (untilInstant !== null) stops.push(addDays(new Date(untilInstant).toISOString().slice(0, 10), 1));
  const stopDate = stops.sort()[0]!;
  const result: RecurrenceExpansion = { occurrences: [], skipped: [] };
  let index = 0;
  for (let period = 0; periodStart(rule, first.localDate, period) <= stopDate; period++) {
    const dates = [...new Set(periodDates(rule, first.localDate, period))]
      .sort()
      .filter((d) => d >= first.localDate);
    if (period === 0 && dates[0] !== first.localDate) {
      throw invalid(`The first occurrence ${first.localDate} is not a date this rule produces.`);
    }
    for (const localDate of dates) {
      if (rule.count !== null && index >= rule.count) return result;
      if (lastDate !== undefined && localDate > lastDate) return result;
      const resolved = resolveLocal(localDate, first.localTime, first.zone);
      const at =
        resolved.kind === "ok" ? resolved.instant : localBoundary(localDate, first.localTime, first.zone);
      if (untilInstant !== null && at > untilInstant) return result;
      if (index >= max)
        throw invalid(`A series may have at most ${max} occurrences; shorten it or its horizon.`);
      if (resolved.kind === "ok") result.occurrences.push({ index, localDate, start: resolved.instant });
      else result.skipped.push({ index, localDate, reason: "nonexistent_local_time" });
      index++;
    }
  }
  return result;
}

/**
 * Splits a series at occurrence `atIndex` for "edit this and following": the rule that keeps the earlier
 * occurrences (COUNT = atIndex) and the rule for the rest, to start on `afterStartDate`. Implicit parts
 * (the weekday of a WEEKLY rule, the day of a MONTHLY one) are written out, so the new series keeps the
 * pattern of the old one although its first date differs.
 */
export function splitRecurrence(
  ruleOrText: RecurrenceRule | string,
  first: SeriesStart,
  atIndex: number,
  options: RecurrenceOptions = {},
): { before: string; after: string; afterStartDate: PlainDate } {
  const rule = typeof ruleOrText === "string" ? parseRecurrenceRule(ruleOrText) : ruleOrText;
  if (!Number.isInteger(atIndex) || atIndex < 1)
    throw invalid("A series splits at its second occurrence or later.");
  const expansion = expandRecurrence(rule, first, options);
  const all = [...expansion.occurrences, ...expansion.skipped].sort((a, b) => a.index - b.index);
  const at = all.find((o) => o.index === atIndex);
  if (!at) throw invalid(`The series has no occurrence ${atIndex} to split at.`);
  const explicit: RecurrenceRule = { ...rule };
  if (rule.freq === "WEEKLY" && rule.byDay.length === 0) {
    explicit.byDay = [{ weekday: isoWeekday(first.localDate), ordinal: null }];
  }
  if (rule.freq === "MONTHLY" && rule.byDay.length === 0 && rule.byMonthDay.length === 0) {
    explicit.byMonthDay = [Number(first.localDate.slice(8, 10))];
  }
  return {
    before: formatRecurrenceRule({ ...explicit, count: atIndex, until: null }),
    after: formatRecurrenceRule({ ...explicit, count: rule.count === null ? null : rule.count - atIndex }),
    afterStartDate: at.localDate,
  };
}

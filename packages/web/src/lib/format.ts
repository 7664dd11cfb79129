// Display helpers. Plain dates (`YYYY-MM-DD`) are calendar dates: they are shown without any time
// zone shift. Instants are shown in the browser's time zone.

const DATE = new Intl.DateTimeFormat("en-US", {
  year: "numeric",
  month: "short",
  day: "numeric",
  timeZone: "UTC",
});
const DATE_TIME = new Intl.DateTimeFormat("en-US", {
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "numeric",
  minute: "2-digit",
});

const PLAIN_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function plainDateToUtc(value: string): Date | null {
  const match = PLAIN_DATE.exec(value);
  if (!match) return null;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return Number.isNaN(date.getTime()) ? null : date;
}

/** `2026-11-27` → `Nov 27, 2026`; empty for null. */
export function formatDate(value: string | null | undefined): string {
  if (!value) return "";
  const date = plainDateToUtc(value);
  return date ? DATE.format(date) : value;
}

/** An ISO instant → `Nov 27, 2026, 2:00 PM` in the browser's zone; empty for null. */
export function formatDateTime(value: string | null | undefined): string {
  if (!value) return "";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : DATE_TIME.format(date);
}

/** Today's calendar date in the browser's zone as `YYYY-MM-DD`. */
export function todayIso(now: Date = new Date()): string {
  return toIsoDate(now);
}

/** A local Date → `YYYY-MM-DD` (its calendar date in the browser's zone). */
export function toIsoDate(date: Date): string {
  const y = String(date.getFullYear()).padStart(4, "0");
  const m = String(date.getMonth() + 1).padStart(2, "0");
  const d = String(date.getDate()).padStart(2, "0");
  return `${y}-${m}-${d}`;
}

/** Whole days from `today` to `date` (negative when past); null when the date is not valid. */
export function daysUntil(date: string, today: string = todayIso()): number | null {
  const a = plainDateToUtc(today);
  const b = plainDateToUtc(date);
  if (!a || !b) return null;
  return Math.round((b.getTime() - a.getTime()) / 86_400_000);
}

export type ExpiryStatus = "expired" | "expiring" | "valid" | "unknown";

/** Licence expiry: expired, expiring within `windowDays` (60 by default), or valid. */
export function expiryStatus(
  expiresOn: string | null | undefined,
  today?: string,
  windowDays = 60,
): ExpiryStatus {
  if (!expiresOn) return "unknown";
  const days = daysUntil(expiresOn, today);
  if (days === null) return "unknown";
  if (days < 0) return "expired";
  if (days <= windowDays) return "expiring";
  return "valid";
}

/** `Jane`, `Doe` → `Doe, Jane`. */
export function personName(person: { givenName: string; familyName: string }): string {
  return [person.familyName, person.givenName].filter(Boolean).join(", ");
}

/** A search typed as `MM/DD/YYYY` becomes `YYYY-MM-DD`, which the API understands; other text is kept. */
export function normalizeSearch(text: string): string {
  const trimmed = text.trim();
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(trimmed);
  if (us) return `${us[3]}-${us[1]!.padStart(2, "0")}-${us[2]!.padStart(2, "0")}`;
  return trimmed;
}

import { DomainError } from "../shared/domain-error.ts";
import { isPlainDate } from "../shared/time-zone.ts";
import { normalizeName } from "./duplicates.ts";

/**
 * Patient search that misses nobody and lists nobody by accident. Names and typed terms are compared by
 * one key: the duplicate check's normalisation (NFKC, case-folded, accents stripped, punctuation as
 * spaces) with the spaces removed, so `Hernandez` finds `Hernández` and `OBrien`, `obrien` and `O'Brien`
 * find `O'Brien`. Each word of each name is stored as a term, and so is each whole name without its
 * spaces: `Brien` and `de la cruz` find their people too. A term matches a stored term it begins.
 */

/** Comparison key of a name or a typed term: `normalizeName` without spaces ("O'Brien" → "obrien"). */
export function searchKey(text: string): string {
  return normalizeName(text).replace(/ /g, "");
}

/** Which name a stored term comes from: family, given (and middle) or preferred. */
export type SearchTermKind = "family" | "given" | "preferred";

export interface SearchTerm {
  kind: SearchTermKind;
  term: string;
}

export interface SearchableNames {
  givenName: string;
  familyName: string;
  middleName?: string | null | undefined;
  preferredName?: string | null | undefined;
}

/** Longest stored term: names are at most 100 characters; the bound keeps index keys small. */
const MAX_TERM = 100;

/** The terms stored for a patient: every word of every name and every whole name, distinct. */
export function patientSearchTerms(names: SearchableNames): SearchTerm[] {
  const out = new Map<string, SearchTerm>();
  const add = (kind: SearchTermKind, name: string | null | undefined) => {
    if (!name) return;
    // Words ("o", "brien"), what was written without a space ("o'brien" → "obrien") and the whole name
    // ("delacruz"): a typed word is folded the same way, so it begins one of them.
    const words = normalizeName(name).split(" ");
    const chunks = name.split(/\s+/).map(searchKey);
    for (const w of [...words, ...chunks, words.join("")]) {
      const term = w.slice(0, MAX_TERM);
      if (term) out.set(`${kind}|${term}`, { kind, term });
    }
  };
  add("family", names.familyName);
  add("given", names.givenName);
  add("given", names.middleName);
  add("preferred", names.preferredName);
  return [...out.values()];
}

/**
 * The keys of what a person typed in a search box: split on spaces and commas (`Hernández, María`), at
 * most four words, each folded by `searchKey`. A word with no letter or digit (`'`, `-`, `%`) has no key
 * and is left out; when no key is left the caller matches no name at all: a search must never widen to
 * every patient.
 */
export function searchQueryKeys(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .filter(Boolean)
    .slice(0, 4)
    .map((t) => searchKey(t).slice(0, MAX_TERM))
    .filter(Boolean);
}

/**
 * Exclusive upper bound of the keys beginning with `prefix`, for an index range `key >= prefix and key <
 * prefixEnd(prefix)`: U+10FFFF sorts after every character in code-point order, which is how SQLite
 * (BINARY) and PostgreSQL (collate "C") compare the stored terms; it is never itself part of a key.
 */
export function prefixEnd(prefix: string): string {
  return `${prefix}\u{10FFFF}`;
}

/** A FHIR date search (`birthdate=ge1958`) as an inclusive range of plain dates; null = unbounded. */
export interface DateSearch {
  /** Matching dates are in [from, to]; with `negate`, outside it. */
  from: string | null;
  to: string | null;
  negate: boolean;
}

export const DATE_SEARCH_PREFIXES = ["eq", "ne", "gt", "lt", "ge", "le", "sa", "eb"] as const;

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

function shiftDay(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
}

/**
 * Parses a FHIR date search value for a date element (such as `Patient.birthDate`): an optional prefix
 * (`eq` `ne` `gt` `lt` `ge` `le` `sa` `eb`; `eq` when absent) and a date that may be partial (`1958`,
 * `1958-08`, `1958-08-14`). A partial date is the range of days it covers, and the prefix compares
 * ranges as the FHIR specification says (`gt1958` is from 1959-01-01, `le1958-08` up to 1958-08-31).
 * An impossible date (`1958-02-30`, `1958-13`) or an unknown prefix is refused, naming `path`: it must
 * never silently become "no condition".
 */
export function parseDateSearch(value: string, path = "birthdate"): DateSearch {
  const m = /^([a-z]{2})?(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(value.trim());
  const refuse = (why: string) =>
    new DomainError(
      "invalid_request",
      `The ${path} search ${JSON.stringify(value.slice(0, 40))} ${why}. Write a date as YYYY, YYYY-MM or YYYY-MM-DD, optionally after one of ${DATE_SEARCH_PREFIXES.join(", ")} (for example ge1958-08).`,
      [{ path, message: why }],
    );
  if (!m) throw refuse("is not a date");
  const prefix = (m[1] ?? "eq") as (typeof DATE_SEARCH_PREFIXES)[number];
  if (!DATE_SEARCH_PREFIXES.includes(prefix)) throw refuse(`has an unknown prefix "${m[1]}"`);
  const year = Number(m[2]);
  let from: string;
  let to: string;
  if (m[4] !== undefined) {
    from = to = `${m[2]}-${m[3]}-${m[4]}`;
  } else if (m[3] !== undefined) {
    const month = Number(m[3]);
    if (month < 1 || month > 12) throw refuse("is not a real date (no such month)");
    from = `${m[2]}-${m[3]}-01`;
    to = shiftDay(`${pad(month === 12 ? year + 1 : year, 4)}-${pad((month % 12) + 1, 2)}-01`, -1);
  } else {
    from = `${m[2]}-01-01`;
    to = `${m[2]}-12-31`;
  }
  if (!isPlainDate(from) || !isPlainDate(to)) throw refuse("is not a real date");
  switch (prefix) {
    case "eq":
      return { from, to, negate: false };
    case "ne":
      return { from, to, negate: true };
    case "ge":
      return { from, to: null, negate: false };
    case "le":
      return { from: null, to, negate: false };
    case "gt":
    case "sa":
      return { from: shiftDay(to, 1), to: null, negate: false };
    case "lt":
    case "eb":
      return { from: null, to: shiftDay(from, -1), negate: false };
  }
}

/** Whether a plain date satisfies a parsed date search (the rule the SQL condition applies). */
export function matchesDateSearch(date: string, search: DateSearch): boolean {
  const inside = (search.from === null || date >= search.from) && (search.to === null || date <= search.to);
  return search.negate ? !inside : inside;
}

/** A typed search text that has the shape of a date (YYYY-MM-DD) but is no real day: to be refused. */
export function looksLikeImpossibleDate(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && !isPlainDate(text);
}

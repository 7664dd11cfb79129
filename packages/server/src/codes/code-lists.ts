import {
  DomainError,
  type ErrorDetail,
  fiscalYearOf,
  fiscalYearRange,
  formatIcd10,
  type NormalizedCodes,
  normalizeIcd10,
} from "@salus/core";
import { rankCodeMatches } from "@salus/core/clinical/code-search";
import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema.ts";
import type { CodeSetVersionsTable } from "../db/schema-clinical.ts";
import type { CodeSet } from "./load-code-set.ts";
import { STOP_WORDS, wordsOf } from "./load-code-set.ts";

type Q = Kysely<Database>;

/** The loaded version of a code set that applies to a date of service, or null (none loaded for it). */
export async function codeSetVersionFor(
  db: Q,
  codeSet: CodeSet,
  date: string,
): Promise<CodeSetVersionsTable | null> {
  const row = await db
    .selectFrom("code_set_versions")
    .selectAll()
    .where("code_set", "=", codeSet)
    .where("valid_from", "<=", date)
    .where("valid_to", ">=", date)
    .orderBy("valid_from", "desc")
    .orderBy("loaded_at", "desc")
    .limit(1)
    .executeTakeFirst();
  return row ?? null;
}

/** The newest loaded version of a code set (for look-ups without a date), or null. */
export async function latestCodeSetVersion(db: Q, codeSet: CodeSet): Promise<CodeSetVersionsTable | null> {
  const row = await db
    .selectFrom("code_set_versions")
    .selectAll()
    .where("code_set", "=", codeSet)
    .orderBy("valid_to", "desc")
    .limit(1)
    .executeTakeFirst();
  return row ?? null;
}

/** Upper bound of a prefix range over [0-9A-Z] codes or [a-z0-9] words ("~" and "{" sort after both). */
const AFTER_CODE = "~";
const AFTER_WORD = "{";

async function isCategoryOf(db: Q, v: CodeSetVersionsTable, code: string): Promise<boolean> {
  const child = await db
    .selectFrom("code_set_entries")
    .select("code")
    .where("code_set", "=", v.code_set)
    .where("version", "=", v.version)
    .where("code", ">", code)
    .where("code", "<", `${code}${AFTER_CODE}`)
    .limit(1)
    .executeTakeFirst();
  return Boolean(child);
}

/**
 * Checks an encounter's (format-valid) codes against the lists loaded for its date of service: each
 * diagnosis must be a billable ICD-10-CM code of that fiscal year (a category such as E11 is named as
 * such); procedures are checked only when the practice loaded a CPT or HCPCS list for the date.
 * Answers one detail per problem, naming the code.
 */
export async function checkCodesAgainstLists(
  db: Q,
  date: string,
  codes: NormalizedCodes,
): Promise<ErrorDetail[]> {
  const errors: ErrorDetail[] = [];
  const icd = await codeSetVersionFor(db, "icd10cm", date);
  if (icd && codes.diagnoses.length) {
    const found = new Set(
      (
        await db
          .selectFrom("code_set_entries")
          .select("code")
          .where("code_set", "=", "icd10cm")
          .where("version", "=", icd.version)
          .where("code", "in", codes.diagnoses)
          .execute()
      ).map((r) => r.code),
    );
    for (const [i, code] of codes.diagnoses.entries()) {
      if (found.has(code)) continue;
      const shown = formatIcd10(code);
      errors.push({
        path: `diagnoses.${i}`,
        message: (await isCategoryOf(db, icd, code))
          ? `${shown} is a category, not a billable ICD-10-CM code; choose a more specific code under ${shown}`
          : `${shown} is not in the ICD-10-CM ${icd.version} list (dates of service ${icd.valid_from} to ${icd.valid_to})`,
      });
    }
  }
  for (const system of ["cpt", "hcpcs"] as const) {
    const mine = codes.procedures.map((p, i) => ({ ...p, i })).filter((p) => p.codeSystem === system);
    if (!mine.length) continue;
    const v = await codeSetVersionFor(db, system, date);
    if (!v) continue;
    const found = new Set(
      (
        await db
          .selectFrom("code_set_entries")
          .select("code")
          .where("code_set", "=", system)
          .where("version", "=", v.version)
          .where(
            "code",
            "in",
            mine.map((p) => p.code),
          )
          .execute()
      ).map((r) => r.code),
    );
    for (const p of mine)
      if (!found.has(p.code))
        errors.push({
          path: `procedures.${p.i}.code`,
          message: `${p.code} is not in the ${system.toUpperCase()} ${v.version} list loaded for ${date}`,
        });
  }
  return errors;
}

export interface CodeView {
  code: string;
  display: string;
  description: string | null;
  billable: boolean;
  version: string;
}

/**
 * When no list of `codeSet` is loaded for the fiscal year of `date` (FY runs October 1 to September 30):
 * a sentence saying so, which list was used instead (if any) and what to do; else null. Shown by the API
 * and the web app, so that codes are never taken as checked when they were not.
 */
export function missingCodeSetWarning(
  codeSet: CodeSet,
  date: string,
  usedInstead: CodeSetVersionsTable | null,
): string {
  const fy = fiscalYearOf(date);
  const range = fiscalYearRange(fy);
  const name = codeSet === "icd10cm" ? "ICD-10-CM" : codeSet.toUpperCase();
  return (
    `No ${name} list is loaded for FY${fy} (dates of service ${range.from} to ${range.to}), the year of ${date}: ` +
    (usedInstead
      ? `codes come from the ${usedInstead.version} list (${usedInstead.valid_from} to ${usedInstead.valid_to}) and may be new, changed or deleted in FY${fy}. `
      : "codes are checked for their format only. ") +
    `Load the FY${fy} list (salus codes load ${codeSet} --file FILE --version ${fy}) to check them.`
  );
}

/**
 * Warnings for codes of `sets` on a date of service whose fiscal year has no loaded list: always for
 * ICD-10-CM; for CPT and HCPCS only when the practice loads such lists at all (they are optional).
 * The codes are then accepted on their format, never refused, and the warning says so.
 */
export async function missingCodeSetWarnings(
  db: Q,
  date: string,
  sets: readonly CodeSet[],
): Promise<string[]> {
  const out: string[] = [];
  for (const set of new Set(sets)) {
    if (await codeSetVersionFor(db, set, date)) continue;
    if (set !== "icd10cm" && !(await latestCodeSetVersion(db, set))) continue;
    out.push(missingCodeSetWarning(set, date, null));
  }
  return out;
}

/** How many candidates a word search ranks (the shortest descriptions first, as the ranking prefers). */
const RANK_POOL = 1500;

/**
 * Searches the ICD-10-CM list in force on `date` (else the newest loaded, with a `warning` saying so): a
 * code prefix (`E11`, `e11.6`: the exact code first, then code order) or words that each start a word of
 * the description (`diab neph`), ranked by relevance (core/clinical/code-search.ts: `hypertension`
 * gives I10 first). At most `limit` results, both through indexes (code_set_entries' key,
 * code_set_words' key).
 */
export async function searchIcd10(
  db: Q,
  q: string,
  date: string,
  limit = 20,
): Promise<{ version: string | null; warning: string | null; items: CodeView[] }> {
  const forDate = await codeSetVersionFor(db, "icd10cm", date);
  const v = forDate ?? (await latestCodeSetVersion(db, "icd10cm"));
  const warning = forDate ? null : missingCodeSetWarning("icd10cm", date, v);
  if (!v) return { version: null, warning, items: [] };
  const query = q.trim();
  if (!query) return { version: v.version, warning, items: [] };
  let rows: { code: string; description: string | null }[];
  const asCode =
    /^[A-Za-z][0-9][0-9A-Za-z]?\.?[0-9A-Za-z]{0,4}$|^[Qq][Aa][0-9A-Za-z]?\.?[0-9A-Za-z]{0,4}$/.test(query)
      ? query.toUpperCase().replace(".", "")
      : null;
  if (asCode && (asCode.length <= 3 || normalizeIcd10(query) !== null)) {
    rows = await db
      .selectFrom("code_set_entries")
      .select(["code", "description"])
      .where("code_set", "=", "icd10cm")
      .where("version", "=", v.version)
      .where("code", ">=", asCode)
      .where("code", "<", `${asCode}${AFTER_CODE}`)
      .orderBy("code")
      .limit(limit)
      .execute();
  } else {
    const words = query
      .toLowerCase()
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .split(/[^a-z0-9]+/)
      // The index holds words of 3+ characters without stop words ("without", "type 2"): a query word the
      // index can never contain would make the intersection empty, so it is left out of the search (the
      // ranking still counts it: "type 2 diabetes" puts type 2 before type 1). Two letters still search
      // as a prefix ("ty" finds "type").
      .filter((w) => w.length >= 2 && !STOP_WORDS.has(w) && !(w.length < 3 && /^\d+$/.test(w)))
      .slice(0, 6);
    if (!words.length) return { version: v.version, warning, items: [] };
    // Codes having a word that starts with each query word: one index range per word, intersected.
    const withWord = (w: string) =>
      db
        .selectFrom("code_set_words")
        .select("code_set_words.code")
        .where("code_set_words.code_set", "=", "icd10cm")
        .where("code_set_words.version", "=", v.version)
        .where("code_set_words.word", ">=", w)
        .where("code_set_words.word", "<", `${w}${AFTER_WORD}`);
    let matching = withWord(words[0]!);
    for (const w of words.slice(1)) matching = matching.intersect(withWord(w));
    const pool = await db
      .selectFrom("code_set_entries")
      .select(["code", "description"])
      .where("code_set", "=", "icd10cm")
      .where("version", "=", v.version)
      .where("code", "in", matching)
      .orderBy(sql`length(description)`)
      .orderBy("code")
      .limit(RANK_POOL)
      .execute();
    rows = rankCodeMatches(query, pool).slice(0, limit);
  }
  return {
    version: v.version,
    warning,
    items: rows.map((r) => ({
      code: r.code,
      display: formatIcd10(r.code),
      description: r.description,
      billable: true,
      version: v.version,
    })),
  };
}

/** One ICD-10-CM code: the billable entry, a category (billable false) or null when unknown. */
export async function lookupIcd10(db: Q, input: string, date: string): Promise<CodeView | null> {
  const code = normalizeIcd10(input);
  if (!code) throw new DomainError("invalid_request", `${JSON.stringify(input)} is not an ICD-10-CM code.`);
  const v = (await codeSetVersionFor(db, "icd10cm", date)) ?? (await latestCodeSetVersion(db, "icd10cm"));
  if (!v) return null;
  const row = await db
    .selectFrom("code_set_entries")
    .select(["code", "description"])
    .where("code_set", "=", "icd10cm")
    .where("version", "=", v.version)
    .where("code", "=", code)
    .executeTakeFirst();
  if (row)
    return {
      code,
      display: formatIcd10(code),
      description: row.description,
      billable: true,
      version: v.version,
    };
  if (await isCategoryOf(db, v, code))
    return { code, display: formatIcd10(code), description: null, billable: false, version: v.version };
  return null;
}

export { wordsOf };

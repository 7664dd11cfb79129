import { isModifier, procedureCodeSystem } from "../clinical/codes.ts";
import { csvRow } from "../shared/csv.ts";
import { readCsv } from "../shared/csv-read.ts";
import { DomainError, type ErrorDetail } from "../shared/domain-error.ts";
import { type Cents, formatCents, parseMoney } from "../shared/money.ts";
import { unstorableTextReason } from "../shared/text.ts";

/**
 * A fee schedule as a CSV file, for a biller's spreadsheet: one row per procedure code and modifier.
 *
 *   procedure_code,modifier,amount,description
 *   99213,,125.00,Office visit established 15 min
 *   93000,26,18.40,
 *
 * Reading is all or nothing: every row is checked and the file is refused with one detail per bad row
 * (the first 20), each naming the row by its line in the file, so nothing half-imports. The amount is
 * dollars and cents as written in a spreadsheet ("125", "125.5", "$1,250.00"); a third decimal is
 * refused, never rounded. Writing gives the same columns back, so an exported file imports unchanged.
 */
export interface FeeEntry {
  procedureCode: string;
  /** '' = the price without a modifier. */
  modifier: string;
  amountCents: Cents;
  description: string | null;
}

export const FEE_CSV_COLUMNS = ["procedure_code", "modifier", "amount", "description"] as const;
/** More rows than any practice's schedule (the whole CPT and HCPCS sets are about 17,000 codes). */
export const MAX_FEE_ROWS = 25_000;
export const MAX_FEE_DESCRIPTION = 200;
const MAX_REPORTED = 20;
/**
 * The apostrophe csv.ts puts before a description that starts like a formula (=, +, -, @), and any
 * apostrophes already there: the import removes one, the export adds one where csvCell does not, so
 * a description survives export and import exactly.
 */
const FORMULA_GUARD = /^'+[=+\-@\t\r\0]/;

const ALIASES: Record<string, (typeof FEE_CSV_COLUMNS)[number]> = {
  procedure_code: "procedure_code",
  code: "procedure_code",
  cpt: "procedure_code",
  hcpcs: "procedure_code",
  modifier: "modifier",
  amount: "amount",
  price: "amount",
  fee: "amount",
  description: "description",
};

function refuse(message: string, details: ErrorDetail[]): DomainError {
  return new DomainError("invalid_request", message, details.slice(0, MAX_REPORTED));
}

/** The entries of a fee schedule CSV file, or a DomainError naming every bad row (nothing is partial). */
export function parseFeeScheduleCsv(text: string): FeeEntry[] {
  const read = readCsv(text);
  if (!read.ok)
    throw refuse(`Line ${read.line} of the file: ${read.message}. Nothing was imported.`, [
      { path: `line ${read.line}`, message: read.message },
    ]);
  const [header, ...rows] = read.records;
  if (!header)
    throw refuse("The file is empty. Nothing was imported.", [
      { path: "line 1", message: "expected the header procedure_code,modifier,amount,description" },
    ]);
  const columns = header.fields.map(
    (f) =>
      ALIASES[
        f
          .trim()
          .toLowerCase()
          .replace(/[\s-]+/g, "_")
      ],
  );
  const at = (name: (typeof FEE_CSV_COLUMNS)[number]) => columns.indexOf(name);
  const unknown = header.fields.filter((_, i) => columns[i] === undefined);
  const missing = (["procedure_code", "amount"] as const).filter((c) => at(c) < 0);
  const twice = FEE_CSV_COLUMNS.filter((c) => columns.filter((x) => x === c).length > 1);
  if (unknown.length || missing.length || twice.length) {
    const why = [
      missing.length ? `missing column ${missing.join(", ")}` : "",
      unknown.length ? `unknown column ${unknown.map((u) => JSON.stringify(u)).join(", ")}` : "",
      twice.length ? `column ${twice.join(", ")} given twice` : "",
    ]
      .filter(Boolean)
      .join("; ");
    throw refuse(
      `The header (line ${header.line}) must name the columns procedure_code, modifier, amount, description: ${why}. Nothing was imported.`,
      [{ path: `line ${header.line}`, message: why }],
    );
  }
  if (rows.length > MAX_FEE_ROWS)
    throw refuse(
      `The file has ${rows.length} rows; at most ${MAX_FEE_ROWS} are accepted. Nothing was imported.`,
      [{ path: "file", message: `more than ${MAX_FEE_ROWS} rows` }],
    );

  const details: ErrorDetail[] = [];
  const entries: FeeEntry[] = [];
  const firstLine = new Map<string, number>();
  for (const row of rows) {
    const problems: string[] = [];
    if (row.fields.length > header.fields.length)
      problems.push(`${row.fields.length} fields where the header has ${header.fields.length}`);
    const cell = (c: (typeof FEE_CSV_COLUMNS)[number]) => {
      const i = at(c);
      return i < 0 ? "" : (row.fields[i] ?? "").trim();
    };
    const rawCode = cell("procedure_code").toUpperCase();
    const rawModifier = cell("modifier").toUpperCase();
    const rawAmount = cell("amount");
    let description: string | null = cell("description") || null;
    if (description !== null && FORMULA_GUARD.test(description)) description = description.slice(1);
    if (!rawCode) problems.push("the procedure code is empty");
    else if (!procedureCodeSystem(rawCode))
      problems.push(
        `${JSON.stringify(rawCode)} is not a CPT code (5 digits, or 4 digits and F or T) nor a HCPCS code (a letter A-V and 4 digits)`,
      );
    if (rawModifier && !isModifier(rawModifier))
      problems.push(`${JSON.stringify(rawModifier)} is not a modifier (2 letters or digits)`);
    let amountCents: Cents | null = null;
    if (!rawAmount) problems.push("the amount is empty");
    else {
      try {
        amountCents = parseMoney(rawAmount);
        if (amountCents < 0) {
          problems.push(`the amount ${rawAmount} is negative`);
          amountCents = null;
        }
      } catch (e) {
        problems.push(
          e instanceof DomainError ? e.message.replace(/\.$/, "") : `${rawAmount} is not an amount`,
        );
      }
    }
    if (description && description.length > MAX_FEE_DESCRIPTION)
      problems.push(`the description is longer than ${MAX_FEE_DESCRIPTION} characters`);
    const unstorable = description ? unstorableTextReason(description) : null;
    if (unstorable) problems.push(`the description ${unstorable}`);
    const key = `${rawCode}|${rawModifier}`;
    const earlier = firstLine.get(key);
    if (rawCode && earlier !== undefined)
      problems.push(
        `${rawCode}${rawModifier ? ` with modifier ${rawModifier}` : " without a modifier"} is already on line ${earlier}`,
      );
    else if (rawCode) firstLine.set(key, row.line);
    if (problems.length) {
      details.push({ path: `line ${row.line}`, message: problems.join("; ") });
      continue;
    }
    entries.push({ procedureCode: rawCode, modifier: rawModifier, amountCents: amountCents!, description });
  }
  if (details.length) {
    const first = details[0]!;
    const more =
      details.length > 1 ? ` (and ${details.length - 1} more row${details.length > 2 ? "s" : ""})` : "";
    throw refuse(`${capitalize(first.path)}: ${first.message}${more}. Nothing was imported.`, details);
  }
  if (!entries.length)
    throw refuse("The file has a header but no rows. Nothing was imported.", [
      { path: "file", message: "no rows" },
    ]);
  return entries;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The CSV file of a schedule's entries, sorted by code then modifier (the plain price first). */
export function writeFeeScheduleCsv(entries: readonly FeeEntry[]): string {
  const sorted = [...entries].sort(compareEntries);
  return (
    csvRow(FEE_CSV_COLUMNS) +
    sorted
      .map((e) =>
        csvRow([
          e.procedureCode,
          e.modifier,
          formatCents(e.amountCents),
          // A description that already starts like a guarded formula ('=…) gets one more apostrophe, so
          // the import's removal of the guard gives it back exactly.
          e.description && FORMULA_GUARD.test(e.description) ? `'${e.description}` : (e.description ?? ""),
        ]),
      )
      .join("")
  );
}

export function compareEntries(a: FeeEntry, b: FeeEntry): number {
  return a.procedureCode < b.procedureCode
    ? -1
    : a.procedureCode > b.procedureCode
      ? 1
      : a.modifier < b.modifier
        ? -1
        : a.modifier > b.modifier
          ? 1
          : 0;
}

export interface FeeScheduleDiff {
  added: FeeEntry[];
  changed: { before: FeeEntry; after: FeeEntry }[];
  removed: FeeEntry[];
  unchanged: number;
}

/**
 * What replacing a schedule's entries `before` with `after` changes: an import applies exactly this, so
 * importing the same file twice changes nothing the second time.
 */
export function diffFeeEntries(before: readonly FeeEntry[], after: readonly FeeEntry[]): FeeScheduleDiff {
  const key = (e: FeeEntry) => `${e.procedureCode}|${e.modifier}`;
  const old = new Map(before.map((e) => [key(e), e]));
  const diff: FeeScheduleDiff = { added: [], changed: [], removed: [], unchanged: 0 };
  const seen = new Set<string>();
  for (const e of after) {
    const k = key(e);
    seen.add(k);
    const was = old.get(k);
    if (!was) diff.added.push(e);
    else if (was.amountCents !== e.amountCents || (was.description ?? null) !== (e.description ?? null))
      diff.changed.push({ before: was, after: e });
    else diff.unchanged++;
  }
  for (const [k, e] of old) if (!seen.has(k)) diff.removed.push(e);
  diff.added.sort(compareEntries);
  diff.removed.sort(compareEntries);
  diff.changed.sort((a, b) => compareEntries(a.after, b.after));
  return diff;
}

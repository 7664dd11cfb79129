import { createHash } from "node:crypto";
import { DomainError, fiscalYearRange, normalizeIcd10, procedureCodeSystem } from "@salus/core";
import { placeOfServiceLines } from "@salus/core/billing/place-of-service";
import { CODE_INDEX_STOP_WORDS } from "@salus/core/clinical/code-search";
import type SqliteDatabase from "better-sqlite3";
import { sql } from "kysely";
import type { Db } from "../db/connection.ts";
import type { CodeSetVersionsTable } from "../db/schema-clinical.ts";
import { inTransaction } from "../db/transaction.ts";

/**
 * Loads a code list (ICD-10-CM, CPT, HCPCS Level II) into the versioned code tables. All or nothing (one
 * transaction), idempotent (the same file again changes nothing; a different file for the same version
 * replaces it), and fast: multi-row inserts of a few hundred rows each.
 *
 * CPT descriptions are the AMA's: Salus ships none, and a practice that licenses them may load its own
 * file (`code description` lines); a file of bare codes is accepted too.
 *
 * `pos` (CMS place-of-service codes) is also read as CMS's CSV (`code,description`, data/codes/
 * cms-place-of-service-codes.csv; core billing/place-of-service.ts), unassigned codes left out.
 */
export const CODE_SETS = ["icd10cm", "cpt", "hcpcs", "pos"] as const;
export type CodeSet = (typeof CODE_SETS)[number];

export interface LoadCodeSetInput {
  codeSet: CodeSet;
  version: string;
  /** The file's text: one code per line, the code first, then whitespace and the description. */
  content: string;
  /** Dates of service the list applies to; for a 4-digit ICD-10-CM version, its fiscal year. */
  validFrom?: string;
  validTo?: string;
}

export interface LoadCodeSetResult {
  codeSet: CodeSet;
  version: string;
  entries: number;
  words: number;
  validFrom: string;
  validTo: string;
  sha256: string;
  /** "loaded", "replaced" (a different file for the version) or "unchanged" (the same file again). */
  outcome: "loaded" | "replaced" | "unchanged";
  ms: number;
}

export const STOP_WORDS = CODE_INDEX_STOP_WORDS;

/** The searchable words of a description: lower case, letters and digits, 3+ characters, no stop words. */
export function wordsOf(description: string): string[] {
  const words = description
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length >= 3 && !STOP_WORDS.has(w));
  return [...new Set(words)];
}

function parse(input: LoadCodeSetInput): { code: string; description: string | null }[] {
  const out: { code: string; description: string | null }[] = [];
  const seen = new Set<string>();
  const content =
    input.codeSet === "pos" && /^\uFEFF?code,/i.test(input.content)
      ? placeOfServiceLines(input.content)
      : input.content;
  const lines = content.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trimEnd();
    if (!line.trim()) continue;
    const m = /^\s*(\S+)(?:\s+(.*))?$/.exec(line);
    const rawCode = m?.[1] ?? "";
    let code: string | null;
    if (input.codeSet === "icd10cm") code = normalizeIcd10(rawCode);
    else if (input.codeSet === "pos") code = /^\d{2}$/.test(rawCode) ? rawCode : null;
    else {
      const upper = rawCode.toUpperCase();
      code = procedureCodeSystem(upper) === input.codeSet ? upper : null;
    }
    if (!code)
      throw new DomainError(
        "invalid_request",
        `Line ${i + 1} of the file does not start with a ${input.codeSet.toUpperCase()} code (${JSON.stringify(rawCode.slice(0, 20))}); nothing was loaded.`,
      );
    if (seen.has(code))
      throw new DomainError(
        "invalid_request",
        `Code ${code} appears twice (line ${i + 1}); nothing was loaded.`,
      );
    seen.add(code);
    const description = m?.[2]?.trim() || null;
    out.push({ code, description: description ? description.slice(0, 500) : null });
  }
  if (out.length === 0)
    throw new DomainError("invalid_request", "The file holds no codes; nothing was loaded.");
  return out;
}

function validityOf(input: LoadCodeSetInput): { from: string; to: string } {
  if (input.validFrom && input.validTo) return { from: input.validFrom, to: input.validTo };
  if (/^\d{4}$/.test(input.version)) {
    const fy = fiscalYearRange(Number(input.version));
    return { from: input.validFrom ?? fy.from, to: input.validTo ?? fy.to };
  }
  throw new DomainError(
    "invalid_request",
    "Give the dates of service the list applies to (--valid-from and --valid-to), or a fiscal-year version such as 2026.",
  );
}

export async function loadCodeSet(db: Db, input: LoadCodeSetInput, now: Date): Promise<LoadCodeSetResult> {
  const started = performance.now();
  if (!(CODE_SETS as readonly string[]).includes(input.codeSet))
    throw new DomainError(
      "invalid_request",
      `Unknown code set ${input.codeSet}; use ${CODE_SETS.join(", ")}.`,
    );
  if (!/^[A-Za-z0-9._-]{1,20}$/.test(input.version))
    throw new DomainError(
      "invalid_request",
      "The version must be 1-20 letters, digits, dots, hyphens or underscores.",
    );
  const { from, to } = validityOf(input);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(from) || !/^\d{4}-\d{2}-\d{2}$/.test(to) || from > to)
    throw new DomainError(
      "invalid_request",
      "The validity dates must be YYYY-MM-DD, the first not after the second.",
    );
  const sha256 = createHash("sha256").update(input.content).digest("hex");
  const base = { codeSet: input.codeSet, version: input.version, validFrom: from, validTo: to, sha256 };
  const existing = await db.kysely
    .selectFrom("code_set_versions")
    .selectAll()
    .where("code_set", "=", input.codeSet)
    .where("version", "=", input.version)
    .executeTakeFirst();
  if (existing && existing.sha256 === sha256 && existing.valid_from === from && existing.valid_to === to) {
    return {
      ...base,
      entries: existing.entries,
      words: 0,
      outcome: "unchanged",
      ms: performance.now() - started,
    };
  }
  const entries = parse(input);
  const wordRows = entries.flatMap((e) =>
    wordsOf(e.description ?? "").map((word) => ({
      code_set: input.codeSet,
      version: input.version,
      word,
      code: e.code,
    })),
  );
  const version = {
    code_set: input.codeSet,
    version: input.version,
    valid_from: from,
    valid_to: to,
    entries: entries.length,
    sha256,
    loaded_at: now.toISOString(),
  };
  if (db.sqlite) loadSqlite(db.sqlite, version, entries, wordRows);
  else await loadPostgres(db, version, entries, wordRows);
  return {
    ...base,
    entries: entries.length,
    words: wordRows.length,
    outcome: existing ? "replaced" : "loaded",
    ms: performance.now() - started,
  };
}

type Entry = { code: string; description: string | null };
type Word = { word: string; code: string };

/**
 * SQLite: prepared statements in one `begin immediate` transaction (better-sqlite3 runs them without a
 * round trip per row: the FY2026 list with its word index loads in a few seconds). Only the CLI and the
 * demo seed load lists, so nothing else is using the connection meanwhile.
 */
function loadSqlite(
  sqlite: SqliteDatabase.Database,
  v: CodeSetVersionsTable,
  entries: Entry[],
  words: Word[],
): void {
  const run = sqlite.transaction(() => {
    for (const t of ["code_set_words", "code_set_entries", "code_set_versions"])
      sqlite.prepare(`delete from ${t} where code_set = ? and version = ?`).run(v.code_set, v.version);
    const entry = sqlite.prepare(
      "insert into code_set_entries (code_set, version, code, description, valid_from, valid_to) values (?, ?, ?, ?, ?, ?)",
    );
    for (const e of entries)
      entry.run(v.code_set, v.version, e.code, e.description, v.valid_from, v.valid_to);
    const word = sqlite.prepare(
      "insert into code_set_words (code_set, version, word, code) values (?, ?, ?, ?)",
    );
    for (const w of words) word.run(v.code_set, v.version, w.word, w.code);
    sqlite
      .prepare(
        "insert into code_set_versions (code_set, version, valid_from, valid_to, entries, sha256, loaded_at) values (?, ?, ?, ?, ?, ?, ?)",
      )
      .run(v.code_set, v.version, v.valid_from, v.valid_to, v.entries, v.sha256, v.loaded_at);
  });
  run.immediate();
}

/** PostgreSQL: one transaction; rows go in as arrays through `unnest`, 50,000 per statement. */
async function loadPostgres(db: Db, v: CodeSetVersionsTable, entries: Entry[], words: Word[]): Promise<void> {
  const CHUNK = 50_000;
  await inTransaction(db, async (trx) => {
    for (const t of ["code_set_words", "code_set_entries", "code_set_versions"] as const)
      await trx.deleteFrom(t).where("code_set", "=", v.code_set).where("version", "=", v.version).execute();
    for (let i = 0; i < entries.length; i += CHUNK) {
      const part = entries.slice(i, i + CHUNK);
      await sql`insert into code_set_entries (code_set, version, code, description, valid_from, valid_to)
        select ${v.code_set}, ${v.version}, c, d, ${v.valid_from}, ${v.valid_to}
        from unnest(${part.map((e) => e.code)}::text[], ${part.map((e) => e.description)}::text[]) as t(c, d)`.execute(
        trx,
      );
    }
    for (let i = 0; i < words.length; i += CHUNK) {
      const part = words.slice(i, i + CHUNK);
      await sql`insert into code_set_words (code_set, version, word, code)
        select ${v.code_set}, ${v.version}, w, c
        from unnest(${part.map((e) => e.word)}::text[], ${part.map((e) => e.code)}::text[]) as t(w, c)`.execute(
        trx,
      );
    }
    await trx.insertInto("code_set_versions").values(v).execute();
  });
  // Fresh statistics, or the planner guesses on half a million new rows (searches went from
  // milliseconds to a minute without this).
  await sql`analyze code_set_entries`.execute(db.kysely);
  await sql`analyze code_set_words`.execute(db.kysely);
}

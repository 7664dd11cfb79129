/**
 * Relevance of ICD-10-CM search results, so that the code a clinician means comes first: `hypertension`
 * gives I10 (Essential (primary) hypertension) before the secondary and pulmonary kinds, `type 2
 * diabetes` gives E11.9 before the hundred E11 codes with complications and before type 1.
 *
 * The order, best first: the exact code typed; descriptions matching more of the query's words (digits
 * such as the 2 of "type 2" included, though the word index leaves them out); descriptions whose words
 * the query covers the most (words in parentheses are ICD-10-CM's nonessential modifiers, and stop words
 * such as "unspecified" carry nothing, nor do "uncomplicated" and "(without) complications", which mark
 * the default code, so none counts against a description); the residual "Other …" codes after the
 * others; shorter codes (the more general); shorter descriptions; then code order.
 */

/**
 * Words the description word index leaves out (server `codes/load-code-set.ts` builds the index with
 * this very set, so the index and the ranking can never disagree about them).
 */
export const CODE_INDEX_STOP_WORDS: ReadonlySet<string> = new Set([
  "and",
  "the",
  "with",
  "without",
  "for",
  "due",
  "not",
  "other",
  "than",
  "from",
  "into",
  "unspecified",
  "elsewhere",
  "classified",
  "specified",
]);

/** Words that say nothing about the condition: the index's, plus short ones the index drops by length. */
const STOP = new Set([...CODE_INDEX_STOP_WORDS, "of", "or", "in", "to", "by", "a", "an", "on"]);

/** Words that mark the default code of a condition, not a kind of it: they do not count against it. */
const DEFAULT_MARKERS = new Set(["uncomplicated", "complications"]);

function fold(text: string): string {
  return text
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "");
}

function wordsIn(text: string): string[] {
  return fold(text)
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** The query's words that say something (stop words left out), folded like descriptions. */
export function queryWords(query: string): string[] {
  return [...new Set(wordsIn(query).filter((w) => !STOP.has(w)))];
}

export interface RankableCode {
  code: string;
  description: string | null;
}

interface Scored<T> {
  item: T;
  exact: boolean;
  matched: number;
  coverage: number;
  /** "Other …" codes are the residual kinds: after the default at the same coverage. */
  residual: boolean;
}

/**
 * Orders `entries` (candidates found by code prefix or description words) by relevance to `query`, as
 * the file's comment says. `code` is the stored form (no dot, upper case). Stable and pure.
 */
export function rankCodeMatches<T extends RankableCode>(query: string, entries: readonly T[]): T[] {
  const typedCode = query.trim().toUpperCase().replace(".", "");
  const words = queryWords(query);
  const starts = (w: string, q: string) => (/^\d+$/.test(q) ? w === q : w.startsWith(q));
  const scored: Scored<T>[] = entries.map((item) => {
    const description = item.description ?? "";
    const all = wordsIn(description);
    // Core words: outside parentheses and brackets, not stop words.
    const core = wordsIn(description.replace(/\([^)]*\)|\[[^\]]*\]/g, " ")).filter(
      (w) => !STOP.has(w) && !DEFAULT_MARKERS.has(w),
    );
    const matched = words.filter((q) => all.some((w) => starts(w, q))).length;
    const covered = core.filter((w) => words.some((q) => starts(w, q))).length;
    return {
      item,
      exact: item.code === typedCode,
      matched,
      coverage: core.length ? covered / core.length : 0,
      residual: /^other\b/i.test(description),
    };
  });
  scored.sort(
    (a, b) =>
      Number(b.exact) - Number(a.exact) ||
      b.matched - a.matched ||
      b.coverage - a.coverage ||
      Number(a.residual) - Number(b.residual) ||
      a.item.code.length - b.item.code.length ||
      (a.item.description?.length ?? 0) - (b.item.description?.length ?? 0) ||
      (a.item.code < b.item.code ? -1 : a.item.code > b.item.code ? 1 : 0),
  );
  return scored.map((s) => s.item);
}

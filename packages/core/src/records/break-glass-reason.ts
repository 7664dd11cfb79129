/**
 * What counts as a reason for break-glass (45 CFR 164.312(a)(2)(ii): emergency access is justified and
 * reviewed). The privacy officer must be able to read why the record was opened, so the reason needs a
 * few visible words: at least MIN_REASON_WORDS words and MIN_REASON_VISIBLE visible characters. Invisible
 * characters never count: zero-width spaces and joiners, other format and control characters, default
 * ignorable code points (the Hangul fillers look like letters but show nothing), the blank braille
 * pattern and whitespace of every kind. Without that rule ten zero-width spaces were "a reason".
 */
export const MIN_REASON_WORDS = 3;
export const MIN_REASON_VISIBLE = 12;

/** Characters that show nothing (removed before counting; whitespace is handled separately). */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Default_Ignorable_Code_Point}\u2800]/gu;
/** A character a reader sees: a letter, a digit, punctuation or a symbol (combining marks ride on one). */
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/gu;
/** Scripts written without spaces between words: each character is counted as a word. */
const UNSPACED =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/gu;
const WORDLIKE = /[\p{L}\p{N}]/u;

/** The counts the rule is decided on: words with a letter or digit, and visible characters. */
export function reasonCounts(reason: string): { words: number; visible: number } {
  const shown = reason.replace(INVISIBLE, "");
  const visible = shown.match(VISIBLE)?.length ?? 0;
  let words = 0;
  for (const token of shown.split(/[\s\p{Z}]+/u)) {
    if (!WORDLIKE.test(token)) continue;
    const unspaced = token.match(UNSPACED)?.length ?? 0;
    words += Math.max(1, unspaced);
  }
  return { words, visible };
}

/** Why the text is not a break-glass reason (a message to show beside the field), or null when it is. */
export function breakGlassReasonProblem(reason: string): string | null {
  const { words, visible } = reasonCounts(reason);
  if (words >= MIN_REASON_WORDS && visible >= MIN_REASON_VISIBLE) return null;
  return `must say why in a few words: at least ${MIN_REASON_WORDS} words and ${MIN_REASON_VISIBLE} visible characters (spaces and invisible characters do not count)`;
}

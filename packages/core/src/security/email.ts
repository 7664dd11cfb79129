/**
 * Account names are compared after Unicode NFKC and case folding, and must not hide invisible characters,
 * so `Admin@x`, `ａdmin@x` (fullwidth) and `admin\u200b@x` cannot become three different accounts.
 */
// The explicit ranges plus every Default_Ignorable_Code_Point: without the property, invisible characters
// such as U+034F (combining grapheme joiner), U+180E (Mongolian vowel separator) and U+3164 (Hangul
// filler) passed, so `ad\u034Fmin@x` was a second account that looks exactly like `admin@x`.
const INVISIBLE = /[\u200B-\u200F\u2028-\u202F\u2060-\u206F\uFEFF\u00AD]|\p{Default_Ignorable_Code_Point}/u;
const SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function normalizeEmail(email: string): string {
  return email.normalize("NFKC").trim().toLowerCase();
}

/** Returns why the address is unusable as an account name, or null. */
export function emailProblem(email: string): string | null {
  if (INVISIBLE.test(email)) return "must not contain invisible characters";
  const n = normalizeEmail(email);
  if (n.length > 254) return "is too long (254 characters at most)";
  if (!SHAPE.test(n)) return "is not an email address";
  return null;
}

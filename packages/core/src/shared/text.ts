/**
 * Checks on free text that reaches storage. NUL bytes break PostgreSQL text columns and C tools, and lone
 * UTF-16 surrogates cannot be encoded as UTF-8, so both would be silently mangled or fail mid-write.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what this refuses.
const NUL = /\u0000/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Returns why the text cannot be stored, or null when it can. */
export function unstorableTextReason(value: string): string | null {
  if (NUL.test(value)) return "must not contain NUL characters";
  if (LONE_SURROGATE.test(value)) return "contains an invalid character (lone surrogate)";
  return null;
}

/** Keys that would let JSON input reach Object.prototype. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

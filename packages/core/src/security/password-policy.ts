/**
 * Password rules after NIST SP 800-63B as adopted by OWASP ASVS 5.0 (6.2.x): length over complexity, no
 * composition rules, any characters, at least 64 accepted, compared exactly as typed, and passwords that
 * appear in breach corpora or are otherwise guessable are refused. The blocklist is passed in, so this
 * stays pure; the server supplies the zxcvbn common-password dictionary.
 */
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;

export interface PasswordContext {
  /** Words specific to this account (email, name, organization) that must not be the password. */
  personal: readonly string[];
  /** Lower-cased common and breached passwords. */
  isCommon: (lowered: string) => boolean;
}

/** Length counted in Unicode code points, so emoji count as one character each. */
function codePoints(value: string): number {
  return [...value].length;
}

/** Returns the reason a password is refused, or null when it is acceptable. */
export function passwordProblem(password: string, ctx: PasswordContext): string | null {
  const length = codePoints(password);
  if (length < MIN_PASSWORD_LENGTH) {
    return `Use at least ${MIN_PASSWORD_LENGTH} characters; a few unrelated words make a strong, memorable password.`;
  }
  if (length > MAX_PASSWORD_LENGTH) return `Use at most ${MAX_PASSWORD_LENGTH} characters.`;
  const lowered = password.normalize("NFKC").toLowerCase();
  if (new Set(lowered).size <= 2)
    return "This password repeats too few characters; choose something less predictable.";
  if (ctx.isCommon(lowered) || ctx.isCommon(lowered.replace(/[^a-z]+$/u, "")) || isSequence(lowered)) {
    return "This password is common or has appeared in data breaches; choose another.";
  }
  for (const word of ctx.personal) {
    const w = word.normalize("NFKC").toLowerCase().trim();
    if (w.length >= 4 && lowered.includes(w) && lowered.length - w.length < 6) {
      return "This password is too close to your name, email or organization; choose another.";
    }
  }
  return null;
}

function isSequence(lowered: string): boolean {
  const keyboard = "1234567890qwertyuiopasdfghjklzxcvbnmabcdefghijklmnopqrstuvwxyz";
  return keyboard.includes(lowered) || keyboard.includes([...lowered].reverse().join(""));
}

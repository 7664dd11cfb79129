/**
 * Duplicate patient detection on entry: a new registration is compared with the patients born the same
 * day. Names are compared after normalisation (Unicode NFKC, case-folded, accents stripped, punctuation
 * and spacing collapsed), with Jaro-Winkler similarity, in both orders (given/family swapped is a classic
 * registration error); a shared phone number or e-mail address also counts. Names in any script work:
 * normalisation only folds what is the same letter, and the stored names are never changed by it.
 */

/** Comparison form of a name: NFKC, case-folded, combining accents removed, punctuation as spaces. */
export function normalizeName(name: string): string {
  return name
    .normalize("NFKC")
    .toLowerCase()
    .replace(/ß/g, "ss")
    .normalize("NFD")
    .replace(/\p{Mn}/gu, "")
    .normalize("NFC")
    .replace(/[^\p{L}\p{N}\p{Mc}]+/gu, " ")
    .trim();
}

/** Edit distance in code points (insertions, deletions, substitutions). */
export function levenshtein(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[y.length]!;
}

/** Jaro-Winkler similarity in [0, 1] over code points (1 = identical), prefix scale 0.1 up to 4. */
export function jaroWinkler(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  if (x.length === 0 && y.length === 0) return 1;
  if (x.length === 0 || y.length === 0) return 0;
  const window = Math.max(0, Math.floor(Math.max(x.length, y.length) / 2) - 1);
  const xm = new Array<boolean>(x.length).fill(false);
  const ym = new Array<boolean>(y.length).fill(false);
  let matches = 0;
  for (let i = 0; i < x.length; i++) {
    const lo = Math.max(0, i - window);
    const hi = Math.min(y.length - 1, i + window);
    for (let j = lo; j <= hi; j++) {
      if (!ym[j] && x[i] === y[j]) {
        xm[i] = true;
        ym[j] = true;
        matches++;
        break;
      }
    }
  }
  if (matches === 0) return 0;
  let transpositions = 0;
  let k = 0;
  for (let i = 0; i < x.length; i++) {
    if (!xm[i]) continue;
    while (!ym[k]) k++;
    if (x[i] !== y[k]) transpositions++;
    k++;
  }
  const m = matches;
  const jaro = (m / x.length + m / y.length + (m - transpositions / 2) / m) / 3;
  let prefix = 0;
  while (prefix < 4 && prefix < x.length && prefix < y.length && x[prefix] === y[prefix]) prefix++;
  return jaro + prefix * 0.1 * (1 - jaro);
}

export interface DuplicateProbe {
  givenName: string;
  familyName: string;
  dateOfBirth: string;
  phone?: string | null | undefined;
  email?: string | null | undefined;
}

export interface DuplicateCandidate extends DuplicateProbe {
  id: string;
}

export type DuplicateReason = "name" | "phone" | "email";

export interface DuplicateMatch {
  id: string;
  /** Name similarity in [0, 1]. */
  score: number;
  reasons: DuplicateReason[];
}

/** Names at least this similar (Jaro-Winkler, averaged over given and family name) are flagged. */
export const NAME_THRESHOLD = 0.88;

function phoneKey(phone: string | null | undefined): string | null {
  const digits = (phone ?? "").replace(/\D/g, "");
  // The last ten digits: "+1 (217) 555-0101" and "217-555-0101" are the same line.
  return digits.length >= 7 ? digits.slice(-10) : null;
}

function emailKey(email: string | null | undefined): string | null {
  const e = (email ?? "").normalize("NFKC").trim().toLowerCase();
  return e.includes("@") ? e : null;
}

/** Similarity of two people's names, the better of the straight and the swapped comparison. */
export function nameSimilarity(a: Pick<DuplicateProbe, "givenName" | "familyName">, b: typeof a): number {
  const ag = normalizeName(a.givenName);
  const af = normalizeName(a.familyName);
  const bg = normalizeName(b.givenName);
  const bf = normalizeName(b.familyName);
  const straight = (jaroWinkler(ag, bg) + jaroWinkler(af, bf)) / 2;
  const swapped = (jaroWinkler(ag, bf) + jaroWinkler(af, bg)) / 2;
  return Math.max(straight, swapped);
}

/**
 * The candidates that are probably the same person as `probe`: born the same day and with similar names
 * or a shared phone number or e-mail address. Best first.
 */
export function findDuplicates(
  probe: DuplicateProbe,
  candidates: readonly DuplicateCandidate[],
): DuplicateMatch[] {
  const out: DuplicateMatch[] = [];
  const phone = phoneKey(probe.phone);
  const email = emailKey(probe.email);
  for (const c of candidates) {
    if (c.dateOfBirth !== probe.dateOfBirth) continue;
    const score = nameSimilarity(probe, c);
    const reasons: DuplicateReason[] = [];
    if (score >= NAME_THRESHOLD) reasons.push("name");
    if (phone && phoneKey(c.phone) === phone) reasons.push("phone");
    if (email && emailKey(c.email) === email) reasons.push("email");
    if (reasons.length > 0) out.push({ id: c.id, score: Math.round(score * 1000) / 1000, reasons });
  }
  return out.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
}

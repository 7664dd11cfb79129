import { readCsv } from "../shared/csv-read.ts";
import { DomainError } from "../shared/domain-error.ts";

/**
 * CMS place-of-service codes (the two digits of CLM05-1 and SV105 on a professional claim). CMS
 * publishes them as a web page; data/codes/cms-place-of-service-codes.csv holds them as `code,description`
 * with CMS's own text (upper case, name and description together). Codes CMS has not assigned read
 * `UNASSIGNED` and are not valid on a claim.
 */
export interface PlaceOfService {
  code: string;
  description: string;
}

/** The assigned codes of CMS's CSV, in code order; a malformed file is refused naming the line. */
export function parsePlaceOfServiceCsv(text: string): PlaceOfService[] {
  const read = readCsv(text);
  if (!read.ok) throw new DomainError("invalid_request", `Line ${read.line} of the file: ${read.message}.`);
  const [header, ...rows] = read.records;
  if (header?.fields[0]?.trim().toLowerCase() !== "code")
    throw new DomainError(
      "invalid_request",
      "The place-of-service file must start with the header code,description.",
    );
  const out: PlaceOfService[] = [];
  for (const r of rows) {
    const code = (r.fields[0] ?? "").trim();
    const description = (r.fields[1] ?? "").replace(/\s+/g, " ").trim();
    if (!/^\d{2}$/.test(code))
      throw new DomainError(
        "invalid_request",
        `Line ${r.line}: ${JSON.stringify(code)} is not a two-digit place-of-service code.`,
      );
    if (!description || description.toUpperCase() === "UNASSIGNED") continue;
    out.push({ code, description });
  }
  return out.sort((a, b) => (a.code < b.code ? -1 : 1));
}

/** CMS's CSV as `code description` lines (the format the code-set loader reads). */
export function placeOfServiceLines(text: string): string {
  return parsePlaceOfServiceCsv(text)
    .map((p) => `${p.code} ${p.description}`)
    .join("\n");
}

const SMALL_WORDS = new Set([
  "a",
  "an",
  "and",
  "as",
  "at",
  "by",
  "for",
  "in",
  "of",
  "on",
  "or",
  "the",
  "to",
  "with",
]);
const KEEP_UPPER = new Set(["PACE", "SNF", "ICF"]);

/**
 * The place's short name from CMS's text, for lists and claim pages: the words before the effective-date
 * note and the description ("OFFICE - LOCATION, OTHER THAN..." → "Office"; "PHARMACY (EFFECTIVE OCTOBER
 * 1, 2005)- A FACILITY..." → "Pharmacy"), in title case.
 */
export function placeOfServiceName(description: string): string {
  let name = description
    // Effective-date and revision notes in parentheses.
    .replace(/\s*\((?:EFFECTIVE|EFF\.|CODE EFFECTIVE|DESCRIPTION REVISED|OCTOBER)[^)]*\)/gi, " ")
    // The description starts after a dash followed by a space...
    .split(/\s*-\s+/)[0]!
    // ...or, where CMS wrote no dash, at "A FACILITY", "AN AIR OR WATER VEHICLE" and the like.
    .split(/\s+(?:A|AN)\s+/)[0]!
    .replace(/\s+/g, " ")
    .trim();
  if (!name) name = description;
  return name
    .split(" ")
    .map((w, i) => {
      if (KEEP_UPPER.has(w.replace(/[()]/g, ""))) return w;
      const lower = w.toLowerCase();
      if (i > 0 && SMALL_WORDS.has(lower)) return lower;
      return lower.replace(/(^|[-/—(])([a-z])/g, (_, p: string, c: string) => p + c.toUpperCase());
    })
    .join(" ");
}

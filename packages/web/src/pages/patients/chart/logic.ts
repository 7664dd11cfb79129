// Pure pieces of the patient chart: which tabs a user sees, code formats, diagnosis pointers, display
// helpers. No I/O; tested in logic.test.ts.
import { P } from "../../../auth/permissions.ts";

/** The parts of a record (packages/core/src/records/access-policy.ts, "RecordSection"). */
export type RecordSection = "demographics" | "coverage" | "schedule" | "codes" | "clinical" | "privacy";

// Practice-wide sections by role, as in the records contract. Clinicians get every section but privacy,
// for the patients they have a relation with (the server answers 404 for the others).
const SECTIONS_BY_ROLE: Record<string, readonly RecordSection[]> = {
  "front-desk": ["demographics", "coverage", "schedule"],
  manager: ["demographics", "coverage", "schedule"],
  biller: ["demographics", "coverage", "schedule", "codes"],
  "privacy-officer": ["demographics", "privacy"],
  clinician: ["demographics", "coverage", "schedule", "codes", "clinical"],
};

/** The record sections the roles may see (the union over the roles). */
export function sectionsFor(roles: readonly string[]): Set<RecordSection> {
  return new Set(roles.flatMap((role) => SECTIONS_BY_ROLE[role] ?? []));
}

export type ChartTab =
  | "summary"
  | "coverage"
  | "appointments"
  | "encounters"
  | "clinical"
  | "notes"
  | "documents"
  | "care-team"
  | "privacy";

export const TAB_LABELS: Record<ChartTab, string> = {
  summary: "Summary",
  coverage: "Coverage",
  appointments: "Appointments",
  encounters: "Encounters",
  clinical: "Problems, allergies, medications",
  notes: "Notes",
  documents: "Documents",
  "care-team": "Care team",
  privacy: "Privacy",
};

/**
 * The chart tabs a user sees, in order. A tab needs both the record section (by role) and the route's
 * permission; a tab the user may not see is left out, never shown disabled.
 */
export function chartTabs(roles: readonly string[], permissions: readonly string[]): ChartTab[] {
  const sections = sectionsFor(roles);
  const has = (permission: string) => permissions.includes(permission);
  const tabs: ChartTab[] = [];
  if (sections.has("demographics") && (has(P.patientsRead) || has(P.patientsWrite))) tabs.push("summary");
  if (sections.has("coverage") && (has(P.patientsRead) || has(P.patientsWrite))) tabs.push("coverage");
  if (sections.has("schedule") && (has(P.scheduleRead) || has(P.scheduleWrite))) tabs.push("appointments");
  if (sections.has("codes") && has(P.encountersRead)) tabs.push("encounters");
  if (sections.has("clinical") && has(P.chartRead)) tabs.push("clinical", "notes", "documents", "care-team");
  if (sections.has("privacy") && has(P.privacyManage)) tabs.push("privacy");
  return tabs;
}

/** Whether the user reads clinical content (the allergy banner, problem lists). */
export function seesClinical(roles: readonly string[], permissions: readonly string[]): boolean {
  return sectionsFor(roles).has("clinical") && permissions.includes(P.chartRead);
}

// ---- Codes ---------------------------------------------------------------------------------------

/** What a person typed → the stored ICD-10-CM form: upper case, no dot, no spaces (`e11.9` → `E119`). */
export function normalizeIcd10(input: string): string {
  return input.replace(/[\s.]/g, "").toUpperCase();
}

/** ICD-10-CM shape: a letter, a digit, a digit or letter, then up to four more characters. */
export function isIcd10Format(input: string): boolean {
  return /^[A-TV-Z][0-9][0-9AB][0-9A-Z]{0,4}$/.test(normalizeIcd10(input));
}

/** The code as people read it: a dot after the category (`E119` → `E11.9`; `I10` stays). */
export function formatIcd10(code: string): string {
  const plain = normalizeIcd10(code);
  return plain.length > 3 ? `${plain.slice(0, 3)}.${plain.slice(3)}` : plain;
}

/** CPT (five digits, or four digits and F/T/U for category II/III and PLA codes) or HCPCS Level II. */
export function isProcedureCode(input: string): boolean {
  const code = input.trim().toUpperCase();
  return /^[0-9]{4}[0-9FTU]$/.test(code) || /^[A-V][0-9]{4}$/.test(code);
}

/** A CPT/HCPCS modifier: two letters or digits (25, 59, LT, GT). */
export function isModifier(input: string): boolean {
  return /^[0-9A-Z]{2}$/.test(input.trim().toUpperCase());
}

/** Claim pointer letters: 1 → A, 2 → B, … (a CMS-1500 line points at up to four diagnoses). */
export function pointerLetter(position: number): string {
  return String.fromCharCode(64 + position);
}

/**
 * Pointers after removing the diagnosis at `removed` (1-based): pointers to it are dropped and later
 * positions move up by one, so every pointer still names the same code it named before.
 */
export function pointersAfterRemoval(pointers: readonly number[], removed: number): number[] {
  return pointers.filter((p) => p !== removed).map((p) => (p > removed ? p - 1 : p));
}

/** Problems with an encounter form's procedures, in order (empty when it can be sent). */
export function procedureProblems(
  procedures: readonly {
    code: string;
    modifiers: readonly string[];
    units: number;
    diagnosisPointers: readonly number[];
  }[],
  diagnosisCount: number,
): string[] {
  const problems: string[] = [];
  procedures.forEach((p, i) => {
    const line = `Procedure ${i + 1}`;
    if (!isProcedureCode(p.code)) problems.push(`${line}: "${p.code}" is not a CPT or HCPCS code.`);
    const bad = p.modifiers.filter((m) => !isModifier(m));
    if (bad.length) problems.push(`${line}: modifier ${bad.join(", ")} is not two letters or digits.`);
    if (p.modifiers.length > 4) problems.push(`${line}: at most four modifiers.`);
    if (!Number.isInteger(p.units) || p.units < 1)
      problems.push(`${line}: units must be a whole number of 1 or more.`);
    if (p.diagnosisPointers.length === 0 && diagnosisCount > 0)
      problems.push(`${line}: point at least one diagnosis.`);
    if (p.diagnosisPointers.length > 4) problems.push(`${line}: at most four diagnosis pointers.`);
    if (p.diagnosisPointers.some((d) => d < 1 || d > diagnosisCount))
      problems.push(`${line}: a diagnosis pointer names no diagnosis.`);
  });
  return problems;
}

// ---- Display -------------------------------------------------------------------------------------

/** Age in whole years on `today` (both plain dates); null when either is not a date. */
export function ageOn(dateOfBirth: string, today: string): number | null {
  const parse = (s: string) => /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  const b = parse(dateOfBirth);
  const t = parse(today);
  if (!b || !t) return null;
  const [by, bm, bd] = [Number(b[1]), Number(b[2]), Number(b[3])];
  const [ty, tm, td] = [Number(t[1]), Number(t[2]), Number(t[3])];
  const years = ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
  return years < 0 ? null : years;
}

/** `14:05`: an instant as a 24-hour wall time in the given zone (the browser's by default). */
export function clockTime(instant: string, timeZone?: string): string {
  const date = new Date(instant);
  if (Number.isNaN(date.getTime())) return "";
  return new Intl.DateTimeFormat("en-GB", {
    hour: "2-digit",
    minute: "2-digit",
    hour12: false,
    timeZone,
  }).format(date);
}

/** How a document is shown: PDFs and common images inline, everything else downloaded. */
export function viewerKind(contentType: string): "pdf" | "image" | "download" {
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  if (type === "application/pdf") return "pdf";
  // SVG is left out on purpose: it can carry script.
  if (["image/png", "image/jpeg", "image/gif", "image/webp"].includes(type)) return "image";
  return "download";
}

/** `1536` → `1.5 KB`. */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1).replace(/\.0$/, "")} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, "")} MB`;
}

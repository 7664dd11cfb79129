import type { ErrorDetail } from "../shared/domain-error.ts";

/**
 * Format rules of the code sets billing uses, as pure functions. Whether a code exists (and is billable)
 * for a date of service is a question for the loaded code lists (server/src/codes); here only what a
 * code must look like.
 *
 * - ICD-10-CM: a letter, then two letters or digits (the second a digit except FY2026's QA0x codes),
 *   then up to four more (3 to 7 characters), optionally with a dot after the third. Stored without
 *   the dot, shown with it.
 * - CPT: five digits, or four digits and F (category II) or T (category III).
 * - HCPCS Level II: a letter A to V and four digits.
 * - Modifiers: two letters or digits, at most four per procedure.
 */

// The second character was always a digit until FY2026 added QA0x codes (SCN2A-related disorders and
// the like), so a letter is accepted there too: the real list is the authority, not the old rule.
const ICD10_BARE = /^[A-Z][0-9A-Z][0-9A-Z][0-9A-Z]{0,4}$/;
const ICD10_DOTTED = /^([A-Z][0-9A-Z][0-9A-Z])\.([0-9A-Z]{1,4})$/;
const CPT = /^(?:\d{5}|\d{4}[FT])$/;
const HCPCS = /^[A-V]\d{4}$/;
const MODIFIER = /^[A-Z0-9]{2}$/;

export const MAX_DIAGNOSES = 12;
export const MAX_PROCEDURES = 50;
export const MAX_MODIFIERS = 4;
export const MAX_POINTERS = 4;
export const MAX_UNITS = 999;

/** The code as stored (upper case, no dot), or null when it is not an ICD-10-CM code by form. */
export function normalizeIcd10(input: string): string | null {
  const s = input.trim().toUpperCase();
  const dotted = ICD10_DOTTED.exec(s);
  const bare = dotted ? `${dotted[1]}${dotted[2]}` : s;
  return ICD10_BARE.test(bare) ? bare : null;
}

/** The code as people write it: a dot after the third character when it is longer than three. */
export function formatIcd10(code: string): string {
  return code.length > 3 ? `${code.slice(0, 3)}.${code.slice(3)}` : code;
}

export type ProcedureCodeSystem = "cpt" | "hcpcs";

/** Which code set a procedure code belongs to by its form (CPT or HCPCS Level II), or null. */
export function procedureCodeSystem(input: string): ProcedureCodeSystem | null {
  const s = input.trim().toUpperCase();
  if (CPT.test(s)) return "cpt";
  if (HCPCS.test(s)) return "hcpcs";
  return null;
}

export function isModifier(input: string): boolean {
  return MODIFIER.test(input.trim().toUpperCase());
}

/**
 * The US federal fiscal year a date of service falls in (1 October to 30 September): the ICD-10-CM
 * release that applies. 2025-10-01 .. 2026-09-30 is FY2026.
 */
export function fiscalYearOf(date: string): number {
  const year = Number(date.slice(0, 4));
  return date.slice(5) >= "10-01" ? year + 1 : year;
}

/** The first and last date of service of a fiscal year. */
export function fiscalYearRange(fy: number): { from: string; to: string } {
  return { from: `${fy - 1}-10-01`, to: `${fy}-09-30` };
}

export interface ProcedureInput {
  code: string;
  modifiers?: readonly string[];
  units?: number;
  /** 1-based positions in the encounter's diagnosis list. */
  pointers?: readonly number[];
}

export interface NormalizedProcedure {
  codeSystem: ProcedureCodeSystem;
  code: string;
  modifiers: string[];
  units: number;
  pointers: number[];
}

export interface NormalizedCodes {
  diagnoses: string[];
  procedures: NormalizedProcedure[];
}

/**
 * Checks and normalizes an encounter's codes: diagnoses in order (the first is primary, no repeats, at
 * most 12), procedures with their modifiers, units (1-999) and diagnosis pointers (1-4 per line, each
 * naming one of the diagnoses). Answers the normalized codes, or every problem found with its path.
 */
export function checkEncounterCodes(
  diagnoses: readonly string[],
  procedures: readonly ProcedureInput[],
): { ok: true; value: NormalizedCodes } | { ok: false; errors: ErrorDetail[] } {
  const errors: ErrorDetail[] = [];
  if (diagnoses.length > MAX_DIAGNOSES)
    errors.push({ path: "diagnoses", message: `at most ${MAX_DIAGNOSES} diagnoses per encounter` });
  if (procedures.length > MAX_PROCEDURES)
    errors.push({ path: "procedures", message: `at most ${MAX_PROCEDURES} procedures per encounter` });
  const dx: string[] = [];
  diagnoses.forEach((raw, i) => {
    const code = normalizeIcd10(raw);
    if (!code) {
      errors.push({
        path: `diagnoses.${i}`,
        message: `${JSON.stringify(raw)} is not an ICD-10-CM code (a letter, then 2-6 letters or digits, e.g. E11.9)`,
      });
    } else if (dx.includes(code)) {
      errors.push({ path: `diagnoses.${i}`, message: `${formatIcd10(code)} is listed twice` });
    } else dx.push(code);
  });
  const px: NormalizedProcedure[] = [];
  procedures.forEach((p, i) => {
    const at = `procedures.${i}`;
    const code = p.code.trim().toUpperCase();
    const codeSystem = procedureCodeSystem(code);
    if (!codeSystem)
      errors.push({
        path: `${at}.code`,
        message: `${JSON.stringify(p.code)} is not a CPT code (5 digits, or 4 digits and F or T) or a HCPCS Level II code (a letter A-V and 4 digits)`,
      });
    const modifiers = (p.modifiers ?? []).map((m) => m.trim().toUpperCase());
    if (modifiers.length > MAX_MODIFIERS)
      errors.push({ path: `${at}.modifiers`, message: `at most ${MAX_MODIFIERS} modifiers` });
    modifiers.forEach((m, j) => {
      if (!MODIFIER.test(m))
        errors.push({
          path: `${at}.modifiers.${j}`,
          message: `${JSON.stringify(m)} is not a modifier (2 letters or digits)`,
        });
      else if (modifiers.indexOf(m) !== j)
        errors.push({ path: `${at}.modifiers.${j}`, message: `modifier ${m} is listed twice` });
    });
    const units = p.units ?? 1;
    if (!Number.isInteger(units) || units < 1 || units > MAX_UNITS)
      errors.push({ path: `${at}.units`, message: `units must be a whole number from 1 to ${MAX_UNITS}` });
    const pointers = [...(p.pointers ?? [])];
    if (pointers.length === 0 && diagnoses.length > 0) pointers.push(1);
    if (pointers.length === 0)
      errors.push({ path: `${at}.pointers`, message: "a procedure needs a diagnosis to point to" });
    if (pointers.length > MAX_POINTERS)
      errors.push({ path: `${at}.pointers`, message: `at most ${MAX_POINTERS} diagnosis pointers` });
    pointers.forEach((n, j) => {
      if (!Number.isInteger(n) || n < 1 || n > MAX_DIAGNOSES)
        errors.push({
          path: `${at}.pointers.${j}`,
          message: `a pointer is a diagnosis position from 1 to ${MAX_DIAGNOSES}`,
        });
      else if (n > diagnoses.length)
        errors.push({
          path: `${at}.pointers.${j}`,
          message: `pointer ${n} names no diagnosis (the encounter has ${diagnoses.length})`,
        });
      else if (pointers.indexOf(n) !== j)
        errors.push({ path: `${at}.pointers.${j}`, message: `pointer ${n} is listed twice` });
    });
    if (codeSystem) px.push({ codeSystem, code, modifiers, units, pointers });
  });
  return errors.length ? { ok: false, errors } : { ok: true, value: { diagnoses: dx, procedures: px } };
}

/**
 * Diagnosis edits by the patient's sex and age, as category ranges of ICD-10-CM (three-character
 * categories compare as strings: "O9A" sorts after "O99", so O00-O9A is the whole pregnancy chapter).
 * Kept to ranges whose meaning is unambiguous; a practice turns the rule off for a payer that disagrees.
 */
import type { AdministrativeSex } from "../claim-model.ts";

interface CategoryRange {
  from: string;
  to: string;
  what: string;
}

const range = (from: string, to: string, what: string): CategoryRange => ({ from, to, what });

/** Pregnancy, childbirth and the puerperium, and the Z codes of a pregnant state. */
export const PREGNANCY_RANGES: readonly CategoryRange[] = [
  range("O00", "O9A", "a pregnancy, childbirth or puerperium code"),
  range("Z33", "Z34", "a pregnancy code"),
  range("Z36", "Z37", "an antenatal screening or delivery outcome code"),
  range("Z39", "Z39", "a postpartum care code"),
  range("Z3A", "Z3A", "a weeks-of-gestation code"),
];

const FEMALE_ONLY: readonly CategoryRange[] = [
  ...PREGNANCY_RANGES,
  range("C51", "C58", "a malignant neoplasm of female genital organs"),
  range("N70", "N98", "a disorder of the female genital tract"),
];

const MALE_ONLY: readonly CategoryRange[] = [
  range("C60", "C63", "a malignant neoplasm of male genital organs"),
  range("N40", "N53", "a disease of male genital organs"),
];

const PERINATAL: readonly CategoryRange[] = [range("P00", "P96", "a perinatal code")];

function inRanges(code: string, ranges: readonly CategoryRange[]): CategoryRange | null {
  const cat = code.slice(0, 3);
  for (const r of ranges) if (cat >= r.from && cat <= r.to) return r;
  return null;
}

/** What a normalized code is meant for when it does not fit `sex`, or null (fits, or sex not known). */
export function sexConflict(code: string, sex: AdministrativeSex | null): string | null {
  if (sex === "male") return inRanges(code, FEMALE_ONLY)?.what ?? null;
  if (sex === "female") return inRanges(code, MALE_ONLY)?.what ?? null;
  return null;
}

export function isPregnancyCode(code: string): boolean {
  return inRanges(code, PREGNANCY_RANGES) !== null;
}

export function isPerinatalCode(code: string): boolean {
  return inRanges(code, PERINATAL) !== null;
}

/** Whole years of age on `date` for someone born on `birthDate` (both 'YYYY-MM-DD'); 29 Feb birthdays age on 1 Mar. */
export function ageOn(birthDate: string, date: string): number {
  const years = Number(date.slice(0, 4)) - Number(birthDate.slice(0, 4));
  return date.slice(5) >= birthDate.slice(5) ? years : years - 1;
}

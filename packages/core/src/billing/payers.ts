import type { ErrorDetail } from "../shared/domain-error.ts";

/**
 * Payers as billing's rules see them: the kinds a practice reports by, the X12 claim filing indicator
 * codes (SBR09 of the 837P, with words for the biller), and the checks a payer must pass before claims
 * can name it.
 */

export const PAYER_KINDS = ["medicare", "medicaid", "commercial", "self-pay", "other"] as const;
export type PayerKindCode = (typeof PAYER_KINDS)[number];

export const PAYER_KIND_LABELS: Readonly<Record<PayerKindCode, string>> = {
  medicare: "Medicare",
  medicaid: "Medicaid",
  commercial: "Commercial",
  "self-pay": "Self-pay",
  other: "Other",
};

/** SBR09 claim filing indicator codes of 005010X222A1, in words. */
export const CLAIM_FILING_INDICATORS: Readonly<Record<string, string>> = {
  "09": "Self-pay",
  "11": "Other non-federal programs",
  "12": "Preferred provider organization (PPO)",
  "13": "Point of service (POS)",
  "14": "Exclusive provider organization (EPO)",
  "15": "Indemnity insurance",
  "16": "Health maintenance organization (HMO) Medicare risk",
  "17": "Dental maintenance organization",
  AM: "Automobile medical",
  BL: "Blue Cross/Blue Shield",
  CH: "CHAMPUS (TRICARE)",
  CI: "Commercial insurance",
  DS: "Disability",
  FI: "Federal employees program",
  HM: "Health maintenance organization (HMO)",
  LM: "Liability medical",
  MA: "Medicare Part A",
  MB: "Medicare Part B",
  MC: "Medicaid",
  OF: "Other federal program",
  TV: "Title V",
  VA: "Veterans Affairs plan",
  WC: "Workers' compensation health claim",
  ZZ: "Mutually defined",
};

/** The claim filing indicator a payer of this kind usually has (the form's suggestion). */
export const DEFAULT_FILING_INDICATOR: Readonly<Record<PayerKindCode, string>> = {
  medicare: "MB",
  medicaid: "MC",
  commercial: "CI",
  "self-pay": "09",
  other: "ZZ",
};

/** Timely filing limits a payer may have: a day to five years. */
export const MIN_TIMELY_FILING_DAYS = 1;
export const MAX_TIMELY_FILING_DAYS = 1826;

/** A member id pattern is written by the practice and run on every claim: keep it short and simple. */
export const MAX_MEMBER_ID_PATTERN = 120;

export interface PayerRules {
  name: string;
  payerId: string | null;
  kind: PayerKindCode;
  claimFilingIndicator: string;
  timelyFilingDays: number;
  memberIdPattern: string | null;
}

/**
 * Nested quantifiers (`(a+)+`, `(\d*)*`) can take exponential time on a near-miss; the scrubber runs the
 * pattern on every claim, so such a pattern is refused rather than risked.
 */
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{]/;

/** Why a member id pattern cannot be used (null when it can): it must compile and stay simple. */
export function memberIdPatternProblem(pattern: string): string | null {
  if (pattern.length > MAX_MEMBER_ID_PATTERN) return `must be at most ${MAX_MEMBER_ID_PATTERN} characters`;
  if (NESTED_QUANTIFIER.test(pattern))
    return "must not repeat a group that itself repeats (such as (\\d+)+): write it without the nesting";
  if (/\\[1-9]/.test(pattern)) return "must not use back-references";
  try {
    new RegExp(pattern);
  } catch {
    return "is not a valid regular expression";
  }
  return null;
}

/**
 * Whether a member id is in the payer's format: the whole id must match (the pattern is anchored here,
 * so "[A-Z]\\d{8}" does not pass "XA12345678Y"). No pattern: any non-empty id.
 */
export function memberIdMatches(pattern: string | null, memberId: string): boolean {
  const id = memberId.trim();
  if (!id) return false;
  if (!pattern) return true;
  return new RegExp(`^(?:${pattern})$`).test(id);
}

/** The problems of a payer, one detail per field (empty when it may be saved). */
export function payerProblems(p: PayerRules): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  if (!p.name.trim()) out.push({ path: "name", message: "must not be empty" });
  if (!(PAYER_KINDS as readonly string[]).includes(p.kind))
    out.push({ path: "kind", message: `must be one of ${PAYER_KINDS.join(", ")}` });
  if (!(p.claimFilingIndicator in CLAIM_FILING_INDICATORS))
    out.push({
      path: "claimFilingIndicator",
      message: `${JSON.stringify(p.claimFilingIndicator)} is not an X12 claim filing indicator (such as MB, MC, CI, BL, HM, 09)`,
    });
  if (p.kind === "self-pay" && p.claimFilingIndicator !== "09")
    out.push({ path: "claimFilingIndicator", message: "a self-pay payer files as 09 (self-pay)" });
  if (p.kind !== "self-pay" && p.claimFilingIndicator === "09")
    out.push({ path: "claimFilingIndicator", message: "09 (self-pay) is only for the self-pay payer" });
  if (p.kind !== "self-pay" && !p.payerId)
    out.push({
      path: "payerId",
      message: "the payer's electronic id (from the clearinghouse's payer list) is needed to send claims",
    });
  if (p.payerId !== null && !/^[A-Za-z0-9]{2,80}$/.test(p.payerId))
    out.push({ path: "payerId", message: "must be 2-80 letters or digits, as the payer list writes it" });
  if (
    !Number.isInteger(p.timelyFilingDays) ||
    p.timelyFilingDays < MIN_TIMELY_FILING_DAYS ||
    p.timelyFilingDays > MAX_TIMELY_FILING_DAYS
  )
    out.push({
      path: "timelyFilingDays",
      message: `must be a whole number of days from ${MIN_TIMELY_FILING_DAYS} to ${MAX_TIMELY_FILING_DAYS}`,
    });
  if (p.memberIdPattern !== null) {
    const why = memberIdPatternProblem(p.memberIdPattern);
    if (why) out.push({ path: "memberIdPattern", message: why });
  }
  return out;
}

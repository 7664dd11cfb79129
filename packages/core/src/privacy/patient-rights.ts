import { DomainError } from "../shared/domain-error.ts";
import { isPlainDate } from "../shared/time-zone.ts";

/**
 * Patient rights under the HIPAA Privacy Rule, as pure rules: amendment deadlines (45 CFR 164.526),
 * which disclosures an accounting lists (45 CFR 164.528) and the plain-words reading of audit actions
 * for the "who looked at my record" report. No clock: callers pass today's date.
 */

/** Days to act on an amendment request (164.526(b)(2)), and the one extension allowed. */
export const AMENDMENT_DAYS = 60;
export const AMENDMENT_EXTENSION_DAYS = 30;

/** Adds whole days to a plain date (YYYY-MM-DD), in the calendar, never through a time zone. */
export function addDays(date: string, days: number): string {
  if (!isPlainDate(date)) throw new RangeError(`not a plain date: ${date}`);
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d + days));
  return t.toISOString().slice(0, 10);
}

export type AmendmentStatus = "pending" | "accepted" | "denied";

export interface AmendmentClock {
  receivedOn: string;
  extendedDueOn: string | null;
  status: AmendmentStatus;
}

/** The date by which the practice must act: 60 days after receipt, or the extended date. */
export function amendmentDueOn(a: Pick<AmendmentClock, "receivedOn" | "extendedDueOn">): string {
  return a.extendedDueOn ?? addDays(a.receivedOn, AMENDMENT_DAYS);
}

/** A pending request past its due date is overdue (the day itself is still in time). */
export function amendmentOverdue(a: AmendmentClock, today: string): boolean {
  return a.status === "pending" && today > amendmentDueOn(a);
}

/**
 * The one 30-day extension (164.526(b)(2)(ii)): only while pending, only once, only before the first
 * deadline has passed (the patient must be told within the 60 days). Answers the new due date.
 */
export function extendAmendment(a: AmendmentClock, today: string): string {
  if (a.status !== "pending") {
    throw new DomainError("conflict", "Only a pending amendment request can be extended.");
  }
  if (a.extendedDueOn !== null) {
    throw new DomainError("conflict", "This request has already had its one 30-day extension.");
  }
  const due = amendmentDueOn(a);
  if (today > due) {
    throw new DomainError(
      "conflict",
      `The 60-day deadline (${due}) has passed; an extension must be given before it.`,
    );
  }
  return addDays(due, AMENDMENT_EXTENSION_DAYS);
}

/** A decision is taken once: accepted and denied requests are final (a new request starts over). */
export function checkAmendmentDecision(
  a: AmendmentClock,
  decision: { outcome: "accepted" | "denied"; reason: string | null },
): void {
  if (a.status !== "pending") {
    throw new DomainError("conflict", `This request was already ${a.status}.`);
  }
  if (decision.outcome === "denied" && !decision.reason?.trim()) {
    throw new DomainError("invalid_request", "A denial needs its reason (it is sent to the patient).", [
      { path: "reason", message: "is required when denying" },
    ]);
  }
}

/**
 * Why a disclosure was made. The accounting (164.528(a)(1)) leaves out treatment, payment and health
 * care operations, disclosures to the patient, those made under the patient's authorization, and the
 * other listed exceptions (facility directory, national security, correctional institutions, limited
 * data sets, incidental). Everything else is accountable.
 */
export const DISCLOSURE_CATEGORIES = {
  treatment: { label: "Treatment", accountable: false },
  payment: { label: "Payment", accountable: false },
  operations: { label: "Health care operations", accountable: false },
  "to-patient": { label: "To the patient or their representative", accountable: false },
  authorization: { label: "Under the patient's written authorization", accountable: false },
  "facility-directory": { label: "Facility directory or people involved in care", accountable: false },
  "national-security": { label: "National security or intelligence", accountable: false },
  correctional: { label: "Correctional institution or custody", accountable: false },
  "limited-data-set": { label: "Limited data set", accountable: false },
  "public-health": { label: "Public health", accountable: true },
  "abuse-neglect": { label: "Victims of abuse, neglect or domestic violence", accountable: true },
  "health-oversight": { label: "Health oversight", accountable: true },
  judicial: { label: "Judicial or administrative proceeding (subpoena, court order)", accountable: true },
  "law-enforcement": { label: "Law enforcement", accountable: true },
  decedents: { label: "Coroners, medical examiners, funeral directors", accountable: true },
  "organ-donation": { label: "Organ, eye or tissue donation", accountable: true },
  research: { label: "Research without authorization (waiver)", accountable: true },
  "serious-threat": { label: "To avert a serious threat to health or safety", accountable: true },
  "workers-compensation": { label: "Workers' compensation", accountable: true },
  "required-by-law": { label: "Required by law", accountable: true },
  other: { label: "Other", accountable: true },
} as const satisfies Record<string, { label: string; accountable: boolean }>;

export type DisclosureCategory = keyof typeof DISCLOSURE_CATEGORIES;
export const DISCLOSURE_CATEGORY_CODES = Object.keys(DISCLOSURE_CATEGORIES) as DisclosureCategory[];

/** The accounting looks back six years (164.528(a)(1)), counted from today in the calendar. */
export const ACCOUNTING_YEARS = 6;

export function accountingStart(today: string): string {
  if (!isPlainDate(today)) throw new RangeError(`not a plain date: ${today}`);
  const [y, m, d] = today.split("-").map(Number) as [number, number, number];
  // 29 February six years back does not exist: the window starts on 1 March (never earlier than allowed).
  const t = new Date(Date.UTC(y - ACCOUNTING_YEARS, m - 1, d));
  return t.toISOString().slice(0, 10);
}

export interface DisclosureFacts {
  /** The plain date of the disclosure (in the practice's zone). */
  disclosedOn: string;
  category: DisclosureCategory;
  /** 164.528(a)(2): an oversight agency or law enforcement may suspend the patient's right for a time. */
  suspendedUntil: string | null;
}

/**
 * Whether a disclosure belongs in the accounting produced today: an accountable category, within the
 * last six years (and not in the future), and not under a suspension still running.
 */
export function inAccounting(d: DisclosureFacts, today: string): boolean {
  if (!DISCLOSURE_CATEGORIES[d.category].accountable) return false;
  if (d.disclosedOn < accountingStart(today) || d.disclosedOn > today) return false;
  if (d.suspendedUntil !== null && today < d.suspendedUntil) return false;
  return true;
}

/** Plain words for audit actions (every code Salus writes has words: core audit/action-words.ts). */
export { actionInWords } from "../audit/action-words.ts";

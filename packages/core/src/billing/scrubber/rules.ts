/**
 * The claim scrubber's rule catalogue (issue 13, item 5): each rule's stable id (stored in settings,
 * findings and FHIR OperationOutcomes, so an id is never renamed or reused), its default severity, what it
 * checks in words for the settings page, and the parameters a practice may tune per payer.
 */

export type ScrubSeverity = "error" | "warning";

export const SCRUB_SEVERITIES: readonly ScrubSeverity[] = ["error", "warning"];

/** A tunable parameter: a whole number in a range, a regular expression, or a list of codes. */
export type ScrubParamSpec =
  | { kind: "integer"; label: string; min: number; max: number; default: number | null }
  | { kind: "pattern"; label: string; default: null }
  | { kind: "code-list"; label: string; default: readonly string[] };

export interface ScrubRuleDefinition {
  id: string;
  title: string;
  /** What the rule checks and why payers deny it, for the settings page and the guide. */
  description: string;
  defaultSeverity: ScrubSeverity;
  params: Readonly<Record<string, ScrubParamSpec>>;
}

const rule = (
  id: string,
  defaultSeverity: ScrubSeverity,
  title: string,
  description: string,
  params: Record<string, ScrubParamSpec> = {},
): ScrubRuleDefinition => ({ id, title, description, defaultSeverity, params });

export const SCRUB_RULES: readonly ScrubRuleDefinition[] = [
  rule(
    "billing-npi",
    "error",
    "Billing provider NPI",
    "The practice's NPI (loop 2010AA) is present, 10 digits, with a valid check digit.",
  ),
  rule(
    "billing-provider-incomplete",
    "error",
    "Billing provider details",
    "The practice's billing name, 9-digit tax id and street address are filled in (Billing settings).",
  ),
  rule(
    "rendering-npi",
    "error",
    "Rendering practitioner NPI",
    "The rendering practitioner's NPI (loop 2310B) is present, 10 digits, with a valid check digit.",
  ),
  rule(
    "rendering-license-expired",
    "error",
    "Practitioner license",
    "The rendering practitioner holds a license that has not expired on the date of service.",
  ),
  rule(
    "rendering-not-credentialed",
    "error",
    "Practitioner credentialed with the payer",
    "When the payer's setting lists the NPIs credentialed with it, the rendering practitioner is one of them.",
    { credentialedNpis: { kind: "code-list", label: "NPIs credentialed with this payer", default: [] } },
  ),
  rule("diagnosis-missing", "error", "No diagnosis", "The claim has at least one ICD-10-CM diagnosis code."),
  rule(
    "diagnosis-too-many",
    "error",
    "Too many diagnoses",
    "A professional claim holds at most 12 diagnosis codes.",
  ),
  rule(
    "diagnosis-malformed",
    "error",
    "Malformed diagnosis code",
    "Each diagnosis code has the ICD-10-CM form: a letter, two letters or digits, then up to four more (the dot optional).",
  ),
  rule(
    "diagnosis-code-set-missing",
    "warning",
    "No ICD-10-CM list for the date",
    "An ICD-10-CM list is loaded for the fiscal year of the date of service; without it codes are checked for their form only.",
  ),
  rule(
    "diagnosis-not-in-code-set",
    "error",
    "Diagnosis not in the code set",
    "Each diagnosis code is in the ICD-10-CM list in force on the date of service (new, deleted and mistyped codes are denied).",
  ),
  rule(
    "diagnosis-header-code",
    "error",
    "Non-billable category",
    "A diagnosis code is not a category (header) that has more specific codes under it in the list: payers deny those as not coded to the highest specificity.",
  ),
  rule(
    "diagnosis-pointer-invalid",
    "error",
    "Diagnosis pointers",
    "Each line points to one to four of the claim's diagnoses, each pointer naming a diagnosis that is there, none twice.",
  ),
  rule(
    "diagnosis-sex-inconsistent",
    "error",
    "Diagnosis and patient's sex",
    "A diagnosis for one sex only (pregnancy, female or male genital organs) matches the patient's recorded sex.",
  ),
  rule(
    "diagnosis-age-inconsistent",
    "error",
    "Diagnosis and patient's age",
    "A perinatal code (P00-P96) is not used for an adult, and a pregnancy code fits the patient's age on the date of service.",
    {
      adultAgeYears: { kind: "integer", label: "Adult from age (years)", min: 1, max: 130, default: 18 },
      maternityMinAge: { kind: "integer", label: "Pregnancy codes from age", min: 0, max: 130, default: 9 },
      maternityMaxAge: { kind: "integer", label: "Pregnancy codes up to age", min: 0, max: 130, default: 64 },
    },
  ),
  rule(
    "procedure-code-malformed",
    "error",
    "Malformed procedure code",
    "Each line's procedure code is a CPT code (five digits, or four digits and F or T) or a HCPCS Level II code (a letter A-V and four digits).",
  ),
  rule(
    "modifier-malformed",
    "error",
    "Malformed modifier",
    "Each modifier is two letters or digits, at most four per line, none repeated.",
  ),
  rule("units-not-positive", "error", "Units", "Each line bills one unit or more, in whole units."),
  rule(
    "charge-not-positive",
    "error",
    "Charge amounts",
    "Each line's charge and the claim's total are more than zero.",
  ),
  rule(
    "total-mismatch",
    "error",
    "Lines add up to the total",
    "The line charges add up to the claim's total charge (CLM02 must equal the sum of SV102).",
  ),
  rule("service-date-invalid", "error", "Date of service", "Each line has a real calendar date of service."),
  rule(
    "service-date-future",
    "error",
    "Date of service in the future",
    "No date of service is after today: a claim is billed once the service was given.",
  ),
  rule(
    "service-before-birth",
    "error",
    "Date of service before birth",
    "No date of service is before the patient's date of birth.",
  ),
  rule(
    "timely-filing",
    "error",
    "Timely filing limit",
    "The claim is sent within the payer's timely filing limit, counted in days from the date of service (the payer's limit, unless this setting gives another).",
    {
      limitDays: {
        kind: "integer",
        label: "Limit in days (empty: the payer's)",
        min: 1,
        max: 3650,
        default: null,
      },
    },
  ),
  rule(
    "timely-filing-near",
    "warning",
    "Timely filing limit near",
    "Warns when the payer's timely filing limit ends within the given number of days, so the claim goes out first.",
    { withinDays: { kind: "integer", label: "Warn within (days)", min: 1, max: 365, default: 14 } },
  ),
  rule(
    "place-of-service-invalid",
    "error",
    "Place of service",
    "The claim's and each line's place of service is an assigned code of the CMS place-of-service list.",
  ),
  rule(
    "coverage-inactive",
    "error",
    "Coverage active on the date of service",
    "The patient's coverage with this payer is on file, active, and in force on every date of service.",
  ),
  rule(
    "payer-id-missing",
    "error",
    "Payer id",
    "The payer has its electronic payer id (loop 2010BB), so the clearinghouse can route the claim.",
  ),
  rule(
    "member-id-missing",
    "error",
    "Member id missing",
    "The subscriber's member id from the insurance card is on the coverage.",
  ),
  rule(
    "member-id-format",
    "error",
    "Member id format",
    "The member id matches the payer's format (the payer's pattern, unless this setting gives another).",
    { pattern: { kind: "pattern", label: "Member id pattern (empty: the payer's)", default: null } },
  ),
  rule(
    "patient-demographics-missing",
    "error",
    "Patient and subscriber details",
    "The patient's name, date of birth, sex and address are on file, and the subscriber's name when the patient is not the subscriber.",
  ),
  rule(
    "duplicate-claim",
    "error",
    "Duplicate of a claim already sent",
    "No line repeats a procedure (same code, modifiers and date of service) of a claim already sent to the payer for the patient.",
  ),
  rule(
    "self-pay-restricted",
    "error",
    "Self-pay restriction",
    "The patient paid out of pocket and asked that the visit not be disclosed to their health plan (HIPAA right to restrict): it must not be billed to insurance.",
  ),
  rule(
    "original-claim-missing",
    "error",
    "Claim replaced or voided",
    "A replacement (frequency 7) or void (frequency 8) names the payer's claim number of the claim it replaces.",
  ),
];

export const SCRUB_RULE_IDS: readonly string[] = SCRUB_RULES.map((r) => r.id);

const BY_ID = new Map(SCRUB_RULES.map((r) => [r.id, r]));

/** The rule with this id, or undefined. */
export function scrubRule(id: string): ScrubRuleDefinition | undefined {
  return BY_ID.get(id);
}

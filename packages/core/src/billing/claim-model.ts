/**
 * A professional claim as billing's pure functions see it: what the claim scrubber checks and what the
 * X12 837P writer (005010X222A1) writes, with nothing read from a database. The server builds it from
 * the claim, its lines, the patient, the coverage, the payer and the practice's billing settings; the
 * FHIR `Claim/$validate` operation builds it from a FHIR Claim. Money is integer cents; dates are
 * 'YYYY-MM-DD' (dates of service are the clinic's local dates).
 *
 * Fields a source may lack are optional or nullable, so the scrubber can say what is missing instead of
 * the type system refusing the claim.
 */
import type { Cents } from "../shared/money.ts";

export interface PostalAddress {
  line1: string | null;
  line2?: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
}

export type AdministrativeSex = "female" | "male" | "other" | "unknown";

export interface PersonName {
  family: string | null;
  given: string | null;
  middle?: string | null;
  suffix?: string | null;
}

/** Loop 2010AA: the billing provider (the practice). */
export interface BillingProvider {
  name: string | null;
  npi: string | null;
  /** Employer identification number, 9 digits (REF*EI). */
  taxId: string | null;
  taxonomy?: string | null;
  address: PostalAddress;
  phone?: string | null;
}

/** Loop 2310B: the rendering practitioner. */
export interface RenderingProvider {
  /** Salus staff id (for rules that ask HR: license, credentialing). */
  staffId?: string | null;
  name: PersonName;
  npi: string | null;
  taxonomy?: string | null;
}

/** SBR02 / PAT01 relationship of the patient to the subscriber: 18 self, 01 spouse, 19 child, G8 other. */
export type SubscriberRelationship = "18" | "01" | "19" | "G8";

export interface ClaimPatient {
  /** Salus patient id. */
  id?: string | null;
  name: PersonName;
  birthDate: string | null;
  sex: AdministrativeSex | null;
  address: PostalAddress;
}

export interface ClaimSubscriber {
  memberId: string | null;
  groupNumber?: string | null;
  relationship: SubscriberRelationship;
  /** When the patient is not the subscriber (relationship ≠ 18): the subscriber's own details. */
  name?: PersonName | null;
  birthDate?: string | null;
  sex?: AdministrativeSex | null;
  address?: PostalAddress | null;
}

export interface ClaimPayer {
  /** Salus payer id (payers.id), for per-payer rule settings. */
  ref?: string | null;
  name: string | null;
  /** The payer's electronic id (2010BB NM109). */
  payerId: string | null;
  /** SBR09: MB, MC, CI, BL, HM, 09, ... */
  claimFilingIndicator: string | null;
  timelyFilingDays?: number | null;
  /** A regular expression the member id must match, when the payer has one. */
  memberIdPattern?: string | null;
  address?: PostalAddress | null;
}

export interface ClaimCoverage {
  /** The coverage's active period, inclusive ('YYYY-MM-DD'; null end = open). */
  effectiveFrom: string | null;
  effectiveTo: string | null;
  active: boolean;
}

export interface ClaimLine {
  lineNumber: number;
  /** 'cpt' or 'hcpcs' (SV101-1 HC for both). */
  procedureCode: string;
  modifiers: readonly string[];
  units: number;
  chargeCents: Cents;
  /** 1-based pointers into the claim's diagnosis codes, at most four. */
  diagnosisPointers: readonly number[];
  serviceDate: string;
  placeOfService?: string | null;
}

/** CLM05-3: 1 original, 7 replacement of a prior claim, 8 void of a prior claim. */
export type ClaimFrequency = "1" | "7" | "8";

export type PayerSequence = "primary" | "secondary" | "tertiary";

export interface ProfessionalClaim {
  /** Salus claim id (absent for a FHIR $validate of a claim Salus does not hold). */
  id?: string | null;
  /** CLM01: at most 20 characters. */
  patientControlNumber: string;
  frequency: ClaimFrequency;
  /** REF*F8: the payer's claim number of the claim replaced or voided (frequency 7 and 8). */
  originalPayerClaimNumber?: string | null;
  sequence: PayerSequence;
  placeOfService: string | null;
  /** CLM02: the claim's total; the lines must add up to it. */
  totalChargeCents: Cents;
  /** ICD-10-CM codes in HI order, with or without the dot; the first is the principal diagnosis. */
  diagnosisCodes: readonly string[];
  billingProvider: BillingProvider;
  renderingProvider: RenderingProvider;
  patient: ClaimPatient;
  subscriber: ClaimSubscriber;
  payer: ClaimPayer;
  coverage?: ClaimCoverage | null;
  lines: readonly ClaimLine[];
  /** The encounter was marked self-pay (the patient asked that insurance not be billed, HIPAA restriction). */
  selfPayRestricted?: boolean;
  /** When this claim is secondary: what the primary payer paid, for loop 2320 (filled by the 835 issue). */
  primaryPaidCents?: Cents | null;
}

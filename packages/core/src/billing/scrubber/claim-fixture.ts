/**
 * A claim that passes every rule, and a context to scrub it in, for tests and the benchmark: each test
 * breaks one field and expects one rule to say so. Built from data only (no clock: "today" is given).
 */
import { npiWithCheckDigit } from "../../directory/npi.ts";
import type { ProfessionalClaim } from "../claim-model.ts";
import { diagnosisCodeSetOf, type ScrubContext } from "./context.ts";

export const FIXTURE_BILLING_NPI = npiWithCheckDigit("123456789");
export const FIXTURE_RENDERING_NPI = npiWithCheckDigit("198765432");

/** A clean claim: two lines on 2026-03-02, diagnoses E11.9 and I10, a commercial payer. */
export function cleanClaim(overrides: Partial<ProfessionalClaim> = {}): ProfessionalClaim {
  return {
    id: "claim-1",
    patientControlNumber: "PCN0001",
    frequency: "1",
    sequence: "primary",
    placeOfService: "11",
    totalChargeCents: 22_500,
    diagnosisCodes: ["E11.9", "I10"],
    billingProvider: {
      name: "Riverside Family Practice",
      npi: FIXTURE_BILLING_NPI,
      taxId: "123456789",
      address: { line1: "1 Main St", city: "Springfield", state: "IL", postalCode: "62701" },
    },
    renderingProvider: {
      staffId: "staff-1",
      name: { family: "Okafor", given: "Ada" },
      npi: FIXTURE_RENDERING_NPI,
    },
    patient: {
      id: "patient-1",
      name: { family: "Rivera", given: "Maria" },
      birthDate: "1980-05-17",
      sex: "female",
      address: { line1: "22 Oak Ave", city: "Springfield", state: "IL", postalCode: "62704" },
    },
    subscriber: { memberId: "XYZ123456789", relationship: "18" },
    payer: {
      ref: "payer-1",
      name: "Prairie Health",
      payerId: "60054",
      claimFilingIndicator: "CI",
      timelyFilingDays: 90,
      memberIdPattern: "[A-Z]{3}\\d{9}",
    },
    coverage: { effectiveFrom: "2026-01-01", effectiveTo: null, active: true },
    lines: [
      {
        lineNumber: 1,
        procedureCode: "99213",
        modifiers: ["25"],
        units: 1,
        chargeCents: 15_000,
        diagnosisPointers: [1, 2],
        serviceDate: "2026-03-02",
        placeOfService: "11",
      },
      {
        lineNumber: 2,
        procedureCode: "82947",
        modifiers: [],
        units: 1,
        chargeCents: 7_500,
        diagnosisPointers: [1],
        serviceDate: "2026-03-02",
      },
    ],
    selfPayRestricted: false,
    ...overrides,
  };
}

/** A few FY2026 codes around the fixture's: E11 and I10's neighbours, O and P codes, headers with children. */
export const FIXTURE_ICD_CODES = [
  "E1100",
  "E1101",
  "E119",
  "E1165",
  "E11649",
  "I10",
  "I110",
  "I119",
  "N400",
  "O0900",
  "O80",
  "P0700",
  "P059",
  "Z3400",
  "Z23",
];

/** The assigned CMS place-of-service codes the tests use (a subset is enough for them). */
export const FIXTURE_POS = new Set(["02", "10", "11", "12", "19", "20", "21", "22", "23"]);

/** Today 2026-03-20; FY2026 list for dates 2025-10-01..2026-09-30; a license valid through 2027. */
export function fixtureContext(overrides: Partial<ScrubContext> = {}): ScrubContext {
  const fy2026 = diagnosisCodeSetOf(
    { version: "2026", validFrom: "2025-10-01", validTo: "2026-09-30" },
    FIXTURE_ICD_CODES,
  );
  return {
    today: "2026-03-20",
    diagnosisCodeSetFor: (date) => (date >= fy2026.validFrom && date <= fy2026.validTo ? fy2026 : null),
    placeOfServiceCodes: FIXTURE_POS,
    renderingLicenses: [{ state: "IL", expiresOn: "2027-06-30" }],
    sentClaims: [],
    ...overrides,
  };
}

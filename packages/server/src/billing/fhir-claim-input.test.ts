import { cleanClaim, fixtureContext } from "@salus/core/billing/scrubber/claim-fixture";
import { effectiveRules, scrubClaim } from "@salus/core/billing/scrubber/index";
import { describe, expect, it } from "vitest";
import { claimFromFhir, fhirPathOf, scrubOutcome, TAX_ID_SYSTEM } from "./fhir-claim-input.ts";

const NPI = "http://hl7.org/fhir/sid/us-npi";

/** The core fixture's clean claim written as a FHIR Claim with contained resources. */
function fixtureAsFhir() {
  const c = cleanClaim();
  return {
    resourceType: "Claim",
    identifier: [{ value: c.patientControlNumber }],
    contained: [
      {
        resourceType: "Patient",
        id: "p",
        name: [{ family: c.patient.name.family, given: [c.patient.name.given] }],
        gender: c.patient.sex,
        birthDate: c.patient.birthDate,
        address: [
          {
            line: [c.patient.address.line1],
            city: c.patient.address.city,
            state: c.patient.address.state,
            postalCode: c.patient.address.postalCode,
          },
        ],
      },
      {
        resourceType: "Coverage",
        id: "c",
        status: "active",
        subscriberId: c.subscriber.memberId,
        relationship: { coding: [{ code: "self" }] },
        period: { start: "2026-01-01" },
      },
      {
        resourceType: "Organization",
        id: "payer",
        name: c.payer.name,
        identifier: [{ system: "urn:salus:payer-id", value: c.payer.payerId }],
      },
      {
        resourceType: "Organization",
        id: "b",
        name: c.billingProvider.name,
        identifier: [
          { system: NPI, value: c.billingProvider.npi },
          { system: TAX_ID_SYSTEM, value: c.billingProvider.taxId },
        ],
        address: [{ line: ["1 Main St"], city: "Springfield", state: "IL", postalCode: "62701" }],
      },
      {
        resourceType: "Practitioner",
        id: "dr",
        name: [{ family: "Okafor", given: ["Ada"] }],
        identifier: [{ system: NPI, value: c.renderingProvider.npi }],
      },
    ],
    patient: { reference: "#p" },
    provider: { reference: "#b" },
    insurer: { reference: "#payer" },
    careTeam: [{ sequence: 1, provider: { reference: "#dr" } }],
    insurance: [{ sequence: 1, focal: true, coverage: { reference: "#c" } }],
    // Sequences need not start at 1: pointers are diagnosis sequences, the scrubber's are positions.
    diagnosis: [
      { sequence: 20, diagnosisCodeableConcept: { coding: [{ code: "I10" }] } },
      { sequence: 10, diagnosisCodeableConcept: { coding: [{ code: "E119" }] } },
    ],
    item: [
      {
        sequence: 1,
        productOrService: { coding: [{ code: "99213" }] },
        modifier: [{ coding: [{ code: "25" }] }],
        diagnosisSequence: [10, 20],
        servicedDate: "2026-03-02",
        locationCodeableConcept: { coding: [{ code: "11" }] },
        quantity: { value: 1 },
        net: { value: 150 },
      },
      {
        sequence: 2,
        productOrService: { coding: [{ code: "82947" }] },
        diagnosisSequence: [10],
        servicedDate: "2026-03-02",
        quantity: { value: 3 },
        unitPrice: { value: 25 },
      },
    ],
    total: { value: 225 },
  };
}

describe("claimFromFhir", () => {
  it("reads the contained resources into the claim the scrubber checks, which is then clean", () => {
    const { claim, payerId } = claimFromFhir(fixtureAsFhir());
    expect(payerId).toBe("60054");
    expect(claim.diagnosisCodes).toEqual(["E119", "I10"]);
    expect(
      claim.lines.map((l) => [l.procedureCode, l.modifiers, l.units, l.chargeCents, l.diagnosisPointers]),
    ).toEqual([
      ["99213", ["25"], 1, 15_000, [1, 2]],
      ["82947", [], 3, 7_500, [1]],
    ]);
    expect(claim.totalChargeCents).toBe(22_500);
    expect(claim.subscriber).toMatchObject({ memberId: "XYZ123456789", relationship: "18" });
    const withPayer = { ...claim, payer: { ...claim.payer, memberIdPattern: null, timelyFilingDays: 90 } };
    expect(
      scrubClaim(withPayer, fixtureContext({ renderingLicenses: null }), effectiveRules([], null)).findings,
    ).toEqual([]);
  });

  it("leaves out what is not contained, so the scrubber names it instead of the request failing", () => {
    const fhir = { ...fixtureAsFhir(), patient: { reference: "Patient/123" }, insurance: [] };
    const { claim } = claimFromFhir(fhir);
    const ids = scrubClaim(claim, fixtureContext(), effectiveRules([], null)).findings.map((f) => f.ruleId);
    expect(ids).toEqual(
      expect.arrayContaining(["coverage-inactive", "member-id-missing", "patient-demographics-missing"]),
    );
  });

  it("refuses a body that is not a Claim and an amount with a third decimal (invalid_amount naming the field)", () => {
    expect(() => claimFromFhir({ resourceType: "Patient" })).toThrow(/FHIR Claim/);
    const fhir = fixtureAsFhir();
    fhir.item[0]!.net = { value: 150.001 };
    expect(() => claimFromFhir(fhir)).toThrow(expect.objectContaining({ code: "invalid_amount" }));
  });
});

describe("the OperationOutcome", () => {
  it("maps finding paths to FHIRPath", () => {
    expect(
      [
        "lines[1].diagnosisPointers",
        "lines[0]",
        "diagnosisCodes[2]",
        "patient.address.line1",
        "totalChargeCents",
        "selfPayRestricted",
      ].map(fhirPathOf),
    ).toEqual([
      "Claim.item[1].diagnosisSequence",
      "Claim.item[0]",
      "Claim.diagnosis[2].diagnosisCodeableConcept",
      "Claim.patient",
      "Claim.total",
      "Claim",
    ]);
  });

  it("has one issue per finding with the rule id in details.coding, and no error issue when clean", () => {
    const outcome = scrubOutcome(
      [{ ruleId: "total-mismatch", severity: "error", message: "m", path: "totalChargeCents" }],
      (id) => `T ${id}`,
    );
    expect(outcome.issue).toEqual([
      {
        severity: "error",
        code: "business-rule",
        details: {
          coding: [
            { system: "urn:salus:claim-scrub-rule", code: "total-mismatch", display: "T total-mismatch" },
          ],
          text: "m",
        },
        expression: ["Claim.total"],
      },
    ]);
    expect(scrubOutcome([], (id) => id).issue.map((i) => i.severity)).toEqual(["information"]);
  });
});

/**
 * Professional claims for tests and the benchmark: a clean self-subscriber claim, a dependant's claim,
 * and `manyClaims(n)` for batches of any size. Not used by production code.
 */
import type { ProfessionalClaim } from "../claim-model.ts";
import type { Envelope837 } from "./write-837p.ts";

export const TEST_ENVELOPE: Envelope837 = {
  submitter: {
    id: "SALUSDEMO",
    name: "Salus Demo Practice",
    contactName: "Billing Office",
    contactEmail: "billing@example.test",
  },
  receiver: { id: "CLEARHOUSE", name: "Example Clearinghouse" },
  usageIndicator: "T",
  interchangeControlNumber: 17,
  groupControlNumber: 17,
  createdAt: "2026-03-02T14:05:00.000Z",
  reference: "B17",
};

export function testClaim(overrides: Partial<ProfessionalClaim> = {}): ProfessionalClaim {
  return {
    id: "claim-1",
    patientControlNumber: "C000001",
    frequency: "1",
    sequence: "primary",
    placeOfService: "11",
    totalChargeCents: 21_550,
    diagnosisCodes: ["J44.9", "E11.9"],
    billingProvider: {
      name: "Salus Demo Practice",
      npi: "1245319599",
      taxId: "12-3456789",
      taxonomy: "207Q00000X",
      address: { line1: "100 Main Street", city: "Springfield", state: "IL", postalCode: "62701" },
    },
    renderingProvider: {
      name: { family: "Rivera", given: "Ana" },
      npi: "1679576722",
      taxonomy: "207Q00000X",
    },
    patient: {
      id: "p1",
      name: { family: "Doe", given: "Jane", middle: "Q" },
      birthDate: "1980-04-12",
      sex: "female",
      address: {
        line1: "12 Oak Lane",
        line2: "Apt 4",
        city: "Springfield",
        state: "IL",
        postalCode: "62704",
      },
    },
    subscriber: { memberId: "XYZ123456789", groupNumber: "GRP100", relationship: "18" },
    payer: { name: "Acme Health", payerId: "ACME1", claimFilingIndicator: "CI" },
    lines: [
      {
        lineNumber: 1,
        procedureCode: "99213",
        modifiers: ["25"],
        units: 1,
        chargeCents: 12_500,
        diagnosisPointers: [1, 2],
        serviceDate: "2026-03-01",
        placeOfService: "11",
      },
      {
        lineNumber: 2,
        procedureCode: "94010",
        modifiers: [],
        units: 1,
        chargeCents: 9_050,
        diagnosisPointers: [1],
        serviceDate: "2026-03-01",
        placeOfService: "11",
      },
    ],
    ...overrides,
  };
}

/** A child's claim: the mother is the subscriber (2000C/2010CA written). */
export function dependantClaim(): ProfessionalClaim {
  return testClaim({
    id: "claim-2",
    patientControlNumber: "C000002",
    patient: {
      id: "p2",
      name: { family: "Doe", given: "Timmy" },
      birthDate: "2015-06-30",
      sex: "male",
      address: { line1: "12 Oak Lane", city: "Springfield", state: "IL", postalCode: "62704" },
    },
    subscriber: {
      memberId: "XYZ123456789",
      relationship: "19",
      name: { family: "Doe", given: "Jane" },
      birthDate: "1980-04-12",
      sex: "female",
      address: { line1: "12 Oak Lane", city: "Springfield", state: "IL", postalCode: "62704" },
    },
  });
}

/** `n` distinct clean claims (alternating self and dependant, one to four lines). */
export function manyClaims(n: number): ProfessionalClaim[] {
  const out: ProfessionalClaim[] = [];
  for (let i = 0; i < n; i++) {
    const base = i % 2 === 0 ? testClaim() : dependantClaim();
    const lineCount = 1 + (i % 4);
    const lines = [];
    let total = 0;
    for (let k = 0; k < lineCount; k++) {
      const charge = 5_000 + ((i * 37 + k * 101) % 20_000);
      total += charge;
      lines.push({
        lineNumber: k + 1,
        procedureCode: ["99213", "99214", "94010", "81002"][k] as string,
        modifiers: k === 0 ? ["25"] : [],
        units: 1 + (k % 2),
        chargeCents: charge,
        diagnosisPointers: [1],
        serviceDate: "2026-03-01",
        placeOfService: "11",
      });
    }
    out.push({
      ...base,
      id: `claim-${i}`,
      patientControlNumber: `C${String(i).padStart(8, "0")}`,
      lines,
      totalChargeCents: total,
    });
  }
  return out;
}

import fc from "fast-check";
import { type X12Interchange, X12Parser } from "node-x12";
import { describe, expect, it } from "vitest";
import { DomainError } from "../../shared/domain-error.ts";
import type { ProfessionalClaim } from "../claim-model.ts";
import { dependantClaim, manyClaims, TEST_ENVELOPE, testClaim } from "./test-claims.ts";
import { readEnvelopes, tokenizeX12 } from "./tokenizer.ts";
import { write837P, x12Amount } from "./write-837p.ts";

/** Parses with node-x12 in strict mode (it checks SE01, GE01, IEA01 and the control number pairs). */
function parseBack(text: string): X12Interchange {
  return new X12Parser(true).parse(text) as X12Interchange;
}

function segmentsOf(text: string): { tag: string; values: string[] }[] {
  const interchange = parseBack(text);
  const out: { tag: string; values: string[] }[] = [];
  for (const g of interchange.functionalGroups) {
    for (const t of g.transactions) {
      for (const s of t.segments) out.push({ tag: s.tag, values: s.elements.map((e) => e.value) });
    }
  }
  return out;
}

const cents = (amount: string) => Math.round(Number(amount) * 100);

describe("write837P", () => {
  it("leaves a dependant's subscriber address out when the coverage has none (situational in 5010), and writes it when whole", () => {
    const bare = dependantClaim();
    const without = { ...bare, subscriber: { ...bare.subscriber, address: null } };
    const bareText = write837P([without], TEST_ENVELOPE).text.replace(/\n/g, "");
    const subscriberLoop = /NM1\*IL\*[^~]*~(.*?)NM1\*PR\*/.exec(bareText)?.[1];
    expect(subscriberLoop).toBe("DMG*D8*19800412*F~");
    parseBack(bareText);
    const whole = {
      ...bare,
      subscriber: {
        ...bare.subscriber,
        address: { line1: "22 OAK AVE", city: "SPRINGFIELD", state: "IL", postalCode: "62704" },
      },
    };
    const text = write837P([whole], TEST_ENVELOPE).text;
    expect(text.replace(/\n/g, "")).toContain(
      "NM1*IL*1*DOE*JANE****MI*XYZ123456789~N3*22 OAK AVE~N4*SPRINGFIELD*IL*62704~",
    );
  });

  it("writes every loop the issue lists, and node-x12 reads it back in strict mode", () => {
    const claims = [
      testClaim(),
      dependantClaim(),
      testClaim({ patientControlNumber: "C3", frequency: "7", originalPayerClaimNumber: "PAYER123" }),
    ];
    const out = write837P(claims, TEST_ENVELOPE);
    const interchange = parseBack(out.text);
    expect(Number(interchange.header.elements[12]?.value)).toBe(17);
    expect(out.text).toContain("*00501*000000017*0*T*:~");
    expect(interchange.functionalGroups[0]?.header.elements[5]?.value).toBe("17");
    const segs = segmentsOf(out.text);
    const tags = segs.map(
      (s) =>
        `${s.tag}${s.tag === "NM1" || s.tag === "HL" ? `*${s.tag === "NM1" ? s.values[0] : s.values[2]}` : ""}`,
    );
    for (const loop of [
      "NM1*41",
      "NM1*40",
      "HL*20",
      "NM1*85",
      "HL*22",
      "NM1*IL",
      "NM1*PR",
      "HL*23",
      "PAT",
      "NM1*QC",
      "CLM",
      "HI",
      "NM1*82",
      "LX",
      "SV1",
      "DTP",
    ]) {
      expect(tags, loop).toContain(loop);
    }
    // CLM01 is the patient control number, CLM02 the total, and the lines' SV102 sum to it.
    const clms = segs.filter((s) => s.tag === "CLM");
    expect(clms.map((c) => c.values[0])).toEqual(["C000001", "C000002", "C3"]);
    expect(clms.map((c) => c.values[4])).toEqual(["11:B:1", "11:B:1", "11:B:7"]);
    expect(segs.find((s) => s.tag === "REF" && s.values[0] === "F8")?.values[1]).toBe("PAYER123");
    expect(segs.find((s) => s.tag === "HI")?.values).toEqual(["ABK:J449", "ABF:E119"]);
    expect(segs.find((s) => s.tag === "DTP" && s.values[0] === "472")?.values).toEqual([
      "472",
      "D8",
      "20260301",
    ]);
    expect(out).toMatchObject({ claims: 3, transactionSets: 1, totalChargeCents: 3 * 21_550 });
  });

  it("writes the money exactly: CLM02 equals the sum of SV102 for any claim (property, parsed back with node-x12)", () => {
    const line = fc.record({
      chargeCents: fc.integer({ min: 1, max: 9_999_999 }),
      units: fc.integer({ min: 1, max: 99 }),
    });
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 50 }), (lines) => {
        const base = testClaim();
        const claim: ProfessionalClaim = {
          ...base,
          lines: lines.map((l, k) => ({
            ...(base.lines[0] as ProfessionalClaim["lines"][number]),
            lineNumber: k + 1,
            ...l,
          })),
          totalChargeCents: lines.reduce((a, l) => a + l.chargeCents, 0),
        };
        const segs = segmentsOf(write837P([claim], TEST_ENVELOPE).text);
        const clm = segs.find((s) => s.tag === "CLM");
        const sv1 = segs.filter((s) => s.tag === "SV1");
        expect(cents(clm?.values[1] ?? "")).toBe(claim.totalChargeCents);
        expect(sv1.map((s) => cents(s.values[1] ?? ""))).toEqual(lines.map((l) => l.chargeCents));
        expect(sv1.map((s) => Number(s.values[3]))).toEqual(lines.map((l) => l.units));
      }),
      { numRuns: 60 },
    );
  });

  it("formats amounts without losing a cent", () => {
    expect([0, 5, 50, 100, 12_550, 12_555, 12_505, 100_000_001].map(x12Amount)).toEqual([
      "0",
      "0.05",
      "0.5",
      "1",
      "125.5",
      "125.55",
      "125.05",
      "1000000.01",
    ]);
  });

  it("splits a batch into transaction sets (5,000 claims each by default) with SE01 counts our own reader and node-x12 agree on", () => {
    const out = write837P(
      manyClaims(11),
      { ...TEST_ENVELOPE, interchangeControlNumber: 999_999_999 },
      { maxClaimsPerTransaction: 5 },
    );
    expect(out.transactionSets).toBe(3);
    const [interchange] = readEnvelopes(tokenizeX12(out.text));
    expect(interchange?.groups[0]?.transactions.map((t) => t.controlNumber)).toEqual([
      "0001",
      "0002",
      "0003",
    ]);
    expect(parseBack(out.text).functionalGroups[0]?.transactions).toHaveLength(3);
    expect(out.text).toContain("*00501*999999999*0*T*:~");
    expect(write837P(manyClaims(5_001), TEST_ENVELOPE).transactionSets).toBe(2);
  });

  it("refuses a claim whose lines do not add up to its total, naming the claim", () => {
    expect(() => write837P([testClaim({ totalChargeCents: 21_551 })], TEST_ENVELOPE)).toThrow(
      "Claim C000001: the lines add up to 215.5 but the claim total (CLM02) is 215.51.",
    );
  });

  it("refuses what the implementation guide requires and the claim lacks, naming claim, segment, loop and element", () => {
    const noMember = testClaim({ subscriber: { memberId: null, relationship: "18" } });
    expect(() => write837P([testClaim({ patientControlNumber: "OK1" }), noMember], TEST_ENVELOPE)).toThrow(
      /Claim C000001: Segment \d+ \(NM1, loop 2010BA\): NM109 is required and is empty/,
    );
    const noNpi = testClaim({
      billingProvider: {
        ...testClaim().billingProvider,
        address: { line1: null, city: "X", state: "IL", postalCode: "62701" },
      },
    });
    expect(() => write837P([noNpi], TEST_ENVELOPE)).toThrow(
      /Billing settings: Segment 11 \(N3, loop 2010AA\): N301 is required/,
    );
    expect(() => write837P([testClaim({ frequency: "8" })], TEST_ENVELOPE)).toThrow(
      /void needs the payer's claim number/,
    );
    expect(() =>
      write837P([testClaim()], { ...TEST_ENVELOPE, submitter: { ...TEST_ENVELOPE.submitter, id: "" } }),
    ).toThrow(/Billing settings: the submitter id/);
  });

  it("for any names, ids and codes: either a file node-x12 reads in strict mode, or a refusal (property)", () => {
    const anyText = fc.string({ unit: "binary", maxLength: 30 });
    fc.assert(
      fc.property(anyText, anyText, anyText, anyText, anyText, (family, given, member, code, city) => {
        const base = testClaim();
        const claim = testClaim({
          patient: { ...base.patient, name: { family, given }, address: { ...base.patient.address, city } },
          subscriber: { ...base.subscriber, memberId: member },
          lines: base.lines.map((l) => ({ ...l, procedureCode: code })),
        });
        let text: string;
        try {
          text = write837P([claim], TEST_ENVELOPE).text;
        } catch (e) {
          expect(e).toBeInstanceOf(DomainError);
          expect((e as DomainError).code).toBe("invalid_request");
          expect((e as DomainError).message).toMatch(/^(The 837P batch does not fit|Claim C000001: )/);
          return;
        }
        expect(() => parseBack(text)).not.toThrow();
        // Every element is printable ASCII: separators and other characters never reach the file.
        for (const seg of text.split("~\n")) expect(seg).toMatch(/^[\x20-\x7e]*$/);
        const il = segmentsOf(text).find((s) => s.tag === "NM1" && s.values[0] === "IL");
        expect(il?.values[8]?.length).toBeGreaterThan(0);
      }),
      { numRuns: 150 },
    );
  });

  it("never lets a separator from a name break the file; accents are dropped", () => {
    const claim = testClaim({
      patient: { ...testClaim().patient, name: { family: "O*Brien~", given: "Ann:Marie", middle: "José" } },
    });
    const segs = segmentsOf(write837P([claim], TEST_ENVELOPE).text);
    expect(segs.find((s) => s.tag === "NM1" && s.values[0] === "IL")?.values.slice(2, 5)).toEqual([
      "O BRIEN",
      "ANN MARIE",
      "JOSE",
    ]);
  });
});

import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DomainError } from "../../shared/domain-error.ts";
import { readAcknowledgement, summarizeAcknowledgement } from "./read-ack.ts";

const SAMPLES = new URL("../../../../../data/x12/samples-837/", import.meta.url);
const sample = (name: string) => readFileSync(new URL(name, SAMPLES), "utf8");

describe("readAcknowledgement", () => {
  it("reads an accepted 999 (and notes, without refusing, an IEA02 that does not echo ISA13)", () => {
    const ack = readAcknowledgement(sample("x12_999_accepted.txt"));
    expect(ack).toMatchObject({
      kind: "999",
      groupControlNumber: "17456",
      verdict: "accepted",
      transactionSets: [{ code: "837", controlNumber: "0001", verdict: "accepted", errors: [] }],
    });
    expect(ack.warnings).toEqual(["Segment 10 (IEA): IEA02 000000001 does not match ISA13 000000286."]);
  });

  it("reads a rejected 999 with the reasons in words", () => {
    const ack = readAcknowledgement(sample("x12_999_rejected.txt"));
    expect(ack).toMatchObject({ kind: "999", groupControlNumber: "28", verdict: "rejected" });
    if (ack.kind !== "999") throw new Error("not a 999");
    expect(ack.transactionSets[0]?.errors).toEqual([
      { code: "IK3-1", reason: "Unrecognized segment ID: NM at segment 17" },
      { code: "IK5-5", reason: "One or more segments in error" },
    ]);
    expect(summarizeAcknowledgement(ack)).toEqual({ accepted: 0, rejected: 1 });
  });

  it("names the element of an IK4 as X12 does, a component included", () => {
    // This file's sub-element separator (ISA16) is '|'.
    const text = sample("x12_999_rejected.txt")
      .replace("IK3*NM*17**1~", "IK3*SV1*17*2400*8~\nIK4*1|2*7*7*XX~")
      .replace("SE*7*", "SE*8*");
    const ack = readAcknowledgement(text);
    if (ack.kind !== "999") throw new Error("not a 999");
    expect(ack.transactionSets[0]?.errors.slice(0, 2)).toEqual([
      { code: "IK3-8", reason: "Segment has data element errors: SV1 at segment 17 in loop 2400" },
      { code: "IK4-7", reason: "Invalid code value: SV101-02 (found 'XX')" },
    ]);
  });

  it("reads 277CA claim verdicts: CLM01 from TRN02, the payer's claim number, the status in words", () => {
    const accepted = readAcknowledgement(sample("x12_277CA_accepted.txt"));
    expect(accepted).toMatchObject({
      kind: "277CA",
      claims: [{ patientControlNumber: "5781", verdict: "accepted", payerClaimNumber: "1107000000014420" }],
    });
    const rejected = readAcknowledgement(sample("x12_277CA_rejected.txt"));
    if (rejected.kind !== "277CA") throw new Error("not a 277CA");
    expect(rejected.claims).toEqual([
      {
        patientControlNumber: "3920394930203",
        verdict: "rejected",
        payerClaimNumber: "1107000000001120",
        statuses: [
          {
            code: "A7:562:85",
            reason:
              "Rejected: invalid information: Entity's National Provider Identifier (NPI): Billing provider",
          },
        ],
        segmentNumber: 22,
      },
    ]);
  });

  it("refuses every other sample with an invalid_request naming the segment", () => {
    const acks = new Set([
      "x12_999_accepted.txt",
      "x12_999_rejected.txt",
      "x12_277CA_accepted.txt",
      "x12_277CA_rejected.txt",
    ]);
    const others = readdirSync(SAMPLES).filter((f) => !acks.has(f));
    expect(others.length).toBeGreaterThan(20);
    for (const f of others) {
      let error: unknown = null;
      try {
        readAcknowledgement(sample(f));
      } catch (e) {
        error = e;
      }
      expect(error, f).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe("invalid_request");
      expect((error as DomainError).message, f).toMatch(/^Segment \d+ \(/);
    }
    expect(() => readAcknowledgement(sample("x12_277_x212.txt"))).toThrow(
      "Segment 3 (ST): ST03 '005010X212' is a 277 but not a claim acknowledgement",
    );
  });

  it("refuses truncated and malformed acknowledgements, naming the segment", () => {
    const text = sample("x12_999_rejected.txt");
    expect(() => readAcknowledgement(text.slice(0, text.indexOf("SE*")))).toThrow(
      /has no SE: the file is truncated/,
    );
    expect(() => readAcknowledgement(text.replace("IK5*R*5", "IK5*Q*5"))).toThrow(
      "Segment 7 (IK5): IK501 'Q' is not an acknowledgement code",
    );
    expect(() => readAcknowledgement(text.replace(/IK5\*R\*5~\s*/, "").replace("SE*7*", "SE*6*"))).toThrow(
      /transaction set 0028 has no IK5 before AK9/,
    );
    const ok277 = sample("x12_277CA_accepted.txt");
    expect(() =>
      readAcknowledgement(ok277.replace(/STC\*A2:20\*20110311\*WQ\*125~\s*/, "").replace("SE*23*", "SE*22*")),
    ).toThrow(/claim 5781 has no STC/);
  });
});

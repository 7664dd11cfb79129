import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkLoopMap, describeFinding } from "./loop-map.ts";
import { dependantClaim, TEST_ENVELOPE, testClaim } from "./test-claims.ts";
import { tokenizeX12 } from "./tokenizer.ts";
import { map837P, write837P } from "./write-837p.ts";

const SAMPLES = new URL("../../../../../data/x12/samples-837/", import.meta.url);

function findings(name: string): string[] {
  const doc = tokenizeX12(readFileSync(new URL(name, SAMPLES), "utf8"));
  return checkLoopMap(doc.segments, map837P(), doc.separators.subElement).map(describeFinding);
}

describe("checkLoopMap (837P 005010X222A1)", () => {
  it("accepts what the writer writes", () => {
    const out = write837P([testClaim(), dependantClaim()], TEST_ENVELOPE);
    const doc = tokenizeX12(out.text);
    expect(checkLoopMap(doc.segments, map837P(), ":")).toEqual([]);
  });

  it("accepts the imsweb writer sample", () => {
    expect(findings("x12_writer_test.txt")).toEqual([]);
  });

  it("names the segment, loop and element of each malformed sample's fault", () => {
    expect(findings("x12_missing_elements.txt")).toContain(
      "Segment 7 (NM1, loop 1000B): NM102 is required and is empty.",
    );
    expect(findings("x12_bad_valid_code.txt")[0]).toBe(
      "Segment 9 (NM1, loop 2000A): NM101 '117' is not a qualifier expected here (in loop 2000A); expected one of 85 or another segment.",
    );
    expect(findings("x12_loop_errors1_exceeds_max_1_parent.txt")[0]).toBe(
      "Segment 15 (NM1, loop 2010AA): loop 2010AA (Billing Provider Name) repeats 2 times; at most 1.",
    );
    expect(findings("x12_loop_errors3_missing_loops.txt")[0]).toBe(
      "Segment 9 (NM1, loop 2000A): required loop 2010AA (Billing Provider Name) is missing before segment 9.",
    );
    expect(findings("x12_missing_required_loop_in_one_repeat.txt")[0]).toBe(
      "Segment 20 (NM1, loop 2000B): required loop 2010BA (Subscriber Name) is missing before segment 20.",
    );
    const seg = findings("x12_segment_errors.txt");
    expect(seg).toContain(
      "Segment 12 (REF, loop 2010AA): REF (Billing Provider Tax Identification) appears 2 times in loop 2010AA; at most 1.",
    );
    expect(seg).toContain(
      "Segment 22 (LX, loop 2300): required segment HI (Health Care Diagnosis Code) of loop 2300 is missing before segment 22.",
    );
    expect(findings("x12_segments_out_of_order.txt")[1]).toBe(
      "Segment 12 (N4, loop 2010AA): N4 is not expected here (in loop 2010AA): out of order, or not part of this transaction.",
    );
  });

  it("refuses an 837I (005010X223A2) as an 837P", () => {
    expect(findings("x223-test.txt")[0]).toMatch(/GS08 '005010X223A2' is not one of the codes/);
  });

  it("reports a missing required segment at the end of the file", () => {
    const out = write837P([testClaim()], TEST_ENVELOPE);
    const doc = tokenizeX12(out.text);
    const cut = doc.segments.filter((s) => s.id !== "IEA");
    expect(checkLoopMap(cut, map837P(), ":").map(describeFinding)).toEqual([
      "End of the transaction: required segment IEA (Interchange Control Trailer) of loop ISA_LOOP is missing.",
    ]);
  });
});

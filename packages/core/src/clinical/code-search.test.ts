import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { queryWords, rankCodeMatches } from "./code-search.ts";

const HYPERTENSION = [
  { code: "I110", description: "Hypertensive heart disease with heart failure" },
  { code: "I150", description: "Renovascular hypertension" },
  { code: "I158", description: "Other secondary hypertension" },
  { code: "I159", description: "Secondary hypertension, unspecified" },
  { code: "I10", description: "Essential (primary) hypertension" },
  { code: "I2720", description: "Pulmonary hypertension, unspecified" },
];
const DIABETES = [
  { code: "E1010", description: "Type 1 diabetes mellitus with ketoacidosis without coma" },
  { code: "E109", description: "Type 1 diabetes mellitus without complications" },
  { code: "E1165", description: "Type 2 diabetes mellitus with hyperglycemia" },
  { code: "E118", description: "Type 2 diabetes mellitus with unspecified complications" },
  { code: "E119", description: "Type 2 diabetes mellitus without complications" },
  { code: "E1121", description: "Type 2 diabetes mellitus with diabetic nephropathy" },
];

describe("ICD-10-CM relevance", () => {
  it("puts the code a clinician means first", () => {
    expect(rankCodeMatches("hypertension", HYPERTENSION)[0]?.code).toBe("I10");
    const t2 = rankCodeMatches("type 2 diabetes", DIABETES).map((e) => e.code);
    expect(t2[0]).toBe("E119");
    // Type 2 before type 1: the "2" counts though no word index holds it.
    expect(t2.indexOf("E109")).toBeGreaterThan(t2.indexOf("E1121"));
    expect(rankCodeMatches("E11.9", DIABETES)[0]?.code).toBe("E119");
    expect(queryWords("Type 2 diabetes, without complications")).toEqual([
      "type",
      "2",
      "diabetes",
      "complications",
    ]);
  });

  it("is a permutation, and the same whatever order the candidates came in (property)", () => {
    const all = [...HYPERTENSION, ...DIABETES];
    fc.assert(
      fc.property(
        fc.shuffledSubarray(all),
        fc.constantFrom("hypertension", "type 2 diabetes", "diab", "I1"),
        (xs, q) => {
          const ranked = rankCodeMatches(q, xs);
          expect([...ranked].map((e) => e.code).sort()).toEqual(xs.map((e) => e.code).sort());
          expect(rankCodeMatches(q, [...xs].reverse())).toEqual(ranked);
        },
      ),
    );
  });
});

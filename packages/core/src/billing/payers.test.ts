import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { datesOverlap, inForceOn } from "./fee-schedules.ts";
import { memberIdMatches, memberIdPatternProblem, type PayerRules, payerProblems } from "./payers.ts";

const medicare: PayerRules = {
  name: "Medicare Part B",
  payerId: "SMTX0",
  kind: "medicare",
  claimFilingIndicator: "MB",
  timelyFilingDays: 365,
  memberIdPattern: "[0-9][A-Z][A-Z0-9][0-9][A-Z][A-Z0-9][0-9][A-Z]{2}[0-9]{2}",
};

describe("payers", () => {
  it("a complete payer has no problems", () => {
    expect(payerProblems(medicare)).toEqual([]);
    expect(
      payerProblems({
        name: "Self-pay",
        payerId: null,
        kind: "self-pay",
        claimFilingIndicator: "09",
        timelyFilingDays: 365,
        memberIdPattern: null,
      }),
    ).toEqual([]);
  });

  it("names each field a biller must fix", () => {
    const p = payerProblems({
      ...medicare,
      payerId: null,
      claimFilingIndicator: "XX",
      timelyFilingDays: 0,
      memberIdPattern: "(",
    });
    expect(p.map((d) => d.path)).toEqual([
      "claimFilingIndicator",
      "payerId",
      "timelyFilingDays",
      "memberIdPattern",
    ]);
    expect(payerProblems({ ...medicare, claimFilingIndicator: "09" })[0]!.message).toMatch(
      /only for the self-pay/,
    );
  });

  it("refuses member id patterns that could run for ever on a near-miss", () => {
    expect(memberIdPatternProblem("(\\d+)+")).toMatch(/repeat a group/);
    expect(memberIdPatternProblem("(a|aa)*")).toBeNull();
    expect(memberIdPatternProblem("([A-Z]{2})+")).toMatch(/repeat a group/);
    expect(memberIdPatternProblem("(a)\\1")).toMatch(/back-references/);
    expect(memberIdPatternProblem("W\\d{9}")).toBeNull();
  });

  it("matches the whole member id against the pattern", () => {
    expect(memberIdMatches(medicare.memberIdPattern, "1EG4TE5MK73")).toBe(true);
    expect(memberIdMatches(medicare.memberIdPattern, "X1EG4TE5MK73")).toBe(false);
    expect(memberIdMatches("W\\d{9}", " W123456789 ")).toBe(true);
    expect(memberIdMatches("W\\d{9}|X\\d{3}", "X123")).toBe(true);
    expect(memberIdMatches(null, "anything")).toBe(true);
    expect(memberIdMatches(null, "  ")).toBe(false);
  });
});

describe("schedule dates", () => {
  const day = fc
    .integer({ min: 0, max: 60 })
    .map((d) => new Date(Date.UTC(2026, 0, 1 + d)).toISOString().slice(0, 10));
  const range = fc.tuple(day, fc.option(day, { nil: null })).map(([a, b]) => ({
    id: "x",
    name: "x",
    effectiveFrom: b && b < a ? b : a,
    effectiveTo: b && b < a ? a : b,
  }));

  it("two ranges overlap exactly when some day is in force in both", () => {
    fc.assert(
      fc.property(range, range, (a, b) => {
        let shared = false;
        for (let d = 0; d <= 62 && !shared; d++) {
          const date = new Date(Date.UTC(2026, 0, 1 + d)).toISOString().slice(0, 10);
          shared = inForceOn(a, date) && inForceOn(b, date);
        }
        // Open ends reach past the days sampled, where both are in force if both are open.
        if (a.effectiveTo === null && b.effectiveTo === null) shared = true;
        expect(datesOverlap(a, b)).toBe(shared);
      }),
    );
  });
});

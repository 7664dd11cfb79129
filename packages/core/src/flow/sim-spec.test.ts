import { describe, expect, it } from "vitest";
import { DomainError } from "../shared/domain-error.ts";
import {
  describePolicy,
  describeRule,
  describeService,
  parseNoShow,
  parsePolicy,
  parsePunctuality,
  parseRule,
  parseService,
  parseWhole,
} from "./sim-spec.ts";

describe("simulator text forms", () => {
  it("parses the CLI's forms", () => {
    expect(parseRule("individual")).toEqual({ kind: "individual" });
    expect(parseRule("Bailey-Welch")).toEqual({ kind: "bailey-welch" });
    expect(parseRule("block:3")).toEqual({ kind: "block", size: 3 });
    expect(parseRule("times:0,0,15")).toEqual({ kind: "times", minutes: [0, 0, 15] });
    expect(parseService("exp:15")).toEqual({ kind: "exp", mean: 15 });
    expect(parseService("lognormal:15:0.5")).toEqual({ kind: "lognormal", mean: 15, cv: 0.5 });
    expect(parseService("fixed:10")).toEqual({ kind: "fixed", mean: 10 });
    expect(parseService("empirical:12,15,20.5")).toEqual({ kind: "empirical", minutes: [12, 15, 20.5] });
    expect(parsePunctuality("none")).toEqual({ kind: "none" });
    expect(parsePunctuality("normal:-5:10")).toEqual({ kind: "normal", mean: -5, sd: 10 });
    expect(parsePunctuality("empirical:-10,0,25")).toEqual({ kind: "empirical", minutes: [-10, 0, 25] });
    expect(parsePolicy("fcfs")).toEqual({ kind: "fcfs" });
    expect(parsePolicy("earlier-of")).toEqual({ kind: "earlier-of" });
    expect(parsePolicy("grace-next-gap:10")).toEqual({ kind: "grace-next-gap", graceMinutes: 10 });
    expect(parseNoShow("0.1")).toBe(0.1);
    expect(parseNoShow("0.1,0.2")).toEqual([0.1, 0.2]);
    expect(parseWhole("20")).toBe(20);
    expect(parseWhole("2.5")).toBeNaN();
    expect(parseWhole("0x10")).toBeNaN();
    expect(parseWhole("")).toBeNaN();
  });

  it("reads numbers strictly (no hex, exponents or trailing text), leaving validation to name the field", () => {
    expect(parseService("exp:1e3")).toEqual({ kind: "exp", mean: Number.NaN });
    expect(parseService("exp:15min")).toEqual({ kind: "exp", mean: Number.NaN });
    expect(parseRule("block:0x2")).toEqual({ kind: "block", size: Number.NaN });
  });

  it("refuses unknown forms and wrong numbers of parts with the accepted forms in the message", () => {
    const refusal = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(DomainError);
        expect((e as DomainError).code).toBe("invalid_request");
        return (e as DomainError).message;
      }
      throw new Error("accepted");
    };
    expect(refusal(() => parseRule("weekly"))).toMatch(/individual, bailey-welch, block:K/);
    expect(refusal(() => parseRule("block"))).toMatch(/block:K/);
    expect(refusal(() => parseService("lognormal:15"))).toMatch(/lognormal:MEAN:CV/);
    expect(refusal(() => parseService("gamma:2:3"))).toMatch(/exp:MEAN/);
    expect(refusal(() => parsePunctuality("normal:5"))).toMatch(/normal:MEAN:SD/);
    expect(refusal(() => parsePolicy("lifo"))).toMatch(/grace-next-gap:G/);
    expect(refusal(() => parsePolicy(""))).toMatch(/policy is empty/);
  });

  it("describes settings back in the same forms", () => {
    expect(describeRule(parseRule("block:2"))).toBe("block:2");
    expect(describeService(parseService("lognormal:15:0.5"))).toBe("lognormal:15:0.5");
    expect(describePolicy(parsePolicy("grace-next-gap:10"))).toBe("grace-next-gap:10");
  });
});

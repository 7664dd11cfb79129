import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isValidNpi, npiWithCheckDigit } from "./npi.ts";

describe("isValidNpi", () => {
  it("accepts known valid NPIs", () => {
    // 1234567893 is the CMS worked example; the others are computed by hand with the 80840 prefix.
    for (const npi of ["1234567893", "1245319599", "1003000126", "1679576722"]) {
      expect(isValidNpi(npi), npi).toBe(true);
    }
  });

  it("refuses a wrong check digit", () => {
    for (const npi of ["1234567890", "1234567891", "1234567892", "1234567894", "1234567899"]) {
      expect(isValidNpi(npi), npi).toBe(false);
    }
  });

  it("refuses anything that is not exactly ten ASCII digits", () => {
    for (const npi of [
      "",
      "123456789",
      "12345678933",
      "123456789a",
      "1234 67893",
      " 1234567893",
      "1234567893\n",
      "-234567893",
      "１２３４５６７８９３", // fullwidth digits
      "١٢٣٤٥٦٧٨٩٣", // Arabic-Indic digits
      "12345e7893",
    ]) {
      expect(isValidNpi(npi), JSON.stringify(npi)).toBe(false);
    }
  });
});

describe("npiWithCheckDigit", () => {
  it("completes the CMS example", () => {
    expect(npiWithCheckDigit("123456789")).toBe("1234567893");
  });

  it("any 9-digit payload completes to a valid NPI, and changing any one digit invalidates it", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^\d{9}$/),
        fc.nat(9),
        fc.integer({ min: 1, max: 9 }),
        (payload, position, delta) => {
          const npi = npiWithCheckDigit(payload);
          expect(npi).toHaveLength(10);
          expect(npi.startsWith(payload)).toBe(true);
          expect(isValidNpi(npi)).toBe(true);
          const changed = (Number(npi[position]) + delta) % 10;
          const mutated = `${npi.slice(0, position)}${changed}${npi.slice(position + 1)}`;
          expect(mutated).not.toBe(npi);
          expect(isValidNpi(mutated)).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("exactly one check digit completes a payload", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{9}$/), (payload) => {
        const valid = [..."0123456789"].filter((d) => isValidNpi(payload + d));
        expect(valid).toHaveLength(1);
      }),
    );
  });
});

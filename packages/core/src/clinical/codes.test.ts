import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkEncounterCodes,
  fiscalYearOf,
  fiscalYearRange,
  formatIcd10,
  isModifier,
  normalizeIcd10,
  procedureCodeSystem,
} from "./codes.ts";

const upperAlnum = fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
const letter = fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZ");
const digit = fc.constantFrom(..."0123456789");
const icd = fc
  .tuple(letter, digit, upperAlnum, fc.array(upperAlnum, { maxLength: 4 }))
  .map(([a, b, c, rest]) => `${a}${b}${c}${rest.join("")}`);

describe("ICD-10-CM format", () => {
  it("accepts real codes with or without the dot, in any case, and stores them without it", () => {
    expect(normalizeIcd10("E11.9")).toBe("E119");
    expect(normalizeIcd10("e119")).toBe("E119");
    expect(normalizeIcd10(" I10 ")).toBe("I10");
    expect(normalizeIcd10("S72.001A")).toBe("S72001A");
    expect(normalizeIcd10("Z00.00")).toBe("Z0000");
    expect(normalizeIcd10("M1A.0110")).toBe("M1A0110");
    // FY2026 brought the first codes with a letter in second place.
    expect(normalizeIcd10("QA0.0101")).toBe("QA00101");
  });

  it("refuses what is not one", () => {
    for (const bad of [
      "",
      "E1",
      "11.9",
      "E.119",
      "E11.",
      "E11.99999",
      "E1199999",
      "1E1",
      "E11-9",
      "E11 9",
      "E11..9",
      "É11",
    ])
      expect(normalizeIcd10(bad), bad).toBeNull();
  });

  it("shows the dot after the third character", () => {
    expect(formatIcd10("E119")).toBe("E11.9");
    expect(formatIcd10("I10")).toBe("I10");
    expect(formatIcd10("S72001A")).toBe("S72.001A");
  });

  it("format then normalize is the identity, and normalize accepts both forms (property)", () => {
    fc.assert(
      fc.property(icd, (code) => {
        expect(normalizeIcd10(code)).toBe(code);
        expect(normalizeIcd10(formatIcd10(code))).toBe(code);
        expect(normalizeIcd10(formatIcd10(code).toLowerCase())).toBe(code);
      }),
    );
  });

  it("never accepts a string longer than 8 characters or with characters other than letters, digits and one dot (property)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), (s) => {
        const n = normalizeIcd10(s);
        if (n !== null) {
          expect(n).toMatch(/^[A-Z][0-9A-Z]{2,6}$/);
          expect(n.length).toBeLessThanOrEqual(7);
        }
      }),
    );
  });
});

describe("CPT, HCPCS and modifiers", () => {
  it("tells CPT (5 digits, category II/III) from HCPCS Level II", () => {
    expect(procedureCodeSystem("99213")).toBe("cpt");
    expect(procedureCodeSystem("3074F")).toBe("cpt");
    expect(procedureCodeSystem("0042T")).toBe("cpt");
    expect(procedureCodeSystem("G0438")).toBe("hcpcs");
    expect(procedureCodeSystem("j1100")).toBe("hcpcs");
    for (const bad of ["9921", "992134", "W1234", "3074X", "A123", "99213 ", "G04381"]) {
      if (bad.trim() === "99213") continue;
      expect(procedureCodeSystem(bad), bad).toBeNull();
    }
  });

  it("modifiers are two letters or digits", () => {
    expect(isModifier("25")).toBe(true);
    expect(isModifier("lt")).toBe(true);
    expect(isModifier("XE")).toBe(true);
    expect(isModifier("2")).toBe(false);
    expect(isModifier("255")).toBe(false);
    expect(isModifier("-2")).toBe(false);
  });
});

describe("fiscal year of a date of service", () => {
  it("starts on 1 October", () => {
    expect(fiscalYearOf("2025-09-30")).toBe(2025);
    expect(fiscalYearOf("2025-10-01")).toBe(2026);
    expect(fiscalYearOf("2026-03-02")).toBe(2026);
    expect(fiscalYearOf("2026-09-30")).toBe(2026);
    expect(fiscalYearOf("2026-10-01")).toBe(2027);
    expect(fiscalYearRange(2026)).toEqual({ from: "2025-10-01", to: "2026-09-30" });
  });

  it("every date falls inside the range of its own fiscal year (property)", () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date("1990-01-01"), max: new Date("2100-12-31"), noInvalidDate: true }),
        (d) => {
          const date = d.toISOString().slice(0, 10);
          const { from, to } = fiscalYearRange(fiscalYearOf(date));
          expect(date >= from && date <= to).toBe(true);
        },
      ),
    );
  });
});

describe("checkEncounterCodes", () => {
  it("normalizes a valid encounter and points a procedure at the primary diagnosis by default", () => {
    const r = checkEncounterCodes(
      ["e11.9", "I10"],
      [{ code: "99214", modifiers: ["25"], units: 1, pointers: [1, 2] }, { code: "g0438" }],
    );
    expect(r).toEqual({
      ok: true,
      value: {
        diagnoses: ["E119", "I10"],
        procedures: [
          { codeSystem: "cpt", code: "99214", modifiers: ["25"], units: 1, pointers: [1, 2] },
          { codeSystem: "hcpcs", code: "G0438", modifiers: [], units: 1, pointers: [1] },
        ],
      },
    });
  });

  it("names every problem with its path", () => {
    const r = checkEncounterCodes(
      ["E11.9", "E119", "X1-"],
      [{ code: "9921", modifiers: ["25", "25", "ABC", "1", "2"], units: 0, pointers: [4, 13, 1, 1, 2] }],
    );
    expect(r.ok).toBe(false);
    const paths = r.ok ? [] : r.errors.map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "diagnoses.1",
        "diagnoses.2",
        "procedures.0.code",
        "procedures.0.modifiers",
        "procedures.0.modifiers.1",
        "procedures.0.modifiers.2",
        "procedures.0.units",
        "procedures.0.pointers",
        "procedures.0.pointers.0",
        "procedures.0.pointers.1",
        "procedures.0.pointers.3",
      ]),
    );
  });

  it("refuses more than 12 diagnoses, and a procedure with nothing to point to", () => {
    const many = Array.from({ length: 13 }, (_, i) => `A0${String(i).padStart(2, "0")}`);
    expect(checkEncounterCodes(many, []).ok).toBe(false);
    expect(checkEncounterCodes([], [{ code: "99213" }]).ok).toBe(false);
    expect(checkEncounterCodes([], []).ok).toBe(true);
  });

  it("every accepted pointer names a diagnosis of the encounter, units stay in 1..999 (property)", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(icd, { maxLength: 12 }),
        fc.array(
          fc.record({
            code: fc.constantFrom("99213", "G0438", "3074F", "bad"),
            units: fc.integer({ min: -5, max: 1200 }),
            pointers: fc.array(fc.integer({ min: -1, max: 14 }), { maxLength: 5 }),
          }),
          { maxLength: 5 },
        ),
        (dx, px) => {
          const r = checkEncounterCodes(dx, px);
          if (!r.ok) return;
          for (const p of r.value.procedures) {
            expect(p.units).toBeGreaterThanOrEqual(1);
            expect(p.units).toBeLessThanOrEqual(999);
            expect(p.pointers.length).toBeGreaterThan(0);
            for (const n of p.pointers) expect(n >= 1 && n <= r.value.diagnoses.length).toBe(true);
          }
        },
      ),
    );
  });
});

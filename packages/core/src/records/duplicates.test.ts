import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findDuplicates, jaroWinkler, levenshtein, nameSimilarity, normalizeName } from "./duplicates.ts";

describe("normalizeName", () => {
  it("folds case, width, accents and punctuation, in any script", () => {
    expect(normalizeName("  José  María ")).toBe("jose maria");
    expect(normalizeName("O'BRIEN-Smith")).toBe("o brien smith");
    expect(normalizeName("Straße")).toBe("strasse");
    expect(normalizeName("ＭＵＬＬＥＲ")).toBe("muller");
    expect(normalizeName("Müller")).toBe("muller");
    expect(normalizeName("Zoë")).toBe(normalizeName("Zoe\u0308"));
    expect(normalizeName("山田")).toBe("山田");
    expect(normalizeName("Αλέξανδρος")).toBe("αλεξανδρος");
    expect(normalizeName("Иванова")).toBe("иванова");
    expect(normalizeName("محمد")).toBe("محمد");
  });
});

describe("string similarity", () => {
  it("knows the textbook values", () => {
    expect(levenshtein("kitten", "sitting")).toBe(3);
    expect(jaroWinkler("martha", "marhta")).toBeCloseTo(0.961, 3);
    expect(jaroWinkler("dwayne", "duane")).toBeCloseTo(0.84, 2);
    expect(jaroWinkler("", "")).toBe(1);
    expect(jaroWinkler("a", "")).toBe(0);
  });

  it("is symmetric, bounded and 1 exactly on equal strings (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.string({ unit: "grapheme" }), (a, b) => {
        const s = jaroWinkler(a, b);
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThanOrEqual(1 + 1e-12);
        expect(jaroWinkler(b, a)).toBeCloseTo(s, 12);
        expect(jaroWinkler(a, a)).toBe(1);
        expect(levenshtein(a, b)).toBe(levenshtein(b, a));
        if (a !== b) expect(levenshtein(a, b)).toBeGreaterThan(0);
      }),
    );
  });
});

describe("findDuplicates", () => {
  const base = { id: "p1", givenName: "Robert", familyName: "Nguyễn", dateOfBirth: "1980-05-17" };

  it("flags a near-identical name on the same birth date, swapped names too", () => {
    for (const probe of [
      { givenName: "Robert", familyName: "Nguyen" },
      { givenName: "Rober", familyName: "NGUYEN" },
      { givenName: "Nguyen", familyName: "Robert" },
    ]) {
      expect(findDuplicates({ ...probe, dateOfBirth: "1980-05-17" }, [base]), JSON.stringify(probe)).toEqual([
        expect.objectContaining({ id: "p1", reasons: ["name"] }),
      ]);
    }
  });

  it("never flags another birth date, and not a different person born the same day", () => {
    expect(
      findDuplicates({ givenName: "Robert", familyName: "Nguyen", dateOfBirth: "1980-05-18" }, [base]),
    ).toEqual([]);
    expect(
      findDuplicates({ givenName: "Alice", familyName: "Walker", dateOfBirth: "1980-05-17" }, [base]),
    ).toEqual([]);
  });

  it("flags a shared phone line or e-mail address on the same birth date", () => {
    const c = { ...base, phone: "+1 (217) 555-0101", email: "Rob@Mail.Example" };
    expect(
      findDuplicates(
        { givenName: "Bob", familyName: "Win", dateOfBirth: "1980-05-17", phone: "217-555-0101" },
        [c],
      ),
    ).toEqual([expect.objectContaining({ reasons: ["phone"] })]);
    expect(
      findDuplicates(
        { givenName: "Bob", familyName: "Win", dateOfBirth: "1980-05-17", email: "rob@mail.example " },
        [c],
      ),
    ).toEqual([expect.objectContaining({ reasons: ["email"] })]);
  });

  it("matches names in other scripts exactly as written", () => {
    const c = { id: "k", givenName: "太郎", familyName: "山田", dateOfBirth: "1990-01-01" };
    expect(
      findDuplicates({ givenName: "太郎", familyName: "山田", dateOfBirth: "1990-01-01" }, [c]),
    ).toHaveLength(1);
    expect(nameSimilarity({ givenName: "花子", familyName: "佐藤" }, c)).toBeLessThan(0.5);
  });

  it("always finds the same person again (property)", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (g, f) => {
        const p = { givenName: g, familyName: f, dateOfBirth: "2000-02-29" };
        expect(findDuplicates(p, [{ ...p, id: "x" }]).map((m) => m.id)).toEqual(["x"]);
      }),
    );
  });
});

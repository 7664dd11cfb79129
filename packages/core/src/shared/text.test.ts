import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FORBIDDEN_KEYS, unstorableTextReason } from "./text.ts";

describe("unstorableTextReason", () => {
  it("accepts ordinary text, emoji and valid surrogate pairs", () => {
    for (const s of [
      "",
      "Jane Doe",
      "Müller-Lüdenscheidt",
      "日本語",
      "🐙 octopus",
      "\uD83D\uDE00",
      "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
      "👩‍⚕️",
      "tab\tnewline\n",
    ]) {
      expect(unstorableTextReason(s), JSON.stringify(s)).toBeNull();
    }
  });

  it("refuses NUL anywhere", () => {
    for (const s of ["\0", "a\0", "\0a", "a\0b", "🐙\0"]) {
      expect(unstorableTextReason(s), JSON.stringify(s)).toBe("must not contain NUL characters");
    }
  });

  it("refuses lone high and low surrogates anywhere", () => {
    for (const s of [
      "\uD800",
      "\uDBFF",
      "\uDC00",
      "\uDFFF",
      "a\uD83D",
      "\uD83Db",
      "a\uDE00b",
      "\uDE00\uD83D", // a low then a high: reversed, so both are lone
      "\uD83D\uD83D\uDE00", // a high before a valid pair
      "\uD83D\uDE00\uDE00", // a low after a valid pair
    ]) {
      expect(unstorableTextReason(s), JSON.stringify(s)).toMatch(/lone surrogate/);
    }
  });

  it("agrees with the UTF-8 encoder: text is storable when it is well-formed and has no NUL", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 20 }), (s) => {
        const wellFormed = Buffer.from(s, "utf8").toString("utf8") === s;
        expect(unstorableTextReason(s) === null).toBe(wellFormed && !s.includes("\0"));
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(
        fc
          .array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 8 })
          .map((units) => String.fromCharCode(...units)),
        (s) => {
          const wellFormed = Buffer.from(s, "utf8").toString("utf8") === s;
          expect(unstorableTextReason(s) === null).toBe(wellFormed && !s.includes("\0"));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("FORBIDDEN_KEYS", () => {
  it("names the prototype-reaching keys", () => {
    expect([...FORBIDDEN_KEYS].sort()).toEqual(["__proto__", "constructor", "prototype"]);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { breakGlassReasonProblem, reasonCounts } from "./break-glass-reason.ts";

const INVISIBLES = [
  "\u200b", // zero-width space
  "\u200c", // zero-width non-joiner
  "\u200d", // zero-width joiner
  "\u2060", // word joiner
  "\ufeff", // byte order mark
  "\u00ad", // soft hyphen
  "\u180e", // Mongolian vowel separator
  "\u3164", // Hangul filler (a "letter" that shows nothing)
  "\u2800", // blank braille pattern
  "\u202e", // right-to-left override
  "\u0007", // bell
  "\u001b", // escape
  "\u00a0", // no-break space
  "\u3000", // ideographic space
  "\t",
  "\n",
  " ",
];

describe("break-glass reason", () => {
  it("accepts a few plain words, in any script", () => {
    for (const ok of [
      "Patient collapsed in the waiting room",
      "Unconscious, no ID, ER asked",
      "Paciente inconsciente en la sala",
      "Пациент без сознания в приёмной",
      "患者昏迷无法说话需要查看病历",
    ]) {
      expect(breakGlassReasonProblem(ok), ok).toBeNull();
    }
  });

  it("refuses what shows nothing or too little", () => {
    for (const bad of [
      "",
      "urgent",
      "very urgent!",
      "a b c d e f",
      "!!!! ???? ....",
      "\u200b".repeat(40),
      `urgent${"\u200b ".repeat(20)}`,
      "\u3164\u3164\u3164 \u3164\u3164\u3164 \u3164\u3164\u3164 \u3164\u3164\u3164",
      "\u2800\u2800\u2800\u2800 \u2800\u2800\u2800\u2800 \u2800\u2800\u2800\u2800",
      "          x         ",
    ]) {
      expect(breakGlassReasonProblem(bad), JSON.stringify(bad)).toMatch(/at least 3 words and 12 visible/);
    }
  });

  it("zero-width characters inside words add no words and no characters", () => {
    expect(reasonCounts("ur\u200bgent\u200b\u200bcase")).toEqual({ words: 1, visible: 10 });
  });

  it("inserting invisible characters anywhere never changes the verdict (property)", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 60 }),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom(...INVISIBLES)), { maxLength: 30 }),
        (text, inserts) => {
          let padded = text;
          for (const [at, ch] of inserts) {
            const i = at % (padded.length + 1);
            padded = padded.slice(0, i) + ch + padded.slice(i);
          }
          // Whitespace may split a word in two (more words), never make invisible text visible.
          expect(reasonCounts(padded).visible).toBe(reasonCounts(text).visible);
          if (breakGlassReasonProblem(text) === null && inserts.every(([, ch]) => !/\s/u.test(ch))) {
            expect(breakGlassReasonProblem(padded)).toBeNull();
          }
        },
      ),
    );
  });

  it("text made only of invisible characters is never a reason (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...INVISIBLES), { maxLength: 200 }), (chars) => {
        expect(breakGlassReasonProblem(chars.join(""))).not.toBeNull();
      }),
    );
  });
});

import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { components, readEnvelopes, repetitions, tokenizeX12 } from "./tokenizer.ts";

const SAMPLES = new URL("../../../../../data/x12/samples-837/", import.meta.url);
const sample = (name: string) => readFileSync(new URL(name, SAMPLES), "utf8");

function isa(el: string, rep: string, sub: string, term: string): string {
  const f = [
    "00",
    "          ",
    "00",
    "          ",
    "ZZ",
    "SENDER         ",
    "ZZ",
    "RECEIVER       ",
    "260101",
    "1200",
    rep,
    "00501",
    "000000001",
    "0",
    "T",
    sub,
  ];
  return `ISA${el}${f.join(el)}${term}`;
}

describe("tokenizeX12", () => {
  it("reads the separators from ISA and splits every segment", () => {
    const doc = tokenizeX12(sample("x12_valid.txt"));
    expect(doc.separators).toEqual({ element: "*", subElement: ":", repetition: null, segment: "~" });
    expect(doc.segments[0]?.id).toBe("ISA");
    expect(doc.segments[4]?.elements).toEqual([
      "NM1",
      "41",
      "2",
      "ANGELASZEK MEDICAL",
      "",
      "",
      "",
      "",
      "46",
      "999999999",
    ]);
    expect(doc.segments.map((s) => s.number)).toEqual(doc.segments.map((_, i) => i + 1));
  });

  it("reads a file with other separators exactly like the same file with the usual ones", () => {
    const a = tokenizeX12(sample("x12_valid.txt"));
    const b = tokenizeX12(sample("x12_valid_different_separators.txt"));
    expect(b.separators.element).toBe("~");
    expect(b.separators.segment).toBe("_");
    expect(b.separators.subElement).toBe("^");
    expect(b.segments.slice(1).map((s) => s.elements)).toEqual(
      a.segments.slice(1).map((s) => s.elements.map((e) => e.replaceAll(":", "^"))),
    );
  });

  it("takes ISA11 as the repetition separator when it is one", () => {
    const text = `${isa("*", "^", ":", "~")}GS*HC*A*B*20260101*1200*1*X*005010X222A1~`;
    const doc = tokenizeX12(`${text}\n`);
    expect(doc.separators.repetition).toBe("^");
    expect(repetitions("A^B", doc.separators)).toEqual(["A", "B"]);
    expect(components("HC:99213:25", doc.separators)).toEqual(["HC", "99213", "25"]);
  });

  it("refuses malformed files naming the segment", () => {
    expect(() => tokenizeX12(sample("x12_bad_first_line.txt"))).toThrow(
      /Segment 1 \(ISA\): ISA02 must be exactly 10 characters wide, found 9/,
    );
    expect(() => tokenizeX12(sample("x12_no_isa_line.txt"))).toThrow(
      /Segment 1 \(GS\): an X12 interchange must start with an ISA/,
    );
    expect(() => tokenizeX12(sample("x12_bad_segment_identifier.txt"))).toThrow(
      /Segment 6 .*'' is not a segment identifier/,
    );
    expect(() => tokenizeX12("")).toThrow(/empty/);
    const truncated = sample("x12_valid.txt").slice(0, 700);
    expect(() => tokenizeX12(truncated)).toThrow(/not terminated .* truncated/);
  });

  it("checks envelopes: SE01 counts, control numbers, missing trailers", () => {
    // The imsweb sample's SE01 is wrong on purpose (parsing and validating are separate steps).
    expect(() => readEnvelopes(tokenizeX12(sample("x12_valid.txt")))).toThrow(
      /Segment 36 \(SE\): SE01 says 25 segments; the transaction set has 34/,
    );
    const ok = sample("x12_valid.txt").replace("SE*25*", "SE*34*");
    const [interchange] = readEnvelopes(tokenizeX12(ok));
    expect(interchange?.groups[0]?.transactions[0]?.body).toHaveLength(32);
    const noSe = ok.replace(/SE\*34\*987654~\s*/, "");
    expect(() => readEnvelopes(tokenizeX12(noSe))).toThrow(/has no SE/);
    const warnings: string[] = [];
    readEnvelopes(tokenizeX12(ok.replace("IEA*1*000000905", "IEA*1*000000906")), { warnings });
    expect(warnings[0]).toMatch(/IEA02 000000906 does not match ISA13 000000905/);
  });

  it("splits any text with any separators back into the elements it was made of (property)", () => {
    const seps = fc
      .uniqueArray(fc.constantFrom("*", "|", "~", "^", ":", "!", "_", "\u001d", "\u001e", "\u001f"), {
        minLength: 4,
        maxLength: 4,
      })
      .map(
        ([el, sub, term, rep]) =>
          ({ el, sub, term, rep }) as { el: string; sub: string; term: string; rep: string },
      );
    const value = fc.stringMatching(/^[A-Z0-9 .,-]{0,12}$/);
    const segment = fc.tuple(
      fc.stringMatching(/^[A-Z][A-Z0-9]{1,2}$/),
      fc.array(value, { minLength: 1, maxLength: 8 }),
    );
    fc.assert(
      fc.property(
        seps,
        fc.array(segment, { maxLength: 20 }),
        fc.boolean(),
        ({ el, sub, term, rep }, segs, breaks) => {
          const body = segs
            .map(([id, els]) => [id, ...els].join(el) + term + (breaks ? "\r\n" : ""))
            .join("");
          const doc = tokenizeX12(isa(el, rep, sub, term) + body);
          expect(doc.separators).toEqual({ element: el, subElement: sub, repetition: rep, segment: term });
          expect(doc.segments.slice(1).map((s) => s.elements)).toEqual(segs.map(([id, els]) => [id, ...els]));
        },
      ),
    );
  });
});

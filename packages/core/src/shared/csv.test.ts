import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type CsvCell, csvCell, csvRow } from "./csv.ts";

/** A strict RFC 4180 parser for one record terminated by CRLF (the test's reference, not Salus code). */
function parseRecord(text: string): string[] {
  expect(text.endsWith("\r\n")).toBe(true);
  const body = text.slice(0, -2);
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    let cell = "";
    if (body[i] === '"') {
      i++;
      for (;;) {
        if (i >= body.length) throw new Error("unterminated quoted field");
        if (body[i] === '"') {
          if (body[i + 1] === '"') {
            cell += '"';
            i += 2;
          } else {
            i++;
            break;
          }
        } else cell += body[i++];
      }
      if (i < body.length && body[i] !== ",") throw new Error(`garbage after quoted field at ${i}`);
    } else {
      while (i < body.length && body[i] !== ",") {
        if (body[i] === '"' || body[i] === "\r" || body[i] === "\n") {
          throw new Error(`unquoted field contains ${JSON.stringify(body[i])}`);
        }
        cell += body[i++];
      }
    }
    cells.push(cell);
    if (i >= body.length) return cells;
    i++; // the comma
  }
}

const FORMULA_START = ["=", "+", "-", "@", "\t", "\r", "\0"];

describe("csvCell", () => {
  it("writes empty cells for null, undefined and non-finite numbers", () => {
    expect(csvCell(null)).toBe("");
    expect(csvCell(undefined)).toBe("");
    expect(csvCell(Number.NaN)).toBe("");
    expect(csvCell(Number.POSITIVE_INFINITY)).toBe("");
    expect(csvCell("")).toBe("");
  });

  it("writes numbers as numbers, negative ones included (no apostrophe)", () => {
    expect(csvCell(42)).toBe("42");
    expect(csvCell(-3.5)).toBe("-3.5");
    expect(csvCell(0)).toBe("0");
  });

  it("prefixes an apostrophe to text a spreadsheet would run as a formula", () => {
    expect(csvCell('=HYPERLINK("http://evil","x")')).toBe('"\'=HYPERLINK(""http://evil"",""x"")"');
    expect(csvCell("=1+1")).toBe("'=1+1");
    expect(csvCell("+1")).toBe("'+1");
    expect(csvCell("-1")).toBe("'-1");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell("\tx")).toBe("'\tx");
    expect(csvCell("\0x")).toBe("'\0x");
    // A leading CR is defused and, as it is a line break, also quoted.
    expect(csvCell("\rx")).toBe('"\'\rx"');
  });

  it("leaves text alone when the formula character is not first", () => {
    expect(csvCell("a=b")).toBe("a=b");
    expect(csvCell("Smith-Jones")).toBe("Smith-Jones");
    expect(csvCell("x@example.org")).toBe("x@example.org");
  });

  it("quotes commas, quotes and line breaks, doubling quotes", () => {
    expect(csvCell("a,b")).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell("line1\nline2")).toBe('"line1\nline2"');
    expect(csvCell("line1\r\nline2")).toBe('"line1\r\nline2"');
    expect(csvCell('"')).toBe('""""');
    expect(csvCell("plain")).toBe("plain");
  });
});

describe("csvRow", () => {
  it("joins with commas and ends with CRLF", () => {
    expect(csvRow(["a", 1, null, "b,c"])).toBe('a,1,,"b,c"\r\n');
    expect(csvRow([])).toBe("\r\n");
  });

  it("round-trips through an RFC 4180 parser: text comes back, formula text with one apostrophe", () => {
    const cell: fc.Arbitrary<CsvCell> = fc.oneof(
      fc.string({ unit: "grapheme", maxLength: 12 }),
      fc.string({ unit: fc.constantFrom(..."a,\"\r\n=+-@\t\0 x'"), maxLength: 12 }),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.constant(null),
      fc.constant(undefined),
    );
    fc.assert(
      fc.property(fc.array(cell, { minLength: 1, maxLength: 8 }), (cells) => {
        const parsed = parseRecord(csvRow(cells));
        const expected = cells.map((c) => {
          if (c === null || c === undefined) return "";
          if (typeof c === "number") return String(c);
          return FORMULA_START.includes(c[0] ?? "") ? `'${c}` : c;
        });
        expect(parsed).toEqual(expected);
        // No parsed text cell can begin with a formula character.
        parsed.forEach((p, i) => {
          if (typeof cells[i] === "string") expect(FORMULA_START).not.toContain(p[0]);
        });
      }),
      { numRuns: 1000 },
    );
  });

  it("numbers survive as numbers", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 1 }), (nums) => {
        const parsed = parseRecord(csvRow(nums)).map(Number);
        expect(parsed).toEqual(nums.map((n) => (Object.is(n, -0) ? 0 : n)));
      }),
    );
  });
});

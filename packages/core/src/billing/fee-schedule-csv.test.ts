import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DomainError } from "../shared/domain-error.ts";
import {
  compareEntries,
  diffFeeEntries,
  type FeeEntry,
  parseFeeScheduleCsv,
  writeFeeScheduleCsv,
} from "./fee-schedule-csv.ts";

function refusal(text: string): DomainError {
  try {
    parseFeeScheduleCsv(text);
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error("the file was accepted");
}

const HEADER = "procedure_code,modifier,amount,description\n";

describe("fee schedule CSV", () => {
  it("reads codes, modifiers, amounts as a spreadsheet writes them, and descriptions", () => {
    const entries = parseFeeScheduleCsv(
      `${HEADER}99213,,125,Office visit\r\n93000,26,"$1,018.4",\n g0438 , tc ,0.50,"Annual wellness, first"\n`,
    );
    expect(entries).toEqual([
      { procedureCode: "99213", modifier: "", amountCents: 12500, description: "Office visit" },
      { procedureCode: "93000", modifier: "26", amountCents: 101840, description: null },
      { procedureCode: "G0438", modifier: "TC", amountCents: 50, description: "Annual wellness, first" },
    ]);
  });

  it("accepts the columns in any order, and code/price as other names; modifier and description optional", () => {
    expect(parseFeeScheduleCsv("Price,CPT\n80.00,99212\n")).toEqual([
      { procedureCode: "99212", modifier: "", amountCents: 8000, description: null },
    ]);
  });

  it("refuses more than two decimals, naming the row by its line, and imports nothing", () => {
    const e = refusal(`${HEADER}99213,,125.00,\n99214,,180.125,\n`);
    expect(e.code).toBe("invalid_request");
    expect(e.message).toMatch(/^Line 3: "180.125" has more than two decimals.*Nothing was imported\.$/);
    expect(e.details).toEqual([{ path: "line 3", message: expect.stringMatching(/more than two decimals/) }]);
  });

  it("names every bad row: negative amounts, unknown codes, bad modifiers, repeated rows, extra fields", () => {
    const e = refusal(
      `${HEADER}99213,,-5.00,\n9921,,1,\n99213,2B5,1,\n99213,,1,\n99215,,1,x,extra\n99214,,,\n`,
    );
    expect(e.details.map((d) => d.path)).toEqual([
      "line 2",
      "line 3",
      "line 4",
      "line 5",
      "line 6",
      "line 7",
    ]);
    expect(e.details[0]!.message).toMatch(/negative/);
    expect(e.details[1]!.message).toMatch(/"9921" is not a CPT code/);
    expect(e.details[2]!.message).toMatch(/"2B5" is not a modifier/);
    expect(e.details[3]!.message).toMatch(/99213 without a modifier is already on line 2/);
    expect(e.details[4]!.message).toMatch(/5 fields where the header has 4/);
    expect(e.details[5]!.message).toMatch(/amount is empty/);
    expect(e.message).toMatch(/and 5 more rows/);
  });

  it("refuses a missing or unknown header and a file without rows", () => {
    expect(refusal("99213,,1,\n").message).toMatch(
      /header \(line 1\).*missing column procedure_code, amount/,
    );
    expect(refusal("code,amount,colour\n").message).toMatch(/unknown column "colour"/);
    expect(refusal(HEADER).message).toMatch(/no rows/);
    expect(refusal("").message).toMatch(/empty/);
    expect(refusal(`${HEADER}99213,,"1\n`).message).toMatch(/Line 2.*never closed/);
  });

  const entry = fc.record({
    procedureCode: fc.oneof(
      fc.stringMatching(/^\d{5}$/),
      fc.stringMatching(/^\d{4}[FT]$/),
      fc.stringMatching(/^[A-V]\d{4}$/),
    ),
    modifier: fc.oneof(fc.constant(""), fc.stringMatching(/^[A-Z0-9]{2}$/)),
    amountCents: fc.integer({ min: 0, max: 10_000_000_00 }),
    description: fc.option(
      fc
        .tuple(fc.constantFrom("", "'", "=", "'=", "-", "@"), fc.string({ minLength: 1, maxLength: 60 }))
        .map(([start, rest]) => (start + rest).trim())
        .filter((s) => s.length > 0 && !s.includes("\0")),
      { nil: null },
    ),
  });
  const entries = fc.uniqueArray(entry, {
    selector: (e) => `${e.procedureCode}|${e.modifier}`,
    maxLength: 30,
  });

  it("reads back exactly what it writes (export, then import, changes nothing)", () => {
    fc.assert(
      fc.property(
        entries.filter((es) => es.length > 0),
        (es) => {
          const back = parseFeeScheduleCsv(writeFeeScheduleCsv(es));
          expect(back).toEqual([...es].sort(compareEntries));
          const diff = diffFeeEntries(es, back);
          expect(diff).toMatchObject({ added: [], changed: [], removed: [], unchanged: es.length });
        },
      ),
    );
  });

  it("a diff accounts for every entry of both sides exactly once", () => {
    fc.assert(
      fc.property(entries, entries, (before, after) => {
        const d = diffFeeEntries(before, after);
        expect(d.added.length + d.changed.length + d.unchanged).toBe(after.length);
        expect(d.removed.length + d.changed.length + d.unchanged).toBe(before.length);
      }),
    );
  });

  it("keeps a description that starts like a formula through export and import", () => {
    const es: FeeEntry[] = [
      { procedureCode: "99213", modifier: "", amountCents: 1, description: "-25% promo" },
      { procedureCode: "99214", modifier: "", amountCents: 1, description: "'=already guarded" },
    ];
    const csv = writeFeeScheduleCsv(es);
    expect(csv).toContain("'-25% promo");
    expect(parseFeeScheduleCsv(csv)).toEqual(es);
  });
});

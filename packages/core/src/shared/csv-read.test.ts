import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { csvRow } from "./csv.ts";
import { readCsv } from "./csv-read.ts";

describe("readCsv", () => {
  it("reads quoted fields with commas, quotes and line breaks, and keeps each record's first line", () => {
    const r = readCsv('code,description\r\n11,"OFFICE, ""main"""\n12,"two\nlines"\n\n13,x\n');
    expect(r).toEqual({
      ok: true,
      records: [
        { line: 1, fields: ["code", "description"] },
        { line: 2, fields: ["11", 'OFFICE, "main"'] },
        { line: 3, fields: ["12", "two\nlines"] },
        { line: 6, fields: ["13", "x"] },
      ],
    });
  });

  it("drops a byte-order mark and keeps empty fields", () => {
    expect(readCsv("\uFEFFa,,c")).toEqual({ ok: true, records: [{ line: 1, fields: ["a", "", "c"] }] });
  });

  it("names the line of malformed quoting", () => {
    expect(readCsv('a,b\nx,"open\n')).toMatchObject({ ok: false, line: 2 });
    expect(readCsv('a,b\nx,y"z\n')).toMatchObject({ ok: false, line: 2, message: /quote inside/ });
    expect(readCsv('a\n"q"x\n')).toMatchObject({ ok: false, line: 2, message: /follows a closing quote/ });
  });

  it("reads back what csvRow writes (fields without a formula start)", () => {
    const cell = fc.string({ unit: "grapheme-ascii" }).filter((s) => !/^[=+\-@\t\r\0]/.test(s));
    fc.assert(
      fc.property(fc.array(fc.array(cell, { minLength: 2, maxLength: 5 }), { maxLength: 8 }), (rows) => {
        const text = rows.map((r) => csvRow(r)).join("");
        const read = readCsv(text);
        expect(read.ok).toBe(true);
        if (read.ok) expect(read.records.map((r) => r.fields)).toEqual(rows);
      }),
    );
  });
});

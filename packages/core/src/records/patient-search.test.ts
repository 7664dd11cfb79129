import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isPlainDate } from "../shared/time-zone.ts";
import {
  looksLikeImpossibleDate,
  matchesDateSearch,
  parseDateSearch,
  patientSearchTerms,
  prefixEnd,
  searchKey,
  searchQueryKeys,
} from "./patient-search.ts";

/** What the database does: some stored term of the patient begins with every typed key. */
function finds(names: Parameters<typeof patientSearchTerms>[0], typed: string): boolean {
  const terms = patientSearchTerms(names).map((t) => t.term);
  const keys = searchQueryKeys(typed);
  return keys.length > 0 && keys.every((k) => terms.some((t) => t >= k && t < prefixEnd(k)));
}

describe("patient search keys", () => {
  it("finds people whatever the accents, case and punctuation typed", () => {
    const hernandez = { givenName: "María José", familyName: "Hernández" };
    expect(finds(hernandez, "Hernandez")).toBe(true);
    expect(finds(hernandez, "hernandez")).toBe(true);
    expect(finds(hernandez, "HERNÁNDEZ")).toBe(true);
    expect(finds(hernandez, "hernandez, maria")).toBe(true);
    expect(finds(hernandez, "mariajose hern")).toBe(true);
    expect(finds(hernandez, "jose")).toBe(true);
    expect(finds(hernandez, "Hernandes")).toBe(false);
    const obrien = { givenName: "Siobhán", familyName: "O'Brien" };
    for (const typed of ["OBrien", "obrien", "O'Brien", "o’brien", "O Brien", "brien", "siobhan o'b"])
      expect(finds(obrien, typed), typed).toBe(true);
    expect(finds({ givenName: "Ana", familyName: "de la Cruz" }, "cruz")).toBe(true);
    expect(finds({ givenName: "Ana", familyName: "de la Cruz" }, "delacruz")).toBe(true);
    expect(finds({ givenName: "Jürgen", familyName: "Straße" }, "strasse jurgen")).toBe(true);
    expect(finds({ givenName: "Зоя", familyName: "Иванова" }, "иван")).toBe(true);
  });

  it("never turns a term without letters or digits into 'everyone'", () => {
    expect(searchQueryKeys("%")).toEqual([]);
    expect(searchQueryKeys("' _ \\")).toEqual([]);
    expect(searchQueryKeys("O' Brien")).toEqual(["o", "brien"]);
    expect(finds({ givenName: "A", familyName: "B" }, "%")).toBe(false);
    expect(searchQueryKeys("a b c d e f")).toHaveLength(4);
  });

  it("stores every word and every whole name once (middle as given, preferred apart)", () => {
    expect(
      patientSearchTerms({
        givenName: "Mary-Kate",
        familyName: "O'Brien",
        middleName: "Ann",
        preferredName: "MK",
      }),
    ).toEqual([
      { kind: "family", term: "o" },
      { kind: "family", term: "brien" },
      { kind: "family", term: "obrien" },
      { kind: "given", term: "mary" },
      { kind: "given", term: "kate" },
      { kind: "given", term: "marykate" },
      { kind: "given", term: "ann" },
      { kind: "preferred", term: "mk" },
    ]);
  });

  it("a name is always found by itself typed in any case, and by its key's prefixes (property)", () => {
    const name = fc.stringMatching(/^[A-Za-zÀ-ÿ' .-]{1,30}$/).filter((s) => searchKey(s) !== "");
    fc.assert(
      fc.property(name, name, fc.integer({ min: 1, max: 30 }), (given, family, cut) => {
        const who = { givenName: given, familyName: family };
        expect(finds(who, family.toUpperCase())).toBe(true);
        expect(finds(who, given.toLowerCase())).toBe(true);
        expect(finds(who, searchKey(family).slice(0, cut))).toBe(true);
      }),
    );
  });

  it("the prefix range holds exactly the keys that begin with the prefix (property)", () => {
    const key = fc.string({ unit: fc.constantFrom("a", "b", "z", "é", "ж", "山", "𠀋", "0") });
    fc.assert(
      fc.property(key, key, (prefix, k) => {
        // Code-point order, as SQLite BINARY and PostgreSQL collate "C" compare UTF-8.
        const cmp = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
        const inRange = cmp(k, prefix) >= 0 && cmp(k, prefixEnd(prefix)) < 0;
        expect(inRange).toBe(k.startsWith(prefix));
      }),
    );
  });
});

describe("FHIR date search", () => {
  it("reads the prefixes and partial dates as ranges", () => {
    expect(parseDateSearch("1958-08-14")).toEqual({ from: "1958-08-14", to: "1958-08-14", negate: false });
    expect(parseDateSearch("1958")).toEqual({ from: "1958-01-01", to: "1958-12-31", negate: false });
    expect(parseDateSearch("1960-02")).toEqual({ from: "1960-02-01", to: "1960-02-29", negate: false });
    expect(parseDateSearch("eq1958-12")).toEqual({ from: "1958-12-01", to: "1958-12-31", negate: false });
    expect(parseDateSearch("ge1958-08")).toEqual({ from: "1958-08-01", to: null, negate: false });
    expect(parseDateSearch("le1958-08")).toEqual({ from: null, to: "1958-08-31", negate: false });
    expect(parseDateSearch("gt1958")).toEqual({ from: "1959-01-01", to: null, negate: false });
    expect(parseDateSearch("lt1958-03-01")).toEqual({ from: null, to: "1958-02-28", negate: false });
    expect(parseDateSearch("ne1958")).toEqual({ from: "1958-01-01", to: "1958-12-31", negate: true });
    expect(parseDateSearch("sa1958-12-31")).toEqual({ from: "1959-01-01", to: null, negate: false });
    expect(parseDateSearch("eb1958-01-01")).toEqual({ from: null, to: "1957-12-31", negate: false });
  });

  it("refuses impossible dates and unknown prefixes, naming the parameter", () => {
    for (const bad of [
      "1958-02-30",
      "1958-13-01",
      "1958-13",
      "1958-00",
      "ap1958",
      "xx1958",
      "58",
      "1958-8-1",
      "",
    ])
      expect(() => parseDateSearch(bad), bad).toThrow(
        expect.objectContaining({
          code: "invalid_request",
          details: [expect.objectContaining({ path: "birthdate" })],
        }),
      );
    expect(looksLikeImpossibleDate("1958-02-30")).toBe(true);
    expect(looksLikeImpossibleDate("1958-13-01")).toBe(true);
    expect(looksLikeImpossibleDate("1958-02-28")).toBe(false);
    expect(looksLikeImpossibleDate("garcia")).toBe(false);
  });

  it("each prefix keeps exactly the days the FHIR rule keeps (property)", () => {
    const day = fc
      .date({
        min: new Date("1900-01-01T00:00:00Z"),
        max: new Date("2100-12-31T00:00:00Z"),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString().slice(0, 10));
    const precision = fc.constantFrom(4, 7, 10);
    const prefix = fc.constantFrom("", "eq", "ne", "gt", "lt", "ge", "le");
    fc.assert(
      fc.property(day, day, precision, prefix, (dob, probe, len, p) => {
        const value = probe.slice(0, len);
        const s = parseDateSearch(`${p}${value}`);
        // The day of birth against the days the value covers (a partial date is all of its days).
        const covered = dob.slice(0, len) === value;
        const before = dob.slice(0, len) < value;
        const after = dob.slice(0, len) > value;
        const expected = {
          "": covered,
          eq: covered,
          ne: !covered,
          gt: after,
          lt: before,
          ge: after || covered,
          le: before || covered,
        }[p];
        expect(matchesDateSearch(dob, s)).toBe(expected);
        for (const bound of [s.from, s.to])
          if (bound) expect(isPlainDate(bound) || bound < "1800").toBe(true);
      }),
    );
  });
});

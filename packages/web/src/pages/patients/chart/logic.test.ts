import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ageOn,
  chartTabs,
  clockTime,
  fileSize,
  formatIcd10,
  isIcd10Format,
  isModifier,
  isProcedureCode,
  normalizeIcd10,
  pointerLetter,
  pointersAfterRemoval,
  procedureProblems,
  seesClinical,
  viewerKind,
} from "./logic.ts";

// Permissions per role, as packages/core/src/security/permissions.ts grants them.
const EVERYONE = ["org:read", "locations:read", "staff:read", "fhir:read"];
const PERMS: Record<string, string[]> = {
  "front-desk": [
    ...EVERYONE,
    "patients:read",
    "patients:write",
    "schedule:read",
    "schedule:write",
    "flow:read",
  ],
  manager: [
    ...EVERYONE,
    "patients:read",
    "patients:write",
    "schedule:read",
    "schedule:write",
    "reports:read",
  ],
  clinician: [
    ...EVERYONE,
    "patients:read",
    "patients:write",
    "schedule:read",
    "schedule:write",
    "encounters:read",
    "encounters:write",
    "chart:read",
    "chart:write",
    "break-glass:use",
    "records:export",
  ],
  biller: [...EVERYONE, "patients:read", "schedule:read", "encounters:read"],
  "privacy-officer": [...EVERYONE, "patients:read", "audit:read", "privacy:manage", "records:export"],
  admin: [...EVERYONE, "org:manage", "users:manage"],
  hr: [...EVERYONE, "staff:write"],
};
const tabsOf = (...roles: string[]) =>
  chartTabs(
    roles,
    roles.flatMap((r) => PERMS[r]!),
  );

describe("chartTabs", () => {
  it("gives the front desk and the manager demographics, coverage and appointments, never notes", () => {
    for (const role of ["front-desk", "manager"]) {
      expect(tabsOf(role)).toEqual(["summary", "coverage", "appointments"]);
    }
  });

  it("gives billers the codes (encounters) but no notes, documents or clinical lists", () => {
    expect(tabsOf("biller")).toEqual(["summary", "coverage", "appointments", "encounters"]);
  });

  it("gives clinicians every section but privacy", () => {
    expect(tabsOf("clinician")).toEqual([
      "summary",
      "coverage",
      "appointments",
      "encounters",
      "clinical",
      "notes",
      "documents",
      "care-team",
    ]);
  });

  it("gives the privacy officer demographics and the privacy tab only (no coverage, no clinical content)", () => {
    expect(tabsOf("privacy-officer")).toEqual(["summary", "privacy"]);
  });

  it("gives the administrator and HR no tab at all, and several roles the union in chart order", () => {
    expect(tabsOf("admin")).toEqual([]);
    expect(tabsOf("hr")).toEqual([]);
    expect(tabsOf("privacy-officer", "front-desk")).toEqual([
      "summary",
      "coverage",
      "appointments",
      "privacy",
    ]);
  });

  it("needs the permission as well as the section", () => {
    expect(chartTabs(["clinician"], ["patients:read"])).toEqual(["summary", "coverage"]);
    expect(seesClinical(["clinician"], ["chart:read"])).toBe(true);
    expect(seesClinical(["biller"], ["chart:read", "encounters:read"])).toBe(false);
  });
});

describe("ICD-10-CM codes", () => {
  it("shows a dot after the category and stores without it", () => {
    expect(formatIcd10("E119")).toBe("E11.9");
    expect(formatIcd10("e11.9")).toBe("E11.9");
    expect(formatIcd10("I10")).toBe("I10");
    expect(formatIcd10("S52521A")).toBe("S52.521A");
    expect(normalizeIcd10(" s52.521a ")).toBe("S52521A");
  });

  it("checks the shape", () => {
    for (const good of ["E11.9", "I10", "Z00.00", "S52.521A", "M54.50"])
      expect(isIcd10Format(good)).toBe(true);
    for (const bad of ["", "E1", "11.9", "U07.1", "E11.91234", "E11-9"])
      expect(isIcd10Format(bad)).toBe(false);
  });

  it("formatting then normalizing gives back the stored code", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-TV-Z][0-9][0-9AB][0-9A-Z]{0,4}$/), (code) => {
        expect(normalizeIcd10(formatIcd10(code))).toBe(code);
        expect(isIcd10Format(formatIcd10(code))).toBe(true);
      }),
    );
  });
});

describe("procedure codes, modifiers and pointers", () => {
  it("accepts CPT (including category II/III) and HCPCS Level II codes", () => {
    for (const good of ["99213", "0001F", "0075T", "J1100", "G0008", "a4253"])
      expect(isProcedureCode(good)).toBe(true);
    for (const bad of ["9921", "992133", "W1234", "ABCDE", "99.13"]) expect(isProcedureCode(bad)).toBe(false);
    expect(isModifier("25")).toBe(true);
    expect(isModifier("lt")).toBe(true);
    expect(isModifier("2")).toBe(false);
    expect(isModifier("LTX")).toBe(false);
  });

  it("names pointers by letter", () => {
    expect([1, 2, 3, 4].map(pointerLetter)).toEqual(["A", "B", "C", "D"]);
  });

  it("keeps every pointer on the same diagnosis when one diagnosis is removed", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        fc.nat(),
        (codes, raw, r) => {
          const pointers = [...new Set(raw.map((p) => (p % codes.length) + 1))];
          const removed = (r % codes.length) + 1;
          const after = pointersAfterRemoval(pointers, removed);
          const remaining = codes.filter((_, i) => i !== removed - 1);
          const before = pointers.filter((p) => p !== removed).map((p) => codes[p - 1]);
          expect(after.map((p) => remaining[p - 1])).toEqual(before);
          expect(after.every((p) => p >= 1 && p <= remaining.length)).toBe(true);
        },
      ),
    );
  });

  it("lists what is wrong with procedure lines, and nothing for good ones", () => {
    const good = { code: "99213", modifiers: ["25"], units: 1, diagnosisPointers: [1, 2] };
    expect(procedureProblems([good], 2)).toEqual([]);
    const problems = procedureProblems(
      [
        { code: "9921", modifiers: ["X"], units: 0, diagnosisPointers: [3] },
        { ...good, diagnosisPointers: [] },
      ],
      2,
    );
    expect(problems).toEqual([
      'Procedure 1: "9921" is not a CPT or HCPCS code.',
      "Procedure 1: modifier X is not two letters or digits.",
      "Procedure 1: units must be a whole number of 1 or more.",
      "Procedure 1: a diagnosis pointer names no diagnosis.",
      "Procedure 2: point at least one diagnosis.",
    ]);
  });
});

describe("display helpers", () => {
  it("computes age on a day from plain dates, birthdays included", () => {
    expect(ageOn("1980-03-07", "2026-03-06")).toBe(45);
    expect(ageOn("1980-03-07", "2026-03-07")).toBe(46);
    expect(ageOn("2000-02-29", "2026-02-28")).toBe(25);
    expect(ageOn("2030-01-01", "2026-01-01")).toBeNull();
    expect(ageOn("not a date", "2026-01-01")).toBeNull();
  });

  it("shows a time as 24-hour HH:mm in the zone asked for, whatever the machine's zone", () => {
    expect(clockTime("2026-11-27T18:05:00.000Z", "America/New_York")).toBe("13:05");
    expect(clockTime("2026-11-27T18:05:00.000Z", "UTC")).toBe("18:05");
    expect(clockTime("nonsense")).toBe("");
  });

  it("shows PDFs and raster images inline and downloads everything else (SVG and HTML included)", () => {
    expect(viewerKind("application/pdf")).toBe("pdf");
    expect(viewerKind("image/png")).toBe("image");
    expect(viewerKind("image/jpeg; charset=binary")).toBe("image");
    expect(viewerKind("image/svg+xml")).toBe("download");
    expect(viewerKind("text/html")).toBe("download");
    expect(viewerKind("image/tiff")).toBe("download");
  });

  it("prints sizes", () => {
    expect(fileSize(512)).toBe("512 B");
    expect(fileSize(1536)).toBe("1.5 KB");
    expect(fileSize(2 * 1024 * 1024)).toBe("2 MB");
  });
});

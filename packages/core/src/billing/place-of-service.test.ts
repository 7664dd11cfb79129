import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parsePlaceOfServiceCsv, placeOfServiceLines, placeOfServiceName } from "./place-of-service.ts";

const FILE = resolve(import.meta.dirname, "../../../../data/codes/cms-place-of-service-codes.csv");

describe("place-of-service codes", () => {
  const codes = parsePlaceOfServiceCsv(readFileSync(FILE, "utf8"));

  it("reads CMS's 52 assigned codes and leaves the unassigned ones out", () => {
    expect(codes).toHaveLength(52);
    expect(codes.map((c) => c.code)).toEqual(expect.arrayContaining(["02", "10", "11", "27", "66", "99"]));
    expect(codes.map((c) => c.code)).not.toContain("00");
    expect(codes.map((c) => c.code)).not.toContain("30");
  });

  it("names each place shortly from CMS's text", () => {
    const name = (code: string) => placeOfServiceName(codes.find((c) => c.code === code)!.description);
    expect(name("11")).toBe("Office");
    expect(name("01")).toBe("Pharmacy");
    expect(name("04")).toBe("Homeless Shelter");
    expect(name("14")).toBe("Group Home");
    expect(name("22")).toBe("On Campus-Outpatient Hospital");
    expect(name("23")).toBe("Emergency Room-Hospital");
    expect(name("27")).toBe("Outreach Site/Street");
    expect(name("41")).toBe("Ambulance—Land");
    expect(name("52")).toBe("Psychiatric Facility-Partial Hospitalization");
    expect(name("62")).toBe("Comprehensive Outpatient Rehabilitation Facility");
    expect(name("66")).toBe("Programs of All Inclusive Care for the Elderly (PACE) Center");
    for (const c of codes) expect(placeOfServiceName(c.description).length).toBeLessThan(70);
  });

  it("gives the code-set loader one code and its description per line", () => {
    const lines = placeOfServiceLines(readFileSync(FILE, "utf8")).split("\n");
    expect(lines).toHaveLength(52);
    expect(lines.find((l) => l.startsWith("11 "))).toMatch(/^11 OFFICE - LOCATION/);
  });

  it("refuses a file that is not the CMS list, naming the line", () => {
    expect(() => parsePlaceOfServiceCsv("code,description\n1,OFFICE\n")).toThrow(
      /Line 2: "1" is not a two-digit/,
    );
    expect(() => parsePlaceOfServiceCsv("A000 Cholera\n")).toThrow(/header code,description/);
  });
});

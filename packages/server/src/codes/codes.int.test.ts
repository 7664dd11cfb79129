import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeTestServices, createTestServices, dialect, type TestServices } from "../testing/harness.ts";
import { checkCodesAgainstLists, lookupIcd10, searchIcd10 } from "./code-lists.ts";
import { loadCodeSet } from "./load-code-set.ts";

const FILE = resolve(import.meta.dirname, "../../../../data/codes/icd10cm-codes-2026.txt");

describe(`code sets (${dialect})`, () => {
  let services: TestServices;
  const now = new Date("2026-03-02T15:00:00Z");
  beforeAll(async () => {
    services = await createTestServices();
  });
  afterAll(() => closeTestServices(services));

  it("loads the FY2026 ICD-10-CM file (all 74,719 codes) and a second load changes nothing", async () => {
    const content = readFileSync(FILE, "utf8");
    const first = await loadCodeSet(services.db, { codeSet: "icd10cm", version: "2026", content }, now);
    expect(first).toMatchObject({
      outcome: "loaded",
      entries: 74_719,
      validFrom: "2025-10-01",
      validTo: "2026-09-30",
    });
    console.info(`ICD-10-CM FY2026 load on ${dialect}: ${Math.round(first.ms)} ms, ${first.words} word rows`);
    const again = await loadCodeSet(services.db, { codeSet: "icd10cm", version: "2026", content }, now);
    expect(again.outcome).toBe("unchanged");
    const n = await services.db.kysely
      .selectFrom("code_set_entries")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(74_719);
  }, 120_000);

  it("a file with one bad line loads nothing (all or nothing) and leaves the loaded version in place", async () => {
    await expect(
      loadCodeSet(
        services.db,
        { codeSet: "icd10cm", version: "2026", content: "A000 Cholera\nNOT-A-CODE x\n" },
        now,
      ),
    ).rejects.toThrow(/Line 2/);
    await expect(
      loadCodeSet(services.db, { codeSet: "icd10cm", version: "2027", content: "A000 x\nA000 y\n" }, now),
    ).rejects.toThrow(/twice/);
    expect(await services.db.kysely.selectFrom("code_set_versions").select("version").execute()).toEqual([
      { version: "2026" },
    ]);
    expect((await lookupIcd10(services.db.kysely, "A00.0", "2026-03-02"))?.description).toMatch(/Cholera/);
  });

  it("searches by code prefix (with or without the dot) and by word prefixes, at most 20, in code order", async () => {
    const db = services.db.kysely;
    const byCode = await searchIcd10(db, "e11.6", "2026-03-02");
    expect(byCode.items.length).toBeGreaterThan(0);
    expect(byCode.items.every((i) => i.code.startsWith("E116"))).toBe(true);
    expect(byCode.items[0]).toMatchObject({ display: expect.stringMatching(/^E11\.6/) });
    const i10 = await searchIcd10(db, "I10", "2026-03-02");
    expect(i10.items[0]).toMatchObject({
      code: "I10",
      display: "I10",
      description: "Essential (primary) hypertension",
    });
    // Words the index leaves out (stop words, one-digit numbers) do not empty the search.
    const phrase = await searchIcd10(db, "type 2 diabetes without complications", "2026-03-02");
    expect(phrase.items.map((i) => i.code)).toContain("E119");
    const words = await searchIcd10(db, "diab nephro", "2026-03-02");
    expect(words.items.length).toBeGreaterThan(0);
    expect(words.items.length).toBeLessThanOrEqual(20);
    for (const i of words.items) expect(i.description?.toLowerCase()).toMatch(/diab.*nephro|nephro.*diab/);
    expect([...words.items.map((i) => i.code)]).toEqual([...words.items.map((i) => i.code)].sort());
    const t0 = performance.now();
    await searchIcd10(db, "fracture femur", "2026-03-02");
    expect(performance.now() - t0).toBeLessThan(500);
    expect((await searchIcd10(db, "zzzzqqq", "2026-03-02")).items).toEqual([]);
  });

  it("tells a billable code from a category and from an unknown code, for the date's fiscal year", async () => {
    const db = services.db.kysely;
    expect(await lookupIcd10(db, "E11", "2026-03-02")).toMatchObject({ billable: false });
    expect(await lookupIcd10(db, "E11.9", "2026-03-02")).toMatchObject({ billable: true, version: "2026" });
    expect(await lookupIcd10(db, "Z99.99", "2026-03-02")).toBeNull();
    const errors = await checkCodesAgainstLists(db, "2026-03-02", {
      diagnoses: ["E119", "E11", "Z9999"],
      procedures: [],
    });
    expect(errors.map((e) => e.path)).toEqual(["diagnoses.1", "diagnoses.2"]);
    expect(errors[0]?.message).toMatch(/E11 is a category/);
    expect(errors[1]?.message).toMatch(/Z99\.99 is not in the ICD-10-CM 2026 list/);
    // No list loaded for FY2025 (before 2025-10-01): format checks only.
    expect(await checkCodesAgainstLists(db, "2025-09-30", { diagnoses: ["Z9999"], procedures: [] })).toEqual(
      [],
    );
  });
});

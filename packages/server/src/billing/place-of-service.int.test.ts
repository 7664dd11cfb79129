import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCodeSet } from "../codes/load-code-set.ts";
import { closeTestServices, createTestServices, dialect, type TestServices } from "../testing/harness.ts";
import {
  listPlacesOfService,
  loadShippedPlacesOfService,
  placeOfServiceCodesOn,
} from "./place-of-service.ts";

describe(`place-of-service codes as versioned data (${dialect})`, () => {
  let services: TestServices;
  const now = new Date("2026-03-02T15:00:00Z");
  beforeAll(async () => {
    services = await createTestServices();
  });
  afterAll(() => closeTestServices(services));

  it("loads CMS's list once (the same file again changes nothing) with the assigned codes only", async () => {
    expect(await loadShippedPlacesOfService(services.db, now)).toMatchObject({
      outcome: "loaded",
      entries: 52,
    });
    expect(await loadShippedPlacesOfService(services.db, now)).toMatchObject({ outcome: "unchanged" });
    const list = await listPlacesOfService(services.systemDb, "2026-03-02");
    expect(list).toMatchObject({ version: "2025-08", validFrom: "2023-10-01" });
    expect(list.items.find((i) => i.code === "11")).toMatchObject({ name: "Office" });
    const codes = await placeOfServiceCodesOn(services.systemDb, "2026-03-02");
    expect(codes?.has("11")).toBe(true);
    expect(codes?.has("30")).toBe(false);
  });

  it("answers the list in force on the date of service: none before the list's first date", async () => {
    expect(await placeOfServiceCodesOn(services.systemDb, "2023-09-30")).toBeNull();
    // A later list (say CMS retires 99 from 2027) applies from its own first date; older dates keep theirs.
    await loadCodeSet(
      services.db,
      {
        codeSet: "pos",
        version: "2027-01",
        validFrom: "2027-01-01",
        validTo: "9999-12-31",
        content: "code,description\n11,OFFICE\n12,HOME\n",
      },
      now,
    );
    expect((await placeOfServiceCodesOn(services.systemDb, "2027-02-01"))?.has("99")).toBe(false);
    expect((await placeOfServiceCodesOn(services.systemDb, "2026-12-31"))?.has("99")).toBe(true);
  });

  it("refuses a file that is not CMS's list, naming the line, and keeps the loaded versions", async () => {
    await expect(
      loadCodeSet(
        services.db,
        {
          codeSet: "pos",
          version: "bad",
          validFrom: "2028-01-01",
          validTo: "2028-12-31",
          content: "code,description\n1,X\n",
        },
        now,
      ),
    ).rejects.toThrow(/Line 2/);
    expect((await listPlacesOfService(services.systemDb, "2026-03-02")).items).toHaveLength(52);
  });
});

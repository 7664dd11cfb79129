import { billingIdentityMissing } from "@salus/core/billing/billing-identity";
import { memberIdMatches } from "@salus/core/billing/payers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../admin/organizations.ts";
import { loadBillingSettings } from "../billing/billing-settings.ts";
import { listPayers, selfPayPayerRef } from "../billing/load-payer.ts";
import { placeOfServiceCodesOn } from "../billing/place-of-service.ts";
import { contractedAmountFor, priceFor } from "../billing/price-lookup.ts";
import { organizationDb } from "../db/scoped.ts";
import { createCoverage } from "../records/coverages.ts";
import {
  closeTestServices,
  createTestServices,
  dialect,
  type Seed,
  seedTwoOrgs,
  type TestServices,
} from "../testing/harness.ts";
import { mbiOf, seedBilling } from "./seed-billing.ts";

describe(`demo billing setup (${dialect})`, () => {
  let services: TestServices;
  let seed: Seed;
  beforeAll(async () => {
    services = await createTestServices();
    seed = await seedTwoOrgs(services);
    const actor = cliActor(seed.alpha.id);
    for (const [i, payerName] of ["Medicare Part B", "Aetna"].entries())
      await createCoverage(services, actor, seed.alpha.patientIds[i]!, {
        order: "primary",
        payerName,
        payerId: "X",
        memberId: `MED${100000000 + i}`,
        subscriberRelationship: "self",
        effectiveFrom: "2025-01-01",
      });
    await seedBilling(services, seed.alpha.id);
  });
  afterAll(() => closeTestServices(services));

  it("sets up a complete billing identity, the payers, prices and places of service", async () => {
    const db = organizationDb(services.db, seed.alpha.id);
    const settings = await loadBillingSettings(db);
    expect(settings.missing).toEqual([]);
    expect(billingIdentityMissing(settings)).toEqual([]);
    const payers = await listPayers(db);
    expect(payers.map((p) => p.kind).sort()).toEqual([
      "commercial",
      "commercial",
      "commercial",
      "commercial",
      "commercial",
      "medicaid",
      "medicare",
      "other",
      "self-pay",
    ]);
    // The visit codes the demo's encounters use all have a price; 99214-25 falls back to the plain price.
    for (const code of ["99213", "99214", "83036", "G0439", "20610", "J3301", "90834"])
      expect(
        await priceFor(db, { procedureCode: code, modifiers: [], dateOfService: "2026-03-02" }),
      ).not.toBeNull();
    expect(
      await priceFor(db, { procedureCode: "99214", modifiers: ["25"], dateOfService: "2026-03-02" }),
    ).toMatchObject({ unitPriceCents: 19500, modifier: "" });
    expect(
      await priceFor(db, { procedureCode: "71046", modifiers: ["26"], dateOfService: "2026-03-02" }),
    ).toMatchObject({ unitPriceCents: 3000 });
    const selfPay = payers.find((p) => p.kind === "self-pay")!;
    expect(await selfPayPayerRef(db)).toBe(selfPay.id);
    expect(
      await priceFor(db, {
        procedureCode: "99213",
        modifiers: [],
        dateOfService: "2026-03-02",
        payerRef: selfPay.id,
      }),
    ).toMatchObject({ unitPriceCents: 9450 });
    const medicare = payers.find((p) => p.kind === "medicare")!;
    expect(
      await contractedAmountFor(db, {
        procedureCode: "99213",
        modifiers: [],
        dateOfService: "2026-03-02",
        payerRef: medicare.id,
      }),
    ).toMatchObject({ unitPriceCents: 9180 });
    expect((await placeOfServiceCodesOn(db, "2026-03-02"))?.has("11")).toBe(true);
  });

  it("links coverages to their payers; Medicare's member ids are MBIs; a second run changes nothing", async () => {
    const db = organizationDb(services.db, seed.alpha.id);
    const payers = new Map((await listPayers(db)).map((p) => [p.id, p]));
    const coverages = await db.selectFrom("coverages").selectAll().orderBy("payer_name").execute();
    expect(coverages.map((c) => [c.payer_name, payers.get(c.payer_ref ?? "")?.name, c.payer_id])).toEqual([
      ["Aetna", "Aetna", "60054"],
      ["Medicare Part B", "Medicare Part B", "00952"],
    ]);
    for (const c of coverages)
      expect(memberIdMatches(payers.get(c.payer_ref!)!.memberIdPattern, c.member_id)).toBe(true);
    const before = await db
      .selectFrom("fee_schedule_entries")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    await seedBilling(services, seed.alpha.id);
    const after = await db
      .selectFrom("fee_schedule_entries")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
    expect((await listPayers(db)).length).toBe(9);
  });

  it("MBIs made for the demo all have the real format and differ", () => {
    const medicare =
      "[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9][0-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9][0-9][AC-HJKMNP-RT-Y]{2}[0-9]{2}";
    const made = Array.from({ length: 2000 }, (_, i) => mbiOf(i));
    expect(made.filter((m) => !memberIdMatches(medicare, m))).toEqual([]);
    expect(new Set(made).size).toBe(made.length);
  });
});

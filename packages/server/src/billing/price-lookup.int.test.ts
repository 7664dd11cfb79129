import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scopeToOrganization } from "../db/scoped.ts";
import {
  closeTestServices,
  createTestServices,
  dialect,
  type Seed,
  seedTwoOrgs,
  type TestServices,
} from "../testing/harness.ts";
import { contractedAmountFor, priceFor } from "./price-lookup.ts";

describe(`priceFor (${dialect})`, () => {
  let services: TestServices;
  let seed: Seed;
  const at = "2026-03-02T15:00:00.000Z";

  beforeAll(async () => {
    services = await createTestServices();
    seed = await seedTwoOrgs(services);
    const db = services.systemDb;
    const schedule = (org: string, id: string, over: Record<string, unknown>) =>
      db
        .insertInto("fee_schedules")
        .values({
          organization_id: org,
          id,
          name: id,
          kind: "practice",
          payer_ref: null,
          is_default: 0,
          effective_from: "2025-01-01",
          effective_to: null,
          active: 1,
          version: 1,
          created_at: at,
          updated_at: at,
          ...over,
        })
        .execute();
    const entry = (org: string, sid: string, code: string, modifier: string, cents: number) =>
      db
        .insertInto("fee_schedule_entries")
        .values({
          organization_id: org,
          fee_schedule_id: sid,
          procedure_code: code,
          modifier,
          amount_cents: cents,
          description: null,
        })
        .execute();
    const a = seed.alpha.id;
    for (const [id, name] of [
      ["payer-self", "Self-pay"],
      ["payer-acme", "Acme Health"],
    ] as const)
      await db
        .insertInto("payers")
        .values({
          organization_id: a,
          id,
          name,
          payer_id: null,
          claim_filing_indicator: "CI",
          kind: "commercial",
          timely_filing_days: 90,
          member_id_pattern: null,
          address_line1: null,
          address_line2: null,
          city: null,
          state: null,
          postal_code: null,
          phone: null,
          active: 1,
          version: 1,
          created_at: at,
          updated_at: at,
        })
        .execute();
    // 2025 prices until the end of 2025, 2026 prices from then on; a self-pay list; an inactive one.
    await schedule(a, "std-2025", { is_default: 1, effective_to: "2025-12-31" });
    await schedule(a, "std-2026", { is_default: 1, effective_from: "2026-01-01" });
    await schedule(a, "self", { payer_ref: "payer-self" });
    await schedule(a, "old", { is_default: 1, active: 0, effective_from: "2026-02-01" });
    await schedule(a, "acme", { kind: "contract", payer_ref: "payer-acme" });
    await entry(a, "std-2025", "99213", "", 9000);
    await entry(a, "std-2026", "99213", "", 10000);
    await entry(a, "std-2026", "93000", "", 5000);
    await entry(a, "std-2026", "93000", "26", 2000);
    await entry(a, "std-2026", "93000", "TC", 3000);
    await entry(a, "self", "99213", "", 8000);
    await entry(a, "old", "99213", "", 1);
    await entry(a, "acme", "99213", "", 7200);
    // Beta's default schedule must never answer for alpha.
    await schedule(seed.beta.id, "std-2026", { is_default: 1 });
    await entry(seed.beta.id, "std-2026", "99214", "", 99999);
  });
  afterAll(() => closeTestServices(services));

  const alpha = () => scopeToOrganization(services.systemDb, seed.alpha.id);
  const q = (procedureCode: string, modifiers: string[], dateOfService: string, payerRef?: string) =>
    priceFor(alpha(), { procedureCode, modifiers, dateOfService, ...(payerRef ? { payerRef } : {}) });

  it("takes the default schedule in force on the date of service (effective dates inclusive)", async () => {
    expect(await q("99213", [], "2025-12-31")).toEqual({
      unitPriceCents: 9000,
      feeScheduleId: "std-2025",
      modifier: "",
    });
    expect(await q("99213", [], "2026-01-01")).toMatchObject({
      unitPriceCents: 10000,
      feeScheduleId: "std-2026",
    });
    expect(await q("99213", [], "2024-06-01")).toBeNull();
  });

  it("prices the first listed modifier the schedule knows, else the plain price", async () => {
    expect(await q("93000", ["26"], "2026-03-02")).toMatchObject({ unitPriceCents: 2000, modifier: "26" });
    expect(await q("93000", ["59", "tc"], "2026-03-02")).toMatchObject({
      unitPriceCents: 3000,
      modifier: "TC",
    });
    expect(await q("93000", ["TC", "26"], "2026-03-02")).toMatchObject({ unitPriceCents: 3000 });
    expect(await q("93000", ["25"], "2026-03-02")).toMatchObject({ unitPriceCents: 5000, modifier: "" });
  });

  it("a practice schedule made for the payer wins when it lists the code; else the default", async () => {
    expect(await q("99213", [], "2026-03-02", "payer-self")).toMatchObject({
      unitPriceCents: 8000,
      feeScheduleId: "self",
    });
    expect(await q("93000", [], "2026-03-02", "payer-self")).toMatchObject({ feeScheduleId: "std-2026" });
    // A contract schedule never prices a charge.
    expect(await q("99213", [], "2026-03-02", "payer-acme")).toMatchObject({ feeScheduleId: "std-2026" });
  });

  it("never reads another organization's schedules, nor inactive ones", async () => {
    expect(await q("99214", [], "2026-03-02")).toBeNull();
    expect(await q(" 99213 ", [], "2026-02-15")).toMatchObject({ unitPriceCents: 10000 });
  });

  it("answers the payer's contracted amount from its contract schedule", async () => {
    const base = { procedureCode: "99213", modifiers: [], dateOfService: "2026-03-02" };
    expect(await contractedAmountFor(alpha(), { ...base, payerRef: "payer-acme" })).toMatchObject({
      unitPriceCents: 7200,
      feeScheduleId: "acme",
    });
    expect(await contractedAmountFor(alpha(), { ...base, payerRef: "payer-self" })).toBeNull();
  });
});

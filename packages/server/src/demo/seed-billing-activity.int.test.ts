import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { organizationDb } from "../db/scoped.ts";
import { createTestServices, dialect, type TestServices } from "../testing/harness.ts";
import { seedBillingActivity } from "./seed-billing-activity.ts";
import { seedDemo } from "./seed-demo.ts";

let services: TestServices;
let orgId: string;

/** The practice's billing setup as seed-billing.ts makes it, reduced to what charging and claiming need. */
async function billingSetup(): Promise<void> {
  const db = organizationDb(services.db, orgId);
  const at = services.clock().toISOString();
  const existing = await db.selectFrom("billing_settings").select("organization_id").executeTakeFirst();
  if (existing) return;
  await db
    .insertInto("billing_settings")
    .values({
      organization_id: orgId,
      billing_name: "Riverside Family Practice",
      billing_npi: "1245319599",
      tax_id: "371234567",
      taxonomy: "207Q00000X",
      address_line1: "100 River Rd",
      address_line2: null,
      city: "Springfield",
      state: "IL",
      postal_code: "627011234",
      phone: "2175550100",
      submitter_id: "RIVERSIDE",
      submitter_contact_name: "Billing",
      submitter_contact_email: "billing@example.test",
      receiver_id: "CLEARINGHOUSE",
      receiver_name: "Clearinghouse",
      usage_indicator: "T",
      last_interchange_control: 0,
      last_group_control: 0,
      updated_at: at,
    })
    .execute();
  const payerId = randomUUID();
  await db
    .insertInto("payers")
    .values({
      organization_id: orgId,
      id: payerId,
      name: "Prairie Health",
      payer_id: "PRAIR1",
      claim_filing_indicator: "CI",
      kind: "commercial",
      timely_filing_days: 365,
      member_id_pattern: null,
      address_line1: "PO Box 1",
      address_line2: null,
      city: "Chicago",
      state: "IL",
      postal_code: "60601",
      phone: null,
      active: 1,
      version: 1,
      created_at: at,
      updated_at: at,
    })
    .execute();
  await db.updateTable("coverages").set({ payer_ref: payerId }).where("priority", "=", 1).execute();
  const scheduleId = randomUUID();
  await db
    .insertInto("fee_schedules")
    .values({
      organization_id: orgId,
      id: scheduleId,
      name: "Practice fees",
      kind: "practice",
      payer_ref: null,
      is_default: 1,
      effective_from: "2020-01-01",
      effective_to: null,
      active: 1,
      version: 1,
      created_at: at,
      updated_at: at,
    })
    .execute();
  for (const [code, cents] of [
    ["99213", 12500],
    ["99214", 18000],
    ["83036", 3500],
    ["G0439", 17500],
    ["20610", 15000],
    ["J3301", 900],
    ["90834", 14000],
  ] as const) {
    await db
      .insertInto("fee_schedule_entries")
      .values({
        organization_id: orgId,
        fee_schedule_id: scheduleId,
        procedure_code: code,
        modifier: "",
        amount_cents: cents,
        description: null,
      })
      .execute();
  }
}

beforeAll(async () => {
  services = await createTestServices();
  const demo = await seedDemo(services, "demo-password-for-tests-1", "demo");
  orgId = demo.organizationId;
  // seedDemo runs seed-billing.ts and this seeding; without the former, set billing up here and run it.
  const db = organizationDb(services.db, orgId);
  if (!(await db.selectFrom("claims").select("id").limit(1).executeTakeFirst())) {
    await billingSetup();
    await seedBillingActivity(services, orgId);
  }
}, 600_000);
afterAll(async () => services?.cleanup());

describe(`demo billing activity (${dialect})`, () => {
  it("charges and claims the past visits, sends the older ones, leaves the last clinic day for the biller", async () => {
    const db = organizationDb(services.db, orgId);
    const claims = await db.selectFrom("claims").select(["id", "status", "date_of_service"]).execute();
    expect(claims.length).toBeGreaterThan(3);
    const statuses = claims.map((c) => c.status);
    expect(statuses).toContain("paid");
    expect(statuses).toContain("accepted");
    // The last week's claims wait in ready for the next batch (the web or `salus claims batch --org demo`).
    expect(statuses).toContain("ready");
    expect((await db.selectFrom("claim_batches").select("id").execute()).length).toBeGreaterThanOrEqual(1);
    expect(await db.selectFrom("charges").select("id").where("status", "=", "held").execute()).toHaveLength(
      1,
    );
    // What is left for the biller is newer than every claim: the last clinic day (and any visit today).
    const review = await db
      .selectFrom("charges")
      .select(["date_of_service"])
      .where("status", "=", "review")
      .execute();
    expect(review.length).toBeGreaterThan(0);
    const newestClaimed =
      claims
        .map((c) => c.date_of_service)
        .sort()
        .at(-1) ?? "";
    expect(review.filter((c) => c.date_of_service <= newestClaimed)).toEqual([]);
    // The seeded error waits among them: a line pointing at a diagnosis the visit does not have.
    const pointers = await db
      .selectFrom("charges")
      .select(["diagnosis_codes", "diagnosis_pointers"])
      .where("status", "=", "review")
      .execute();
    expect(
      pointers.some((c) =>
        (JSON.parse(c.diagnosis_pointers) as number[]).some((p) => p > JSON.parse(c.diagnosis_codes).length),
      ),
    ).toBe(true);
    // Every claim's balance is never negative, and a paid claim owes nothing more.
    const entries = await db.selectFrom("ledger_entries").select(["claim_id", "amount_cents"]).execute();
    for (const c of claims) {
      const balance = entries.filter((e) => e.claim_id === c.id).reduce((s, e) => s + e.amount_cents, 0);
      expect(balance).toBeGreaterThanOrEqual(0);
      if (c.status === "paid") expect(balance).toBe(0);
    }
  });

  it("runs again without charging a visit twice", async () => {
    const db = organizationDb(services.db, orgId);
    const before = await db
      .selectFrom("charges")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    const again = await seedBillingActivity(services, orgId);
    expect(again.encounters).toBe(0);
    const after = await db
      .selectFrom("charges")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });
});

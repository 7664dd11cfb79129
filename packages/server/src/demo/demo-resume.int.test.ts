import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PLATFORM_CHAIN } from "../audit/append-audit.ts";
import { verifyAuditTrail } from "../audit/verify-audit.ts";
import { closeTestServices, createTestServices, dialect, type TestServices } from "../testing/harness.ts";
import { demoSeedKey } from "./demo-progress.ts";
import { DEMO_SLUG, DEMO_USERS, seedDemo } from "./seed-demo.ts";

/**
 * Operator safety (issue 9, item 7): `salus demo` interrupted half-way (a crash, Ctrl-C) left a practice
 * that blocked every later run. The next run now rolls the half-made practice back and seeds it afresh.
 */
describe(`an interrupted demo seeding on ${dialect}`, () => {
  let services: TestServices;
  beforeAll(async () => {
    services = await createTestServices();
  });
  afterAll(async () => {
    await closeTestServices(services);
  });

  it("is rolled back and seeded again by the next run; a finished demo is refused, unchanged", async () => {
    const db = services.systemDb;
    const password = "demo-password-for-tests";
    await expect(
      seedDemo(services, password, DEMO_SLUG, {
        afterStep: (step) => {
          if (step === "scheduling") throw new Error("killed mid-seed (injected)");
        },
      }),
    ).rejects.toThrow(/injected/);
    const partial = await db
      .selectFrom("organizations")
      .select("id")
      .where("slug", "=", DEMO_SLUG)
      .executeTakeFirstOrThrow();
    const partialAppointments = await db
      .selectFrom("appointments")
      .select("id")
      .where("organization_id", "=", partial.id)
      .execute();
    expect(partialAppointments.length).toBeGreaterThan(0);

    const result = await seedDemo(services, password);
    expect(result.rolledBack).toMatchObject({ organizationId: partial.id });
    expect(result.rolledBack!.rowsRemoved).toBeGreaterThan(240 + partialAppointments.length);
    expect(result.organizationId).not.toBe(partial.id);

    const orgs = await db.selectFrom("organizations").select(["id", "slug"]).execute();
    expect(orgs).toEqual([{ id: result.organizationId, slug: DEMO_SLUG }]);
    // Nothing of the half-made practice is left, in any table that names it.
    for (const table of [
      "patients",
      "appointments",
      "outbox_messages",
      "memberships",
      "audit_entries",
    ] as const) {
      const left = await db
        .selectFrom(table)
        .select("organization_id")
        .where("organization_id", "=", partial.id)
        .execute();
      expect(left, table).toEqual([]);
    }
    expect(
      await db.selectFrom("audit_heads").select("chain_id").where("chain_id", "=", partial.id).execute(),
    ).toEqual([]);
    // Each demo account exists once, a member of the new practice only.
    const users = await db
      .selectFrom("users")
      .innerJoin("memberships", "memberships.user_id", "users.id")
      .select(["users.email", "memberships.organization_id"])
      .execute();
    expect(users.length).toBe(DEMO_USERS.length);
    expect(new Set(users.map((u) => u.organization_id))).toEqual(new Set([result.organizationId]));
    const patients = await db
      .selectFrom("patients")
      .select("id")
      .where("organization_id", "=", result.organizationId)
      .execute();
    expect(patients.length).toBe(240);

    // The marker is gone, the rollback is in the platform trail, and every chain verifies.
    expect(await db.selectFrom("operator_state").select("key").execute()).toEqual([]);
    const rollback = await db
      .selectFrom("audit_entries")
      .select(["action", "resource_id", "detail"])
      .where("chain_id", "=", PLATFORM_CHAIN)
      .where("action", "=", "demo.rollback")
      .execute();
    expect(rollback).toHaveLength(1);
    expect(rollback[0]!.resource_id).toBe(partial.id);
    const verdicts = await verifyAuditTrail(services.db, services.secrets.auditKey);
    expect(verdicts.filter((v) => !v.ok)).toEqual([]);

    // A finished demo is not seeded twice, and the refused run leaves no marker behind.
    const countsBefore = (await db.selectFrom("patients").select("id").execute()).length;
    await expect(seedDemo(services, password)).rejects.toThrow(/already exists/);
    expect((await db.selectFrom("patients").select("id").execute()).length).toBe(countsBefore);
    expect(
      await db.selectFrom("operator_state").select("key").where("key", "=", demoSeedKey(DEMO_SLUG)).execute(),
    ).toEqual([]);
  }, 600_000);
});

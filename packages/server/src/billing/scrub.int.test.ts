import { randomUUID } from "node:crypto";
import type { ClaimStatus } from "@salus/core/billing/claim-status";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCodeSet } from "../codes/load-code-set.ts";
import { type BillingPractice, seedBillingPractice } from "../testing/billing-practice.ts";
import {
  asSession,
  auditAfter,
  auditSeq,
  createTestApp,
  createTestServices,
  emailOf,
  type Seed,
  type SignedIn,
  seedTwoOrgs,
  signIn,
  type TestServices,
} from "../testing/harness.ts";
import type { FirstPassReportView, ScrubDraftsView, ScrubResultView, ScrubRulesView } from "./schemas.ts";

let services: TestServices;
let seed: Seed;
let practice: BillingPractice;
let app: FastifyInstance;
let biller: SignedIn;
let manager: SignedIn;
let betaBiller: SignedIn;

/** FY2026 (dates of service 2025-10-01..2026-09-30): a few codes, E11.6x under the E116 header. */
const ICD = [
  "E119 Type 2 diabetes mellitus without complications",
  "E1165 Type 2 diabetes with hyperglycemia",
  "E11649 Type 2 diabetes with hypoglycemia without coma",
  "I10 Essential (primary) hypertension",
  "Z3400 Supervision of normal first pregnancy, unspecified trimester",
].join("\n");

interface ClaimSpec {
  pcn: string;
  diagnoses?: string[];
  lines?: { code: string; cents: number; pointers: number[]; modifiers?: string[] }[];
  status?: ClaimStatus;
  date?: string;
  org?: "alpha" | "beta";
}

/** A claim with its lines and charges, written directly (claim building is the ledger part's). */
async function insertClaim(spec: ClaimSpec): Promise<string> {
  const db = services.systemDb;
  const org = seed[spec.org ?? "alpha"];
  const o = org.id;
  const at = services.clock().toISOString();
  const date = spec.date ?? "2026-02-27";
  const claimId = randomUUID();
  const payerRef = spec.org === "beta" ? await betaPayer() : practice.payerId;
  await db
    .insertInto("claims")
    .values({
      organization_id: o,
      id: claimId,
      patient_control_number: spec.pcn,
      patient_id: org.patientIds[0],
      payer_ref: payerRef,
      coverage_id: spec.org === "beta" ? null : practice.coverageId,
      sequence: "primary",
      primary_claim_id: null,
      rendering_staff_id: org.practitionerId,
      location_id: org.locationId,
      date_of_service: date,
      place_of_service: "11",
      frequency_code: "1",
      original_claim_id: null,
      payer_claim_number: null,
      diagnosis_codes: JSON.stringify(spec.diagnoses ?? ["E11.9", "I10"]),
      status: spec.status ?? "draft",
      scrub_findings: null,
      scrubbed_at: null,
      scrub_count: 0,
      first_scrub_clean: null,
      batch_id: null,
      submitted_at: null,
      created_by: null,
      version: 1,
      created_at: at,
      updated_at: at,
    })
    .execute();
  const lines = spec.lines ?? [
    { code: "99213", cents: 12500, pointers: [1, 2], modifiers: ["25"] },
    { code: "36415", cents: 1200, pointers: [1] },
  ];
  for (const [i, l] of lines.entries()) {
    const chargeId = randomUUID();
    await db
      .insertInto("charges")
      .values({
        organization_id: o,
        id: chargeId,
        source_key: `test:${claimId}:${i}`,
        source: "encounter",
        patient_id: org.patientIds[0],
        encounter_id: null,
        appointment_id: null,
        location_id: org.locationId,
        rendering_staff_id: org.practitionerId,
        date_of_service: date,
        place_of_service: "11",
        code_system: "cpt",
        procedure_code: l.code,
        modifiers: JSON.stringify(l.modifiers ?? []),
        units: 1,
        diagnosis_codes: JSON.stringify(spec.diagnoses ?? ["E11.9", "I10"]),
        diagnosis_pointers: JSON.stringify(l.pointers),
        unit_price_cents: l.cents,
        amount_cents: l.cents,
        fee_schedule_id: null,
        responsibility: "insurance",
        status: "claimed",
        claim_id: claimId,
        review_note: null,
        created_by: null,
        version: 1,
        created_at: at,
        updated_at: at,
      })
      .execute();
    await db
      .insertInto("claim_lines")
      .values({
        organization_id: o,
        claim_id: claimId,
        line_number: i + 1,
        charge_id: chargeId,
        procedure_code: l.code,
        modifiers: JSON.stringify(l.modifiers ?? []),
        units: 1,
        charge_cents: l.cents,
        diagnosis_pointers: JSON.stringify(l.pointers),
        date_of_service: date,
        place_of_service: "11",
      })
      .execute();
  }
  return claimId;
}

let betaPayerId: string | null = null;
async function betaPayer(): Promise<string> {
  if (betaPayerId) return betaPayerId;
  betaPayerId = (await seedBillingPractice(services, seed.beta)).payerId;
  return betaPayerId;
}

const scrub = (who: SignedIn, id: string, body?: object) =>
  asSession(app, who, "POST", `/api/billing/claims/${id}/scrub`, body ?? {});

beforeAll(async () => {
  services = await createTestServices();
  seed = await seedTwoOrgs(services);
  practice = await seedBillingPractice(services, seed.alpha);
  await loadCodeSet(services.db, { codeSet: "icd10cm", version: "2026", content: ICD }, services.clock());
  // The seeded patients have no street address; a claim needs one.
  for (const org of [seed.alpha, seed.beta])
    await services.systemDb
      .updateTable("patients")
      .set({ address_line1: "5 Elm St", city: "Austin", state: "TX", postal_code: "78701" })
      .where("organization_id", "=", org.id)
      .execute();
  app = (await createTestApp(services)).app;
  biller = await signIn(app, emailOf("alpha", "biller"));
  manager = await signIn(app, emailOf("alpha", "manager"));
  betaBiller = await signIn(app, emailOf("beta", "biller"));
}, 120_000);
afterAll(async () => {
  await app?.close();
  await services?.cleanup();
});

describe("POST /api/billing/claims/:id/scrub", () => {
  it("moves a clean claim to ready, records the transition, counts it clean on the first pass, and audits it", async () => {
    const id = await insertClaim({ pcn: "SCRUB-CLEAN" });
    const before = await auditSeq(services, seed.alpha.id);
    const res = await scrub(biller, id);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as ScrubResultView;
    expect(body).toMatchObject({
      status: "ready",
      clean: true,
      errors: 0,
      scrubCount: 1,
      firstScrubClean: true,
    });
    expect(body.findings).toEqual([]);
    const row = await services.systemDb
      .selectFrom("claims")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect([row.status, row.first_scrub_clean, row.scrub_count, row.scrub_findings]).toEqual([
      "ready",
      1,
      1,
      "[]",
    ]);
    const transitions = await services.systemDb
      .selectFrom("claim_transitions")
      .select(["from_status", "to_status", "reason"])
      .where("claim_id", "=", id)
      .execute();
    expect(transitions).toEqual([{ from_status: "draft", to_status: "ready", reason: "scrubbed clean" }]);
    const audit = await auditAfter(services, seed.alpha.id, before);
    expect(audit.map((a) => [a.action, a.outcome, a.resource_id, a.patient_id])).toContainEqual([
      "billing.claim.scrub",
      "success",
      id,
      seed.alpha.patientIds[0],
    ]);
  });

  it("names a header code and a pointer to nowhere at their fields; the fixed claim scrubs clean but the first pass stays failed", async () => {
    const id = await insertClaim({
      pcn: "SCRUB-DIRTY",
      diagnoses: ["E11.6", "I10"],
      lines: [{ code: "99213", cents: 12500, pointers: [1, 3] }],
    });
    const first = (await scrub(biller, id)).json() as ScrubResultView;
    expect(first.status).toBe("scrubbed");
    expect(first.firstScrubClean).toBe(false);
    expect(first.findings.map((f) => [f.ruleId, f.path])).toEqual([
      ["diagnosis-header-code", "diagnosisCodes[0]"],
      ["diagnosis-pointer-invalid", "lines[0].diagnosisPointers"],
    ]);
    expect(first.findings[0]!.message).toContain("E11.6 is a category");

    await services.systemDb
      .updateTable("claims")
      .set({ diagnosis_codes: JSON.stringify(["E11.65", "I10"]) })
      .where("id", "=", id)
      .execute();
    await services.systemDb
      .updateTable("claim_lines")
      .set({ diagnosis_pointers: "[1,2]" })
      .where("claim_id", "=", id)
      .execute();
    const second = (await scrub(biller, id)).json() as ScrubResultView;
    expect(second).toMatchObject({ status: "ready", clean: true, scrubCount: 2, firstScrubClean: false });
  });

  it("finds a duplicate of a claim already sent, refuses a sent claim (409), a stale version (409), and another practice's claim (404)", async () => {
    const sent = await insertClaim({ pcn: "SCRUB-SENT", status: "submitted", date: "2026-02-20" });
    const again = await insertClaim({ pcn: "SCRUB-AGAIN", date: "2026-02-20" });
    const res = (await scrub(biller, again)).json() as ScrubResultView;
    expect(res.findings.filter((f) => f.ruleId === "duplicate-claim").map((f) => f.path)).toEqual([
      "lines[0]",
      "lines[1]",
    ]);
    expect(res.findings[0]!.message).toContain("SCRUB-SENT");
    expect((await scrub(biller, sent)).statusCode).toBe(409);
    expect((await scrub(biller, again, { version: 1 })).statusCode).toBe(409);
    const betaClaim = await insertClaim({ pcn: "SCRUB-BETA", org: "beta" });
    expect((await scrub(biller, betaClaim)).statusCode).toBe(404);
    expect((await scrub(betaBiller, betaClaim)).statusCode).toBe(200);
  });

  it("says when the date of service has no ICD-10-CM list, as a warning only", async () => {
    const id = await insertClaim({ pcn: "SCRUB-FY2025", date: "2025-09-29" });
    const res = (await scrub(biller, id)).json() as ScrubResultView;
    expect(res.findings.map((f) => [f.ruleId, f.severity])).toEqual([
      ["diagnosis-code-set-missing", "warning"],
    ]);
    expect(res.status).toBe("ready");
  });

  it("checks the place of service against the CMS list once it is loaded (code set 'pos')", async () => {
    const id = await insertClaim({ pcn: "SCRUB-POS" });
    await services.systemDb
      .updateTable("claims")
      .set({ place_of_service: "99" })
      .where("id", "=", id)
      .execute();
    // Before the list is loaded: two digits is all that can be checked, and 99 has them.
    expect(((await scrub(biller, id)).json() as ScrubResultView).findings).toEqual([]);
    const at = services.clock().toISOString();
    await services.systemDb
      .insertInto("code_set_versions")
      .values({
        code_set: "pos",
        version: "test",
        valid_from: "2000-01-01",
        valid_to: "2099-12-31",
        entries: 2,
        sha256: "x",
        loaded_at: at,
      })
      .execute();
    await services.systemDb
      .insertInto("code_set_entries")
      .values(
        ["02", "11"].map((code) => ({
          code_set: "pos",
          version: "test",
          code,
          description: "OFFICE",
          valid_from: "2000-01-01",
          valid_to: "2099-12-31",
        })),
      )
      .execute();
    try {
      const res = (await scrub(biller, id)).json() as ScrubResultView;
      expect(res.findings.map((f) => [f.ruleId, f.path])).toEqual([
        ["place-of-service-invalid", "placeOfService"],
      ]);
    } finally {
      await services.systemDb
        .deleteFrom("code_set_entries")
        .where("code_set", "=", "pos")
        .where("version", "=", "test")
        .execute();
      await services.systemDb
        .deleteFrom("code_set_versions")
        .where("code_set", "=", "pos")
        .where("version", "=", "test")
        .execute();
    }
  });

  it("is refused to a role without billing:write", async () => {
    const id = await insertClaim({ pcn: "SCRUB-MGR" });
    expect((await scrub(manager, id)).statusCode).toBe(403);
  });
});

describe("POST /api/billing/claims/scrub-drafts", () => {
  it("scrubs every draft at once, each to ready or scrubbed as one scrub would, and leaves no draft", async () => {
    const clean = await insertClaim({ pcn: "DRAFTS-CLEAN" });
    const dirty = await insertClaim({ pcn: "DRAFTS-DIRTY", diagnoses: ["E11", "I10"] });
    const res = await asSession(app, biller, "POST", "/api/billing/claims/scrub-drafts", {});
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as ScrubDraftsView;
    const byId = new Map(body.claims.map((c) => [c.claimId, c]));
    expect(byId.get(clean)).toMatchObject({
      patientControlNumber: "DRAFTS-CLEAN",
      status: "ready",
      errors: 0,
    });
    expect(byId.get(dirty)).toMatchObject({ status: "scrubbed", errors: 1 });
    expect(body.scrubbed).toBe(body.ready + body.withErrors);
    expect(body.more).toBe(false);
    const drafts = await services.systemDb
      .selectFrom("claims")
      .select("id")
      .where("organization_id", "=", seed.alpha.id)
      .where("status", "=", "draft")
      .execute();
    expect(drafts).toEqual([]);
    expect((await asSession(app, manager, "POST", "/api/billing/claims/scrub-drafts", {})).statusCode).toBe(
      403,
    );
  });
});

describe("scrub rule settings", () => {
  it("lists every rule; a payer's setting switches a rule off for that payer; bad parameters answer 400 naming the field", async () => {
    const list = (await asSession(app, manager, "GET", "/api/billing/scrub-rules")).json() as ScrubRulesView;
    expect(list.items.length).toBeGreaterThan(25);
    const put = await asSession(app, manager, "PUT", "/api/billing/scrub-rules/diagnosis-header-code", {
      payerRef: practice.payerId,
      enabled: false,
    });
    expect(put.statusCode, put.body).toBe(200);
    const rule = (put.json() as ScrubRulesView).items.find((r) => r.id === "diagnosis-header-code")!;
    expect(rule.settings).toMatchObject([
      { payerRef: practice.payerId, payerName: "Lone Star Health", enabled: false },
    ]);
    const id = await insertClaim({ pcn: "SCRUB-OFF", diagnoses: ["E11", "I10"] });
    expect(((await scrub(biller, id)).json() as ScrubResultView).clean).toBe(true);

    const bad = await asSession(app, manager, "PUT", "/api/billing/scrub-rules/member-id-format", {
      enabled: true,
      params: { pattern: "[A-Z" },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details).toEqual([
      { path: "params.pattern", message: '"[A-Z" is not a valid regular expression.' },
    ]);
    expect(
      (await asSession(app, manager, "PUT", "/api/billing/scrub-rules/no-such-rule", { enabled: true }))
        .statusCode,
    ).toBe(400);
    expect(
      (
        await asSession(app, manager, "PUT", "/api/billing/scrub-rules/units-not-positive", {
          enabled: true,
          payerRef: "nope",
        })
      ).statusCode,
    ).toBe(404);

    const reset = await asSession(
      app,
      manager,
      "DELETE",
      `/api/billing/scrub-rules/diagnosis-header-code?payerRef=${practice.payerId}`,
    );
    expect(reset.statusCode).toBe(200);
    const again = await insertClaim({ pcn: "SCRUB-ON", diagnoses: ["E11", "I10"] });
    expect(((await scrub(biller, again)).json() as ScrubResultView).clean).toBe(false);
  });

  it("tunes a parameter practice-wide: the member id pattern", async () => {
    await asSession(app, manager, "PUT", "/api/billing/scrub-rules/member-id-format", {
      enabled: true,
      params: { pattern: "XYZ\\d+" },
    });
    const id = await insertClaim({ pcn: "SCRUB-MEMBER" });
    const res = (await scrub(biller, id)).json() as ScrubResultView;
    expect(res.findings.map((f) => [f.ruleId, f.path])).toEqual([
      ["member-id-format", "subscriber.memberId"],
    ]);
    await asSession(app, manager, "DELETE", "/api/billing/scrub-rules/member-id-format");
  });
});

describe("first-pass rate", () => {
  it("counts claims scrubbed clean the first time over claims scrubbed, by payer, and the rules behind waiting claims", async () => {
    const res = await asSession(
      app,
      manager,
      "GET",
      "/api/billing/reports/first-pass?from=2026-01-01&to=2026-03-31",
    );
    expect(res.statusCode, res.body).toBe(200);
    const report = res.json() as FirstPassReportView;
    const rows = await services.systemDb
      .selectFrom("claims")
      .select("first_scrub_clean")
      .where("organization_id", "=", seed.alpha.id)
      .where("first_scrub_clean", "is not", null)
      .where("date_of_service", ">=", "2026-01-01")
      .execute();
    const clean = rows.filter((r) => r.first_scrub_clean === 1).length;
    expect(report.total).toEqual({ scrubbed: rows.length, clean, rate: clean / rows.length });
    expect(report.total.scrubbed).toBeGreaterThan(report.total.clean);
    expect(report.byPayer.map((p) => p.payerName)).toEqual(["Lone Star Health"]);
    expect(report.openFindings.map((f) => f.ruleId)).toContain("duplicate-claim");
  });
});

/** A FHIR Claim with everything contained; `patch` breaks what a test needs broken. */
// biome-ignore lint/suspicious/noExplicitAny: a FHIR JSON document the tests break field by field
type FhirJson = Record<string, any>;

function fhirClaim(patch: (c: FhirJson) => void = () => {}) {
  const claim: FhirJson = {
    resourceType: "Claim",
    status: "active",
    use: "claim",
    identifier: [{ value: "EXT-1" }],
    contained: [
      {
        resourceType: "Patient",
        id: "pat",
        name: [{ family: "Rivera", given: ["Maria"] }],
        gender: "female",
        birthDate: "1980-05-17",
        address: [{ line: ["22 Oak Ave"], city: "Austin", state: "TX", postalCode: "78704" }],
      },
      {
        resourceType: "Coverage",
        id: "cov",
        status: "active",
        subscriberId: "LSH123456",
        relationship: { coding: [{ code: "self" }] },
        period: { start: "2025-01-01" },
        payor: [{ reference: "#payer" }],
      },
      {
        resourceType: "Organization",
        id: "payer",
        name: "Lone Star Health",
        type: [{ coding: [{ code: "pay" }] }],
        identifier: [{ system: "urn:payer-id", value: "PAYER1" }],
      },
      {
        resourceType: "Organization",
        id: "billing",
        name: "Alpha Billing",
        identifier: [
          { system: "http://hl7.org/fhir/sid/us-npi", value: "1245319599" },
          { system: "urn:oid:2.16.840.1.113883.4.4", value: "741234567" },
        ],
        address: [{ line: ["1 Main St"], city: "Austin", state: "TX", postalCode: "78701" }],
      },
      {
        resourceType: "Practitioner",
        id: "dr",
        name: [{ family: "Okafor", given: ["Ada"] }],
        identifier: [{ system: "http://hl7.org/fhir/sid/us-npi", value: seed.alpha.practitionerNpi }],
      },
    ],
    patient: { reference: "#pat" },
    provider: { reference: "#billing" },
    insurer: { reference: "#payer" },
    careTeam: [{ sequence: 1, provider: { reference: "#dr" } }],
    insurance: [{ sequence: 1, focal: true, coverage: { reference: "#cov" } }],
    diagnosis: [
      {
        sequence: 1,
        diagnosisCodeableConcept: { coding: [{ system: "http://hl7.org/fhir/sid/icd-10-cm", code: "E119" }] },
      },
      {
        sequence: 2,
        diagnosisCodeableConcept: { coding: [{ system: "http://hl7.org/fhir/sid/icd-10-cm", code: "I10" }] },
      },
    ],
    item: [
      {
        sequence: 1,
        diagnosisSequence: [1, 2],
        productOrService: { coding: [{ code: "99213" }] },
        servicedDate: "2026-02-27",
        locationCodeableConcept: { coding: [{ code: "11" }] },
        quantity: { value: 1 },
        net: { value: 125, currency: "USD" },
      },
      {
        sequence: 2,
        diagnosisSequence: [1],
        productOrService: { coding: [{ code: "36415" }] },
        servicedDate: "2026-02-27",
        locationCodeableConcept: { coding: [{ code: "11" }] },
        quantity: { value: 1 },
        net: { value: 12, currency: "USD" },
      },
    ],
    total: { value: 137, currency: "USD" },
  };
  patch(claim);
  return claim;
}

const validate = (who: SignedIn, body: unknown) =>
  asSession(app, who, "POST", "/fhir/R4/Claim/$validate", body, {
    headers: { "content-type": "application/fhir+json" },
  });

describe("POST /fhir/R4/Claim/$validate", () => {
  it("answers a clean claim (ICD without its dot) with no error issue, and audits the check", async () => {
    const before = await auditSeq(services, seed.alpha.id);
    const res = await validate(biller, fhirClaim());
    expect(res.statusCode, res.body).toBe(200);
    const outcome = res.json();
    expect(outcome.resourceType).toBe("OperationOutcome");
    expect(outcome.issue).toEqual([
      {
        severity: "information",
        code: "informational",
        details: { text: "The claim passed every scrubber rule." },
      },
    ]);
    const audit = await auditAfter(services, seed.alpha.id, before);
    expect(audit.map((a) => [a.action, a.outcome])).toContainEqual(["fhir.claim.validate", "success"]);
  });

  it("answers one issue per finding with the rule id in details.coding, in the Parameters form too", async () => {
    const broken = fhirClaim((c) => {
      c.diagnosis[0].diagnosisCodeableConcept.coding[0].code = "E11.6";
      c.item[1].diagnosisSequence = [3];
      c.contained[0].birthDate = undefined;
      c.total.value = 200;
    });
    for (const body of [
      broken,
      { resourceType: "Parameters", parameter: [{ name: "resource", resource: broken }] },
    ]) {
      const res = await validate(biller, body);
      expect(res.statusCode, res.body).toBe(200);
      const issues = res.json().issue as {
        severity: string;
        details: { coding: { code: string }[]; text: string };
        expression: string[];
      }[];
      expect(issues.map((i) => [i.severity, i.details.coding[0]!.code, i.expression[0]])).toEqual([
        ["error", "diagnosis-header-code", "Claim.diagnosis[0].diagnosisCodeableConcept"],
        ["error", "diagnosis-pointer-invalid", "Claim.item[1].diagnosisSequence"],
        ["error", "total-mismatch", "Claim.total"],
        ["error", "patient-demographics-missing", "Claim.patient"],
      ]);
    }
  });

  it("applies the payer's settings when the insurer's payer id is the practice's payer", async () => {
    const payer = await services.systemDb
      .selectFrom("payers")
      .select("payer_id")
      .where("id", "=", practice.payerId)
      .executeTakeFirstOrThrow();
    await services.systemDb
      .updateTable("payers")
      .set({ member_id_pattern: "ZZ\\d+" })
      .where("id", "=", practice.payerId)
      .execute();
    const res = await validate(
      biller,
      fhirClaim((c) => (c.contained[2].identifier[0].value = payer.payer_id)),
    );
    await services.systemDb
      .updateTable("payers")
      .set({ member_id_pattern: null })
      .where("id", "=", practice.payerId)
      .execute();
    expect(
      res.json().issue.map((i: { details: { coding?: { code: string }[] } }) => i.details.coding?.[0]?.code),
    ).toEqual(["member-id-format"]);
  });

  it("refuses what is not a Claim (400 OperationOutcome) and a role without billing:write (403)", async () => {
    const notClaim = await validate(biller, { resourceType: "Patient" });
    expect(notClaim.statusCode).toBe(400);
    expect(notClaim.json().resourceType).toBe("OperationOutcome");
    expect((await validate(biller, { resourceType: "Parameters", parameter: [] })).statusCode).toBe(400);
    expect((await validate(manager, fhirClaim())).statusCode).toBe(403);
  });
});

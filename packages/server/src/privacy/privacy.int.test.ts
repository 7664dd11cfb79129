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
  errorOf,
  type Seed,
  seedTwoOrgs,
  type TestServices,
} from "../testing/harness.ts";

/**
 * Patient rights end to end through the API: amendment requests and decisions with their deadlines,
 * disclosures and the six-year accounting without TPO, the access report drawn from the audit trail;
 * each scoped (another organization's or an unrelated clinician's patient answers 404) and audited.
 */
describe(`patient rights (${dialect})`, () => {
  let services: TestServices;
  let app: FastifyInstance;
  let seed: Seed;
  let privacy: string;
  let frontDesk: string;
  let clinician: string;
  let betaPrivacy: string;
  let p0: string;
  let p1: string;

  beforeAll(async () => {
    services = await createTestServices();
    seed = await seedTwoOrgs(services);
    ({ app } = await createTestApp(services));
    [p0, p1] = seed.alpha.patientIds;
    // The clinician is the practitioner, and p0's primary practitioner (treating); p1 is unrelated.
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
    // Bearer tokens: the test moves the clock by weeks, which would end sessions (idle timeout).
    privacy = await bearer(services, seed.alpha, seed.alpha.users["privacy-officer"].email);
    frontDesk = await bearer(services, seed.alpha, seed.alpha.users["front-desk"].email);
    clinician = await bearer(services, seed.alpha, seed.alpha.users.clinician.email);
    betaPrivacy = await bearer(services, seed.beta, seed.beta.users["privacy-officer"].email);
  });
  afterAll(async () => {
    await app?.close();
    await closeTestServices(services);
  });

  describe("amendments", () => {
    let denied: string;
    let accepted: string;

    it("staff record a request; it is pending, due in 60 days, and audited with the patient", async () => {
      const before = await auditSeq(services, seed.alpha.id);
      const res = await asBearer(app, frontDesk, "POST", `/api/patients/${p0}/amendments`, {
        section: "demographics",
        requestedChange: "My date of birth is 1980-05-18, not 1980-05-17. <script>alert(1)</script>",
        reason: "Typo at registration",
        receivedOn: "2026-02-01",
      });
      expect(res.statusCode, res.body).toBe(201);
      const a = res.json();
      expect(a).toMatchObject({
        status: "pending",
        receivedOn: "2026-02-01",
        dueOn: "2026-04-02",
        overdue: false,
      });
      expect(a.requestedChange).toContain("<script>alert(1)</script>");
      denied = a.id;
      const entries = await auditAfter(services, seed.alpha.id, before);
      const work = entries.filter((e) => e.action !== "auth.token.use");
      expect(work.map((e) => [e.action, e.patient_id, e.outcome])).toEqual([
        ["amendment.request", p0, "success"],
      ]);
      const second = await asBearer(app, clinician, "POST", `/api/patients/${p0}/amendments`, {
        section: "allergy",
        requestedChange: "Add penicillin allergy (hives, 2019)",
        reason: "Missing from the list",
      });
      expect(second.statusCode, second.body).toBe(201);
      accepted = second.json().id;
    });

    it("an unrelated clinician, another organization, a future date or a half target are refused", async () => {
      const body = { section: "other", requestedChange: "x", reason: "y" };
      const unrelated = await asBearer(app, clinician, "POST", `/api/patients/${p1}/amendments`, body);
      const missing = await asBearer(
        app,
        clinician,
        "POST",
        "/api/patients/00000000-0000-4000-8000-000000000000/amendments",
        body,
      );
      expect(unrelated.statusCode).toBe(404);
      expect(errorOf(unrelated).message).toBe(errorOf(missing).message);
      const other = await asBearer(
        app,
        frontDesk,
        "POST",
        `/api/patients/${seed.beta.patientIds[0]}/amendments`,
        body,
      );
      expect(other.statusCode).toBe(404);
      const future = await asBearer(app, frontDesk, "POST", `/api/patients/${p0}/amendments`, {
        ...body,
        receivedOn: "2026-12-01",
      });
      expect(future.statusCode).toBe(400);
      const half = await asBearer(app, frontDesk, "POST", `/api/patients/${p0}/amendments`, {
        ...body,
        targetType: "Encounter",
      });
      expect(half.statusCode).toBe(400);
      // A target must be a record of this patient: another patient's record id is refused.
      const at = services.clock().toISOString();
      await services.systemDb
        .insertInto("problems")
        .values({
          organization_id: seed.alpha.id,
          id: "b1c4e7d0-0000-4000-8000-000000000001",
          patient_id: p1,
          code: null,
          description: "Q's problem",
          onset_date: null,
          resolved_date: null,
          status: "active",
          error_reason: null,
          created_by: null,
          version: 1,
          created_at: at,
          updated_at: at,
        })
        .execute();
      const foreign = await asBearer(app, frontDesk, "POST", `/api/patients/${p0}/amendments`, {
        ...body,
        targetType: "Condition",
        targetId: "b1c4e7d0-0000-4000-8000-000000000001",
      });
      expect(foreign.statusCode).toBe(400);
      expect(errorOf(foreign).details?.[0]?.path).toBe("targetId");
      const own = await asBearer(app, frontDesk, "POST", `/api/patients/${p1}/amendments`, {
        ...body,
        targetType: "Condition",
        targetId: "b1c4e7d0-0000-4000-8000-000000000001",
      });
      expect(own.statusCode, own.body).toBe(201);
      const rows = await services.systemDb.selectFrom("amendments").select("patient_id").execute();
      expect(rows.map((r) => r.patient_id).sort()).toEqual([p0, p0, p1].sort());
    });

    it("the privacy officer's work list shows pending requests oldest due first; overdue ones are flagged", async () => {
      const res = await asBearer(app, privacy, "GET", "/api/amendments?status=pending");
      expect(res.statusCode, res.body).toBe(200);
      const ours = res.json().items.filter((a: { patientId: string }) => a.patientId === p0);
      expect(ours.map((a: { id: string }) => a.id)).toEqual([denied, accepted]);
      expect(res.json().items[0].patientName).toBe(`Robin ${seed.alpha.canaries[0]}`);
      // Received 2026-02-01: due 2026-04-02; on 2026-04-03 it is overdue.
      services.clock.set("2026-04-03T15:00:00Z");
      const late = await asBearer(app, privacy, "GET", "/api/amendments?overdue=true");
      expect(late.json().items.map((a: { id: string }) => a.id)).toEqual([denied]);
      // Too late to extend now.
      const ext = await asBearer(app, privacy, "POST", `/api/amendments/${denied}/extend`, {
        reason: "records off-site",
      });
      expect(ext.statusCode).toBe(409);
      services.clock.set("2026-03-02T15:00:00Z");
      const ok = await asBearer(app, privacy, "POST", `/api/amendments/${denied}/extend`, {
        reason: "records off-site",
      });
      expect(ok.json()).toMatchObject({
        dueOn: "2026-05-02",
        extended: true,
        extensionReason: "records off-site",
      });
      const again = await asBearer(app, privacy, "POST", `/api/amendments/${denied}/extend`, {
        reason: "again",
      });
      expect(again.statusCode).toBe(409);
      // Another organization's privacy officer sees none of it.
      const beta = await asBearer(app, betaPrivacy, "GET", "/api/amendments");
      expect(beta.json()).toEqual({ items: [], total: 0 });
      const betaDecide = await asBearer(app, betaPrivacy, "POST", `/api/amendments/${denied}/decide`, {
        outcome: "accepted",
      });
      expect(betaDecide.statusCode).toBe(404);
    });

    it("deny needs a reason; the statement of disagreement is kept; a decision is final", async () => {
      const noReason = await asBearer(app, privacy, "POST", `/api/amendments/${denied}/decide`, {
        outcome: "denied",
      });
      expect(noReason.statusCode).toBe(400);
      const early = await asBearer(app, privacy, "POST", `/api/amendments/${denied}/disagreement`, {
        statement: "too early",
      });
      expect(early.statusCode).toBe(409);
      const deny = await asBearer(app, privacy, "POST", `/api/amendments/${denied}/decide`, {
        outcome: "denied",
        note: "The birth certificate on file shows 1980-05-17.",
      });
      expect(deny.statusCode, deny.body).toBe(200);
      expect(deny.json()).toMatchObject({ status: "denied", decidedBy: "privacy-officer of alpha" });
      const statement = await asBearer(app, privacy, "POST", `/api/amendments/${denied}/disagreement`, {
        statement: "I disagree: my passport says the 18th.",
      });
      expect(statement.json()).toMatchObject({ disagreement: "I disagree: my passport says the 18th." });
      const redo = await asBearer(app, privacy, "POST", `/api/amendments/${denied}/decide`, {
        outcome: "accepted",
      });
      expect(redo.statusCode).toBe(409);
      const accept = await asBearer(app, privacy, "POST", `/api/amendments/${accepted}/decide`, {
        outcome: "accepted",
        note: "Allergy list amended.",
      });
      expect(accept.json().status).toBe("accepted");
    });

    it("the chart shows accepted amendments to the treating clinician only; the officer sees all", async () => {
      const chart = await asBearer(app, clinician, "GET", `/api/patients/${p0}/amendments/accepted`);
      expect(chart.statusCode, chart.body).toBe(200);
      expect(chart.json().map((a: { id: string }) => a.id)).toEqual([accepted]);
      const unrelated = await asBearer(app, clinician, "GET", `/api/patients/${p1}/amendments/accepted`);
      expect(unrelated.statusCode).toBe(404);
      const all = await asBearer(app, privacy, "GET", `/api/patients/${p0}/amendments`);
      expect(
        all
          .json()
          .map((a: { status: string }) => a.status)
          .sort(),
      ).toEqual(["accepted", "denied"]);
    });
  });

  describe("disclosures and the accounting", () => {
    it("records disclosures; the accounting lists six years without TPO, suspended or older entries", async () => {
      const post = (body: Record<string, unknown>) =>
        asBearer(app, privacy, "POST", `/api/patients/${p0}/disclosures`, {
          recipientName: "Travis County Health Dept",
          recipientAddress: "1 Public Health Way, Austin TX",
          purpose: "Reportable disease",
          description: "Lab result and demographics",
          category: "public-health",
          ...body,
        });
      const ph = await post({ disclosedAt: "2025-06-01T16:00:00Z" });
      expect(ph.statusCode, ph.body).toBe(201);
      expect(ph.json()).toMatchObject({ disclosedOn: "2025-06-01", accountable: true });
      await post({
        category: "payment",
        recipientName: "Acme Health Plan",
        disclosedAt: "2025-07-01T16:00:00Z",
      });
      await post({ category: "law-enforcement", recipientName: "Old", disclosedAt: "2019-01-01T16:00:00Z" });
      await post({
        category: "law-enforcement",
        recipientName: '=HYPERLINK("http://evil")',
        disclosedAt: "2026-01-10T16:00:00Z",
        suspendedUntil: "2026-06-01",
      });
      await post({ category: "judicial", recipientName: "Court clerk", disclosedAt: "2026-02-01T16:00:00Z" });
      const future = await post({ disclosedAt: "2027-01-01T00:00:00Z" });
      expect(future.statusCode).toBe(400);

      const all = await asBearer(app, privacy, "GET", `/api/patients/${p0}/disclosures`);
      expect(all.json()).toHaveLength(5);
      const acc = await asBearer(app, privacy, "GET", `/api/patients/${p0}/disclosures/accounting`);
      expect(acc.statusCode, acc.body).toBe(200);
      expect(acc.json()).toMatchObject({ from: "2020-03-02", to: "2026-03-02", years: 6 });
      expect(acc.json().items.map((d: { recipientName: string }) => d.recipientName)).toEqual([
        "Court clerk",
        "Travis County Health Dept",
      ]);
      // Once the suspension ends the entry appears.
      services.clock.set("2026-06-02T15:00:00Z");
      const later = await asBearer(
        app,
        privacy,
        "GET",
        `/api/patients/${p0}/disclosures/accounting?format=csv`,
      );
      services.clock.set("2026-03-02T15:00:00Z");
      expect(later.headers["content-type"]).toContain("text/csv");
      expect(later.body).toContain(`"'=HYPERLINK(""http://evil"")"`);
      expect(later.body).not.toContain("Acme Health Plan");
      expect(later.body.trim().split("\r\n")).toHaveLength(4);
      const pdf = await asBearer(
        app,
        privacy,
        "GET",
        `/api/patients/${p0}/disclosures/accounting?format=pdf`,
      );
      expect(pdf.statusCode).toBe(200);
      expect(pdf.headers["content-type"]).toBe("application/pdf");
      expect(pdf.rawPayload.subarray(0, 5).toString()).toBe("%PDF-");
      expect(pdf.rawPayload.toString("latin1")).not.toMatch(/\/JavaScript|\/JS\b|\/OpenAction|\/URI/);
    });

    it("only the privacy office: others 403, another organization 404", async () => {
      expect((await asBearer(app, frontDesk, "GET", `/api/patients/${p0}/disclosures`)).statusCode).toBe(403);
      expect(
        (await asBearer(app, clinician, "GET", `/api/patients/${p0}/disclosures/accounting`)).statusCode,
      ).toBe(403);
      const other = await asBearer(app, betaPrivacy, "GET", `/api/patients/${p0}/disclosures/accounting`);
      expect(other.statusCode).toBe(404);
      const otherPost = await asBearer(app, betaPrivacy, "POST", `/api/patients/${p0}/disclosures`, {
        recipientName: "x",
        purpose: "x",
        description: "x",
        category: "other",
      });
      expect(otherPost.statusCode).toBe(404);
    });
  });

  describe("access report", () => {
    it("lists who opened the record, in plain words, with roles, refusals and searches; CSV and PDF", async () => {
      services.clock.set("2026-03-03T10:00:00Z");
      await asBearer(app, frontDesk, "GET", `/api/patients/${p0}`);
      await asBearer(app, clinician, "GET", `/api/patients?q=${encodeURIComponent(seed.alpha.canaries[0])}`);
      await asBearer(app, clinician, "GET", `/api/patients/${p1}`);
      const res = await asBearer(
        app,
        privacy,
        "GET",
        `/api/patients/${p0}/access-report?from=2026-03-03&to=2026-03-03`,
      );
      expect(res.statusCode, res.body).toBe(200);
      const items = res.json().items as {
        action: string;
        actionText: string;
        userName: string;
        roles: string[];
      }[];
      expect(items.map((i) => i.action)).toEqual(["patient.search", "patient.read"]);
      expect(items[1]).toMatchObject({
        actionText: "Opened the patient's demographics",
        userName: "front-desk of alpha",
        roles: ["Front desk"],
        outcome: "success",
        breakGlass: false,
      });
      // p1's report holds the unrelated clinician's refused read, and nothing of p0.
      const p1Report = await asBearer(
        app,
        privacy,
        "GET",
        `/api/patients/${p1}/access-report?from=2026-03-03`,
      );
      expect(
        p1Report.json().items.map((i: { action: string; outcome: string }) => [i.action, i.outcome]),
      ).toEqual([["patient.read", "failure"]]);
      // Under break-glass, the clinician's reads of p1 are flagged in p1's report.
      const glass = await asBearer(app, clinician, "POST", "/api/break-glass", {
        patientId: p1,
        reason: "Covering for a colleague: patient in the waiting room with chest pain",
      });
      expect(glass.statusCode, glass.body).toBe(201);
      expect((await asBearer(app, clinician, "GET", `/api/patients/${p1}`)).statusCode).toBe(200);
      const flagged = await asBearer(
        app,
        privacy,
        "GET",
        `/api/patients/${p1}/access-report?from=2026-03-03`,
      );
      const reads = flagged.json().items.filter((i: { action: string }) => i.action === "patient.read");
      expect(reads.map((i: { outcome: string; breakGlass: boolean }) => [i.outcome, i.breakGlass])).toEqual([
        ["success", true],
        ["failure", false],
      ]);
      const csv = await asBearer(
        app,
        privacy,
        "GET",
        `/api/patients/${p0}/access-report?format=csv&from=2026-03-03`,
      );
      expect(csv.body.split("\r\n")[0]).toBe(
        "when_utc,user,email,roles,what,outcome,break_glass,action_code",
      );
      expect(csv.body).toContain("Opened the patient's demographics");
      const pdf = await asBearer(app, privacy, "GET", `/api/patients/${p0}/access-report?format=pdf`);
      expect(pdf.rawPayload.subarray(0, 5).toString()).toBe("%PDF-");
      const bad = await asBearer(
        app,
        privacy,
        "GET",
        `/api/patients/${p0}/access-report?from=2026-03-04&to=2026-03-01`,
      );
      expect(bad.statusCode).toBe(400);
      const other = await asBearer(app, betaPrivacy, "GET", `/api/patients/${p0}/access-report`);
      expect(other.statusCode).toBe(404);
    });
  });
});

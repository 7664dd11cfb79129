import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  asSession,
  auditAfter,
  auditSeq,
  closeTestServices,
  countRows,
  createTestApp,
  createTestServices,
  dialect,
  errorOf,
  type Seed,
  type SignedIn,
  seedTwoOrgs,
  signIn,
  type TestServices,
} from "../testing/harness.ts";
import type { FeeImportView, FeeScheduleView, PayerView } from "./price-schemas.ts";

/**
 * Billing's prices end to end (HTTP → use case → real database → audit): billing settings, payers,
 * fee schedules and their entries, CSV import (all or nothing, idempotent) and export, who may do what,
 * and that one practice never sees another's.
 */
describe(`billing prices (${dialect})`, () => {
  let services: TestServices;
  let app: FastifyInstance;
  let seed: Seed;
  let biller: SignedIn;
  let manager: SignedIn;
  let frontDesk: SignedIn;
  let betaBiller: SignedIn;
  let medicare: PayerView;
  let standard: FeeScheduleView;

  beforeAll(async () => {
    services = await createTestServices();
    seed = await seedTwoOrgs(services);
    ({ app } = await createTestApp(services));
    biller = await signIn(app, seed.alpha.users.biller.email);
    manager = await signIn(app, seed.alpha.users.manager.email);
    frontDesk = await signIn(app, seed.alpha.users["front-desk"].email);
    betaBiller = await signIn(app, seed.beta.users.biller.email);
  });
  afterAll(() => closeTestServices(services));

  const as = (s: SignedIn) => ({
    get: (url: string) => asSession(app, s, "GET", url),
    post: (url: string, body: unknown) => asSession(app, s, "POST", url, body),
    put: (url: string, body: unknown) => asSession(app, s, "PUT", url, body),
    patch: (url: string, body: unknown) => asSession(app, s, "PATCH", url, body),
    del: (url: string) => asSession(app, s, "DELETE", url),
  });

  it("billing settings: empty until saved; wrong values refused naming the field; missing ones listed", async () => {
    const empty = await as(biller).get("/api/billing/settings");
    expect(empty.statusCode).toBe(200);
    expect(empty.json()).toMatchObject({ configured: false, usageIndicator: "T", lastInterchangeControl: 0 });
    expect(empty.json().missing.map((m: { path: string }) => m.path)).toContain("billingNpi");

    const bad = await as(biller).put("/api/billing/settings", {
      billingName: "Alpha Family Practice",
      billingNpi: "1234567890",
      taxId: "12-345",
      usageIndicator: "T",
    });
    const error = errorOf(bad);
    expect(bad.statusCode).toBe(400);
    expect(error.details?.map((d) => d.path)).toEqual(["billingNpi", "taxId"]);
    expect(error.message).toMatch(/check digit/);

    const saved = await as(biller).put("/api/billing/settings", {
      billingName: "Alpha Family Practice",
      billingNpi: seed.alpha.practitionerNpi,
      taxId: "74-1234567",
      taxonomy: "207q00000x",
      addressLine1: "1 Main St",
      city: "Austin",
      state: "TX",
      postalCode: "78701-1234",
      phone: "(512) 555-0100",
      usageIndicator: "T",
    });
    expect(saved.statusCode).toBe(200);
    expect(saved.json()).toMatchObject({
      configured: true,
      taxId: "741234567",
      taxonomy: "207Q00000X",
      postalCode: "787011234",
      phone: "5125550100",
    });
    expect(saved.json().missing.map((m: { path: string }) => m.path)).toEqual([
      "submitterId",
      "submitterContactName",
      "receiverId",
      "receiverName",
    ]);
    // Front desk may not read billing settings; the other practice sees its own (empty) ones.
    expect((await as(frontDesk).get("/api/billing/settings")).statusCode).toBe(403);
    expect((await as(betaBiller).get("/api/billing/settings")).json()).toMatchObject({ configured: false });
    // A manager reads them but the PUT needs billing:manage, which managers have.
    expect((await as(manager).get("/api/billing/settings")).statusCode).toBe(200);
  });

  it("payers: added with their rules checked, unique by name and payer id, edited against a version", async () => {
    const seq = await auditSeq(services, seed.alpha.id);
    const created = await as(biller).post("/api/billing/payers", {
      name: "Medicare Part B (Texas)",
      payerId: "SMTX0",
      kind: "medicare",
      claimFilingIndicator: "MB",
      timelyFilingDays: 365,
      memberIdPattern: "[1-9][A-Z][A-Z0-9][0-9][A-Z][A-Z0-9][0-9][A-Z]{2}[0-9]{2}",
    });
    expect(created.statusCode).toBe(201);
    medicare = created.json();
    expect(medicare).toMatchObject({
      version: 1,
      active: true,
      claimFilingIndicatorLabel: "Medicare Part B",
    });
    const entries = await auditAfter(services, seed.alpha.id, seq);
    expect(entries.map((e) => [e.action, e.outcome, e.resource_id])).toEqual([
      ["billing.payer.create", "success", medicare.id],
    ]);

    const twin = await as(biller).post("/api/billing/payers", {
      name: "Another Medicare",
      payerId: "SMTX0",
      kind: "medicare",
      claimFilingIndicator: "MB",
      timelyFilingDays: 365,
    });
    expect(twin.statusCode).toBe(409);
    expect(errorOf(twin).message).toMatch(/already has the payer id SMTX0/);

    const wrong = await as(biller).post("/api/billing/payers", {
      name: "Acme",
      kind: "commercial",
      claimFilingIndicator: "CI",
      timelyFilingDays: 90,
      memberIdPattern: "(\\d+)+",
    });
    expect(wrong.statusCode).toBe(400);
    expect(errorOf(wrong).details?.map((d) => d.path)).toEqual(["payerId", "memberIdPattern"]);

    const changed = await as(biller).patch(`/api/billing/payers/${medicare.id}`, {
      version: 1,
      timelyFilingDays: 366,
    });
    expect(changed.json()).toMatchObject({ version: 2, timelyFilingDays: 366, payerId: "SMTX0" });
    const stale = await as(biller).patch(`/api/billing/payers/${medicare.id}`, { version: 1, name: "Old" });
    expect(stale.statusCode).toBe(409);
    expect(errorOf(stale).message).toMatch(/changed by someone else/);
    medicare = changed.json();

    // Other practices and other roles.
    expect((await as(betaBiller).get(`/api/billing/payers/${medicare.id}`)).statusCode).toBe(404);
    expect((await as(betaBiller).get("/api/billing/payers")).json().items).toEqual([]);
    expect((await as(frontDesk).get("/api/billing/payers")).statusCode).toBe(403);
    const choices = await as(frontDesk).get("/api/billing/payer-choices");
    expect(choices.json().items).toEqual([
      {
        id: medicare.id,
        name: medicare.name,
        kind: "medicare",
        payerId: "SMTX0",
        memberIdPattern: medicare.memberIdPattern,
      },
    ]);
    expect(
      (
        await as(frontDesk).post("/api/billing/payers", {
          name: "X",
          kind: "other",
          claimFilingIndicator: "ZZ",
        })
      ).statusCode,
    ).toBe(403);
  });

  it("fee schedules: one default in force per day; contracts need a payer", async () => {
    const created = await as(biller).post("/api/billing/fee-schedules", {
      name: "Standard 2026",
      kind: "practice",
      isDefault: true,
      effectiveFrom: "2026-01-01",
    });
    expect(created.statusCode).toBe(201);
    standard = created.json();
    expect(standard).toMatchObject({ entries: 0, isDefault: true, effectiveTo: null, version: 1 });

    const clash = await as(biller).post("/api/billing/fee-schedules", {
      name: "Standard 2026 bis",
      kind: "practice",
      isDefault: true,
      effectiveFrom: "2026-06-01",
    });
    expect(clash.statusCode).toBe(409);
    expect(errorOf(clash).message).toMatch(
      /Another default practice schedule, Standard 2026 \(from 2026-01-01\), is in force/,
    );

    const noPayer = await as(biller).post("/api/billing/fee-schedules", {
      name: "Contract",
      kind: "contract",
      effectiveFrom: "2026-01-01",
    });
    expect(errorOf(noPayer).details).toEqual([
      { path: "payerRef", message: "is required for a payer's contract" },
    ]);
    const contract = await as(biller).post("/api/billing/fee-schedules", {
      name: "Medicare 2026",
      kind: "contract",
      payerRef: medicare.id,
      effectiveFrom: "2026-01-01",
      effectiveTo: "2026-12-31",
    });
    expect(contract.json()).toMatchObject({ payerName: medicare.name, kind: "contract" });
    // Beta cannot name alpha's payer.
    const foreign = await as(betaBiller).post("/api/billing/fee-schedules", {
      name: "Borrowed",
      kind: "contract",
      payerRef: medicare.id,
      effectiveFrom: "2026-01-01",
    });
    expect(errorOf(foreign).details?.[0]?.path).toBe("payerRef");
  });

  const csv = [
    "procedure_code,modifier,amount,description",
    '99213,,125.00,"Office visit, established, 20-29 min"',
    "99214,,180.00,",
    "93000,,55.00,ECG with interpretation",
    "93000,26,18.40,",
  ].join("\n");

  it("CSV import: a bad row refuses the whole file, naming the row; nothing half-imports", async () => {
    const bad = await as(biller).post(`/api/billing/fee-schedules/${standard.id}/import`, {
      csv: `${csv}\n99215,,250.125,\n`,
    });
    expect(bad.statusCode).toBe(400);
    expect(errorOf(bad).message).toBe(
      'Line 6: "250.125" has more than two decimals (amounts are whole cents). Nothing was imported.',
    );
    expect(await countRows(services, "fee_schedule_entries", seed.alpha.id)).toBe(0);
    const negative = await as(biller).post(`/api/billing/fee-schedules/${standard.id}/import`, {
      csv: `${csv}\nABCDE,,-1,\n`,
    });
    expect(errorOf(negative).details).toEqual([
      {
        path: "line 6",
        message: expect.stringMatching(/"ABCDE" is not a CPT code.*; the amount -1 is negative/),
      },
    ]);
  });

  it("CSV import: a dry run changes nothing; the import applies the file; the same file again changes nothing", async () => {
    const dry = await as(biller).post(`/api/billing/fee-schedules/${standard.id}/import`, {
      csv,
      dryRun: true,
    });
    expect(dry.json()).toMatchObject({ dryRun: true, rows: 4, added: 4, version: 1 });
    expect(await countRows(services, "fee_schedule_entries", seed.alpha.id)).toBe(0);

    const first = await as(biller).post(`/api/billing/fee-schedules/${standard.id}/import`, {
      csv,
      version: 1,
    });
    expect(first.json()).toMatchObject({ dryRun: false, added: 4, changed: 0, removed: 0, version: 2 });
    const again = await as(biller).post(`/api/billing/fee-schedules/${standard.id}/import`, { csv });
    expect(again.json() as FeeImportView).toMatchObject({
      added: 0,
      changed: 0,
      removed: 0,
      unchanged: 4,
      version: 2,
    });
    // An import checked against an older version of the schedule is refused.
    const stale = await as(biller).post(`/api/billing/fee-schedules/${standard.id}/import`, {
      csv,
      version: 1,
    });
    expect(stale.statusCode).toBe(409);

    const next =
      csv.replace("99214,,180.00,", "99214,,185.00,").replace("\n93000,26,18.40,", "") +
      "\nG0438,,170.00,AWV";
    const diff = await as(biller).post(`/api/billing/fee-schedules/${standard.id}/import`, { csv: next });
    expect(diff.json()).toMatchObject({ added: 1, changed: 1, removed: 1, unchanged: 2, version: 3 });
    expect(diff.json().sample).toEqual([
      { procedureCode: "G0438", modifier: "", beforeCents: null, afterCents: 17000 },
      { procedureCode: "99214", modifier: "", beforeCents: 18000, afterCents: 18500 },
      { procedureCode: "93000", modifier: "26", beforeCents: 1840, afterCents: null },
    ]);
    expect((await as(biller).get(`/api/billing/fee-schedules/${standard.id}`)).json()).toMatchObject({
      entries: 4,
      version: 3,
    });
    const actions = (await auditAfter(services, seed.alpha.id, 0))
      .filter((e) => e.resource_id === standard.id)
      .map((e) => e.action);
    expect(actions.filter((a) => a === "billing.fee-schedule.import")).toHaveLength(4);
  });

  it("CSV export gives back the import's format; entries are listed, set and removed one by one", async () => {
    const exported = await as(manager).get(`/api/billing/fee-schedules/${standard.id}/export.csv`);
    expect(exported.statusCode).toBe(200);
    expect(exported.headers["content-type"]).toMatch(/text\/csv/);
    expect(exported.headers["content-disposition"]).toBe(
      'attachment; filename="standard-2026-2026-01-01.csv"',
    );
    expect(exported.body).toBe(
      "procedure_code,modifier,amount,description\r\n" +
        "93000,,55.00,ECG with interpretation\r\n" +
        '99213,,125.00,"Office visit, established, 20-29 min"\r\n' +
        "99214,,185.00,\r\n" +
        "G0438,,170.00,AWV\r\n",
    );
    const reimport = await as(biller).post(`/api/billing/fee-schedules/${standard.id}/import`, {
      csv: exported.body,
    });
    expect(reimport.json()).toMatchObject({ added: 0, changed: 0, removed: 0, unchanged: 4 });

    const listed = await as(biller).get(`/api/billing/fee-schedules/${standard.id}/entries?q=992`);
    expect(listed.json()).toMatchObject({
      total: 2,
      items: [{ procedureCode: "99213" }, { procedureCode: "99214" }],
    });
    const byWord = await as(biller).get(`/api/billing/fee-schedules/${standard.id}/entries?q=ecg`);
    expect(byWord.json().items.map((i: { procedureCode: string }) => i.procedureCode)).toEqual(["93000"]);

    const set = await as(biller).post(`/api/billing/fee-schedules/${standard.id}/entries`, {
      procedureCode: "93000",
      modifier: "tc",
      amountCents: 3660,
    });
    expect(set.json()).toEqual({
      procedureCode: "93000",
      modifier: "TC",
      amountCents: 3660,
      description: null,
    });
    const negative = await as(biller).post(`/api/billing/fee-schedules/${standard.id}/entries`, {
      procedureCode: "93000",
      amountCents: -1,
    });
    expect(negative.statusCode).toBe(400);
    expect(
      (await as(biller).del(`/api/billing/fee-schedules/${standard.id}/entries/93000?modifier=TC`))
        .statusCode,
    ).toBe(204);
    expect(
      (await as(biller).del(`/api/billing/fee-schedules/${standard.id}/entries/93000?modifier=TC`))
        .statusCode,
    ).toBe(404);
    // Beta sees none of it.
    expect(
      (await as(betaBiller).get(`/api/billing/fee-schedules/${standard.id}/export.csv`)).statusCode,
    ).toBe(404);
    expect((await as(betaBiller).get("/api/billing/fee-schedules")).json().items).toEqual([]);
  });

  it("retiring a schedule and a copy for next year: the copy starts with the same prices", async () => {
    const ended = await as(biller).patch(`/api/billing/fee-schedules/${standard.id}`, {
      version: (await as(biller).get(`/api/billing/fee-schedules/${standard.id}`)).json().version,
      effectiveTo: "2026-12-31",
    });
    expect(ended.json()).toMatchObject({ effectiveTo: "2026-12-31" });
    const copy = await as(biller).post("/api/billing/fee-schedules", {
      name: "Standard 2027",
      kind: "practice",
      isDefault: true,
      effectiveFrom: "2027-01-01",
      copyFrom: standard.id,
    });
    expect(copy.json()).toMatchObject({ entries: 4, isDefault: true });
    const backwards = await as(biller).patch(`/api/billing/fee-schedules/${copy.json().id}`, {
      version: 1,
      effectiveTo: "2026-06-30",
    });
    expect(errorOf(backwards).details).toEqual([
      { path: "effectiveTo", message: "must not be before effectiveFrom" },
    ]);
  });

  it("a coverage names a payer: the payer's electronic id is filled in; another practice's payer is refused", async () => {
    const patientId = seed.alpha.patientIds[0];
    const body = {
      order: "primary",
      payerName: "Medicare",
      memberId: "1EG4TE5MK73",
      subscriberRelationship: "spouse",
      subscriberGivenName: "Alex",
      subscriberFamilyName: "Doe",
      subscriberSex: "male",
      subscriberAddressLine1: "1 Main St",
      subscriberCity: "Austin",
      subscriberState: "TX",
      subscriberPostalCode: "78701-1234",
      effectiveFrom: "2026-01-01",
    };
    const created = await as(frontDesk).post(`/api/patients/${patientId}/coverages`, {
      ...body,
      payerRef: medicare.id,
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      payerRef: medicare.id,
      payerId: "SMTX0",
      subscriberSex: "male",
      subscriberPostalCode: "787011234",
    });
    const foreign = await as(betaBiller).get("/api/billing/payer-choices");
    expect(foreign.json().items).toEqual([]);
    const betaPatient = seed.beta.patientIds[0];
    const betaFrontDesk = await signIn(app, seed.beta.users["front-desk"].email);
    const refused = await as(betaFrontDesk).post(`/api/patients/${betaPatient}/coverages`, {
      ...body,
      payerRef: medicare.id,
    });
    expect(refused.statusCode).toBe(400);
    expect(errorOf(refused).details).toEqual([
      { path: "payerRef", message: "is not a payer of this practice" },
    ]);
    // A deactivated payer can no longer be chosen for a new coverage, but the old one keeps it.
    await as(biller).patch(`/api/billing/payers/${medicare.id}`, {
      version: medicare.version,
      active: false,
    });
    const inactive = await as(frontDesk).post(`/api/patients/${seed.alpha.patientIds[1]}/coverages`, {
      ...body,
      payerRef: medicare.id,
    });
    expect(errorOf(inactive).message).toMatch(/no longer active/);
    const kept = await as(frontDesk).patch(`/api/patients/${patientId}/coverages/${created.json().id}`, {
      planName: "Part B",
    });
    expect(kept.json()).toMatchObject({ payerRef: medicare.id, planName: "Part B" });
  });

  it("imports a 15,000-price schedule in one transaction; the same file again and a replacement are quick", async () => {
    const big = await as(biller).post("/api/billing/fee-schedules", {
      name: "Everything",
      kind: "practice",
      effectiveFrom: "2026-01-01",
    });
    const id = big.json().id as string;
    const rows = Array.from(
      { length: 15_000 },
      (_, i) => `${10000 + i},,${(100 + (i % 900)).toFixed(2)},Code ${i}`,
    );
    const file = `procedure_code,modifier,amount,description\n${rows.join("\n")}\n`;
    const timed = async (csv: string) => {
      const started = performance.now();
      const r = await as(biller).post(`/api/billing/fee-schedules/${id}/import`, { csv });
      return { body: r.json() as FeeImportView, ms: Math.round(performance.now() - started) };
    };
    const first = await timed(file);
    expect(first.body).toMatchObject({ added: 15_000, removed: 0 });
    const again = await timed(file);
    expect(again.body).toMatchObject({ added: 0, changed: 0, removed: 0, unchanged: 15_000 });
    const replaced = await timed(`procedure_code,modifier,amount,description\n99213,,1.00,\n`);
    expect(replaced.body).toMatchObject({ added: 1, removed: 15_000 });
    console.info(
      `fee schedule import on ${dialect}: 15,000 new prices ${first.ms} ms, same file again ${again.ms} ms, replaced by one price ${replaced.ms} ms (${Math.round(file.length / 1024)} KiB)`,
    );
  }, 120_000);
});

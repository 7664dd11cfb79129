import { checkLoopMap } from "@salus/core/billing/x12/loop-map";
import { readEnvelopes, tokenizeX12 } from "@salus/core/billing/x12/tokenizer";
import { map837P } from "@salus/core/billing/x12/write-837p";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BillingPractice, seedBillingPractice } from "../testing/billing-practice.ts";
import {
  asSession,
  auditAfter,
  auditSeq,
  countRows,
  createTestApp,
  createTestServices,
  emailOf,
  type Seed,
  type SignedIn,
  seedTwoOrgs,
  signIn,
  type TestServices,
} from "../testing/harness.ts";
import { insertTestClaim } from "../testing/test-claims.ts";
import { createClaimBatch } from "./create-claim-batch.ts";
import type { ClaimBatchesView, CreatedBatchView, ImportAckView, RejectionsView } from "./schemas.ts";

let services: TestServices;
let seed: Seed;
let practice: BillingPractice;
let app: FastifyInstance;
let biller: SignedIn;
let betaBiller: SignedIn;

/** A ready claim of alpha (or beta) with two lines, written directly. */
function insertClaim(
  pcn: string,
  options: { status?: string; org?: "alpha" | "beta" } = {},
): Promise<string> {
  return insertTestClaim(services, seed[options.org ?? "alpha"], practice, pcn, options.status);
}

async function claimRow(id: string) {
  return services.systemDb.selectFrom("claims").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
}

/** Claims still ready are moved aside, so each test batches only its own. */
async function clearReady(): Promise<void> {
  await services.systemDb
    .updateTable("claims")
    .set({ status: "draft" })
    .where("status", "=", "ready")
    .execute();
}

function isa(icn: string): string {
  return `ISA*00*          *00*          *ZZ*CLEARHOUSE     *ZZ*SUB1           *260303*0900*^*00501*${icn}*0*T*:~`;
}

function ack999(groupControl: number, verdict: "A" | "R"): string {
  const body =
    verdict === "A"
      ? [`AK1*HC*${groupControl}*005010X222A1`, "AK2*837*0001*005010X222A1", "IK5*A", "AK9*A*1*1*1"]
      : [
          `AK1*HC*${groupControl}*005010X222A1`,
          "AK2*837*0001*005010X222A1",
          "IK3*NM1*12*2010BA*8",
          "IK4*9**1",
          "IK5*R*5",
          "AK9*R*1*1*0",
        ];
  return [
    isa("000000501"),
    "GS*FA*CLEARHOUSE*SUB1*20260303*0900*501*X*005010X231A1~",
    "ST*999*0001*005010X231A1~",
    ...body.map((s) => `${s}~`),
    `SE*${body.length + 2}*0001~`,
    "GE*1*501~",
    "IEA*1*000000501~",
  ].join("\n");
}

function ack277(claims: { pcn: string; stc: string; payerNumber?: string }[]): string {
  const body = [
    "BHT*0085*08*B1*20260303*0900*TH",
    "HL*1**20*1",
    "NM1*PR*2*ACME HEALTH*****PI*PACME",
    "HL*2*1*21*1",
    "NM1*41*2*ALPHA BILLING*****46*SUB1",
    "HL*3*2*19*1",
    "NM1*85*2*ALPHA BILLING*****XX*1245319599",
  ];
  claims.forEach((c, i) => {
    body.push(`HL*${4 + i}*3*PT`, "NM1*QC*1*DOE*JANE", `TRN*2*${c.pcn}`, `STC*${c.stc}*20260303*WQ*137.5`);
    if (c.payerNumber) body.push(`REF*1K*${c.payerNumber}`);
    body.push("DTP*472*D8*20260227");
  });
  return [
    isa("000000777"),
    "GS*HN*CLEARHOUSE*SUB1*20260303*0900*777*X*005010X214~",
    "ST*277*0001*005010X214~",
    ...body.map((s) => `${s}~`),
    `SE*${body.length + 2}*0001~`,
    "GE*1*777~",
    "IEA*1*000000777~",
  ].join("\n");
}

beforeAll(async () => {
  services = await createTestServices();
  seed = await seedTwoOrgs(services);
  practice = await seedBillingPractice(services, seed.alpha);
  for (const org of [seed.alpha, seed.beta])
    await services.systemDb
      .updateTable("patients")
      .set({ address_line1: "5 Elm St", city: "Austin", state: "TX", postal_code: "78701" })
      .where("organization_id", "=", org.id)
      .execute();
  app = (await createTestApp(services)).app;
  biller = await signIn(app, emailOf("alpha", "biller"));
  betaBiller = await signIn(app, emailOf("beta", "biller"));
}, 120_000);
afterAll(async () => {
  await app?.close();
  await services?.cleanup();
});

describe("claim batches (837P)", () => {
  it("batches every ready claim: submitted through the state table, the file fits the loop map, audited", async () => {
    await clearReady();
    const a = await insertClaim("PCN-B1-A");
    const b = await insertClaim("PCN-B1-B");
    const draft = await insertClaim("PCN-B1-DRAFT", { status: "draft" });
    const before = await auditSeq(services, seed.alpha.id);
    const list = (await asSession(app, biller, "GET", "/api/billing/batches")).json() as ClaimBatchesView;
    expect(list.readyClaims).toBe(2);
    expect(list.readyTotalCents).toBe(2 * 13_750);

    const res = await asSession(app, biller, "POST", "/api/billing/batches", {});
    expect(res.statusCode).toBe(201);
    const created = res.json() as CreatedBatchView;
    expect(created).toMatchObject({ claims: 2, totalChargeCents: 27_500 });
    for (const id of [a, b]) {
      const row = await claimRow(id);
      expect(row.status).toBe("submitted");
      expect(row.batch_id).toBe(created.batchId);
      expect(row.submitted_at).not.toBeNull();
      const t = await services.systemDb
        .selectFrom("claim_transitions")
        .selectAll()
        .where("claim_id", "=", id)
        .execute();
      expect(t.map((x) => [x.from_status, x.to_status, x.source])).toEqual([
        ["ready", "submitted", `batch:${created.batchId}`],
      ]);
    }
    expect((await claimRow(draft)).status).toBe("draft");

    const dl = await asSession(app, biller, "GET", `/api/billing/batches/${created.batchId}/download`);
    expect(dl.statusCode).toBe(200);
    expect(dl.headers["content-disposition"]).toBe(
      `attachment; filename="837P-${String(created.interchangeControlNumber).padStart(9, "0")}.txt"`,
    );
    const doc = tokenizeX12(dl.body);
    const [interchange] = readEnvelopes(doc);
    expect(Number(interchange?.controlNumber)).toBe(created.interchangeControlNumber);
    expect(checkLoopMap(doc.segments, map837P(), ":")).toEqual([]);
    const clm = doc.segments.filter((s) => s.id === "CLM").map((s) => [s.elements[1], s.elements[2]]);
    expect(clm).toEqual([
      ["PCN-B1-A", "137.5"],
      ["PCN-B1-B", "137.5"],
    ]);

    const audit = await auditAfter(services, seed.alpha.id, before);
    expect(audit.map((e) => [e.action, e.outcome])).toEqual(
      expect.arrayContaining([
        ["billing.batch.create", "success"],
        ["billing.batch.download", "success"],
      ]),
    );
    // Another practice sees none of it.
    expect(
      (await asSession(app, betaBiller, "GET", `/api/billing/batches/${created.batchId}/download`))
        .statusCode,
    ).toBe(404);
    const betaList = (
      await asSession(app, betaBiller, "GET", "/api/billing/batches")
    ).json() as ClaimBatchesView;
    expect(betaList.items).toEqual([]);
  });

  it("uses unique, increasing control numbers and refuses when nothing is ready", async () => {
    await clearReady();
    const none = await asSession(app, biller, "POST", "/api/billing/batches", {});
    expect(none.statusCode).toBe(400);
    expect(none.json().error.message).toMatch(/No claim is ready to batch/);
    const numbers: number[] = [];
    for (const pcn of ["PCN-N1", "PCN-N2", "PCN-N3"]) {
      await insertClaim(pcn);
      const r = (await asSession(app, biller, "POST", "/api/billing/batches", {})).json() as CreatedBatchView;
      numbers.push(r.interchangeControlNumber);
    }
    expect(numbers[1]).toBe((numbers[0] as number) + 1);
    expect(numbers[2]).toBe((numbers[0] as number) + 2);
    const settings = await services.systemDb
      .selectFrom("billing_settings")
      .selectAll()
      .where("organization_id", "=", seed.alpha.id)
      .executeTakeFirstOrThrow();
    expect(settings.last_interchange_control).toBe(numbers[2]);
  });

  it("refuses the whole batch, naming the claim, when one claim does not fit the 837P; nothing changes", async () => {
    await clearReady();
    const good = await insertClaim("PCN-BAD-OK");
    const bad = await insertClaim("PCN-BAD-1");
    await services.systemDb
      .updateTable("claim_lines")
      .set({ procedure_code: "" })
      .where("claim_id", "=", bad)
      .execute();
    const batchesBefore = await countRows(services, "claim_batches", seed.alpha.id);
    const res = await asSession(app, biller, "POST", "/api/billing/batches", {});
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(
      /Claim PCN-BAD-1: Segment \d+ \(SV1, loop 2400\): SV101-02 is required and is empty/,
    );
    expect(await countRows(services, "claim_batches", seed.alpha.id)).toBe(batchesBefore);
    expect((await claimRow(good)).status).toBe("ready");
    expect((await claimRow(bad)).status).toBe("ready");
    await services.systemDb.updateTable("claims").set({ status: "draft" }).where("id", "=", bad).execute();
  });

  it("refuses with 409 when the ready claims are not the ones the biller saw", async () => {
    await clearReady();
    const a = await insertClaim("PCN-SAW-1");
    await insertClaim("PCN-SAW-2");
    const res = await asSession(app, biller, "POST", "/api/billing/batches", { claimIds: [a] });
    expect(res.statusCode).toBe(409);
    expect((await claimRow(a)).status).toBe("ready");
  });

  it("two batches at once: every claim lands in exactly one batch, control numbers never repeat", async () => {
    await clearReady();
    const ids = await Promise.all(["PCN-C1", "PCN-C2", "PCN-C3", "PCN-C4"].map((p) => insertClaim(p)));
    const actor = {
      organizationId: seed.alpha.id,
      userId: seed.alpha.users.biller.id,
      label: "biller",
      roles: ["biller" as const],
      permissions: [],
      via: "session" as const,
      ip: null,
      requestId: null,
    };
    const results = await Promise.allSettled([
      createClaimBatch(services, actor),
      createClaimBatch(services, actor),
    ]);
    const ok = results
      .filter((r) => r.status === "fulfilled")
      .map((r) => (r as PromiseFulfilledResult<CreatedBatchView>).value);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(ok.reduce((n, r) => n + r.claims, 0)).toBe(4);
    expect(new Set(ok.map((r) => r.interchangeControlNumber)).size).toBe(ok.length);
    for (const r of results.filter((x) => x.status === "rejected")) {
      expect(["invalid_request", "conflict"]).toContain(
        ((r as PromiseRejectedResult).reason as { code: string }).code,
      );
    }
    for (const id of ids) expect((await claimRow(id)).status).toBe("submitted");
  });
});

describe("acknowledgements (999, 277CA) and the rejection worklist", () => {
  it("a rejected 999 rejects the batch's claims with the reason in words; the same file twice changes nothing", async () => {
    await clearReady();
    const a = await insertClaim("PCN-999-A");
    const b = await insertClaim("PCN-999-B");
    const batch = (
      await asSession(app, biller, "POST", "/api/billing/batches", {})
    ).json() as CreatedBatchView;
    const text = ack999(batch.batch.groupControlNumber, "R");
    const res = await asSession(app, biller, "POST", "/api/billing/acknowledgements", { content: text });
    expect(res.statusCode).toBe(200);
    const ack = res.json() as ImportAckView;
    expect(ack).toMatchObject({
      kind: "999",
      duplicate: false,
      rejected: 2,
      accepted: 0,
      batchId: batch.batchId,
    });
    const entry = (await auditAfter(services, seed.alpha.id, 0))
      .filter((e) => e.action === "billing.ack.import")
      .pop();
    expect(entry).toMatchObject({ outcome: "success", resource_id: ack.id });
    for (const id of [a, b]) expect((await claimRow(id)).status).toBe("rejected");
    const batchRow = await services.systemDb
      .selectFrom("claim_batches")
      .select("status")
      .where("id", "=", batch.batchId)
      .executeTakeFirstOrThrow();
    expect(batchRow.status).toBe("rejected");
    const work = (await asSession(app, biller, "GET", "/api/billing/rejections")).json() as RejectionsView;
    const mine = work.items.filter((r) => r.batchId === batch.batchId);
    expect(mine.map((r) => r.patientControlNumber).sort()).toEqual(["PCN-999-A", "PCN-999-B"]);
    expect(mine[0]?.reason).toBe(
      "The clearinghouse rejected the batch's transaction set: Segment has data element errors: NM1 at segment 12 in loop 2010BA; Required data element missing: NM109; One or more segments in error.",
    );
    const rejectionsBefore = await countRows(services, "claim_rejections", seed.alpha.id);
    const again = (
      await asSession(app, biller, "POST", "/api/billing/acknowledgements", { content: text })
    ).json() as ImportAckView;
    expect(again).toMatchObject({ duplicate: true, id: ack.id });
    expect(await countRows(services, "claim_rejections", seed.alpha.id)).toBe(rejectionsBefore);
    // Resolving takes it off the worklist.
    const resolved = await asSession(
      app,
      biller,
      "POST",
      `/api/billing/rejections/${mine[0]?.id}/resolve`,
      {},
    );
    expect(resolved.statusCode).toBe(200);
    const after = (await asSession(app, biller, "GET", "/api/billing/rejections")).json() as RejectionsView;
    expect(after.items.map((r) => r.id)).not.toContain(mine[0]?.id);
    expect(after.open).toBe(work.open - 1);
  });

  it("an accepted 999 marks the batch accepted and leaves its claims submitted", async () => {
    await clearReady();
    const a = await insertClaim("PCN-999-OK");
    const batch = (
      await asSession(app, biller, "POST", "/api/billing/batches", {})
    ).json() as CreatedBatchView;
    const res = await asSession(app, biller, "POST", "/api/billing/acknowledgements", {
      content: ack999(batch.batch.groupControlNumber, "A"),
    });
    expect(res.json()).toMatchObject({ kind: "999", accepted: 1, rejected: 0 });
    expect((await claimRow(a)).status).toBe("submitted");
    const batchRow = await services.systemDb
      .selectFrom("claim_batches")
      .select("status")
      .where("id", "=", batch.batchId)
      .executeTakeFirstOrThrow();
    expect(batchRow.status).toBe("accepted");
  });

  it("a 277CA accepts one claim (with the payer's claim number) and rejects another with the reason in words", async () => {
    await clearReady();
    const a = await insertClaim("PCN-277-A");
    const b = await insertClaim("PCN-277-B");
    await asSession(app, biller, "POST", "/api/billing/batches", {});
    const text = ack277([
      { pcn: "PCN-277-A", stc: "A2:20", payerNumber: "PAY-0001" },
      { pcn: "PCN-277-B", stc: "A7:562:85" },
      { pcn: "NOT-OURS", stc: "A2:20" },
    ]);
    const res = await asSession(app, biller, "POST", "/api/billing/acknowledgements", { content: text });
    expect(res.statusCode).toBe(200);
    const ack = res.json() as ImportAckView;
    expect(ack.claims.map((c) => [c.patientControlNumber, c.verdict, c.outcome, c.status])).toEqual([
      ["PCN-277-A", "accepted", "moved", "accepted"],
      ["PCN-277-B", "rejected", "moved", "rejected"],
      ["NOT-OURS", "accepted", "not-found", null],
    ]);
    expect(await claimRow(a)).toMatchObject({ status: "accepted", payer_claim_number: "PAY-0001" });
    expect((await claimRow(b)).status).toBe("rejected");
    const work = (await asSession(app, biller, "GET", "/api/billing/rejections")).json() as RejectionsView;
    const row = work.items.find((r) => r.claimId === b);
    expect(row).toMatchObject({
      code: "A7:562:85",
      reason:
        "The payer rejected the claim: Rejected: invalid information: Entity's National Provider Identifier (NPI): Billing provider.",
      acknowledgementKind: "277CA",
      patientControlNumber: "PCN-277-B",
    });
    expect(row?.patientName).toBeTruthy();
  });

  it("refuses malformed or foreign files naming the segment, and writes nothing", async () => {
    const acksBefore = await countRows(services, "claim_acknowledgements", seed.alpha.id);
    const seqBefore = await auditSeq(services, seed.alpha.id);
    const truncated = ack999(1, "R").split("\n").slice(0, 6).join("\n");
    const r1 = await asSession(app, biller, "POST", "/api/billing/acknowledgements", { content: truncated });
    expect(r1.statusCode).toBe(400);
    expect(r1.json().error.message).toMatch(
      /^Segment 6 \(IK3\): transaction set 0001 has no SE: the file is truncated/,
    );
    const r2 = await asSession(app, biller, "POST", "/api/billing/acknowledgements", {
      content: ack999(987654, "A"),
    });
    expect(r2.statusCode).toBe(400);
    expect(r2.json().error.message).toMatch(
      /functional group 987654 \(AK102\), which is not one of this practice's batches/,
    );
    const r3 = await asSession(app, biller, "POST", "/api/billing/acknowledgements", { content: "hello" });
    expect(r3.statusCode).toBe(400);
    expect(r3.json().error.message).toMatch(/must start with an ISA segment/);
    expect(await countRows(services, "claim_acknowledgements", seed.alpha.id)).toBe(acksBefore);
    // Each refusal is on the audit trail, in a transaction of its own.
    const audit = await auditAfter(services, seed.alpha.id, seqBefore);
    expect(audit.filter((e) => e.action === "billing.ack.import").map((e) => e.outcome)).toEqual([
      "failure",
      "failure",
      "failure",
    ]);
  });

  it("the worklist and imports of one practice are invisible to another", async () => {
    const work = (
      await asSession(app, betaBiller, "GET", "/api/billing/rejections")
    ).json() as RejectionsView;
    expect(work).toEqual({ items: [], open: 0 });
    const acks = (await asSession(app, betaBiller, "GET", "/api/billing/acknowledgements")).json() as {
      items: unknown[];
    };
    expect(acks.items).toEqual([]);
  });
});

import { randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../admin/organizations.ts";
import { audited } from "../audit/audited.ts";
import type { Actor } from "../platform/services.ts";
import { type BillingPractice, seedBillingPractice, seedEncounter } from "../testing/billing-practice.ts";
import {
  asSession,
  createTestApp,
  createTestServices,
  dialect,
  errorOf,
  type Seed,
  seedTwoOrgs,
  signIn,
  type TestServices,
} from "../testing/harness.ts";
import { billerHome } from "./biller-home.ts";
import { buildClaims } from "./build-claims.ts";
import { captureCharges } from "./capture-charges.ts";
import { transitionClaim } from "./claim-transitions.ts";
import { getClaim } from "./claim-view.ts";
import { closeMonth, listPeriods } from "./close-month.ts";
import { correctClaim } from "./correct-claim.ts";
import { editClaim } from "./edit-claim.ts";
import { listCharges } from "./list-charges.ts";
import { getAccount, postToAccount } from "./patient-account.ts";
import { approveCharges, reviewCharge } from "./review-charge.ts";

let services: TestServices;
let seed: Seed;
let practice: BillingPractice;
let biller: Actor;
let app: FastifyInstance;

beforeAll(async () => {
  // 2026-03-02 15:00Z: a Monday in the practice's zone (America/Chicago).
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
}, 120_000);
afterAll(async () => {
  await app?.close();
  await services?.cleanup();
});

async function chargesOf(encounterId: string) {
  return services.systemDb
    .selectFrom("charges")
    .selectAll()
    .where("encounter_id", "=", encounterId)
    .orderBy("source_key")
    .execute();
}

describe(`charges, ledger and claims (${dialect})`, () => {
  it("captures a finished visit's procedures once, priced from the fee schedule, however often or concurrently it runs", async () => {
    const e = await seedEncounter(services, seed.alpha, {
      patientId: seed.alpha.patientIds[0],
      date: "2026-02-27",
    });
    const open = await seedEncounter(services, seed.alpha, {
      patientId: seed.alpha.patientIds[0],
      date: "2026-02-27",
      status: "in-progress",
    });
    const runs = await Promise.all([captureCharges(services, biller), captureCharges(services, biller)]);
    expect(runs.reduce((s, r) => s + r.captured, 0)).toBeGreaterThanOrEqual(2);
    const again = await captureCharges(services, biller);
    expect(again.captured).toBe(0);
    const rows = await chargesOf(e);
    expect(rows.map((c) => [c.procedure_code, c.amount_cents, c.status, c.responsibility])).toEqual([
      ["99213", 12500, "review", "insurance"],
      ["36415", 1200, "review", "insurance"],
    ]);
    expect(rows[0]!.fee_schedule_id).toBe(practice.feeScheduleId);
    expect(JSON.parse(rows[0]!.diagnosis_codes)).toEqual(["E11.9", "I10"]);
    expect(await chargesOf(open)).toEqual([]);
  });

  it("marks unpriced lines and self-pay visits for the reviewer, and refuses to approve a charge without an amount", async () => {
    const e = await seedEncounter(services, seed.alpha, {
      patientId: seed.alpha.patientIds[1],
      date: "2026-02-26",
      selfPay: true,
      procedures: [{ code: "99499" }],
    });
    await captureCharges(services, biller, { encounterId: e });
    const [c] = await chargesOf(e);
    expect(c).toMatchObject({ amount_cents: 0, responsibility: "patient", status: "review" });
    expect(c!.review_note).toMatch(/No fee schedule price for 99499/);
    expect(c!.review_note).toMatch(/out of pocket/);
    await expect(reviewCharge(services, biller, c!.id, "approve", {})).rejects.toMatchObject({
      code: "invalid_amount",
    });
    await expect(
      reviewCharge(services, biller, c!.id, "edit", { version: c!.version, unitPrice: "12.345" }),
    ).rejects.toMatchObject({ code: "invalid_amount" });
    const edited = await reviewCharge(services, biller, c!.id, "edit", {
      version: c!.version,
      unitPrice: "80.00",
    });
    expect(edited.amountCents).toBe(8000);
    const approved = await reviewCharge(services, biller, c!.id, "approve", {});
    expect(approved.status).toBe("approved");
    const account = await getAccount(services, biller, seed.alpha.patientIds[1]);
    expect(account).toMatchObject({ totalCents: 8000, patientCents: 8000, insuranceCents: 0 });
  });

  it("prices a self-pay visit from the self-pay payer's schedule when the practice has one", async () => {
    const at = "2026-01-01T00:00:00.000Z";
    const scheduleId = randomUUID();
    await services.systemDb
      .insertInto("fee_schedules")
      .values({
        organization_id: seed.alpha.id,
        id: scheduleId,
        name: "Self-pay prices",
        kind: "practice",
        payer_ref: practice.selfPayPayerId,
        is_default: 0,
        effective_from: "2025-01-01",
        effective_to: null,
        active: 1,
        version: 1,
        created_at: at,
        updated_at: at,
      })
      .execute();
    await services.systemDb
      .insertInto("fee_schedule_entries")
      .values({
        organization_id: seed.alpha.id,
        fee_schedule_id: scheduleId,
        procedure_code: "99213",
        modifier: "",
        amount_cents: 9000,
        description: null,
      })
      .execute();
    try {
      const selfPay = await seedEncounter(services, seed.alpha, {
        patientId: seed.alpha.patientIds[1],
        date: "2026-02-23",
        selfPay: true,
        procedures: [{ code: "99213" }, { code: "36415" }],
      });
      await captureCharges(services, biller, { encounterId: selfPay });
      const rows = await chargesOf(selfPay);
      // 99213 from the self-pay schedule; 36415, which it does not list, from the practice's default prices.
      expect(rows.map((c) => [c.procedure_code, c.amount_cents, c.fee_schedule_id])).toEqual([
        ["99213", 9000, scheduleId],
        ["36415", 1200, practice.feeScheduleId],
      ]);
    } finally {
      await services.systemDb
        .deleteFrom("fee_schedule_entries")
        .where("fee_schedule_id", "=", scheduleId)
        .execute();
      await services.systemDb.deleteFrom("fee_schedules").where("id", "=", scheduleId).execute();
    }
  });

  it("approves, builds one claim per patient/date/practitioner/payer, moves balances onto claim lines, edits and corrects it", async () => {
    const e = await seedEncounter(services, seed.alpha, {
      patientId: seed.alpha.patientIds[0],
      date: "2026-02-25",
      diagnoses: ["J06.9", "R05.9", "E11.9"],
      procedures: [
        { code: "99214", pointers: [1, 2] },
        { code: "93000", pointers: [3] },
      ],
    });
    await captureCharges(services, biller, { encounterId: e });
    const ids = (await chargesOf(e)).map((c) => c.id);
    expect(await approveCharges(services, biller, ids)).toEqual({ approved: 2 });
    const built = await buildClaims(services, biller, { chargeIds: ids });
    expect(built.created).toBe(1);
    const claimId = built.claimIds[0]!;
    let claim = await getClaim(services, biller, claimId);
    expect(claim).toMatchObject({
      status: "draft",
      frequencyCode: "1",
      sequence: "primary",
      payerRef: practice.payerId,
      totalChargeCents: 22500,
      balanceCents: 22500,
    });
    expect(claim.diagnosisCodes).toEqual(["J06.9", "R05.9", "E11.9"]);
    expect(claim.lines.map((l) => [l.procedureCode, l.diagnosisPointers, l.balanceCents])).toEqual([
      ["99214", [1, 2], 18000],
      ["93000", [3], 4500],
    ]);
    expect(claim.patientControlNumber.length).toBeLessThanOrEqual(20);
    expect((await chargesOf(e)).every((c) => c.status === "claimed" && c.claim_id === claimId)).toBe(true);
    // A claimed charge is corrected through its claim.
    await expect(reviewCharge(services, biller, ids[0]!, "void", { note: "x" })).rejects.toMatchObject({
      code: "conflict",
    });
    // Building again makes nothing new.
    expect((await buildClaims(services, biller, { chargeIds: ids })).created).toBe(0);

    // Fix: a pointer that points nowhere is refused with the line and the count named; a good edit goes through.
    await expect(
      editClaim(services, biller, claimId, {
        version: claim.version,
        lines: [{ lineNumber: 2, diagnosisPointers: [4] }],
      }),
    ).rejects.toThrow(/Line 2: diagnosis pointer 4 points nowhere; the claim has 3/);
    claim = await editClaim(services, biller, claimId, {
      version: claim.version,
      lines: [{ lineNumber: 2, diagnosisPointers: [3, 1] }],
    });
    expect(claim.lines[1]!.diagnosisPointers).toEqual([3, 1]);

    // Send it (as the scrubber and the batch would), then replace it: the new claim carries the balances.
    await audited(services, biller, { action: "billing.claim.edit" }, async (trx) => {
      await transitionClaim(trx, "scrub:test", claimId, "ready");
      await transitionClaim(trx, "batch:test", claimId, "submitted");
    });
    claim = await getClaim(services, biller, claimId);
    await expect(
      editClaim(services, biller, claimId, { version: claim.version, placeOfService: "22" }),
    ).rejects.toThrow(/replacement/);
    expect(claim.actions).toEqual(expect.arrayContaining(["replace", "void"]));
    const replacement = await correctClaim(services, biller, claimId, "replace", {
      reason: "wrong modifier",
    });
    expect(replacement).toMatchObject({
      frequencyCode: "7",
      originalClaimId: claimId,
      status: "draft",
      balanceCents: 22500,
    });
    const original = await getClaim(services, biller, claimId);
    expect(original).toMatchObject({ status: "closed", balanceCents: 0 });
    expect(original.history.map((h) => h.to)).toEqual(["draft", "ready", "submitted", "closed"]);
    // A person's move reads with their name; a batch's with its label.
    expect(original.history.map((h) => h.source)).toEqual([
      "biller of alpha",
      "scrub:test",
      "batch:test",
      "biller of alpha",
    ]);
    await expect(correctClaim(services, biller, claimId, "void", { reason: "again" })).rejects.toMatchObject({
      code: "conflict",
    });

    // The replacement is sent and paid in part; then the secondary takes what is left.
    await audited(services, biller, { action: "billing.claim.edit" }, async (trx) => {
      await transitionClaim(trx, "scrub:test", replacement.id, "ready");
      await transitionClaim(trx, "batch:test", replacement.id, "submitted");
    });
    await postToAccount(services, biller, seed.alpha.patientIds[0], {
      kind: "payment",
      chargeId: replacement.lines[0]!.chargeId,
      account: { responsibility: "payer", payerRef: practice.payerId, claimId: replacement.id, claimLine: 1 },
      amount: "100.00",
    });
    await expect(
      postToAccount(services, biller, seed.alpha.patientIds[0], {
        kind: "payment",
        chargeId: replacement.lines[0]!.chargeId,
        account: {
          responsibility: "payer",
          payerRef: practice.payerId,
          claimId: replacement.id,
          claimLine: 1,
        },
        amount: "80.01",
      }),
    ).rejects.toThrow(/Only \$80\.00 is owed/);
    await audited(services, biller, { action: "billing.claim.edit" }, (trx) =>
      transitionClaim(trx, "remittance:test", replacement.id, "paid"),
    );
    const secondary = await correctClaim(services, biller, replacement.id, "secondary", {});
    expect(secondary).toMatchObject({
      sequence: "secondary",
      primaryClaimId: replacement.id,
      payerRef: practice.secondaryPayerId,
      balanceCents: 12500,
    });
    expect((await getClaim(services, biller, replacement.id)).balanceCents).toBe(0);
    const account = await getAccount(services, biller, seed.alpha.patientIds[0]);
    expect(account.byPayer.find((p) => p.payerRef === practice.secondaryPayerId)?.balanceCents).toBe(12500);
    expect(account.totalCents).toBe(account.patientCents + account.insuranceCents);
  });

  it("voids a sent claim: its charges return to approved and its balance to the payer's unclaimed account", async () => {
    const e = await seedEncounter(services, seed.alpha, {
      patientId: seed.alpha.patientIds[0],
      date: "2026-02-24",
    });
    await captureCharges(services, biller, { encounterId: e });
    const ids = (await chargesOf(e)).map((c) => c.id);
    await approveCharges(services, biller, ids);
    const [claimId] = (await buildClaims(services, biller, { chargeIds: ids })).claimIds;
    await audited(services, biller, { action: "billing.claim.edit" }, async (trx) => {
      await transitionClaim(trx, "scrub:test", claimId!, "ready");
      await transitionClaim(trx, "batch:test", claimId!, "submitted");
    });
    const voided = await correctClaim(services, biller, claimId!, "void", {
      reason: "billed the wrong patient",
    });
    expect(voided).toMatchObject({ frequencyCode: "8", balanceCents: 0, originalClaimId: claimId });
    expect((await chargesOf(e)).map((c) => [c.status, c.claim_id])).toEqual([
      ["approved", null],
      ["approved", null],
    ]);
  });

  it("posts no-show fees as patient charges and reverses them when waived", async () => {
    const at = services.clock().toISOString();
    const appointmentId = randomUUID();
    const typeId = randomUUID();
    await services.systemDb
      .insertInto("appointment_types")
      .values({
        organization_id: seed.alpha.id,
        id: typeId,
        name: "No-show test",
        duration_minutes: 20,
        buffer_before_minutes: 0,
        buffer_after_minutes: 0,
        min_lead_minutes: 0,
        max_per_day: null,
        step_minutes: 5,
        patient_kind: "any",
        practitioner_ids: null,
        room_required: 0,
        room_ids: null,
        equipment_kinds: "[]",
        bookable_by_patient: 0,
        color: null,
        active: 1,
        created_at: at,
        updated_at: at,
      })
      .execute();
    await services.systemDb
      .insertInto("appointments")
      .values({
        organization_id: seed.alpha.id,
        id: appointmentId,
        location_id: seed.alpha.locationId,
        patient_id: seed.alpha.patientIds[1],
        appointment_type_id: typeId,
        practitioner_id: seed.alpha.practitionerId,
        room_id: null,
        start_at: "2026-03-02T02:00:00.000Z",
        end_at: "2026-03-02T02:20:00.000Z",
        status: "noshow",
        overbooked: 0,
        series_id: null,
        series_index: null,
        rescheduled_from_id: null,
        note: null,
        created_by: null,
        cancelled_at: null,
        cancelled_by: null,
        cancel_reason: null,
        late_cancel: 0,
        version: 1,
        break_glass_id: null,
        created_at: at,
        updated_at: at,
      })
      .execute();
    const feeId = randomUUID();
    await services.systemDb
      .insertInto("no_show_fees")
      .values({
        organization_id: seed.alpha.id,
        id: feeId,
        appointment_id: appointmentId,
        patient_id: seed.alpha.patientIds[1],
        amount_cents: 2500,
        status: "pending",
        created_at: at,
        updated_at: at,
      })
      .execute();
    const before = (await getAccount(services, biller, seed.alpha.patientIds[1])).patientCents;
    expect((await captureCharges(services, biller)).noShowFees).toBe(1);
    expect((await captureCharges(services, biller)).noShowFees).toBe(0);
    const charge = await services.systemDb
      .selectFrom("charges")
      .selectAll()
      .where("source_key", "=", `no-show:${feeId}`)
      .executeTakeFirstOrThrow();
    // The visit was the evening of 2026-03-01 in Chicago (02:00Z on the 2nd).
    expect(charge).toMatchObject({
      status: "approved",
      responsibility: "patient",
      amount_cents: 2500,
      date_of_service: "2026-03-01",
    });
    expect((await getAccount(services, biller, seed.alpha.patientIds[1])).patientCents).toBe(before + 2500);
    await services.systemDb
      .updateTable("no_show_fees")
      .set({ status: "waived" })
      .where("id", "=", feeId)
      .execute();
    expect((await captureCharges(services, biller)).noShowFeesReversed).toBe(1);
    expect((await getAccount(services, biller, seed.alpha.patientIds[1])).patientCents).toBe(before);
  });

  it("closes past months in order; a correction dated in a closed month posts in the open one", async () => {
    await expect(closeMonth(services, biller, "2026-03")).rejects.toThrow(/not ended/);
    await closeMonth(services, biller, "2026-02");
    const periods = await listPeriods(services, biller);
    expect(periods.find((p) => p.period === "2026-02")?.closed).toBe(true);
    const account = await getAccount(services, biller, seed.alpha.patientIds[1]);
    const open = account.open.find((o) => o.responsibility === "patient" && o.balanceCents > 0)!;
    const after = await postToAccount(services, biller, seed.alpha.patientIds[1], {
      kind: "payment",
      chargeId: open.chargeId,
      account: { responsibility: "patient", payerRef: null, claimId: null, claimLine: null },
      amount: "10.00",
      effectiveDate: "2026-02-27",
    });
    const payment = after.entries.find((x) => x.kind === "payment" && x.amountCents === -1000)!;
    expect(payment).toMatchObject({ period: "2026-03", effectiveDate: "2026-02-27" });
    const reversed = await postToAccount(services, biller, seed.alpha.patientIds[1], {
      reverse: payment.transactionId,
    });
    expect(reversed.entries.find((x) => x.reversesId === payment.id)).toMatchObject({ amountCents: 1000 });
    expect(reversed.patientCents).toBe(after.patientCents + 1000);
    await expect(
      postToAccount(services, biller, seed.alpha.patientIds[1], { reverse: payment.transactionId }),
    ).rejects.toThrow(/already reversed/);
  });

  it("answers the biller's home counts and the review queue", async () => {
    const home = await billerHome(services, biller);
    expect(home.claimsDraft).toBeGreaterThanOrEqual(2);
    expect(home.chargesToReview).toBeGreaterThanOrEqual(2);
    expect(home.openPeriod).toBe("2026-03");
    const queue = await listCharges(services, biller, { status: "review", limit: 100, offset: 0 });
    expect(queue.items.every((c) => c.status === "review")).toBe(true);
    expect(queue.total).toBe(home.chargesToReview);
  });

  it("over HTTP: the biller works the queue; front desk may not; another organization sees nothing", async () => {
    const b = await signIn(app, seed.alpha.users.biller.email);
    const list = await asSession(app, b, "GET", "/api/billing/charges?status=review");
    expect(list.statusCode).toBe(200);
    const first = list.json().items[0];
    const held = await asSession(app, b, "POST", `/api/billing/charges/${first.id}/hold`, {
      note: "ask the doctor about the modifier",
    });
    expect(held.statusCode).toBe(200);
    expect(held.json().status).toBe("held");
    const bad = await asSession(app, b, "PATCH", `/api/billing/charges/${first.id}`, {
      version: held.json().version,
      units: -1,
    });
    expect(bad.statusCode).toBe(400);
    const home = await asSession(app, b, "GET", "/api/billing/home");
    expect(home.json().chargesHeld).toBeGreaterThanOrEqual(1);
    const fd = await signIn(app, seed.alpha.users["front-desk"].email);
    expect((await asSession(app, fd, "GET", "/api/billing/charges")).statusCode).toBe(403);
    const beta = await signIn(app, seed.beta.users.biller.email);
    const other = await asSession(
      app,
      beta,
      "GET",
      `/api/billing/charges/${first.id}`.replace(/\/[^/]+$/, "") + "?status=held",
    );
    expect(other.json().items).toEqual([]);
    const claims = await asSession(app, b, "GET", "/api/billing/claims");
    const claimId = claims.json().items[0].id;
    const foreign = await asSession(app, beta, "GET", `/api/billing/claims/${claimId}`);
    expect(foreign.statusCode).toBe(404);
    expect(errorOf(foreign).code).toBe("not_found");
    const close = await asSession(app, b, "POST", "/api/billing/periods/close", { period: "2026-13" });
    expect(close.statusCode).toBe(400);
  });
});

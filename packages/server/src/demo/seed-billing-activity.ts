import { randomUUID } from "node:crypto";
import { dateInZone, type Role } from "@salus/core";
import { audited } from "../audit/audited.ts";
import { buildClaimsIn } from "../billing/build-claims.ts";
import { captureChargesIn } from "../billing/capture-charges.ts";
import { transitionClaim } from "../billing/claim-transitions.ts";
import { createClaimBatchIn } from "../billing/create-claim-batch.ts";
import { claimLineAccount, PATIENT_ACCOUNT, postLedgerIn } from "../billing/ledger-posting.ts";
import { approveChargeIn, holdChargeIn } from "../billing/review-charge.ts";
import { scrubClaimIn } from "../billing/scrub-claim.ts";
import { organizationDb } from "../db/scoped.ts";
import type { Actor, Services } from "../platform/services.ts";

/**
 * The demo's billing history, after seed-billing.ts (payers, fee schedules, coverages linked to payers):
 * the past three weeks' fulfilled visits get finished encounters with codes, their charges are captured
 * and, for visits before the last clinic day, approved, claimed and scrubbed; those over a week old are
 * sent in a batch, accepted and mostly paid (payer payment, contractual adjustment, copay moved to the
 * patient), one claim denied. The last clinic day's visits stay in the charge review queue for the
 * biller, and one of them carries a seeded error the scrubber catches (a procedure pointing at a
 * diagnosis the visit does not have) and the biller fixes on the claim page. One charge is held.
 * Everything goes through the billing use cases as the demo biller, so the ledger is the real one.
 */

interface Plan {
  diagnoses: string[];
  procedures: { code: string; modifiers?: string[]; units?: number; pointers: number[] }[];
}

const PLANS: Plan[] = [
  {
    diagnoses: ["E11.65", "I10", "E78.5"],
    procedures: [
      { code: "99214", modifiers: ["25"], pointers: [1, 2, 3] },
      { code: "83036", pointers: [1] },
    ],
  },
  { diagnoses: ["J06.9", "R05.1"], procedures: [{ code: "99213", pointers: [1, 2] }] },
  { diagnoses: ["I10"], procedures: [{ code: "99213", pointers: [1] }] },
  { diagnoses: ["Z00.00"], procedures: [{ code: "G0439", pointers: [1] }] },
  {
    diagnoses: ["M17.11"],
    procedures: [
      { code: "20610", modifiers: ["RT"], pointers: [1] },
      { code: "J3301", units: 4, pointers: [1] },
    ],
  },
  { diagnoses: ["E78.5", "I10"], procedures: [{ code: "99214", pointers: [1, 2] }] },
];

/** The seeded error: the second line points at a third diagnosis the visit does not have. */
const FAULTY: Plan = {
  diagnoses: ["J06.9", "R05.1"],
  procedures: [
    { code: "99214", pointers: [1, 2] },
    { code: "83036", pointers: [3] },
  ],
};

export interface BillingActivity {
  encounters: number;
  charges: number;
  claims: number;
  batches: number;
  lastClinicDay: string | null;
}

export async function seedBillingActivity(
  services: Services,
  organizationId: string,
): Promise<BillingActivity> {
  const db = organizationDb(services.db, organizationId);
  const result: BillingActivity = { encounters: 0, charges: 0, claims: 0, batches: 0, lastClinicDay: null };
  const settings = await db.selectFrom("billing_settings").select("organization_id").executeTakeFirst();
  const payers = await db.selectFrom("payers").select("id").execute();
  // Without the practice's billing setup (seed-billing.ts) there is nothing to bill against; with claims
  // already made, this ran before (seeding twice never charges a visit twice).
  if (!settings || payers.length === 0) return result;
  if (await db.selectFrom("claims").select("id").limit(1).executeTakeFirst()) return result;
  const biller = await db
    .selectFrom("memberships")
    .innerJoin("users", "users.id", "memberships.user_id")
    .select(["users.id", "users.email"])
    .where("memberships.role", "=", "biller")
    .orderBy("users.email")
    .executeTakeFirst();
  if (!biller) return result;
  const actor: Actor = {
    organizationId,
    userId: biller.id,
    label: biller.email,
    roles: ["biller"] satisfies Role[],
    permissions: [],
    via: "cli",
    ip: null,
    requestId: null,
  };
  // Demo dependents live with their subscriber: a coverage whose subscriber is not the patient gets the
  // patient's address where none was entered (loop 2010BA needs one; the 837P check refuses a batch
  // without it).
  const dependents = await db
    .selectFrom("coverages as v")
    .innerJoin("patients as p", "p.id", "v.patient_id")
    .select(["v.id", "p.address_line1", "p.city", "p.state", "p.postal_code"])
    .where("v.subscriber_relationship", "!=", "self")
    .where("v.subscriber_address_line1", "is", null)
    .where("p.address_line1", "is not", null)
    .execute();
  for (const d of dependents) {
    await db
      .updateTable("coverages")
      .set({
        subscriber_address_line1: d.address_line1,
        subscriber_city: d.city,
        subscriber_state: d.state,
        subscriber_postal_code: d.postal_code,
      })
      .where("id", "=", d.id)
      .execute();
  }
  const now = services.clock();
  const since = new Date(now.getTime() - 21 * 86_400_000).toISOString();
  const visits = await db
    .selectFrom("appointments as a")
    .innerJoin("locations as l", "l.id", "a.location_id")
    .innerJoin("staff_members as s", "s.id", "a.practitioner_id")
    .leftJoin("encounters as e", "e.appointment_id", "a.id")
    .innerJoin("patients as p", "p.id", "a.patient_id")
    .select([
      "a.id",
      "a.patient_id",
      "a.practitioner_id",
      "a.location_id",
      "a.start_at",
      "l.time_zone",
      "p.given_name",
      "p.family_name",
    ])
    .where("a.status", "=", "fulfilled")
    .where("a.end_at", "<", now.toISOString())
    .where("a.start_at", ">=", since)
    .where("s.npi", "is not", null)
    .where("e.id", "is", null)
    .orderBy("a.start_at")
    .orderBy("a.id")
    .execute();
  if (visits.length === 0) return result;
  const today = dateInZone(now, visits[0]!.time_zone);
  // X12 names are in its basic character set: the demo's patients named in other scripts (Greek,
  // Cyrillic, Chinese...) are left out of the billing sample, since the 837P cannot carry their names.
  const latin = (text: string) => /^[\p{Script=Latin}\s'.-]+$/u.test(text);
  const dated = visits
    .filter((v) => latin(v.given_name) && latin(v.family_name))
    .map((v) => ({ ...v, date: dateInZone(new Date(v.start_at), v.time_zone) }))
    .filter((v) => v.date < today);
  const lastDay = dated.reduce<string | null>((m, v) => (m === null || v.date > m ? v.date : m), null);
  if (!lastDay) return result;
  result.lastClinicDay = lastDay;
  // At most 8 visits a day (the demo calendar is full; billing needs a sample, not every visit).
  const perDay = new Map<string, number>();
  const chosen = dated.filter((v) => {
    const n = perDay.get(v.date) ?? 0;
    perDay.set(v.date, n + 1);
    return n < 8;
  });
  // The seeded error goes on an insured patient's visit, so it reaches a claim and the scrubber.
  const insured = new Set(
    (
      await db
        .selectFrom("coverages")
        .select("patient_id")
        .where("status", "=", "active")
        .where("priority", "=", 1)
        .where("payer_ref", "is not", null)
        .where("effective_from", "<=", lastDay)
        .where((eb) => eb.or([eb("effective_to", "is", null), eb("effective_to", ">=", lastDay)]))
        .execute()
    ).map((r) => r.patient_id),
  );
  const at = now.toISOString();
  let faultyPlaced = false;
  for (const [i, v] of chosen.entries()) {
    const faulty = !faultyPlaced && v.date === lastDay && insured.has(v.patient_id);
    if (faulty) faultyPlaced = true;
    const plan = faulty ? FAULTY : PLANS[i % PLANS.length]!;
    const encounterId = randomUUID();
    await db
      .insertInto("encounters")
      .values({
        organization_id: organizationId,
        id: encounterId,
        patient_id: v.patient_id,
        practitioner_id: v.practitioner_id,
        location_id: v.location_id,
        appointment_id: v.id,
        date: v.date,
        type: "office-visit",
        reason: null,
        status: "finished",
        sensitive: 0,
        self_pay: 0,
        error_reason: null,
        created_by: null,
        version: 1,
        created_at: at,
        updated_at: at,
        break_glass_id: null,
      })
      .execute();
    for (const [k, code] of plan.diagnoses.entries()) {
      await db
        .insertInto("encounter_diagnoses")
        .values({ organization_id: organizationId, encounter_id: encounterId, position: k + 1, code })
        .execute();
    }
    for (const [k, p] of plan.procedures.entries()) {
      await db
        .insertInto("encounter_procedures")
        .values({
          organization_id: organizationId,
          encounter_id: encounterId,
          position: k + 1,
          code_system: /^[A-Z]/.test(p.code) ? "hcpcs" : "cpt",
          code: p.code,
          modifiers: JSON.stringify(p.modifiers ?? []),
          units: p.units ?? 1,
          pointers: JSON.stringify(p.pointers),
          charge_cents: null,
        })
        .execute();
    }
    result.encounters++;
  }

  const step = <T>(action: string, fn: Parameters<typeof audited<T>>[3]) =>
    audited<T>(services, actor, { action, resourceType: "ChargeItem", detail: { demo: true } }, fn);

  const captured = await step("billing.charge.capture", (trx) => captureChargesIn(trx, services, actor));
  result.charges = captured.captured;

  // Approve everything before the last clinic day (one held for a question to the doctor).
  const older = await db
    .selectFrom("charges")
    .select(["id", "date_of_service", "amount_cents"])
    .where("status", "=", "review")
    .where("date_of_service", "<", lastDay)
    .where("amount_cents", ">", 0)
    .orderBy("date_of_service")
    .orderBy("source_key")
    .execute();
  await step("billing.charge.approve", async (trx) => {
    for (const [i, c] of older.entries()) {
      if (i === 3)
        await holdChargeIn(trx, services, c.id, {
          note: "Ask Dr. about the modifier: was the E/M separate from the procedure?",
        });
      else await approveChargeIn(trx, services, actor, c.id);
    }
  });

  // Claims in two rounds: the older visits (sent, acknowledged, mostly paid), then the last week's (sent).
  const weekAgo = dateInZone(new Date(now.getTime() - 7 * 86_400_000), visits[0]!.time_zone);
  for (const round of ["old", "recent"] as const) {
    const ids = (
      await db
        .selectFrom("charges")
        .select("id")
        .where("status", "=", "approved")
        .where("responsibility", "=", "insurance")
        .where("date_of_service", round === "old" ? "<" : ">=", weekAgo)
        .execute()
    ).map((c) => c.id);
    if (ids.length === 0) continue;
    const built = await step("billing.claim.build", (trx) =>
      buildClaimsIn(trx, services, actor, { chargeIds: ids }),
    );
    result.claims += built.created;
    await step("billing.claim.scrub", async (trx) => {
      for (const id of built.claimIds) await scrubClaimIn(trx, services, actor, id);
    });
    const ready = await db.selectFrom("claims").select("id").where("status", "=", "ready").execute();
    // The last week's claims stay ready: the next batch (web or `salus claims batch --org demo`) sends them.
    if (round === "recent" || ready.length === 0) continue;
    await step("billing.batch.create", (trx) => createClaimBatchIn(trx, services, actor));
    result.batches++;
    // The payer accepts the older batch and pays most of it.
    await step("billing.ledger.post", async (trx) => {
      // In the batch file's order; the first claim stays accepted (not paid), so a 277CA naming it can
      // still reject it (accepted → rejected), as the acknowledgement e2e test does.
      const inFileOrder = await trx
        .selectFrom("claims")
        .select("id")
        .where("id", "in", built.claimIds)
        .orderBy("date_of_service")
        .orderBy("patient_control_number")
        .execute();
      for (const [i, { id: claimId }] of inFileOrder.entries()) {
        const claim = await trx
          .selectFrom("claims")
          .select(["status", "payer_ref", "patient_id"])
          .where("id", "=", claimId)
          .executeTakeFirst();
        if (claim?.status !== "submitted") continue;
        await transitionClaim(trx, "ack:demo", claimId, "accepted", "Accepted by the payer (277CA)", { now });
        if (i % 5 === 4) {
          await transitionClaim(
            trx,
            "remittance:demo",
            claimId,
            "denied",
            "CO-197: precertification absent",
            { now },
          );
          continue;
        }
        if (i === 0 || i % 5 === 3) continue;
        const lines = await trx
          .selectFrom("claim_lines")
          .selectAll()
          .where("claim_id", "=", claimId)
          .orderBy("line_number")
          .execute();
        for (const l of lines) {
          const account = claimLineAccount(claim.payer_ref, claimId, l.line_number);
          const paid = Math.floor((l.charge_cents * 0.6) / 100) * 100;
          const copay = l.line_number === 1 ? Math.min(2000, l.charge_cents - paid) : 0;
          const adjust = l.charge_cents - paid - copay;
          const source = { source: "remittance:demo" };
          await postLedgerIn(
            trx,
            services,
            actor,
            {
              kind: "payment",
              chargeId: l.charge_id,
              patientId: claim.patient_id,
              account,
              amountCents: paid,
            },
            source,
          );
          if (adjust > 0) {
            await postLedgerIn(
              trx,
              services,
              actor,
              {
                kind: "adjustment",
                chargeId: l.charge_id,
                patientId: claim.patient_id,
                account,
                amountCents: adjust,
                groupCode: "CO",
                reasonCode: "45",
              },
              source,
            );
          }
          if (copay > 0) {
            await postLedgerIn(
              trx,
              services,
              actor,
              {
                kind: "transfer",
                chargeId: l.charge_id,
                patientId: claim.patient_id,
                from: account,
                to: PATIENT_ACCOUNT,
                amountCents: copay,
                memo: "PR-3 copay",
              },
              source,
            );
          }
        }
        await transitionClaim(trx, "remittance:demo", claimId, "paid", "Paid by the payer (835)", { now });
      }
    });
  }
  return result;
}

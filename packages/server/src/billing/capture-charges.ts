import { randomUUID } from "node:crypto";
import { dateInZone } from "@salus/core";
import { sql } from "kysely";
import { audited } from "../audit/audited.ts";
import type { ScopedTrx } from "../db/scoped.ts";
import type { Actor, Services } from "../platform/services.ts";
import { PATIENT_ACCOUNT, postLedgerIn } from "./ledger-posting.ts";
import { selfPayPayerRef } from "./load-payer.ts";
import { priceFor } from "./price-lookup.ts";

/** The place of service when nothing says otherwise: 11, office. */
export const DEFAULT_PLACE_OF_SERVICE = "11";

/** The fee code a no-show fee is charged under (code system 'fee': no CPT/HCPCS). */
export const NO_SHOW_FEE_CODE = "NO-SHOW";

export interface CaptureResult {
  /** Charges created from encounter procedure lines (status review). */
  captured: number;
  /** No-show fees charged to the patient (approved and posted at once). */
  noShowFees: number;
  /** No-show fees waived or undone since they were charged: their charges voided and reversed. */
  noShowFeesReversed: number;
  /** Lines created without a price (no fee schedule entry): the review queue says so. */
  unpriced: number;
}

/** The patient's primary coverage that bills a payer on `date`, if any. */
export async function billableCoverageOn(
  trx: ScopedTrx,
  patientId: string,
  date: string,
): Promise<{ coverageId: string; payerRef: string } | null> {
  const row = await trx
    .selectFrom("coverages")
    .select(["id", "payer_ref"])
    .where("patient_id", "=", patientId)
    .where("status", "=", "active")
    .where("payer_ref", "is not", null)
    .where("effective_from", "<=", date)
    .where((eb) => eb.or([eb("effective_to", "is", null), eb("effective_to", ">=", date)]))
    .orderBy("priority")
    .orderBy("created_at")
    .limit(1)
    .executeTakeFirst();
  return row?.payer_ref ? { coverageId: row.id, payerRef: row.payer_ref } : null;
}

/**
 * Turns every finished encounter's procedure lines that have no charge yet into charges in the review
 * queue, priced from the fee schedule in force on the date of service (priceFor; the clinician's own
 * amount on the line when the schedule has none; else zero with a note), and settles no-show fees: a
 * pending fee becomes an approved patient charge posted to the ledger; a fee since waived or undone
 * has its charge voided and reversed. Idempotent: the unique source key ('encounter:<id>:<position>',
 * 'no-show:<fee id>') means running it again, or twice at once, never charges a line twice.
 */
export async function captureChargesIn(
  trx: ScopedTrx,
  services: Services,
  actor: Actor,
  options: { encounterId?: string; noShowFees?: boolean } = {},
): Promise<CaptureResult> {
  const now = services.clock().toISOString();
  const result: CaptureResult = { captured: 0, noShowFees: 0, noShowFeesReversed: 0, unpriced: 0 };

  let pending = trx
    .selectFrom("encounter_procedures as ep")
    .innerJoin("encounters as e", "e.id", "ep.encounter_id")
    .leftJoin("charges as c", (j) =>
      j
        .onRef("c.encounter_id", "=", "ep.encounter_id")
        .on("c.source_key", "=", sql<string>`'encounter:' || ep.encounter_id || ':' || ep.position`),
    )
    .select([
      "ep.encounter_id",
      "ep.position",
      "ep.code_system",
      "ep.code",
      "ep.modifiers",
      "ep.units",
      "ep.pointers",
      "ep.charge_cents",
      "e.patient_id",
      "e.practitioner_id",
      "e.location_id",
      "e.appointment_id",
      "e.date",
      "e.self_pay",
    ])
    .where("e.status", "=", "finished")
    .where("c.id", "is", null);
  if (options.encounterId) pending = pending.where("ep.encounter_id", "=", options.encounterId);
  const lines = await pending.orderBy("e.date").orderBy("ep.encounter_id").orderBy("ep.position").execute();

  const diagnoses = new Map<string, string[]>();
  const encounterIds = [...new Set(lines.map((l) => l.encounter_id))];
  for (let i = 0; i < encounterIds.length; i += 500) {
    const rows = await trx
      .selectFrom("encounter_diagnoses")
      .select(["encounter_id", "position", "code"])
      .where("encounter_id", "in", encounterIds.slice(i, i + 500))
      .orderBy("encounter_id")
      .orderBy("position")
      .execute();
    for (const r of rows) diagnoses.set(r.encounter_id, [...(diagnoses.get(r.encounter_id) ?? []), r.code]);
  }

  // A visit billed to the patient (self-pay, or no coverage on the date) is priced from the self-pay
  // payer's schedule when the practice has one, else from its default prices (priceFor falls back).
  let selfPay: string | null | undefined;
  for (const l of lines) {
    const coverage = l.self_pay ? null : await billableCoverageOn(trx, l.patient_id, l.date);
    const modifiers: string[] = JSON.parse(l.modifiers);
    if (!coverage && selfPay === undefined) selfPay = await selfPayPayerRef(trx);
    const found = await priceFor(trx, {
      procedureCode: l.code,
      modifiers,
      dateOfService: l.date,
      payerRef: coverage ? coverage.payerRef : (selfPay ?? null),
    });
    const unit = found?.unitPriceCents ?? l.charge_cents ?? 0;
    const notes: string[] = [];
    if (!found) {
      result.unpriced++;
      notes.push(
        l.charge_cents !== null
          ? `No fee schedule price for ${l.code} on ${l.date}; the amount entered on the visit is used.`
          : `No fee schedule price for ${l.code} on ${l.date}: enter the amount before approving.`,
      );
    }
    if (l.self_pay)
      notes.push("The patient paid out of pocket and asked that this visit not be billed to insurance.");
    else if (!coverage) notes.push("No active coverage on the date of service: billed to the patient.");
    const inserted = await trx
      .insertInto("charges")
      .values({
        organization_id: actor.organizationId,
        id: randomUUID(),
        source_key: `encounter:${l.encounter_id}:${l.position}`,
        source: "encounter",
        patient_id: l.patient_id,
        encounter_id: l.encounter_id,
        appointment_id: l.appointment_id,
        location_id: l.location_id,
        rendering_staff_id: l.practitioner_id,
        date_of_service: l.date,
        place_of_service: DEFAULT_PLACE_OF_SERVICE,
        code_system: l.code_system,
        procedure_code: l.code,
        modifiers: l.modifiers,
        units: l.units,
        diagnosis_codes: JSON.stringify(diagnoses.get(l.encounter_id) ?? []),
        diagnosis_pointers: l.pointers,
        unit_price_cents: unit,
        amount_cents: unit * l.units,
        fee_schedule_id: found?.feeScheduleId ?? null,
        responsibility: coverage ? "insurance" : "patient",
        status: "review",
        claim_id: null,
        review_note: notes.length > 0 ? notes.join(" ") : null,
        created_by: actor.userId ?? actor.label,
        version: 1,
        created_at: now,
        updated_at: now,
      })
      // A concurrent capture that got there first: the unique source key keeps one charge.
      .onConflict((oc) => oc.columns(["organization_id", "source_key"]).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0) result.captured++;
  }

  // Finishing one visit captures its own lines only (billing/capture-on-finish.ts).
  if (options.noShowFees === false) return result;

  // No-show fees still pending and not yet charged.
  const fees = await trx
    .selectFrom("no_show_fees as f")
    .innerJoin("appointments as a", "a.id", "f.appointment_id")
    .innerJoin("locations as l", "l.id", "a.location_id")
    .leftJoin("charges as c", (j) => j.on("c.source_key", "=", sql<string>`'no-show:' || f.id`))
    .select([
      "f.id",
      "f.patient_id",
      "f.amount_cents",
      "f.appointment_id",
      "a.start_at",
      "a.location_id",
      "a.practitioner_id",
      "l.time_zone",
    ])
    .where("f.status", "=", "pending")
    .where("f.amount_cents", ">", 0)
    .where("c.id", "is", null)
    .execute();
  for (const f of fees) {
    const chargeId = randomUUID();
    const date = dateInZone(new Date(f.start_at), f.time_zone);
    const inserted = await trx
      .insertInto("charges")
      .values({
        organization_id: actor.organizationId,
        id: chargeId,
        source_key: `no-show:${f.id}`,
        source: "no-show",
        patient_id: f.patient_id,
        encounter_id: null,
        appointment_id: f.appointment_id,
        location_id: f.location_id,
        rendering_staff_id: f.practitioner_id,
        date_of_service: date,
        place_of_service: null,
        code_system: "fee",
        procedure_code: NO_SHOW_FEE_CODE,
        modifiers: "[]",
        units: 1,
        diagnosis_codes: "[]",
        diagnosis_pointers: "[]",
        unit_price_cents: f.amount_cents,
        amount_cents: f.amount_cents,
        fee_schedule_id: null,
        responsibility: "patient",
        status: "approved",
        claim_id: null,
        review_note: "No-show fee recorded by the day's flow.",
        created_by: actor.userId ?? actor.label,
        version: 1,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.columns(["organization_id", "source_key"]).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) continue;
    await postLedgerIn(
      trx,
      services,
      actor,
      {
        kind: "charge",
        chargeId,
        patientId: f.patient_id,
        account: PATIENT_ACCOUNT,
        amountCents: f.amount_cents,
      },
      { source: `charge:${chargeId}` },
    );
    result.noShowFees++;
  }

  // Fees waived or undone (the flow deletes the fee when a no-show is undone) after they were charged.
  const stale = await trx
    .selectFrom("charges as c")
    .leftJoin("no_show_fees as f", (j) =>
      j.on(sql<string>`'no-show:' || f.id`, "=", sql<string>`c.source_key`),
    )
    .select(["c.id", "c.version", "f.status"])
    .where("c.source", "=", "no-show")
    .where("c.status", "=", "approved")
    .where((eb) => eb.or([eb("f.id", "is", null), eb("f.status", "=", "waived")]))
    .execute();
  for (const c of stale) {
    await reverseChargeEntries(trx, services, actor, c.id, "No-show fee waived or undone");
    await trx
      .updateTable("charges")
      .set({
        status: "void",
        review_note: "No-show fee waived or undone: voided.",
        version: c.version + 1,
        updated_at: now,
      })
      .where("id", "=", c.id)
      .execute();
    result.noShowFeesReversed++;
  }
  return result;
}

/** Reverses every posting of a charge not reversed yet (newest first), so its balance returns to zero. */
export async function reverseChargeEntries(
  trx: ScopedTrx,
  services: Services,
  actor: Actor,
  chargeId: string,
  memo: string,
): Promise<void> {
  const entries = await trx
    .selectFrom("ledger_entries")
    .select(["id", "transaction_id", "reverses_id", "posted_at"])
    .where("charge_id", "=", chargeId)
    .orderBy("posted_at", "desc")
    .orderBy("id", "desc")
    .execute();
  const reversed = new Set(entries.flatMap((e) => (e.reverses_id ? [e.reverses_id] : [])));
  const done = new Set<string>();
  for (const e of entries) {
    if (e.reverses_id || reversed.has(e.id) || done.has(e.transaction_id)) continue;
    done.add(e.transaction_id);
    await postLedgerIn(
      trx,
      services,
      actor,
      { kind: "reverse", transactionId: e.transaction_id, memo },
      {
        source: `charge:${chargeId}`,
      },
    );
  }
}

/** Captures charges (see captureChargesIn), audited. */
export async function captureCharges(
  services: Services,
  actor: Actor,
  options: { encounterId?: string } = {},
): Promise<CaptureResult> {
  return audited(
    services,
    actor,
    {
      action: "billing.charge.capture",
      resourceType: "ChargeItem",
      detail: options.encounterId ? { encounterId: options.encounterId } : null,
      fromResult: (r: CaptureResult) => ({ detail: { ...r } }),
    },
    (trx) => captureChargesIn(trx, services, actor, options),
  );
}

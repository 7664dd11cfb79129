import { DomainError, parseMoney } from "@salus/core";
import { audited } from "../audit/audited.ts";
import type { ChargeStatus } from "../db/schema-billing.ts";
import type { ScopedTrx } from "../db/scoped.ts";
import type { Actor, Services } from "../platform/services.ts";
import { billableCoverageOn, reverseChargeEntries } from "./capture-charges.ts";
import { type ChargeRow, loadCharge, presentCharge } from "./charge-view.ts";
import { PATIENT_ACCOUNT, postLedgerIn, unclaimed } from "./ledger-posting.ts";
import type { ChargeActionRequest, ChargeEditRequest, ChargeView } from "./ledger-schemas.ts";

/**
 * The charge review queue's decisions: approve (posts the charge to the ledger: owed by the patient's
 * payer while it waits for a claim, or by the patient), hold with a note, void (an approved charge's
 * postings are reversed), and edit a charge still under review. A claimed charge is corrected through
 * its claim (replacement or void), never here.
 */

function requireVersion(row: ChargeRow, expected: number | undefined): void {
  if (expected !== undefined && expected !== row.version) {
    throw new DomainError(
      "conflict",
      "This charge was changed by someone else since you opened it; reload and try again.",
      [{ path: "version", message: `is ${row.version}, expected ${expected}` }],
    );
  }
}

function requireStatus(row: ChargeRow, allowed: readonly ChargeStatus[], doing: string): void {
  if (allowed.includes(row.status)) return;
  const why =
    row.status === "claimed"
      ? "it is on a claim; correct the claim instead (replacement or void)"
      : `it is ${row.status}`;
  throw new DomainError("conflict", `This charge cannot be ${doing}: ${why}.`, [
    { path: "status", message: `is ${row.status}` },
  ]);
}

async function bump(
  trx: ScopedTrx,
  services: Services,
  row: ChargeRow,
  set: Partial<
    Pick<
      ChargeRow,
      | "status"
      | "review_note"
      | "procedure_code"
      | "modifiers"
      | "units"
      | "diagnosis_pointers"
      | "unit_price_cents"
      | "amount_cents"
      | "responsibility"
      | "place_of_service"
      | "fee_schedule_id"
    >
  >,
): Promise<void> {
  const result = await trx
    .updateTable("charges")
    .set({ ...set, version: row.version + 1, updated_at: services.clock().toISOString() })
    .where("id", "=", row.id)
    .where("version", "=", row.version)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) {
    throw new DomainError(
      "conflict",
      "This charge was changed while it was being saved; reload and try again.",
    );
  }
}

export async function approveChargeIn(
  trx: ScopedTrx,
  services: Services,
  actor: Actor,
  id: string,
  input: ChargeActionRequest = {},
): Promise<ChargeView> {
  const row = await loadCharge(trx, id);
  requireVersion(row, input.version);
  requireStatus(row, ["review", "held"], "approved");
  if (row.amount_cents <= 0) {
    throw new DomainError(
      "invalid_amount",
      `${row.procedure_code} on ${row.date_of_service} has no amount: enter the price before approving.`,
      [{ path: "unitPrice", message: "no price" }],
    );
  }
  if (row.responsibility === "insurance" && JSON.parse(row.diagnosis_pointers).length === 0) {
    throw new DomainError(
      "invalid_request",
      `${row.procedure_code} points at no diagnosis: a payer denies it. Add a diagnosis pointer first.`,
      [{ path: "diagnosisPointers", message: "empty" }],
    );
  }
  let account = PATIENT_ACCOUNT;
  if (row.responsibility === "insurance") {
    const coverage = await billableCoverageOn(trx, row.patient_id, row.date_of_service);
    if (!coverage) {
      throw new DomainError(
        "conflict",
        `The patient has no active coverage linked to a payer on ${row.date_of_service}: add the coverage, or bill this charge to the patient.`,
        [{ path: "responsibility", message: "no coverage" }],
      );
    }
    account = unclaimed(coverage.payerRef);
  }
  await bump(trx, services, row, { status: "approved", review_note: input.note ?? row.review_note });
  await postLedgerIn(
    trx,
    services,
    actor,
    { kind: "charge", chargeId: row.id, patientId: row.patient_id, account, amountCents: row.amount_cents },
    { source: `charge:${row.id}`, effectiveDate: row.date_of_service },
  );
  return presentCharge(await loadCharge(trx, id));
}

export async function holdChargeIn(
  trx: ScopedTrx,
  services: Services,
  id: string,
  input: ChargeActionRequest,
): Promise<ChargeView> {
  const row = await loadCharge(trx, id);
  requireVersion(row, input.version);
  requireStatus(row, ["review"], "held");
  if (!input.note)
    throw new DomainError("invalid_request", "Say why the charge is held.", [
      { path: "note", message: "required" },
    ]);
  await bump(trx, services, row, { status: "held", review_note: input.note });
  return presentCharge(await loadCharge(trx, id));
}

export async function voidChargeIn(
  trx: ScopedTrx,
  services: Services,
  actor: Actor,
  id: string,
  input: ChargeActionRequest,
): Promise<ChargeView> {
  const row = await loadCharge(trx, id);
  requireVersion(row, input.version);
  requireStatus(row, ["review", "held", "approved"], "voided");
  if (!input.note)
    throw new DomainError("invalid_request", "Say why the charge is voided.", [
      { path: "note", message: "required" },
    ]);
  if (row.status === "approved")
    await reverseChargeEntries(trx, services, actor, row.id, `Charge voided: ${input.note}`);
  await bump(trx, services, row, { status: "void", review_note: input.note });
  return presentCharge(await loadCharge(trx, id));
}

export async function editChargeIn(
  trx: ScopedTrx,
  services: Services,
  id: string,
  input: ChargeEditRequest,
): Promise<ChargeView> {
  const row = await loadCharge(trx, id);
  requireVersion(row, input.version);
  requireStatus(row, ["review", "held"], "edited");
  if (row.source === "no-show" && (input.procedureCode || input.modifiers || input.diagnosisPointers)) {
    throw new DomainError(
      "invalid_request",
      "A no-show fee has no procedure codes to edit; change its amount only.",
    );
  }
  const diagnoses: string[] = JSON.parse(row.diagnosis_codes);
  const pointers = input.diagnosisPointers;
  if (pointers) {
    pointers.forEach((p, i) => {
      if (p > diagnoses.length) {
        throw new DomainError(
          "invalid_request",
          `Diagnosis pointer ${p} points nowhere: the visit has ${diagnoses.length} diagnosis code(s).`,
          [{ path: `diagnosisPointers.${i}`, message: "points nowhere" }],
        );
      }
    });
  }
  const unit =
    input.unitPrice !== undefined ? parseMoney(input.unitPrice, "unitPrice") : row.unit_price_cents;
  if (unit < 0)
    throw new DomainError("invalid_amount", "A price cannot be negative.", [
      { path: "unitPrice", message: "negative" },
    ]);
  const units = input.units ?? row.units;
  await bump(trx, services, row, {
    procedure_code: input.procedureCode?.toUpperCase() ?? row.procedure_code,
    modifiers: input.modifiers ? JSON.stringify(input.modifiers.map((m) => m.toUpperCase())) : row.modifiers,
    units,
    diagnosis_pointers: pointers ? JSON.stringify(pointers) : row.diagnosis_pointers,
    unit_price_cents: unit,
    amount_cents: unit * units,
    fee_schedule_id: input.unitPrice !== undefined ? null : row.fee_schedule_id,
    responsibility: input.responsibility ?? row.responsibility,
    place_of_service: input.placeOfService ?? row.place_of_service,
    review_note: input.note === undefined ? row.review_note : input.note,
  });
  return presentCharge(await loadCharge(trx, id));
}

type Decision = "approve" | "hold" | "void" | "edit";

/** One audited decision on one charge. */
export async function reviewCharge(
  services: Services,
  actor: Actor,
  id: string,
  decision: Decision,
  input: ChargeActionRequest | ChargeEditRequest,
): Promise<ChargeView> {
  return audited(
    services,
    actor,
    {
      action: `billing.charge.${decision}`,
      resourceType: "ChargeItem",
      resourceId: id,
      detail: "note" in input && input.note ? { note: input.note } : null,
      fromResult: (c: ChargeView) => ({
        patientId: c.patientId,
        detail: { status: c.status, amountCents: c.amountCents },
      }),
    },
    (trx) => {
      switch (decision) {
        case "approve":
          return approveChargeIn(trx, services, actor, id, input as ChargeActionRequest);
        case "hold":
          return holdChargeIn(trx, services, id, input as ChargeActionRequest);
        case "void":
          return voidChargeIn(trx, services, actor, id, input as ChargeActionRequest);
        case "edit":
          return editChargeIn(trx, services, id, input as ChargeEditRequest);
      }
    },
  );
}

/** Approves several charges at once: all of them or, when one is refused, none (the refusal names it). */
export async function approveCharges(
  services: Services,
  actor: Actor,
  ids: readonly string[],
): Promise<{ approved: number }> {
  return audited(
    services,
    actor,
    { action: "billing.charge.approve", resourceType: "ChargeItem", detail: { ids: [...ids] } },
    async (trx) => {
      for (const id of ids) {
        try {
          await approveChargeIn(trx, services, actor, id);
        } catch (e) {
          if (e instanceof DomainError) {
            const row = await loadCharge(trx, id).catch(() => null);
            const label = row
              ? `${row.procedure_code} of ${row.patient_family ?? "?"} on ${row.date_of_service}`
              : id;
            throw new DomainError(e.code, `${label}: ${e.message} Nothing was approved.`, [
              { path: `ids.${ids.indexOf(id)}`, message: e.message },
            ]);
          }
          throw e;
        }
      }
      return { approved: ids.length };
    },
  );
}

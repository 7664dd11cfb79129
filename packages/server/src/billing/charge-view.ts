import { notFound } from "@salus/core";
import type { ChargesTable } from "../db/schema-billing.ts";
import type { ScopedTrx } from "../db/scoped.ts";
import type { ChargeView } from "./ledger-schemas.ts";

/** A charge row with the names a biller reads beside it. */
export type ChargeRow = ChargesTable & {
  patient_given: string | null;
  patient_family: string | null;
  patient_mrn: string | null;
  rendering_given: string | null;
  rendering_family: string | null;
};

export function presentCharge(r: ChargeRow): ChargeView {
  return {
    id: r.id,
    source: r.source,
    sourceKey: r.source_key,
    patientId: r.patient_id,
    patientName: r.patient_family ? `${r.patient_family}, ${r.patient_given ?? ""}`.trim() : null,
    patientMrn: r.patient_mrn,
    encounterId: r.encounter_id,
    appointmentId: r.appointment_id,
    renderingStaffId: r.rendering_staff_id,
    renderingName: r.rendering_family ? `${r.rendering_given ?? ""} ${r.rendering_family}`.trim() : null,
    dateOfService: r.date_of_service,
    placeOfService: r.place_of_service,
    codeSystem: r.code_system,
    procedureCode: r.procedure_code,
    modifiers: JSON.parse(r.modifiers) as string[],
    units: r.units,
    diagnosisCodes: JSON.parse(r.diagnosis_codes) as string[],
    diagnosisPointers: JSON.parse(r.diagnosis_pointers) as number[],
    unitPriceCents: r.unit_price_cents,
    amountCents: r.amount_cents,
    feeScheduleId: r.fee_schedule_id,
    responsibility: r.responsibility,
    status: r.status,
    claimId: r.claim_id,
    reviewNote: r.review_note,
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Charges with patient and practitioner names (callers add their filters). */
export function chargeQuery(trx: ScopedTrx) {
  return trx
    .selectFrom("charges as c")
    .innerJoin("patients as p", "p.id", "c.patient_id")
    .leftJoin("staff_members as s", "s.id", "c.rendering_staff_id")
    .selectAll("c")
    .select([
      "p.given_name as patient_given",
      "p.family_name as patient_family",
      "p.mrn as patient_mrn",
      "s.given_name as rendering_given",
      "s.family_name as rendering_family",
    ]);
}

export async function loadCharge(trx: ScopedTrx, id: string): Promise<ChargeRow> {
  const row = await chargeQuery(trx).where("c.id", "=", id).executeTakeFirst();
  if (!row) throw notFound("charge");
  return row as ChargeRow;
}

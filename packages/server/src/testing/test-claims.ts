import { randomUUID } from "node:crypto";
import type { Services } from "../platform/services.ts";
import type { BillingPractice } from "./billing-practice.ts";
import type { SeededOrg } from "./harness.ts";

/**
 * A claim (ready unless told otherwise) with two lines (99213 $125.00, 36415 $12.50) and their charges,
 * written directly: for tests of what happens after scrubbing (batches, acknowledgements, the CLI).
 */
export async function insertTestClaim(
  services: Services,
  org: SeededOrg,
  practice: BillingPractice,
  pcn: string,
  status = "ready",
): Promise<string> {
  const db = services.systemDb;
  const at = services.clock().toISOString();
  const claimId = randomUUID();
  await db
    .insertInto("claims")
    .values({
      organization_id: org.id,
      id: claimId,
      patient_control_number: pcn,
      patient_id: org.patientIds[0],
      payer_ref: practice.payerId,
      coverage_id: practice.coverageId,
      sequence: "primary",
      primary_claim_id: null,
      rendering_staff_id: org.practitionerId,
      location_id: org.locationId,
      date_of_service: "2026-02-27",
      place_of_service: "11",
      frequency_code: "1",
      original_claim_id: null,
      payer_claim_number: null,
      diagnosis_codes: JSON.stringify(["E11.9", "I10"]),
      status: status as "ready",
      scrub_findings: null,
      scrubbed_at: null,
      scrub_count: 1,
      first_scrub_clean: 1,
      batch_id: null,
      submitted_at: null,
      created_by: null,
      version: 3,
      created_at: at,
      updated_at: at,
    })
    .execute();
  for (const [i, [code, cents]] of (
    [
      ["99213", 12500],
      ["36415", 1250],
    ] as const
  ).entries()) {
    const chargeId = randomUUID();
    await db
      .insertInto("charges")
      .values({
        organization_id: org.id,
        id: chargeId,
        source_key: `test:${claimId}:${i}`,
        source: "encounter",
        patient_id: org.patientIds[0],
        encounter_id: null,
        appointment_id: null,
        location_id: org.locationId,
        rendering_staff_id: org.practitionerId,
        date_of_service: "2026-02-27",
        place_of_service: "11",
        code_system: "cpt",
        procedure_code: code,
        modifiers: "[]",
        units: 1,
        diagnosis_codes: JSON.stringify(["E11.9", "I10"]),
        diagnosis_pointers: "[1]",
        unit_price_cents: cents,
        amount_cents: cents,
        fee_schedule_id: null,
        responsibility: "insurance",
        status: "claimed",
        claim_id: claimId,
        review_note: null,
        created_by: null,
        version: 1,
        created_at: at,
        updated_at: at,
      })
      .execute();
    await db
      .insertInto("claim_lines")
      .values({
        organization_id: org.id,
        claim_id: claimId,
        line_number: i + 1,
        charge_id: chargeId,
        procedure_code: code,
        modifiers: i === 0 ? JSON.stringify(["25"]) : "[]",
        units: 1,
        charge_cents: cents,
        diagnosis_pointers: i === 0 ? "[1,2]" : "[1]",
        date_of_service: "2026-02-27",
        place_of_service: "11",
      })
      .execute();
  }
  return claimId;
}

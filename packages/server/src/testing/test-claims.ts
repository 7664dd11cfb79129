import { randomUUID } from "node:crypto";
import type { Services } from "../platform/services.ts";
import type { BillingPractice } from "./billing-practice.ts";
import type { SeededOrg } from "./harness.ts";

/** The two lines a test claim has unless told otherwise. */
export const TEST_CLAIM_LINES = [
  ["99213", 12500],
  ["36415", 1250],
] as const;

/**
 * A claim (ready unless told otherwise) with its lines (by default 99213 $125.00, 36415 $12.50) and their charges,
 * written directly: for tests of what happens after scrubbing (batches, acknowledgements, the CLI).
 */
export async function insertTestClaim(
  services: Services,
  org: SeededOrg,
  practice: BillingPractice,
  pcn: string,
  status = "ready",
  lines: readonly (readonly [code: string, cents: number])[] = TEST_CLAIM_LINES,
): Promise<string> {
  const db = services.systemDb;
  const at = services.clock().toISOString();
  const claimId = randomUUID();
  // A draft was never scrubbed; any later status went draft → scrubbed/ready (two moves, version 3).
  const scrubbed = status !== "draft";
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
      scrub_count: scrubbed ? 1 : 0,
      first_scrub_clean: scrubbed ? 1 : null,
      batch_id: null,
      submitted_at: null,
      created_by: null,
      version: scrubbed ? 3 : 1,
      created_at: at,
      updated_at: at,
    })
    .execute();
  for (const [i, [code, cents]] of lines.entries()) {
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

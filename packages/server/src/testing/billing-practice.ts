import { randomUUID } from "node:crypto";
import type { Services } from "../platform/services.ts";
import type { SeededOrg } from "./harness.ts";

/**
 * Test fixture for billing: the practice's billing identity, a commercial payer and a self-pay payer,
 * a default practice fee schedule, a primary coverage for the seeded patient, and finished encounters
 * with diagnoses and procedures, written straight to the database (charge capture must find encounters
 * however they were made).
 */
export interface BillingPractice {
  payerId: string;
  secondaryPayerId: string;
  selfPayPayerId: string;
  coverageId: string;
  feeScheduleId: string;
}

export const BILLING_NPI = "1245319599";

export async function seedBillingPractice(services: Services, org: SeededOrg): Promise<BillingPractice> {
  const db = services.systemDb;
  const o = org.id;
  const at = services.clock().toISOString();
  await db
    .insertInto("billing_settings")
    .values({
      organization_id: o,
      billing_name: `${org.name} Billing`,
      billing_npi: BILLING_NPI,
      tax_id: "741234567",
      taxonomy: "207Q00000X",
      address_line1: "1 Main St",
      address_line2: null,
      city: "Austin",
      state: "TX",
      postal_code: "787011234",
      phone: "5125550100",
      submitter_id: "SUB1",
      submitter_contact_name: "Billing Office",
      submitter_contact_email: "billing@example.test",
      receiver_id: "RCV1",
      receiver_name: "Clearinghouse",
      usage_indicator: "T",
      last_interchange_control: 0,
      last_group_control: 0,
      updated_at: at,
    })
    .execute();
  const payer = (id: string, name: string, kind: "commercial" | "self-pay", cfi: string) =>
    db
      .insertInto("payers")
      .values({
        organization_id: o,
        id,
        name,
        payer_id: kind === "self-pay" ? null : `P${id.slice(0, 5).toUpperCase()}`,
        claim_filing_indicator: cfi,
        kind,
        timely_filing_days: 180,
        member_id_pattern: null,
        address_line1: "PO Box 1",
        address_line2: null,
        city: "Dallas",
        state: "TX",
        postal_code: "75201",
        phone: null,
        active: 1,
        version: 1,
        created_at: at,
        updated_at: at,
      })
      .execute();
  const payerId = randomUUID();
  const secondaryPayerId = randomUUID();
  const selfPayPayerId = randomUUID();
  await payer(payerId, "Lone Star Health", "commercial", "CI");
  await payer(secondaryPayerId, "Second Mutual", "commercial", "CI");
  await payer(selfPayPayerId, "Self-pay", "self-pay", "09");
  const coverageId = randomUUID();
  for (const [id, priority, ref, member] of [
    [coverageId, 1, payerId, "LSH123456"],
    [randomUUID(), 2, secondaryPayerId, "SM98765"],
  ] as const) {
    await db
      .insertInto("coverages")
      .values({
        organization_id: o,
        id,
        patient_id: org.patientIds[0],
        priority,
        payer_name: priority === 1 ? "Lone Star Health" : "Second Mutual",
        payer_id: null,
        plan_name: "PPO",
        member_id: member,
        group_id: "G-1",
        subscriber_relationship: "self",
        subscriber_given_name: null,
        subscriber_family_name: null,
        subscriber_date_of_birth: null,
        payer_ref: ref,
        subscriber_sex: null,
        subscriber_address_line1: null,
        subscriber_city: null,
        subscriber_state: null,
        subscriber_postal_code: null,
        effective_from: "2025-01-01",
        effective_to: null,
        status: "active",
        created_at: at,
        updated_at: at,
      })
      .execute();
  }
  const feeScheduleId = randomUUID();
  await db
    .insertInto("fee_schedules")
    .values({
      organization_id: o,
      id: feeScheduleId,
      name: "Practice fees",
      kind: "practice",
      payer_ref: null,
      is_default: 1,
      effective_from: "2025-01-01",
      effective_to: null,
      active: 1,
      version: 1,
      created_at: at,
      updated_at: at,
    })
    .execute();
  for (const [code, modifier, cents] of [
    ["99213", "", 12500],
    ["99214", "", 18000],
    ["93000", "", 4500],
    ["36415", "", 1200],
  ] as const) {
    await db
      .insertInto("fee_schedule_entries")
      .values({
        organization_id: o,
        fee_schedule_id: feeScheduleId,
        procedure_code: code,
        modifier,
        amount_cents: cents,
        description: null,
      })
      .execute();
  }
  return { payerId, secondaryPayerId, selfPayPayerId, coverageId, feeScheduleId };
}

export interface EncounterSpec {
  patientId: string;
  date: string;
  status?: "finished" | "in-progress";
  selfPay?: boolean;
  diagnoses?: string[];
  procedures?: {
    code: string;
    modifiers?: string[];
    units?: number;
    pointers?: number[];
    chargeCents?: number;
  }[];
}

/** A finished encounter with its codes, written directly; answers its id. */
export async function seedEncounter(
  services: Services,
  org: SeededOrg,
  spec: EncounterSpec,
): Promise<string> {
  const db = services.systemDb;
  const id = randomUUID();
  const at = services.clock().toISOString();
  await db
    .insertInto("encounters")
    .values({
      organization_id: org.id,
      id,
      patient_id: spec.patientId,
      practitioner_id: org.practitionerId,
      location_id: org.locationId,
      appointment_id: null,
      date: spec.date,
      type: "office visit",
      reason: null,
      status: spec.status ?? "finished",
      sensitive: 0,
      self_pay: spec.selfPay ? 1 : 0,
      error_reason: null,
      created_by: null,
      version: 1,
      created_at: at,
      updated_at: at,
      break_glass_id: null,
    })
    .execute();
  for (const [i, code] of (spec.diagnoses ?? ["E11.9", "I10"]).entries()) {
    await db
      .insertInto("encounter_diagnoses")
      .values({ organization_id: org.id, encounter_id: id, position: i + 1, code })
      .execute();
  }
  for (const [i, p] of (spec.procedures ?? [{ code: "99213" }, { code: "36415", pointers: [1] }]).entries()) {
    await db
      .insertInto("encounter_procedures")
      .values({
        organization_id: org.id,
        encounter_id: id,
        position: i + 1,
        code_system: /^[A-Z]/.test(p.code) ? "hcpcs" : "cpt",
        code: p.code,
        modifiers: JSON.stringify(p.modifiers ?? []),
        units: p.units ?? 1,
        pointers: JSON.stringify(p.pointers ?? [1, 2]),
        charge_cents: p.chargeCents ?? null,
      })
      .execute();
  }
  return id;
}

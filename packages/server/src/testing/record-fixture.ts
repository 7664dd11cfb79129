import { createHash, randomUUID } from "node:crypto";
import { sealBytes, sealText } from "../platform/field-crypto.ts";
import type { Services } from "../platform/services.ts";
import type { SeededOrg } from "./harness.ts";

/**
 * Test fixture: one row in every table of a patient's record, written straight to the database (the
 * export must find rows however they were made), each holding a unique marker so a test can check that
 * an export contains all of them, and that another patient's export contains none.
 */
export interface FullRecord {
  marker: string;
  ids: Record<string, string>;
  /** Every marker string written into a text field of the record. */
  texts: string[];
}

export async function seedFullRecord(
  services: Services,
  org: SeededOrg,
  patientId: string,
  marker: string,
  options: { sensitivePractitionerId?: string; practitionerId?: string } = {},
): Promise<FullRecord> {
  const db = services.systemDb;
  const o = org.id;
  const practitionerId = options.practitionerId ?? org.practitionerId;
  const at = services.clock().toISOString();
  const day = at.slice(0, 10);
  const ids: Record<string, string> = {};
  const texts: string[] = [];
  const t = (what: string) => {
    const s = `${marker}-${what}`;
    texts.push(s);
    return s;
  };
  const id = (name: string) => {
    ids[name] = randomUUID();
    return ids[name]!;
  };

  await db
    .insertInto("coverages")
    .values({
      organization_id: o,
      id: id("coverage"),
      patient_id: patientId,
      priority: 1,
      payer_name: t("payer"),
      payer_id: "60054",
      plan_name: "PPO",
      member_id: t("member"),
      group_id: "G-1",
      subscriber_relationship: "self",
      subscriber_given_name: null,
      subscriber_family_name: null,
      subscriber_date_of_birth: null,
      effective_from: "2025-01-01",
      effective_to: null,
      status: "active",
      created_at: at,
      updated_at: at,
    })
    .execute();
  await db
    .insertInto("patient_consents")
    .values({
      organization_id: o,
      id: id("consent"),
      patient_id: patientId,
      kind: "privacy-notice",
      status: "active",
      effective_from: "2025-01-01",
      effective_to: null,
      note: t("consent"),
      recorded_by: null,
      created_at: at,
      updated_at: at,
    })
    .execute();
  const typeId = randomUUID();
  await db
    .insertInto("appointment_types")
    .values({
      organization_id: o,
      id: typeId,
      name: `Visit ${marker}`,
      duration_minutes: 30,
      buffer_before_minutes: 0,
      buffer_after_minutes: 0,
      min_lead_minutes: 0,
      max_per_day: null,
      step_minutes: 15,
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
    .onConflict((c) => c.doNothing())
    .execute();
  await db
    .insertInto("appointments")
    .values({
      organization_id: o,
      id: id("appointment"),
      location_id: org.locationId,
      patient_id: patientId,
      appointment_type_id: typeId,
      practitioner_id: practitionerId,
      room_id: null,
      start_at: "2026-01-05T15:00:00.000Z",
      end_at: "2026-01-05T15:30:00.000Z",
      status: "fulfilled",
      overbooked: 0,
      series_id: null,
      series_index: null,
      rescheduled_from_id: null,
      note: t("appointment"),
      created_by: null,
      cancelled_at: null,
      cancelled_by: null,
      cancel_reason: null,
      late_cancel: 0,
      version: 1,
      created_at: at,
      updated_at: at,
    })
    .execute();
  for (const [name, sensitive] of [
    ["encounter", 0],
    ["sensitiveEncounter", 1],
  ] as const) {
    const encounterId = id(name);
    await db
      .insertInto("encounters")
      .values({
        organization_id: o,
        id: encounterId,
        patient_id: patientId,
        practitioner_id:
          sensitive && options.sensitivePractitionerId ? options.sensitivePractitionerId : practitionerId,
        location_id: org.locationId,
        appointment_id: null,
        date: "2026-01-05",
        type: "office visit",
        reason: t(`${name}-reason`),
        status: "finished",
        sensitive,
        self_pay: sensitive,
        error_reason: null,
        created_by: null,
        version: 1,
        created_at: at,
        updated_at: at,
      })
      .execute();
    await db
      .insertInto("encounter_diagnoses")
      .values({
        organization_id: o,
        encounter_id: encounterId,
        position: 1,
        code: sensitive ? "F32.9" : "E11.9",
      })
      .execute();
    await db
      .insertInto("encounter_procedures")
      .values({
        organization_id: o,
        encounter_id: encounterId,
        position: 1,
        code_system: "cpt",
        code: "99213",
        modifiers: JSON.stringify(["25"]),
        units: 1,
        pointers: JSON.stringify([1]),
        charge_cents: 12500,
      })
      .execute();
    const noteId = id(`${name}Note`);
    await db
      .insertInto("clinical_notes")
      .values({
        organization_id: o,
        id: noteId,
        patient_id: patientId,
        encounter_id: encounterId,
        kind: "note",
        parent_id: null,
        title: "Progress note",
        status: "signed",
        author_user_id: org.users.clinician.id,
        author_label: "Dr Test",
        signed_at: at,
        error_reason: null,
        version: 1,
        created_at: at,
        updated_at: at,
        text_enc: sealText(services.secrets, t(`${name}-note <script>alert(1)</script> Ωμέγα 山田`)),
      })
      .execute();
    if (!sensitive) {
      await db
        .insertInto("clinical_notes")
        .values({
          organization_id: o,
          id: id("addendum"),
          patient_id: patientId,
          encounter_id: encounterId,
          kind: "addendum",
          parent_id: noteId,
          title: null,
          status: "signed",
          author_user_id: org.users.clinician.id,
          author_label: "Dr Test",
          signed_at: at,
          error_reason: null,
          version: 1,
          created_at: at,
          updated_at: at,
          text_enc: sealText(services.secrets, t("addendum")),
        })
        .execute();
    }
  }
  const lists = [
    [
      "problems",
      { code: "E11.9", description: t("problem"), onset_date: "2020-01-01", resolved_date: null },
      "active",
    ],
    ["allergies", { substance: t("allergy"), reaction: "hives", severity: "moderate" }, "active"],
    [
      "medications",
      {
        name: t("medication"),
        dose: "500 mg",
        frequency: "twice daily",
        start_date: "2024-01-01",
        end_date: null,
      },
      "active",
    ],
  ] as const;
  for (const [table, columns, status] of lists) {
    await db
      .insertInto(table as "problems")
      .values({
        organization_id: o,
        id: id(table),
        patient_id: patientId,
        ...(columns as object),
        status,
        error_reason: null,
        created_by: null,
        version: 1,
        created_at: at,
        updated_at: at,
      } as never)
      .execute();
  }
  // One entered in error: it stays in the record, marked.
  await db
    .insertInto("problems")
    .values({
      organization_id: o,
      id: id("problemInError"),
      patient_id: patientId,
      code: null,
      description: t("problem-error"),
      onset_date: null,
      resolved_date: null,
      status: "entered-in-error",
      error_reason: "wrong patient",
      created_by: null,
      version: 1,
      created_at: at,
      updated_at: at,
    })
    .execute();
  const pdf = Buffer.from(`%PDF-1.4\n% ${t("document")}\n%%EOF\n`);
  await db
    .insertInto("clinical_documents")
    .values({
      organization_id: o,
      id: id("document"),
      patient_id: patientId,
      encounter_id: ids.encounter!,
      title: t("document-title"),
      category: "lab",
      filename: "lab.pdf",
      content_type: "application/pdf",
      size_bytes: pdf.length,
      sha256: createHash("sha256").update(pdf).digest("hex"),
      status: "current",
      error_reason: null,
      uploaded_by: null,
      created_at: at,
      updated_at: at,
      content_enc: sealBytes(services.secrets, pdf),
    })
    .execute();
  await db
    .insertInto("amendments")
    .values({
      organization_id: o,
      id: id("amendment"),
      patient_id: patientId,
      section: "allergy",
      target_type: null,
      target_id: null,
      requested_change: t("amendment"),
      reason: "patient request",
      received_on: day,
      extended_due_on: null,
      extension_reason: null,
      status: "pending",
      decision_note: null,
      decided_at: null,
      decided_by: null,
      disagreement: null,
      disagreement_at: null,
      requested_by: null,
      created_at: at,
      updated_at: at,
    })
    .execute();
  return { marker, ids, texts };
}

import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Role } from "@salus/core";
import { createChartItem, updateChartItem } from "../clinical/chart-lists.ts";
import { uploadDocument } from "../clinical/documents.ts";
import { createEncounter, type EncounterInput } from "../clinical/encounters.ts";
import { addAddendum, createNote, signNote } from "../clinical/notes.ts";
import { loadCodeSet } from "../codes/load-code-set.ts";
import type { Actor, Services } from "../platform/services.ts";

/** The FY2026 ICD-10-CM list shipped in data/codes/ (public domain). */
export const ICD10CM_2026_FILE = resolve(
  import.meta.dirname,
  "../../../../data/codes/icd10cm-codes-2026.txt",
);

/** A one-page PDF ("Lipid panel"), small enough to live in the source. */
export function demoPdf(title: string): Buffer {
  const stream = `BT /F1 18 Tf 40 140 Td (${title.replace(/[()\\]/g, "")}) Tj ET`;
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
  ];
  let body = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("")}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, "latin1");
}

/**
 * Demo data for the clinical part of the records slice; runs after seedRecords (which links
 * clinician@ to Dr. Ramirez and gives every patient a primary practitioner). Loads the FY2026
 * ICD-10-CM list, then, as Dr. Ramirez, records encounters for patients of her panel who had visits
 * with her (diagnoses, procedures with modifiers and pointers, one self-pay visit and one sensitive
 * one), a signed note with an addendum and a draft, problem/allergy/medication lists and a PDF.
 */
export async function seedClinical(services: Services, organizationId: string): Promise<void> {
  if (existsSync(ICD10CM_2026_FILE)) {
    await loadCodeSet(
      services.db,
      { codeSet: "icd10cm", version: "2026", content: readFileSync(ICD10CM_2026_FILE, "utf8") },
      services.clock(),
    );
  }
  const db = services.systemDb;
  const clinician = await db
    .selectFrom("staff_members")
    .innerJoin("users", "users.id", "staff_members.user_id")
    .select(["staff_members.id as staffId", "users.id as userId", "users.email"])
    .where("staff_members.organization_id", "=", organizationId)
    .where("users.email", "like", "clinician@%")
    .executeTakeFirst();
  if (!clinician) return;
  const actor: Actor = {
    organizationId,
    userId: clinician.userId,
    label: clinician.email,
    roles: ["clinician"] satisfies Role[],
    permissions: [],
    via: "cli",
    ip: null,
    requestId: null,
  };
  const now = services.clock().toISOString();
  // Patients of her panel with a past visit with her (their most recent one).
  const visits = await db
    .selectFrom("appointments")
    .innerJoin("patients", (j) =>
      j
        .onRef("patients.organization_id", "=", "appointments.organization_id")
        .onRef("patients.id", "=", "appointments.patient_id"),
    )
    .innerJoin("locations", (j) =>
      j
        .onRef("locations.organization_id", "=", "appointments.organization_id")
        .onRef("locations.id", "=", "appointments.location_id"),
    )
    .select([
      "appointments.id",
      "appointments.patient_id",
      "appointments.location_id",
      "appointments.start_at",
      "locations.time_zone",
    ])
    .where("appointments.organization_id", "=", organizationId)
    .where("appointments.practitioner_id", "=", clinician.staffId)
    .where("patients.primary_practitioner_id", "=", clinician.staffId)
    .where("appointments.status", "=", "fulfilled")
    .where("appointments.end_at", "<", now)
    .orderBy("appointments.start_at", "desc")
    .execute();
  const seen = new Set<string>();
  const chosen = visits.filter((v) => !seen.has(v.patient_id) && seen.add(v.patient_id)).slice(0, 6);
  if (!chosen.length) return;
  const localDate = (iso: string, zone: string) =>
    new Intl.DateTimeFormat("en-CA", {
      timeZone: zone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    }).format(new Date(iso));

  const plans: Pick<
    EncounterInput,
    "type" | "reason" | "diagnoses" | "procedures" | "selfPay" | "sensitive"
  >[] = [
    {
      type: "office-visit",
      reason: "Diabetes follow-up",
      diagnoses: ["E11.65", "I10", "E78.5"],
      procedures: [
        { code: "99214", modifiers: ["25"], units: 1, pointers: [1, 2, 3] },
        { code: "83036", units: 1, pointers: [1] },
      ],
    },
    {
      type: "office-visit",
      reason: "Annual wellness visit",
      diagnoses: ["Z00.00"],
      procedures: [{ code: "G0439", units: 1, pointers: [1] }],
    },
    {
      type: "office-visit",
      reason: "Low back pain after lifting",
      diagnoses: ["M54.50"],
      procedures: [{ code: "99213", units: 1, pointers: [1] }],
      selfPay: true,
    },
    {
      type: "telehealth",
      reason: "Cough and fever for three days",
      diagnoses: ["J06.9", "R05.1"],
      procedures: [{ code: "99213", modifiers: ["95"], units: 1, pointers: [1, 2] }],
    },
    {
      type: "office-visit",
      reason: "Counselling session",
      diagnoses: ["F32.1"],
      procedures: [{ code: "90834", units: 1, pointers: [1] }],
      sensitive: true,
    },
    {
      type: "office-visit",
      reason: "Knee pain, right",
      diagnoses: ["M17.11"],
      procedures: [
        { code: "20610", modifiers: ["RT"], units: 1, pointers: [1] },
        { code: "J3301", units: 4, pointers: [1] },
      ],
    },
  ];

  for (const [i, visit] of chosen.entries()) {
    const plan = plans[i % plans.length]!;
    const encounter = await createEncounter(services, actor, visit.patient_id, {
      ...plan,
      date: localDate(visit.start_at, visit.time_zone),
      practitionerId: clinician.staffId,
      locationId: visit.location_id,
      appointmentId: visit.id,
      status: "finished",
    });
    if (i === 0) {
      // An earlier visit inside FY2026, so the chart shows history checked against the shipped list.
      const earlier = "2026-08-20";
      if (earlier < encounter.date)
        await createEncounter(services, actor, visit.patient_id, {
          type: "office-visit",
          reason: "Diabetes follow-up",
          date: earlier,
          practitionerId: clinician.staffId,
          locationId: visit.location_id,
          status: "finished",
          diagnoses: ["E11.9", "I10"],
          procedures: [{ code: "99213", units: 1, pointers: [1, 2] }],
        });
      const note = await createNote(services, actor, encounter.id, {
        title: "Diabetes follow-up",
        text: [
          "S: Feels well. Checks glucose most mornings, 140-190 mg/dL. No hypoglycaemia.",
          "O: BP 142/88, BMI 31.2. Feet: monofilament intact.",
          "A: Type 2 diabetes with hyperglycaemia; hypertension not at goal; hyperlipidaemia.",
          "P: Increase metformin to 1000 mg twice daily. A1c today. Recheck in 3 months.",
        ].join("\n"),
      });
      await signNote(services, actor, note.id);
      await addAddendum(services, actor, note.id, {
        text: "Addendum: A1c resulted 8.4%. Patient informed by phone; plan unchanged.",
      });
      await createNote(services, actor, encounter.id, {
        title: "Care coordination",
        text: "Draft: refer to diabetes education.",
      });
      await createChartItem(services, actor, "problems", visit.patient_id, {
        code: "E11.65",
        description: "Type 2 diabetes with hyperglycemia",
        onsetDate: "2019-04-01",
      });
      await createChartItem(services, actor, "problems", visit.patient_id, {
        code: "I10",
        description: "Essential hypertension",
        onsetDate: "2017-09-12",
      });
      await createChartItem(services, actor, "allergies", visit.patient_id, {
        substance: "Penicillin",
        reaction: "Hives",
        severity: "moderate",
      });
      const old = await createChartItem(services, actor, "medications", visit.patient_id, {
        name: "Metformin",
        dose: "500 mg",
        frequency: "twice daily",
        startDate: "2019-04-01",
      });
      await updateChartItem(services, actor, "medications", old.id, {
        status: "stopped",
        endDate: encounter.date,
      });
      await createChartItem(services, actor, "medications", visit.patient_id, {
        name: "Metformin",
        dose: "1000 mg",
        frequency: "twice daily",
        startDate: encounter.date,
      });
      await createChartItem(services, actor, "medications", visit.patient_id, {
        name: "Lisinopril",
        dose: "10 mg",
        frequency: "once daily",
        startDate: "2017-09-12",
      });
      await uploadDocument(services, actor, visit.patient_id, {
        bytes: demoPdf("Lipid panel - LDL 132 mg/dL"),
        filename: "lipid-panel.pdf",
        title: "Lipid panel",
        category: "lab-result",
        declaredType: "application/pdf",
        encounterId: encounter.id,
      });
    } else if (plan.sensitive) {
      const note = await createNote(services, actor, encounter.id, {
        title: "Counselling",
        text: "Sensitive: discussed low mood and sleep; safety plan reviewed. Follow up in two weeks.",
      });
      await signNote(services, actor, note.id);
    } else {
      await createChartItem(services, actor, "allergies", visit.patient_id, {
        substance: "No known drug allergies",
        severity: "unknown",
      });
    }
  }
}

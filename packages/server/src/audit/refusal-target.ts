import type { Kysely } from "kysely";
import type { Database } from "../db/schema.ts";

type PatientTable =
  | "encounters"
  | "clinical_notes"
  | "clinical_documents"
  | "problems"
  | "allergies"
  | "medications"
  | "appointments"
  | "amendments";

/**
 * Routes whose `:id` names one patient's record, and the tables that id may be in. The guard uses this to
 * write the patient id on a `permission.denied` entry (a 403 on someone's note is an attempt on their
 * record, so it belongs in their access report) without telling the caller anything: the 403 answers the
 * same whether the id exists or not.
 */
const TARGETS: readonly { pattern: RegExp; tables: readonly (PatientTable | "patients")[] }[] = [
  { pattern: /^\/api\/patients\/:id(\/|$)/, tables: ["patients"] },
  { pattern: /^\/api\/encounters\/:id(\/|$)/, tables: ["encounters"] },
  { pattern: /^\/api\/notes\/:id(\/|$)/, tables: ["clinical_notes"] },
  { pattern: /^\/api\/documents\/:id(\/|$)/, tables: ["clinical_documents"] },
  { pattern: /^\/api\/problems\/:id(\/|$)/, tables: ["problems"] },
  { pattern: /^\/api\/allergies\/:id(\/|$)/, tables: ["allergies"] },
  { pattern: /^\/api\/medications\/:id(\/|$)/, tables: ["medications"] },
  { pattern: /^\/api\/appointments\/:id(\/|$)/, tables: ["appointments"] },
  { pattern: /^\/api\/amendments\/:id(\/|$)/, tables: ["amendments"] },
  { pattern: /^\/fhir\/R4\/Patient\/:id(\/|$)/, tables: ["patients"] },
  { pattern: /^\/fhir\/R4\/Encounter\/:id$/, tables: ["encounters"] },
  { pattern: /^\/fhir\/R4\/DocumentReference\/:id$/, tables: ["clinical_documents", "clinical_notes"] },
  { pattern: /^\/fhir\/R4\/Condition\/:id$/, tables: ["problems", "encounters"] },
  { pattern: /^\/fhir\/R4\/AllergyIntolerance\/:id$/, tables: ["allergies"] },
  { pattern: /^\/fhir\/R4\/MedicationStatement\/:id$/, tables: ["medications"] },
  { pattern: /^\/fhir\/R4\/Appointment\/:id$/, tables: ["appointments"] },
];

/**
 * The patient a refused request targeted, when its route names one record by `:id` and that record is in
 * the caller's organization; null otherwise. Never throws (a lookup failure must not turn a 403 into a
 * 500): the refusal is audited without a patient instead.
 */
export async function patientOfTarget(
  db: Kysely<Database>,
  organizationId: string,
  routeUrl: string | undefined,
  params: unknown,
): Promise<string | null> {
  if (!routeUrl) return null;
  const target = TARGETS.find((t) => t.pattern.test(routeUrl));
  const id =
    params && typeof params === "object" && "id" in params ? (params as { id: unknown }).id : undefined;
  if (!target || typeof id !== "string" || id.length === 0 || id.length > 200) return null;
  // Condition ids of an encounter's diagnoses are the encounter id + -dxN (fhir-records-routes.ts).
  const bare = id.replace(/-(dx|px)\d+$/, "");
  try {
    for (const table of target.tables) {
      if (table === "patients") {
        const row = await db
          .selectFrom("patients")
          .select("id")
          .where("organization_id", "=", organizationId)
          .where("id", "=", id)
          .executeTakeFirst();
        if (row) return row.id;
        continue;
      }
      const row = await db
        .selectFrom(table as "encounters")
        .select("patient_id")
        .where("organization_id", "=", organizationId)
        .where("id", "=", table === "encounters" ? bare : id)
        .executeTakeFirst();
      if (row) return row.patient_id;
    }
  } catch {
    return null;
  }
  return null;
}

import type { Resource } from "@medplum/fhirtypes";
import { DomainError, type RecordSection } from "@salus/core";
import type { Trx } from "../db/transaction.ts";
import { recordResources } from "../export/fhir-bundle.ts";
import { collectRecord, type RecordPart } from "../export/record-data.ts";
import type { Actor, Services } from "../platform/services.ts";
import { requirePatientAccess } from "../records/patient-access.ts";

/**
 * Reading the patient record as FHIR resources (used by fhir-records-routes.ts, which holds no SQL):
 * which patient a resource belongs to, and one type's resources for one patient as the caller may see
 * them, built by the same record reader as the export after the records slice's access check.
 */
export type RecordType = "Encounter" | "Condition" | "Procedure" | "Coverage" | "DocumentReference";

/** What each type is made of: the section whose access it needs, and the parts of the record it reads. */
export const TYPES: Record<RecordType, { section: RecordSection; parts: RecordPart[] }> = {
  Encounter: { section: "codes", parts: ["encounters"] },
  Condition: { section: "codes", parts: ["encounters"] },
  Procedure: { section: "codes", parts: ["encounters"] },
  Coverage: { section: "coverage", parts: ["coverages"] },
  DocumentReference: { section: "clinical", parts: ["notes", "documents"] },
};

/** Try an access check inside the transaction: null instead of not_found (for searches). */
async function mayAccess(
  trx: Trx,
  services: Services,
  actor: Actor,
  patientId: string,
  section: RecordSection,
) {
  try {
    return await requirePatientAccess(trx, services, actor, patientId, section);
  } catch (error) {
    if (error instanceof DomainError && error.code === "not_found") return null;
    throw error;
  }
}

/**
 * The resources of one type for one patient, as the caller may see them (empty when they may not see
 * the patient at all). Conditions include the problem list only when the caller may see clinical content.
 */
export async function resourcesOf(
  trx: Trx,
  services: Services,
  actor: Actor,
  type: RecordType,
  patientId: string,
  today: string,
): Promise<Resource[]> {
  const spec = TYPES[type];
  const access = await mayAccess(trx, services, actor, patientId, spec.section);
  if (!access) return [];
  const parts = new Set<RecordPart>(spec.parts);
  let clinical = false;
  if (type === "Condition") {
    const c = await mayAccess(trx, services, actor, patientId, "clinical");
    if (c) {
      parts.add("lists");
      clinical = true;
    }
  }
  // Searches and reads are work in the chart: an author finds their own draft (docStatus preliminary),
  // nobody else does (the one visibility rule, applied inside collectRecord).
  const data = await collectRecord(
    trx,
    services,
    actor,
    patientId,
    today,
    { whole: false, access, purpose: "chart" },
    parts,
  );
  if (!clinical) data.problems = [];
  data.allergies = [];
  data.medications = [];
  return recordResources(data, { documentData: false }).filter((r) => r.resourceType === type);
}

/** Which patient a row of `type` belongs to (organization-scoped), or null. */
export async function patientOfResource(
  trx: Trx,
  actor: Actor,
  type: RecordType,
  id: string,
): Promise<string | null> {
  const org = actor.organizationId;
  // Diagnoses and procedures are ids of their encounter + -dxN / -pxN.
  const base = type === "Condition" || type === "Procedure" ? id.replace(/-(dx|px)\d+$/, "") : id;
  const tables =
    type === "DocumentReference"
      ? (["clinical_documents", "clinical_notes"] as const)
      : type === "Coverage"
        ? (["coverages"] as const)
        : type === "Condition"
          ? (["encounters", "problems"] as const)
          : (["encounters"] as const);
  for (const table of tables) {
    const row = await trx
      .selectFrom(table as "encounters")
      .select("patient_id")
      .where("organization_id", "=", org)
      .where("id", "=", table === "problems" ? id : base)
      .executeTakeFirst();
    if (row) return row.patient_id;
  }
  return null;
}

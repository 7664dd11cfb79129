import { DomainError, notFound } from "@salus/core";
import type { EncountersTable } from "../db/schema-clinical.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import { canSeeEncounter, type PatientAccess, requirePatientAccess } from "../records/patient-access.ts";

/**
 * The clinical record's use of the records choke point (records/patient-access.ts). Encounters and their
 * codes are the "codes" section; notes, lists and documents the "clinical" section. Whatever is reached
 * by its own id (an encounter, a note, a document) is first loaded within the actor's organization,
 * then its patient goes through requirePatientAccess, then the sensitive-encounter rule: at each step a
 * refusal is the same `not_found` as an id that does not exist.
 */
export type ClinicalSection = "codes" | "clinical";

export async function loadEncounterRow(
  trx: Trx,
  actor: Actor,
  encounterId: string,
): Promise<EncountersTable> {
  const row = await trx
    .selectFrom("encounters")
    .selectAll()
    .where("organization_id", "=", actor.organizationId)
    .where("id", "=", encounterId)
    .executeTakeFirst();
  if (!row) throw notFound("encounter");
  return row;
}

/** The encounter, if the actor may see `section` of it (patient access, then the sensitive rule). */
export async function requireEncounter(
  trx: Trx,
  services: Services,
  actor: Actor,
  encounterId: string,
  section: ClinicalSection,
): Promise<{ encounter: EncountersTable; access: PatientAccess }> {
  const encounter = await loadEncounterRow(trx, actor, encounterId);
  let access: PatientAccess;
  try {
    access = await requirePatientAccess(trx, services, actor, encounter.patient_id, section);
  } catch (error) {
    if (error instanceof DomainError && error.code === "not_found") throw notFound("encounter");
    throw error;
  }
  if (!encounterVisible(actor, access, encounter, section)) throw notFound("encounter");
  return { encounter, access };
}

export function encounterVisible(
  actor: Actor,
  access: PatientAccess,
  encounter: Pick<EncountersTable, "sensitive" | "practitioner_id">,
  section: ClinicalSection,
): boolean {
  return canSeeEncounter(
    actor,
    access,
    { sensitive: encounter.sensitive, practitionerId: encounter.practitioner_id },
    section,
  );
}

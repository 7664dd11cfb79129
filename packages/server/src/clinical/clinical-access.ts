import {
  DomainError,
  documentVisible,
  type EncounterParts,
  encounterParts,
  type NoteVisibilityFacts,
  noteVisible,
  notFound,
  type ReadPurpose,
  type RecordReader,
  type VisitFacts,
} from "@salus/core";
import type { EncountersTable } from "../db/schema-clinical.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import { accessRoles, type PatientAccess, requirePatientAccess } from "../records/patient-access.ts";

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
  const parts = encounterParts(readerOf(actor, access), visitOf(encounter));
  return section === "codes" ? parts.codes : parts.content;
}

/*
 * The one visibility rule (core records/record-visibility.ts), fed with the server's facts. Every reader of
 * encounters, notes and documents (the chart's JSON API, FHIR, the record export and its PDF, an export to
 * a recipient, lists and counts) decides through these, never with a rule of its own.
 */

/** The privacy office answering the patient's right of access: the whole record. */
export const WHOLE_RECORD: RecordReader = { kind: "whole-record" };

/** The reader the rule sees: the actor's roles, relations with the patient, user and staff records. */
export function readerOf(actor: Actor, access: PatientAccess): RecordReader {
  return {
    kind: "member",
    roles: accessRoles(actor),
    relations: access.relations,
    userId: actor.userId,
    staffIds: access.staffIds,
  };
}

/** An encounter row's facts for the rule. */
export function visitOf(e: { sensitive: number | boolean; practitioner_id: string | null }): VisitFacts {
  return { sensitive: e.sensitive === 1 || e.sensitive === true, practitionerId: e.practitioner_id };
}

/** Which parts of an encounter row the reader may see. */
export function partsOf(
  reader: RecordReader,
  e: { sensitive: number | boolean; practitioner_id: string | null },
): EncounterParts {
  return encounterParts(reader, visitOf(e));
}

/** Whether a note row may be shown to the reader, given its encounter row. */
export function noteShown(
  reader: RecordReader,
  note: { status: NoteVisibilityFacts["status"]; author_user_id: string; signed_at: string | null },
  encounter: { sensitive: number | boolean; practitioner_id: string | null },
  purpose: ReadPurpose,
): boolean {
  return noteVisible(
    reader,
    {
      status: note.status,
      authorUserId: note.author_user_id,
      signedAt: note.signed_at,
      visit: visitOf(encounter),
    },
    purpose,
  );
}

/** Whether a document row may be shown to the reader, given its encounter row (null: filed on the patient). */
export function documentShown(
  reader: RecordReader,
  encounter: { sensitive: number | boolean; practitioner_id: string | null } | null,
): boolean {
  return documentVisible(reader, encounter ? visitOf(encounter) : null);
}

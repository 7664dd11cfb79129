import { randomUUID } from "node:crypto";
import { DomainError, decideNoteAction, type NoteAction, notFound } from "@salus/core";
import { audited } from "../audit/audited.ts";
import type { ClinicalNotesTable } from "../db/schema-clinical.ts";
import type { Trx } from "../db/transaction.ts";
import { openText, sealText } from "../platform/field-crypto.ts";
import type { Actor, Services } from "../platform/services.ts";
import { noteShown, readerOf, requireEncounter } from "./clinical-access.ts";
import type { NoteView } from "./schemas.ts";

export type { NoteView } from "./schemas.ts";

/**
 * Visit notes. A draft belongs to its author (only they see, change or sign it); signing locks it for
 * good, and any later change is an addendum (signed when written, linked to the note, shown after it).
 * The text is sealed at rest (platform/field-crypto.ts); entered-in-error marks a note and keeps its text.
 * Who sees which note is the one visibility rule (core records/record-visibility.ts, through
 * clinical-access.ts `noteShown`): notes are the "clinical" section of their encounter, so a sensitive
 * encounter's notes follow the narrower rule, and a note never signed exists for its author alone.
 */

function present(services: Services, r: ClinicalNotesTable, addenda: NoteView[] = []): NoteView {
  return {
    id: r.id,
    encounterId: r.encounter_id,
    patientId: r.patient_id,
    kind: r.kind,
    parentId: r.parent_id,
    title: r.title,
    text: openText(services.secrets, r.text_enc),
    status: r.status,
    authorUserId: r.author_user_id,
    authorLabel: r.author_label,
    signedAt: r.signed_at,
    errorReason: r.error_reason,
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    addenda,
  };
}

function requireUser(actor: Actor): string {
  if (!actor.userId) throw new DomainError("forbidden", "Notes are written by a signed-in user.");
  return actor.userId;
}

async function noteWithAccess(
  trx: Trx,
  services: Services,
  actor: Actor,
  id: string,
): Promise<ClinicalNotesTable> {
  return (await loadNote(trx, services, actor, id)).row;
}

/** The note if the rule shows it to the actor, with the rule applied to the note's encounter (for addenda). */
async function loadNote(
  trx: Trx,
  services: Services,
  actor: Actor,
  id: string,
): Promise<{ row: ClinicalNotesTable; shown: (n: ClinicalNotesTable) => boolean }> {
  const row = await trx
    .selectFrom("clinical_notes")
    .selectAll()
    .where("organization_id", "=", actor.organizationId)
    .where("id", "=", id)
    .executeTakeFirst();
  if (!row) throw notFound("note");
  let found: Awaited<ReturnType<typeof requireEncounter>>;
  try {
    found = await requireEncounter(trx, services, actor, row.encounter_id, "clinical");
  } catch (error) {
    if (error instanceof DomainError && error.code === "not_found") throw notFound("note");
    throw error;
  }
  // Someone else's draft is not part of the record yet: it does not exist for anyone but its author.
  const reader = readerOf(actor, found.access);
  const shown = (n: ClinicalNotesTable) => noteShown(reader, n, found.encounter, "chart");
  if (!shown(row)) throw notFound("note");
  return { row, shown };
}

function decide(row: ClinicalNotesTable, action: NoteAction, actor: Actor): void {
  const d = decideNoteAction(
    { status: row.status, kind: row.kind, authorUserId: row.author_user_id },
    action,
    actor.userId,
  );
  if (!d.ok) throw new DomainError(d.code, d.message);
}

async function addendaOf(trx: Trx, actor: Actor, ids: string[]): Promise<ClinicalNotesTable[]> {
  if (!ids.length) return [];
  return trx
    .selectFrom("clinical_notes")
    .selectAll()
    .where("organization_id", "=", actor.organizationId)
    .where("parent_id", "in", ids)
    .orderBy("created_at")
    .execute();
}

export async function listNotes(
  services: Services,
  actor: Actor,
  encounterId: string,
  options: { includeEnteredInError?: boolean } = {},
): Promise<{ items: NoteView[]; total: number }> {
  return audited(
    services,
    actor,
    {
      action: "note.search",
      resourceType: "Encounter",
      resourceId: encounterId,
      fromResult: (r: { items: NoteView[] }) => ({
        patientId: r.items[0]?.patientId ?? null,
        detail: { noteIds: r.items.map((n) => n.id) },
      }),
    },
    async (trx) => {
      const { encounter, access } = await requireEncounter(trx, services, actor, encounterId, "clinical");
      const reader = readerOf(actor, access);
      const shown = (n: ClinicalNotesTable) => noteShown(reader, n, encounter, "chart");
      let q = trx
        .selectFrom("clinical_notes")
        .selectAll()
        .where("organization_id", "=", actor.organizationId)
        .where("encounter_id", "=", encounterId)
        .where("kind", "=", "note");
      if (!options.includeEnteredInError) q = q.where("status", "!=", "entered-in-error");
      const notes = (await q.orderBy("created_at").execute()).filter(shown);
      const addenda = (
        await addendaOf(
          trx,
          actor,
          notes.map((n) => n.id),
        )
      ).filter(shown);
      const items = notes.map((n) =>
        present(
          services,
          n,
          addenda
            .filter(
              (a) =>
                a.parent_id === n.id && (options.includeEnteredInError || a.status !== "entered-in-error"),
            )
            .map((a) => present(services, a)),
        ),
      );
      return { items, total: items.length };
    },
  );
}

export async function getNote(services: Services, actor: Actor, id: string): Promise<NoteView> {
  return audited(
    services,
    actor,
    {
      action: "note.read",
      resourceType: "Note",
      resourceId: id,
      fromResult: (n: NoteView) => ({ patientId: n.patientId }),
    },
    async (trx) => {
      const { row, shown } = await loadNote(trx, services, actor, id);
      // Addenda are signed when written; the rule is asked anyway, so no reader can differ from another.
      const addenda = row.kind === "note" ? (await addendaOf(trx, actor, [row.id])).filter(shown) : [];
      return present(
        services,
        row,
        addenda.map((a) => present(services, a)),
      );
    },
  );
}

export async function createNote(
  services: Services,
  actor: Actor,
  encounterId: string,
  input: { title?: string | null; text: string },
): Promise<NoteView> {
  const id = randomUUID();
  return audited(
    services,
    actor,
    {
      action: "note.create",
      resourceType: "Note",
      resourceId: id,
      fromResult: (n: NoteView) => ({ patientId: n.patientId }),
    },
    async (trx) => {
      const userId = requireUser(actor);
      const { encounter } = await requireEncounter(trx, services, actor, encounterId, "clinical");
      if (encounter.status === "entered-in-error")
        throw new DomainError("conflict", "This encounter was marked entered in error; add no notes to it.");
      const at = services.clock().toISOString();
      const row: ClinicalNotesTable = {
        organization_id: actor.organizationId,
        id,
        patient_id: encounter.patient_id,
        encounter_id: encounterId,
        kind: "note",
        parent_id: null,
        title: input.title ?? null,
        status: "draft",
        author_user_id: userId,
        author_label: actor.label,
        signed_at: null,
        error_reason: null,
        version: 1,
        created_at: at,
        updated_at: at,
        text_enc: sealText(services.secrets, input.text),
      };
      await trx.insertInto("clinical_notes").values(row).execute();
      return present(services, row);
    },
  );
}

export async function updateNote(
  services: Services,
  actor: Actor,
  id: string,
  patch: { title?: string | null; text?: string; version?: number },
): Promise<NoteView> {
  return audited(
    services,
    actor,
    {
      action: "note.update",
      resourceType: "Note",
      resourceId: id,
      fromResult: (n: NoteView) => ({ patientId: n.patientId, detail: { version: n.version } }),
    },
    async (trx) => {
      const row = await noteWithAccess(trx, services, actor, id);
      decide(row, "edit", actor);
      if (patch.version !== undefined && patch.version !== row.version)
        throw new DomainError("conflict", "This draft changed since you loaded it; reload and try again.");
      const next: ClinicalNotesTable = {
        ...row,
        title: patch.title !== undefined ? patch.title : row.title,
        text_enc: patch.text !== undefined ? sealText(services.secrets, patch.text) : row.text_enc,
        version: row.version + 1,
        updated_at: services.clock().toISOString(),
      };
      // The status condition makes the lock hold even against a sign that raced this edit.
      const result = await trx
        .updateTable("clinical_notes")
        .set({
          title: next.title,
          text_enc: next.text_enc,
          version: next.version,
          updated_at: next.updated_at,
        })
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", id)
        .where("status", "=", "draft")
        .where("version", "=", row.version)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1)
        throw new DomainError("conflict", "This note changed meanwhile (signed or edited); reload it.");
      return present(services, next);
    },
  );
}

export async function signNote(services: Services, actor: Actor, id: string): Promise<NoteView> {
  return audited(
    services,
    actor,
    {
      action: "note.sign",
      resourceType: "Note",
      resourceId: id,
      fromResult: (n: NoteView) => ({ patientId: n.patientId }),
    },
    async (trx) => {
      const row = await noteWithAccess(trx, services, actor, id);
      decide(row, "sign", actor);
      const at = services.clock().toISOString();
      const next: ClinicalNotesTable = {
        ...row,
        status: "signed",
        signed_at: at,
        version: row.version + 1,
        updated_at: at,
      };
      await trx
        .updateTable("clinical_notes")
        .set({ status: "signed", signed_at: at, version: next.version, updated_at: at })
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", id)
        .where("status", "=", "draft")
        .execute();
      return present(services, next);
    },
  );
}

export async function addAddendum(
  services: Services,
  actor: Actor,
  noteId: string,
  input: { text: string },
): Promise<NoteView> {
  const id = randomUUID();
  return audited(
    services,
    actor,
    {
      action: "note.addendum",
      resourceType: "Note",
      resourceId: id,
      detail: { noteId },
      fromResult: (n: NoteView) => ({ patientId: n.patientId }),
    },
    async (trx) => {
      const userId = requireUser(actor);
      const parent = await noteWithAccess(trx, services, actor, noteId);
      decide(parent, "addendum", actor);
      const at = services.clock().toISOString();
      const row: ClinicalNotesTable = {
        organization_id: actor.organizationId,
        id,
        patient_id: parent.patient_id,
        encounter_id: parent.encounter_id,
        kind: "addendum",
        parent_id: parent.id,
        title: null,
        status: "signed",
        author_user_id: userId,
        author_label: actor.label,
        signed_at: at,
        error_reason: null,
        version: 1,
        created_at: at,
        updated_at: at,
        text_enc: sealText(services.secrets, input.text),
      };
      await trx.insertInto("clinical_notes").values(row).execute();
      return present(services, row);
    },
  );
}

export async function markNoteEnteredInError(
  services: Services,
  actor: Actor,
  id: string,
  reason: string,
): Promise<NoteView> {
  return audited(
    services,
    actor,
    {
      action: "note.entered-in-error",
      resourceType: "Note",
      resourceId: id,
      fromResult: (n: NoteView) => ({ patientId: n.patientId }),
    },
    async (trx) => {
      const row = await noteWithAccess(trx, services, actor, id);
      decide(row, "entered-in-error", actor);
      const at = services.clock().toISOString();
      const next: ClinicalNotesTable = {
        ...row,
        status: "entered-in-error",
        error_reason: reason,
        version: row.version + 1,
        updated_at: at,
      };
      await trx
        .updateTable("clinical_notes")
        .set({ status: next.status, error_reason: reason, version: next.version, updated_at: at })
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", id)
        .execute();
      return present(services, next);
    },
  );
}

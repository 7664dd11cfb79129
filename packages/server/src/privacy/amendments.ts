import { randomUUID } from "node:crypto";
import { DomainError, dateInZone, noteEnteredRecord, notFound } from "@salus/core";
import {
  amendmentDueOn,
  amendmentOverdue,
  checkAmendmentDecision,
  extendAmendment,
} from "@salus/core/privacy/patient-rights";
import { audited } from "../audit/audited.ts";
import type { AmendmentRow } from "../db/schema-privacy.ts";
import { organizationDb } from "../db/scoped.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import { requirePatient } from "./patient-scope.ts";
import { practiceZone } from "./practice-zone.ts";
import type { AmendmentSection, AmendmentView } from "./schemas.ts";

export { AMENDMENT_SECTIONS, type AmendmentSection, type AmendmentView } from "./schemas.ts";

/**
 * Amendment requests (45 CFR 164.526): staff record what the patient asks to change and why; the privacy
 * officer accepts (the amendment is then shown with the part of the record it is about) or denies with a
 * reason (the patient may then file a statement of disagreement, kept with the request). 60 days to act,
 * one 30-day extension. Nothing is ever deleted; every step is audited with the patient's id.
 */

export function presentAmendment(
  r: AmendmentRow,
  today: string,
  names: { patient?: string | null; decidedBy?: string | null } = {},
): AmendmentView {
  const clock = { receivedOn: r.received_on, extendedDueOn: r.extended_due_on, status: r.status };
  return {
    id: r.id,
    patientId: r.patient_id,
    patientName: names.patient ?? null,
    section: r.section,
    targetType: r.target_type,
    targetId: r.target_id,
    requestedChange: r.requested_change,
    reason: r.reason,
    receivedOn: r.received_on,
    dueOn: amendmentDueOn(clock),
    extended: r.extended_due_on !== null,
    extensionReason: r.extension_reason,
    overdue: amendmentOverdue(clock, today),
    status: r.status,
    decisionNote: r.decision_note,
    decidedAt: r.decided_at,
    decidedBy: names.decidedBy ?? null,
    disagreement: r.disagreement,
    disagreementAt: r.disagreement_at,
    createdAt: r.created_at,
  };
}

async function today(services: Services, actor: Actor): Promise<string> {
  return dateInZone(services.clock(), await practiceZone(services, actor));
}

export interface AmendmentRequestInput {
  section: AmendmentSection;
  targetType?: string | null | undefined;
  targetId?: string | null | undefined;
  requestedChange: string;
  reason: string;
  /** When the practice received the request (defaults to today): the 60 days run from it. */
  receivedOn?: string | undefined;
}

/** Records a patient's amendment request (staff with patients:write, for a patient they may see). */
export async function requestAmendment(
  services: Services,
  actor: Actor,
  patientId: string,
  input: AmendmentRequestInput,
): Promise<AmendmentView> {
  const id = randomUUID();
  const day = await today(services, actor);
  const receivedOn = input.receivedOn ?? day;
  if (receivedOn > day) {
    throw new DomainError("invalid_request", "A request cannot be received in the future.", [
      { path: "receivedOn", message: "cannot be after today" },
    ]);
  }
  if (((input.targetType ?? null) === null) !== ((input.targetId ?? null) === null)) {
    throw new DomainError("invalid_request", "Give both targetType and targetId, or neither.", [
      { path: "targetId", message: "goes with targetType" },
    ]);
  }
  return audited(
    services,
    actor,
    {
      action: "amendment.request",
      resourceType: "Amendment",
      resourceId: id,
      patientId,
      detail: { section: input.section },
    },
    async (trx) => {
      await requirePatient(trx, services, actor, patientId, "demographics");
      if (input.targetType && input.targetId) {
        await requireTarget(trx, actor, patientId, input.targetType, input.targetId);
      }
      const at = services.clock().toISOString();
      await trx
        .insertInto("amendments")
        .values({
          organization_id: actor.organizationId,
          id,
          patient_id: patientId,
          section: input.section,
          target_type: input.targetType ?? null,
          target_id: input.targetId ?? null,
          requested_change: input.requestedChange,
          reason: input.reason,
          received_on: receivedOn,
          extended_due_on: null,
          extension_reason: null,
          status: "pending",
          decision_note: null,
          decided_at: null,
          decided_by: null,
          disagreement: null,
          disagreement_at: null,
          requested_by: actor.userId,
          created_at: at,
          updated_at: at,
        })
        .execute();
      return loadOne(trx, actor, id, day);
    },
  );
}

/** The tables a target type names; diagnoses and procedures are ids of their encounter + -dxN / -pxN. */
const TARGET_TABLES = {
  Encounter: "encounters",
  Condition: "problems",
  Procedure: "encounters",
  AllergyIntolerance: "allergies",
  MedicationStatement: "medications",
  Note: "clinical_notes",
  Document: "clinical_documents",
  Coverage: "coverages",
} as const;

/**
 * The record an amendment is about must be one of this patient's (never another patient's id): checked
 * by organization and patient, and answered like a missing id otherwise.
 */
async function requireTarget(
  trx: Trx,
  actor: Actor,
  patientId: string,
  type: string,
  id: string,
): Promise<void> {
  const table = TARGET_TABLES[type as keyof typeof TARGET_TABLES];
  if (!table)
    throw new DomainError("invalid_request", `Unknown targetType ${type}.`, [
      { path: "targetType", message: "is not known" },
    ]);
  const encounterPart = /^(.*)-(dx|px)\d+$/.exec(id);
  const rowId =
    type === "Procedure" || (type === "Condition" && encounterPart) ? (encounterPart?.[1] ?? id) : id;
  const tableName = type === "Condition" && encounterPart ? "encounters" : table;
  const row = await trx
    .selectFrom(tableName as "encounters")
    .select("id")
    .where("organization_id", "=", actor.organizationId)
    .where("patient_id", "=", patientId)
    .where("id", "=", rowId)
    .executeTakeFirst();
  // A note never signed is not part of the record (core records/record-visibility.ts): no amendment can
  // name it, and the answer is the same as for an id that does not exist.
  const note =
    row && tableName === "clinical_notes"
      ? await trx
          .selectFrom("clinical_notes")
          .select(["status", "signed_at"])
          .where("organization_id", "=", actor.organizationId)
          .where("id", "=", rowId)
          .executeTakeFirst()
      : null;
  if (!row || (note && !noteEnteredRecord({ status: note.status, signedAt: note.signed_at }))) {
    throw new DomainError("invalid_request", "targetId is not a record of this patient.", [
      { path: "targetId", message: "is not a record of this patient" },
    ]);
  }
}

async function loadOne(trx: Trx, actor: Actor, id: string, day: string): Promise<AmendmentView> {
  const row = await trx
    .selectFrom("amendments")
    .leftJoin("patients", (j) =>
      j
        .onRef("patients.organization_id", "=", "amendments.organization_id")
        .onRef("patients.id", "=", "amendments.patient_id"),
    )
    .leftJoin("users", "users.id", "amendments.decided_by")
    .selectAll("amendments")
    .select(["patients.given_name", "patients.family_name", "users.display_name"])
    .where("amendments.organization_id", "=", actor.organizationId)
    .where("amendments.id", "=", id)
    .executeTakeFirst();
  if (!row) throw notFound("amendment");
  return presentAmendment(row, day, {
    patient: row.given_name ? `${row.given_name} ${row.family_name}` : null,
    decidedBy: row.display_name,
  });
}

/** The privacy officer's work list: by status, optionally only overdue ones, oldest due first. */
export async function listAmendments(
  services: Services,
  actor: Actor,
  filter: {
    status?: AmendmentRow["status"] | undefined;
    overdue?: boolean | undefined;
    limit: number;
    offset: number;
  },
): Promise<{ items: AmendmentView[]; total: number }> {
  const day = await today(services, actor);
  return audited(
    services,
    actor,
    {
      action: "amendment.list",
      resourceType: "Amendment",
      detail: { filter: { ...filter } },
      fromResult: (page) => ({ detail: { patientIds: [...new Set(page.items.map((a) => a.patientId))] } }),
    },
    async (trx) => {
      let q = trx
        .selectFrom("amendments")
        .innerJoin("patients", (j) =>
          j
            .onRef("patients.organization_id", "=", "amendments.organization_id")
            .onRef("patients.id", "=", "amendments.patient_id"),
        )
        .leftJoin("users", "users.id", "amendments.decided_by")
        .where("amendments.organization_id", "=", actor.organizationId);
      if (filter.status) q = q.where("amendments.status", "=", filter.status);
      const rows = await q
        .selectAll("amendments")
        .select(["patients.given_name", "patients.family_name", "users.display_name"])
        .orderBy("amendments.received_on")
        .orderBy("amendments.id")
        .execute();
      let items = rows.map((r) =>
        presentAmendment(r, day, { patient: `${r.given_name} ${r.family_name}`, decidedBy: r.display_name }),
      );
      if (filter.overdue) items = items.filter((a) => a.overdue);
      // Due dates depend on extensions: sort on the computed date, then page.
      items.sort((a, b) => (a.dueOn < b.dueOn ? -1 : a.dueOn > b.dueOn ? 1 : a.id < b.id ? -1 : 1));
      return { items: items.slice(filter.offset, filter.offset + filter.limit), total: items.length };
    },
  );
}

/** Rows of one patient; `acceptedOnly` is what the chart shows beside the record. */
export async function amendmentsOfPatientIn(
  trx: Trx,
  actor: Actor,
  patientId: string,
  day: string,
  acceptedOnly: boolean,
): Promise<AmendmentView[]> {
  let q = trx
    .selectFrom("amendments")
    .leftJoin("users", "users.id", "amendments.decided_by")
    .selectAll("amendments")
    .select("users.display_name")
    .where("amendments.organization_id", "=", actor.organizationId)
    .where("amendments.patient_id", "=", patientId);
  if (acceptedOnly) q = q.where("amendments.status", "=", "accepted");
  const rows = await q.orderBy("amendments.received_on").orderBy("amendments.id").execute();
  return rows.map((r) => presentAmendment(r, day, { decidedBy: r.display_name }));
}

/** Every request of one patient (privacy officer), or only the accepted ones (the chart). */
export async function listPatientAmendments(
  services: Services,
  actor: Actor,
  patientId: string,
  options: { acceptedOnly: boolean },
): Promise<AmendmentView[]> {
  const day = await today(services, actor);
  return audited(
    services,
    actor,
    {
      action: "amendment.list",
      resourceType: "Amendment",
      patientId,
      detail: { acceptedOnly: options.acceptedOnly },
    },
    async (trx) => {
      await requirePatient(trx, services, actor, patientId, options.acceptedOnly ? "clinical" : "privacy");
      return amendmentsOfPatientIn(trx, actor, patientId, day, options.acceptedOnly);
    },
  );
}

async function amendmentRow(trx: Trx, services: Services, actor: Actor, id: string) {
  const row = await trx
    .selectFrom("amendments")
    .selectAll()
    .where("organization_id", "=", actor.organizationId)
    .where("id", "=", id)
    .executeTakeFirst();
  if (!row) throw notFound("amendment");
  await requirePatient(trx, services, actor, row.patient_id, "privacy");
  return row;
}

async function patientOf(services: Services, actor: Actor, id: string): Promise<string | null> {
  const row = await organizationDb(services.db, actor.organizationId)
    .selectFrom("amendments")
    .select("patient_id")
    .where("organization_id", "=", actor.organizationId)
    .where("id", "=", id)
    .executeTakeFirst();
  return row?.patient_id ?? null;
}

/** Accept or deny (privacy officer). A denial needs its reason; a decided request stays decided. */
export async function decideAmendment(
  services: Services,
  actor: Actor,
  id: string,
  decision: { outcome: "accepted" | "denied"; note: string | null },
): Promise<AmendmentView> {
  const day = await today(services, actor);
  return audited(
    services,
    actor,
    {
      action: "amendment.decide",
      resourceType: "Amendment",
      resourceId: id,
      patientId: await patientOf(services, actor, id),
      detail: { outcome: decision.outcome },
    },
    async (trx) => {
      const row = await amendmentRow(trx, services, actor, id);
      checkAmendmentDecision(
        { receivedOn: row.received_on, extendedDueOn: row.extended_due_on, status: row.status },
        { outcome: decision.outcome, reason: decision.note },
      );
      const at = services.clock().toISOString();
      // Guarded on status so two officers deciding at once cannot both win.
      const result = await trx
        .updateTable("amendments")
        .set({
          status: decision.outcome,
          decision_note: decision.note,
          decided_at: at,
          decided_by: actor.userId,
          updated_at: at,
        })
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", id)
        .where("status", "=", "pending")
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1)
        throw new DomainError("conflict", "This request was already decided.");
      return loadOne(trx, actor, id, day);
    },
  );
}

/** The one 30-day extension, with the reason given to the patient. */
export async function extendAmendmentDeadline(
  services: Services,
  actor: Actor,
  id: string,
  reason: string,
): Promise<AmendmentView> {
  const day = await today(services, actor);
  return audited(
    services,
    actor,
    {
      action: "amendment.extend",
      resourceType: "Amendment",
      resourceId: id,
      patientId: await patientOf(services, actor, id),
    },
    async (trx) => {
      const row = await amendmentRow(trx, services, actor, id);
      const due = extendAmendment(
        { receivedOn: row.received_on, extendedDueOn: row.extended_due_on, status: row.status },
        day,
      );
      await trx
        .updateTable("amendments")
        .set({ extended_due_on: due, extension_reason: reason, updated_at: services.clock().toISOString() })
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", id)
        .execute();
      return loadOne(trx, actor, id, day);
    },
  );
}

/** The patient's statement of disagreement with a denial (164.526(d)(1)(iii)), kept with the request. */
export async function fileDisagreement(
  services: Services,
  actor: Actor,
  id: string,
  statement: string,
): Promise<AmendmentView> {
  const day = await today(services, actor);
  return audited(
    services,
    actor,
    {
      action: "amendment.disagreement",
      resourceType: "Amendment",
      resourceId: id,
      patientId: await patientOf(services, actor, id),
    },
    async (trx) => {
      const row = await amendmentRow(trx, services, actor, id);
      if (row.status !== "denied") {
        throw new DomainError("conflict", "A statement of disagreement answers a denied request.");
      }
      if (row.disagreement !== null) {
        throw new DomainError(
          "conflict",
          "This request already has the patient's statement of disagreement.",
        );
      }
      const at = services.clock().toISOString();
      await trx
        .updateTable("amendments")
        .set({ disagreement: statement, disagreement_at: at, updated_at: at })
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", id)
        .execute();
      return loadOne(trx, actor, id, day);
    },
  );
}

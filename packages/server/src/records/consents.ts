import { randomUUID } from "node:crypto";
import { DomainError, isPlainDate, notFound } from "@salus/core";
import { CONSENT_KINDS, type ConsentKind } from "@salus/core/records/consent-kinds";
import { audited } from "../audit/audited.ts";
import type { PatientConsentsTable } from "../db/schema-records.ts";
import type { Actor, Services } from "../platform/services.ts";
import { requirePatientAccess } from "./patient-access.ts";
import type { ConsentView } from "./schemas.ts";

export type { ConsentView } from "./schemas.ts";

/**
 * Consents and restrictions on file for a patient (consent to treat, privacy-notice acknowledgement,
 * authorizations to release, communication consents, restriction requests, confidential-communication
 * requests): kind, status, dates and a note. Part of the demographics section (the front desk needs to
 * know them); changes only by status, never deleted.
 */
export { CONSENT_KINDS, type ConsentKind };
export type ConsentStatus = PatientConsentsTable["status"];

export interface ConsentInput {
  kind: ConsentKind;
  status: ConsentStatus;
  effectiveFrom: string;
  effectiveTo?: string | null | undefined;
  note?: string | null | undefined;
}

function present(r: PatientConsentsTable): ConsentView {
  return {
    id: r.id,
    patientId: r.patient_id,
    kind: r.kind as ConsentKind,
    status: r.status,
    effectiveFrom: r.effective_from,
    effectiveTo: r.effective_to,
    note: r.note,
    recordedBy: r.recorded_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function invalid(path: string, message: string): DomainError {
  return new DomainError("invalid_request", `${path} ${message}.`, [{ path, message }]);
}

function check(c: Pick<ConsentInput, "effectiveFrom" | "effectiveTo">): void {
  if (!isPlainDate(c.effectiveFrom)) throw invalid("effectiveFrom", "must be a real date written YYYY-MM-DD");
  if (c.effectiveTo != null) {
    if (!isPlainDate(c.effectiveTo)) throw invalid("effectiveTo", "must be a real date written YYYY-MM-DD");
    if (c.effectiveTo < c.effectiveFrom) throw invalid("effectiveTo", "must not be before effectiveFrom");
  }
}

export async function listConsents(
  services: Services,
  actor: Actor,
  patientId: string,
): Promise<ConsentView[]> {
  return audited(
    services,
    actor,
    { action: "consent.list", resourceType: "Consent", patientId },
    async (trx) => {
      await requirePatientAccess(trx, services, actor, patientId, "demographics");
      const rows = await trx
        .selectFrom("patient_consents")
        .selectAll()
        .where("organization_id", "=", actor.organizationId)
        .where("patient_id", "=", patientId)
        .orderBy("effective_from", "desc")
        .orderBy("id")
        .execute();
      return rows.map(present);
    },
  );
}

export async function createConsent(
  services: Services,
  actor: Actor,
  patientId: string,
  input: ConsentInput,
): Promise<ConsentView> {
  check(input);
  const id = randomUUID();
  return audited(
    services,
    actor,
    {
      action: "consent.create",
      resourceType: "Consent",
      resourceId: id,
      patientId,
      detail: { kind: input.kind },
    },
    async (trx) => {
      await requirePatientAccess(trx, services, actor, patientId, "demographics");
      const at = services.clock().toISOString();
      await trx
        .insertInto("patient_consents")
        .values({
          organization_id: actor.organizationId,
          id,
          patient_id: patientId,
          kind: input.kind,
          status: input.status,
          effective_from: input.effectiveFrom,
          effective_to: input.effectiveTo ?? null,
          note: input.note ?? null,
          recorded_by: actor.userId,
          created_at: at,
          updated_at: at,
        })
        .execute();
      const row = await trx
        .selectFrom("patient_consents")
        .selectAll()
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
      return present(row);
    },
  );
}

export async function updateConsent(
  services: Services,
  actor: Actor,
  patientId: string,
  consentId: string,
  changes: Partial<Pick<ConsentInput, "status" | "effectiveTo" | "note">>,
): Promise<ConsentView> {
  return audited(
    services,
    actor,
    {
      action: "consent.update",
      resourceType: "Consent",
      resourceId: consentId,
      patientId,
      detail: { fields: Object.keys(changes).sort() },
    },
    async (trx) => {
      await requirePatientAccess(trx, services, actor, patientId, "demographics");
      const before = await trx
        .selectFrom("patient_consents")
        .selectAll()
        .where("organization_id", "=", actor.organizationId)
        .where("patient_id", "=", patientId)
        .where("id", "=", consentId)
        .executeTakeFirst();
      if (!before) throw notFound("consent");
      const effectiveTo = changes.effectiveTo === undefined ? before.effective_to : changes.effectiveTo;
      check({ effectiveFrom: before.effective_from, effectiveTo });
      await trx
        .updateTable("patient_consents")
        .set({
          status: changes.status ?? before.status,
          effective_to: effectiveTo,
          note: changes.note === undefined ? before.note : changes.note,
          updated_at: services.clock().toISOString(),
        })
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", consentId)
        .execute();
      const row = await trx
        .selectFrom("patient_consents")
        .selectAll()
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", consentId)
        .executeTakeFirstOrThrow();
      return present(row);
    },
  );
}

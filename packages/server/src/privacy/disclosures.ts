import { randomUUID } from "node:crypto";
import { csvRow, DomainError, dateInZone } from "@salus/core";
import {
  ACCOUNTING_YEARS,
  accountingStart,
  DISCLOSURE_CATEGORIES,
  type DisclosureCategory,
  inAccounting,
} from "@salus/core/privacy/patient-rights";
import { audited } from "../audit/audited.ts";
import type { DisclosureRow } from "../db/schema-privacy.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import { requirePatient } from "./patient-scope.ts";
import { practiceZone } from "./practice-zone.ts";
import type { Accounting, DisclosureView } from "./schemas.ts";

export type { Accounting, DisclosureView } from "./schemas.ts";

/**
 * Disclosures of a patient's information outside the practice (45 CFR 164.528). Every disclosure may be
 * recorded, TPO ones included (ONC (d)(11)); the accounting the patient receives lists the last six
 * years without the categories the rule exempts, and without those under a running suspension.
 */

export function presentDisclosure(r: DisclosureRow, recordedBy: string | null = null): DisclosureView {
  const category = r.category as DisclosureCategory;
  const known = DISCLOSURE_CATEGORIES[category] ?? DISCLOSURE_CATEGORIES.other;
  return {
    id: r.id,
    patientId: r.patient_id,
    disclosedAt: r.disclosed_at,
    disclosedOn: r.disclosed_on,
    recipientName: r.recipient_name,
    recipientAddress: r.recipient_address,
    purpose: r.purpose,
    description: r.description,
    category,
    categoryLabel: known.label,
    accountable: known.accountable,
    legalBasis: r.legal_basis,
    suspendedUntil: r.suspended_until,
    exportFormat: r.export_format,
    recordedBy,
    createdAt: r.created_at,
  };
}

export interface DisclosureInput {
  disclosedAt?: string | undefined;
  recipientName: string;
  recipientAddress?: string | null | undefined;
  purpose: string;
  description: string;
  category: DisclosureCategory;
  legalBasis?: string | null | undefined;
  suspendedUntil?: string | null | undefined;
}

/** Inserts a disclosure inside the caller's transaction (the export records its own this way). */
export async function insertDisclosureIn(
  trx: Trx,
  services: Services,
  actor: Actor,
  patientId: string,
  input: DisclosureInput & { exportFormat?: string | null },
  zone: string,
): Promise<DisclosureRow> {
  const now = services.clock();
  const disclosedAt = input.disclosedAt ? new Date(input.disclosedAt) : now;
  if (Number.isNaN(disclosedAt.getTime())) {
    throw new DomainError("invalid_request", "disclosedAt must be an ISO date-time.", [
      { path: "disclosedAt", message: "is not a date-time" },
    ]);
  }
  if (disclosedAt.getTime() > now.getTime() + 60_000) {
    throw new DomainError("invalid_request", "A disclosure cannot be recorded in the future.", [
      { path: "disclosedAt", message: "cannot be in the future" },
    ]);
  }
  const row: DisclosureRow = {
    organization_id: actor.organizationId,
    id: randomUUID(),
    patient_id: patientId,
    disclosed_at: disclosedAt.toISOString(),
    disclosed_on: dateInZone(disclosedAt, zone),
    recipient_name: input.recipientName,
    recipient_address: input.recipientAddress ?? null,
    purpose: input.purpose,
    description: input.description,
    category: input.category,
    legal_basis: input.legalBasis ?? null,
    suspended_until: input.suspendedUntil ?? null,
    export_format: input.exportFormat ?? null,
    entered_in_error: 0,
    recorded_by: actor.userId,
    created_at: now.toISOString(),
  };
  await trx.insertInto("disclosures").values(row).execute();
  return row;
}

/** Records a disclosure (privacy officer). */
export async function recordDisclosure(
  services: Services,
  actor: Actor,
  patientId: string,
  input: DisclosureInput,
): Promise<DisclosureView> {
  const zone = await practiceZone(services, actor);
  return audited(
    services,
    actor,
    {
      action: "disclosure.create",
      resourceType: "Disclosure",
      patientId,
      detail: { category: input.category },
      fromResult: (d: DisclosureView) => ({ resourceId: d.id }),
    },
    async (trx) => {
      await requirePatient(trx, services, actor, patientId, "privacy");
      const row = await insertDisclosureIn(trx, services, actor, patientId, input, zone);
      return presentDisclosure(row, actor.label);
    },
  );
}

async function rowsOf(trx: Trx, actor: Actor, patientId: string) {
  return trx
    .selectFrom("disclosures")
    .leftJoin("users", "users.id", "disclosures.recorded_by")
    .selectAll("disclosures")
    .select("users.display_name")
    .where("disclosures.organization_id", "=", actor.organizationId)
    .where("disclosures.patient_id", "=", patientId)
    .where("disclosures.entered_in_error", "=", 0)
    .orderBy("disclosures.disclosed_at", "desc")
    .orderBy("disclosures.id")
    .execute();
}

/** Every recorded disclosure of the patient, TPO included (privacy officer's log). */
export async function listDisclosures(
  services: Services,
  actor: Actor,
  patientId: string,
): Promise<DisclosureView[]> {
  return audited(
    services,
    actor,
    { action: "disclosure.list", resourceType: "Disclosure", patientId },
    async (trx) => {
      await requirePatient(trx, services, actor, patientId, "privacy");
      return (await rowsOf(trx, actor, patientId)).map((r) => presentDisclosure(r, r.display_name));
    },
  );
}

/**
 * The accounting the patient is entitled to: six years back from today in the practice's zone, TPO and
 * the other exempt categories left out, suspended entries left out until their suspension ends.
 */
export async function disclosureAccounting(
  services: Services,
  actor: Actor,
  patientId: string,
  format: "json" | "csv" | "pdf",
): Promise<Accounting> {
  const zone = await practiceZone(services, actor);
  const now = services.clock();
  const today = dateInZone(now, zone);
  return audited(
    services,
    actor,
    { action: "disclosure.accounting", resourceType: "Disclosure", patientId, detail: { format } },
    async (trx) => {
      await requirePatient(trx, services, actor, patientId, "privacy");
      const patient = await trx
        .selectFrom("patients")
        .select(["given_name", "family_name", "mrn"])
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", patientId)
        .executeTakeFirstOrThrow();
      const rows = await rowsOf(trx, actor, patientId);
      const items = rows
        .filter((r) =>
          inAccounting(
            {
              disclosedOn: r.disclosed_on,
              category: (r.category in DISCLOSURE_CATEGORIES ? r.category : "other") as DisclosureCategory,
              suspendedUntil: r.suspended_until,
            },
            today,
          ),
        )
        .map((r) => presentDisclosure(r, r.display_name));
      return {
        patientId,
        patientName: `${patient.given_name} ${patient.family_name}`,
        mrn: patient.mrn,
        from: accountingStart(today),
        to: today,
        producedAt: now.toISOString(),
        years: ACCOUNTING_YEARS,
        items,
      };
    },
  );
}

/** The accounting as CSV (formula-safe cells, RFC 4180). */
export function accountingCsv(a: Accounting): string {
  let out = csvRow([
    "date",
    "recipient",
    "recipient_address",
    "purpose",
    "what_was_disclosed",
    "category",
    "legal_basis",
  ]);
  for (const d of a.items) {
    out += csvRow([
      d.disclosedOn,
      d.recipientName,
      d.recipientAddress,
      d.purpose,
      d.description,
      d.categoryLabel,
      d.legalBasis,
    ]);
  }
  return out;
}

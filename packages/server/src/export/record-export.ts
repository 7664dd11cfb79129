import type { Bundle, Resource } from "@medplum/fhirtypes";
import { dateInZone } from "@salus/core";
import type { DisclosureCategory } from "@salus/core/privacy/patient-rights";
import { audited } from "../audit/audited.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import { insertDisclosureIn } from "../privacy/disclosures.ts";
import { requirePatient } from "../privacy/patient-scope.ts";
import { practiceName, practiceZone } from "../privacy/practice-zone.ts";
import { exportProvenance, recordBundle, recordResources } from "./fhir-bundle.ts";
import { renderPdf } from "./pdf.ts";
import { collectRecord, type RecordData } from "./record-data.ts";
import { recordDocument } from "./record-pdf.ts";

/**
 * Record export (right of access, 45 CFR 164.524): the privacy officer for any patient of the practice
 * (the patient asked for their record), a clinician for their own patients only (records:export and the
 * clinical section, decided by the records slice's access rules). Audited with the format; when the copy
 * goes to a third party the disclosure is recorded in the same transaction.
 */
export interface ExportRecipient {
  recipientName: string;
  recipientAddress?: string | null | undefined;
  purpose: string;
  category: DisclosureCategory;
  legalBasis?: string | null | undefined;
}

export type ExportResult = { format: "fhir"; bundle: Bundle } | { format: "pdf"; pdf: Buffer };

/** Whether the actor exports as the privacy office (whole record) or as a treating clinician. */
export function exportsAsPrivacyOffice(actor: Actor): boolean {
  return actor.permissions.includes("privacy:manage");
}

/** Checks access for an export and reads the record, inside the caller's transaction. */
export async function readRecordForExport(
  trx: Trx,
  services: Services,
  actor: Actor,
  patientId: string,
  today: string,
): Promise<RecordData> {
  const office = exportsAsPrivacyOffice(actor);
  const access = await requirePatient(trx, services, actor, patientId, office ? "privacy" : "clinical");
  const data = await collectRecord(
    trx,
    services,
    actor,
    patientId,
    today,
    office ? { whole: true } : { whole: false, access },
  );
  // Amendment requests are the privacy office's file; the chart shows only the accepted ones.
  if (!office) data.amendments = data.amendments.filter((a) => a.status === "accepted");
  return data;
}

export async function exportRecord(
  services: Services,
  actor: Actor,
  patientId: string,
  options: { format: "fhir" | "pdf"; recipient?: ExportRecipient | undefined; baseUrl?: string | undefined },
): Promise<ExportResult> {
  const zone = await practiceZone(services, actor);
  const now = services.clock();
  const at = now.toISOString();
  const today = dateInZone(now, zone);
  const { data, resources } = await audited(
    services,
    actor,
    {
      action: "record.export",
      resourceType: "Patient",
      resourceId: patientId,
      patientId,
      detail: {
        format: options.format,
        ...(options.recipient
          ? { recipient: options.recipient.recipientName, category: options.recipient.category }
          : {}),
      },
      fromResult: (r: { resources: Resource[] }) => ({ detail: { resources: r.resources.length } }),
    },
    async (trx) => {
      const data = await readRecordForExport(trx, services, actor, patientId, today);
      const resources = recordResources(data);
      if (options.recipient) {
        await insertDisclosureIn(
          trx,
          services,
          actor,
          patientId,
          {
            ...options.recipient,
            description: `Copy of the health record (${options.format === "pdf" ? "PDF" : "FHIR R4 Bundle"}, ${resources.length} entries)`,
            exportFormat: options.format,
          },
          zone,
        );
      }
      return { data, resources };
    },
  );
  if (options.format === "pdf") {
    const pdf = await renderPdf(recordDocument(data, await practiceName(services, actor), at, actor.label));
    return { format: "pdf", pdf };
  }
  const all = [
    ...resources,
    exportProvenance(resources, at, { userId: actor.userId, label: actor.label }, actor.organizationId),
  ];
  return { format: "fhir", bundle: recordBundle(options.baseUrl ?? "urn:salus", all, "collection", at) };
}

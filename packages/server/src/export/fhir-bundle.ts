import type { Bundle, BundleEntry, Provenance, Resource } from "@medplum/fhirtypes";
import { presentPatient } from "../directory/patients.ts";
import {
  toAllergy,
  toAmendment,
  toConsent,
  toCoverage,
  toDiagnoses,
  toDocument,
  toEncounter,
  toMedication,
  toNote,
  toProblem,
  toProcedures,
} from "../fhir/fhir-records.ts";
import { toPatient } from "../fhir/fhir-resources.ts";
import { toAppointment } from "../fhir/present-fhir-appointment.ts";
import type { RecordData } from "./record-data.ts";

/**
 * The record as FHIR R4 resources (Patient/$everything semantics): the Patient first, then everything
 * that refers to it. `collection` for a download, `searchset` for the FHIR operation.
 */
export function recordResources(
  r: RecordData,
  options: { documentData: boolean } = { documentData: true },
): Resource[] {
  const pid = r.patient.id;
  const sensitive = new Set(r.encounters.filter((e) => e.sensitive).map((e) => e.id));
  const out: Resource[] = [toPatient(presentPatient(r.patient), r.organizationId)];
  for (const c of r.coverages) out.push(toCoverage(c));
  for (const c of r.consents) out.push(toConsent(c));
  for (const a of r.appointments) out.push(toAppointment(a, a.typeName ?? undefined));
  for (const e of r.encounters) {
    out.push(toEncounter(e, pid, r.practitioners.get(e.practitionerId)));
    out.push(...toDiagnoses(e, pid), ...toProcedures(e, pid));
  }
  for (const p of r.problems) out.push(toProblem(p));
  for (const a of r.allergies) out.push(toAllergy(a));
  for (const m of r.medications) out.push(toMedication(m));
  for (const n of r.notes) out.push(toNote(n, pid, sensitive.has(n.encounterId)));
  for (const d of r.documents) {
    out.push(
      toDocument(d, pid, d.encounterId !== null && sensitive.has(d.encounterId), options.documentData),
    );
  }
  for (const a of r.amendments) out.push(toAmendment(a, pid));
  return out;
}

/** A Provenance saying who produced the export, when and from what (one for the whole Bundle). */
export function exportProvenance(
  resources: Resource[],
  at: string,
  who: { userId: string | null; label: string },
  organizationId: string,
): Provenance {
  return {
    resourceType: "Provenance",
    id: `export-${at.replace(/[^0-9]/g, "")}`,
    target: resources.filter((x) => x.id).map((x) => ({ reference: `${x.resourceType}/${x.id}` })),
    recorded: at,
    activity: {
      coding: [{ system: "http://terminology.hl7.org/CodeSystem/v3-DataOperation", code: "EXPORT" }],
    },
    agent: [
      {
        type: {
          coding: [
            { system: "http://terminology.hl7.org/CodeSystem/provenance-participant-type", code: "author" },
          ],
        },
        who: {
          display: who.label,
          ...(who.userId ? { identifier: { system: "urn:salus:user", value: who.userId } } : {}),
        },
        onBehalfOf: { reference: `Organization/${organizationId}` },
      },
    ],
  };
}

export function recordBundle(
  base: string,
  resources: Resource[],
  type: "collection" | "searchset",
  at: string,
  selfUrl?: string,
): Bundle {
  const entry: BundleEntry[] = resources.map((resource) => ({
    fullUrl: `${base}/${resource.resourceType}/${resource.id}`,
    resource,
    ...(type === "searchset"
      ? { search: { mode: resource.resourceType === "Patient" ? ("match" as const) : ("include" as const) } }
      : {}),
  }));
  return {
    resourceType: "Bundle",
    type,
    timestamp: at,
    ...(type === "searchset" ? { total: resources.length } : {}),
    ...(selfUrl ? { link: [{ relation: "self", url: selfUrl }] } : {}),
    entry,
  };
}

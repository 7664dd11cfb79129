import type { ReadPurpose } from "@salus/core";
import { documentShown, noteShown, partsOf, readerOf, WHOLE_RECORD } from "../clinical/clinical-access.ts";
import type { Trx } from "../db/transaction.ts";
import { openBytes, openText } from "../platform/field-crypto.ts";
import type { Actor, Services } from "../platform/services.ts";
import { type AmendmentView, amendmentsOfPatientIn } from "../privacy/amendments.ts";
import type { PatientAccess } from "../records/patient-access.ts";
import { type AppointmentView, loadAppointment } from "../scheduling/appointment-view.ts";

/**
 * Everything Salus holds about one patient, read in the caller's transaction after access was checked:
 * the single source of the record export (FHIR Bundle and PDF) and of FHIR `Patient/$everything`, so the
 * two can never disagree about what "the whole record" is. Entered-in-error rows are included, marked
 * (nothing is ever hidden from the patient's copy by being a mistake), and every query is scoped by the
 * organization and the patient.
 *
 * Who gets what is the one visibility rule (core records/record-visibility.ts, through
 * clinical/clinical-access.ts), decided here row by row so no reader built on this one can forget it:
 * `whole` (the privacy office answering the patient's right of access) gets every encounter in full; any
 * other reader what the rule shows them, e.g. a sensitive encounter's notes, documents and reason only when
 * it is their own encounter or they are under break-glass, and its codes without its reason for a biller.
 * A note never signed is in no copy of the record (`purpose: "copy"`, the default: exports, `$everything`,
 * disclosures), whoever reads; only FHIR reads in the chart (`purpose: "chart"`) show an author their own.
 */
export interface EncounterData {
  id: string;
  practitionerId: string;
  locationId: string;
  appointmentId: string | null;
  date: string;
  type: string;
  reason: string | null;
  status: string;
  sensitive: boolean;
  selfPay: boolean;
  errorReason: string | null;
  diagnoses: { position: number; code: string; description: string | null }[];
  procedures: {
    position: number;
    codeSystem: "cpt" | "hcpcs";
    code: string;
    modifiers: string[];
    units: number;
    pointers: number[];
  }[];
}

export interface NoteData {
  id: string;
  encounterId: string;
  kind: "note" | "addendum";
  parentId: string | null;
  title: string | null;
  status: string;
  authorLabel: string;
  signedAt: string | null;
  createdAt: string;
  errorReason: string | null;
  text: string;
}

export interface DocumentData {
  id: string;
  encounterId: string | null;
  title: string;
  category: string;
  filename: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  status: string;
  errorReason: string | null;
  createdAt: string;
  content: Buffer;
}

type Row<T extends keyof import("../db/schema.ts").Database> = import("kysely").Selectable<
  import("../db/schema.ts").Database[T]
>;

export interface RecordData {
  patient: Row<"patients">;
  organizationId: string;
  appointments: (AppointmentView & { typeName: string | null })[];
  coverages: Row<"coverages">[];
  consents: Row<"patient_consents">[];
  encounters: EncounterData[];
  problems: Row<"problems">[];
  allergies: Row<"allergies">[];
  medications: Row<"medications">[];
  notes: NoteData[];
  documents: DocumentData[];
  amendments: AmendmentView[];
  practitioners: Map<string, string>;
  locations: Map<string, string>;
  /** Sensitive encounters whose content this reader may not see (counted, so the PDF can say so). */
  withheld: number;
}

function parseJsonArray<T>(text: string | null): T[] {
  if (!text) return [];
  try {
    const v = JSON.parse(text);
    return Array.isArray(v) ? (v as T[]) : [];
  } catch {
    return [];
  }
}

/** Parts of the record a caller may ask for (FHIR searches read only what they answer with). */
export type RecordPart =
  | "appointments"
  | "coverages"
  | "consents"
  | "encounters"
  | "lists"
  | "notes"
  | "documents"
  | "amendments";
export const ALL_PARTS: ReadonlySet<RecordPart> = new Set([
  "appointments",
  "coverages",
  "consents",
  "encounters",
  "lists",
  "notes",
  "documents",
  "amendments",
]);

export async function collectRecord(
  trx: Trx,
  services: Services,
  actor: Actor,
  patientId: string,
  today: string,
  reader: { whole: true } | { whole: false; access: PatientAccess; purpose?: ReadPurpose },
  parts: ReadonlySet<RecordPart> = ALL_PARTS,
): Promise<RecordData> {
  const org = actor.organizationId;
  const want = (p: RecordPart) => parts.has(p);
  const patient = await trx
    .selectFrom("patients")
    .selectAll()
    .where("organization_id", "=", org)
    .where("id", "=", patientId)
    .executeTakeFirstOrThrow();
  const apptRows = !want("appointments")
    ? []
    : await trx
        .selectFrom("appointments")
        .leftJoin("appointment_types", (j) =>
          j
            .onRef("appointment_types.organization_id", "=", "appointments.organization_id")
            .onRef("appointment_types.id", "=", "appointments.appointment_type_id"),
        )
        .select(["appointments.id", "appointment_types.name"])
        .where("appointments.organization_id", "=", org)
        .where("appointments.patient_id", "=", patientId)
        .orderBy("appointments.start_at")
        .orderBy("appointments.id")
        .execute();
  const appointments = [];
  for (const a of apptRows) {
    appointments.push({ ...(await loadAppointment(trx, actor, a.id)), typeName: a.name ?? null });
  }
  const byPatient = <T extends "coverages" | "patient_consents" | "problems" | "allergies" | "medications">(
    table: T,
  ) =>
    trx
      .selectFrom(table as "problems")
      .selectAll()
      .where("organization_id", "=", org)
      .where("patient_id", "=", patientId)
      .orderBy("created_at")
      .orderBy("id")
      .execute() as unknown as Promise<Row<T>[]>;

  // Notes and documents hang off encounters: the sensitive rule needs them even when not answered with.
  const needEncounters = want("encounters") || want("notes") || want("documents");
  const encounterRows = !needEncounters
    ? []
    : await trx
        .selectFrom("encounters")
        .selectAll()
        .where("organization_id", "=", org)
        .where("patient_id", "=", patientId)
        .orderBy("date")
        .orderBy("id")
        .execute();
  const rule = reader.whole ? WHOLE_RECORD : readerOf(actor, reader.access);
  const purpose: ReadPurpose = reader.whole ? "copy" : (reader.purpose ?? "copy");
  const encounterById = new Map(encounterRows.map((e) => [e.id, e]));
  const mayContent = (e: (typeof encounterRows)[number]) => partsOf(rule, e).content;
  const visibleEncounters = want("encounters") ? encounterRows.filter((e) => partsOf(rule, e).codes) : [];
  const ids = visibleEncounters.map((e) => e.id);
  const diagnoses = ids.length
    ? await trx
        .selectFrom("encounter_diagnoses")
        .leftJoin("code_set_entries", (j) =>
          j
            .onRef("code_set_entries.code", "=", "encounter_diagnoses.code")
            .on("code_set_entries.code_set", "=", "icd10cm"),
        )
        .select([
          "encounter_diagnoses.encounter_id",
          "encounter_diagnoses.position",
          "encounter_diagnoses.code",
        ])
        .select((eb) => eb.fn.max("code_set_entries.description").as("description"))
        .where("encounter_diagnoses.organization_id", "=", org)
        .where("encounter_diagnoses.encounter_id", "in", ids)
        .groupBy([
          "encounter_diagnoses.encounter_id",
          "encounter_diagnoses.position",
          "encounter_diagnoses.code",
        ])
        .orderBy("encounter_diagnoses.position")
        .execute()
    : [];
  const procedures = ids.length
    ? await trx
        .selectFrom("encounter_procedures")
        .selectAll()
        .where("organization_id", "=", org)
        .where("encounter_id", "in", ids)
        .orderBy("position")
        .execute()
    : [];
  const encounters: EncounterData[] = visibleEncounters.map((e) => ({
    id: e.id,
    practitionerId: e.practitioner_id,
    locationId: e.location_id,
    appointmentId: e.appointment_id,
    date: e.date,
    type: e.type,
    // A sensitive visit's reason is clinical content: a biller gets the codes without it.
    reason: partsOf(rule, e).reason ? e.reason : null,
    status: e.status,
    sensitive: e.sensitive === 1,
    selfPay: e.self_pay === 1,
    errorReason: e.error_reason,
    diagnoses: diagnoses
      .filter((d) => d.encounter_id === e.id)
      .map((d) => ({
        position: Number(d.position),
        code: d.code,
        description: (d.description as string | null) ?? null,
      })),
    procedures: procedures
      .filter((p) => p.encounter_id === e.id)
      .map((p) => ({
        position: Number(p.position),
        codeSystem: p.code_system,
        code: p.code,
        modifiers: parseJsonArray<string>(p.modifiers),
        units: Number(p.units),
        pointers: parseJsonArray<number>(p.pointers),
      })),
  }));
  const withheld = encounterRows.filter((e) => !mayContent(e)).length;
  // Patient-level lists are clinical content; a reader who reached here may see them (requirePatient).
  const noteRows = !want("notes")
    ? []
    : await trx
        .selectFrom("clinical_notes")
        .selectAll()
        .where("organization_id", "=", org)
        .where("patient_id", "=", patientId)
        .orderBy("created_at")
        .orderBy("id")
        .execute();
  const notes: NoteData[] = noteRows
    .filter((n) => {
      const e = encounterById.get(n.encounter_id);
      return e !== undefined && noteShown(rule, n, e, purpose);
    })
    .map((n) => ({
      id: n.id,
      encounterId: n.encounter_id,
      kind: n.kind,
      parentId: n.parent_id,
      title: n.title,
      status: n.status,
      authorLabel: n.author_label,
      signedAt: n.signed_at,
      createdAt: n.created_at,
      errorReason: n.error_reason,
      text: openText(services.secrets, n.text_enc),
    }));
  const documentRows = !want("documents")
    ? []
    : await trx
        .selectFrom("clinical_documents")
        .selectAll()
        .where("organization_id", "=", org)
        .where("patient_id", "=", patientId)
        .orderBy("created_at")
        .orderBy("id")
        .execute();
  const documents: DocumentData[] = documentRows
    .filter((d) => {
      if (d.encounter_id === null) return documentShown(rule, null);
      const e = encounterById.get(d.encounter_id);
      return e !== undefined && documentShown(rule, e);
    })
    .map((d) => ({
      id: d.id,
      encounterId: d.encounter_id,
      title: d.title,
      category: d.category,
      filename: d.filename,
      contentType: d.content_type,
      sizeBytes: Number(d.size_bytes),
      sha256: d.sha256,
      status: d.status,
      errorReason: d.error_reason,
      createdAt: d.created_at,
      content: openBytes(services.secrets, d.content_enc),
    }));
  const staff = await trx
    .selectFrom("staff_members")
    .select(["id", "given_name", "family_name"])
    .where("organization_id", "=", org)
    .execute();
  const locations = await trx
    .selectFrom("locations")
    .select(["id", "name"])
    .where("organization_id", "=", org)
    .execute();
  return {
    patient,
    organizationId: org,
    appointments,
    coverages: want("coverages") ? await byPatient("coverages") : [],
    consents: want("consents") ? await byPatient("patient_consents") : [],
    encounters,
    problems: want("lists") ? await byPatient("problems") : [],
    allergies: want("lists") ? await byPatient("allergies") : [],
    medications: want("lists") ? await byPatient("medications") : [],
    notes,
    documents,
    amendments: want("amendments") ? await amendmentsOfPatientIn(trx, actor, patientId, today, false) : [],
    practitioners: new Map(staff.map((s) => [s.id, `${s.given_name} ${s.family_name}`])),
    locations: new Map(locations.map((l) => [l.id, l.name])),
    withheld,
  };
}

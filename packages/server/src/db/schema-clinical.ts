/**
 * Table types for the clinical part of the records slice (migration 0005-clinical). Merged into `Database` in schema.ts.
 * Import from schema.ts with `import type` only (no runtime cycle).
 */

export interface CodeSetVersionsTable {
  code_set: string;
  version: string;
  valid_from: string;
  valid_to: string;
  entries: number;
  sha256: string;
  loaded_at: string;
}

export interface CodeSetEntriesTable {
  code_set: string;
  version: string;
  code: string;
  description: string | null;
  valid_from: string;
  valid_to: string;
}

export interface CodeSetWordsTable {
  code_set: string;
  version: string;
  word: string;
  code: string;
}

export type EncounterStatus = "in-progress" | "finished" | "entered-in-error";

export interface EncountersTable {
  organization_id: string;
  id: string;
  patient_id: string;
  practitioner_id: string;
  location_id: string;
  appointment_id: string | null;
  date: string;
  type: string;
  reason: string | null;
  status: EncounterStatus;
  sensitive: number;
  self_pay: number;
  error_reason: string | null;
  created_by: string | null;
  version: number;
  created_at: string;
  updated_at: string;
  /** The break-glass grant it was written under (migration 0009): such an encounter makes no treating relation. */
  break_glass_id: string | null;
}

export interface EncounterDiagnosesTable {
  organization_id: string;
  encounter_id: string;
  position: number;
  code: string;
}

export interface EncounterProceduresTable {
  organization_id: string;
  encounter_id: string;
  position: number;
  code_system: "cpt" | "hcpcs";
  code: string;
  modifiers: string;
  units: number;
  pointers: string;
  charge_cents: number | null;
}

interface ListItemColumns {
  organization_id: string;
  id: string;
  patient_id: string;
  status: string;
  error_reason: string | null;
  created_by: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface ProblemsTable extends ListItemColumns {
  code: string | null;
  description: string | null;
  onset_date: string | null;
  resolved_date: string | null;
}

export interface AllergiesTable extends ListItemColumns {
  substance: string | null;
  reaction: string | null;
  severity: string | null;
}

export interface MedicationsTable extends ListItemColumns {
  name: string | null;
  dose: string | null;
  frequency: string | null;
  start_date: string | null;
  end_date: string | null;
}

export interface ClinicalNotesTable {
  organization_id: string;
  id: string;
  patient_id: string;
  encounter_id: string;
  kind: "note" | "addendum";
  parent_id: string | null;
  title: string | null;
  status: "draft" | "signed" | "entered-in-error";
  author_user_id: string;
  author_label: string;
  signed_at: string | null;
  error_reason: string | null;
  version: number;
  created_at: string;
  updated_at: string;
  /** Sealed note text (platform/field-crypto.ts). */
  text_enc: string;
}

export interface ClinicalDocumentsTable {
  organization_id: string;
  id: string;
  patient_id: string;
  encounter_id: string | null;
  title: string;
  category: string;
  filename: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  status: "current" | "entered-in-error";
  error_reason: string | null;
  uploaded_by: string | null;
  created_at: string;
  updated_at: string;
  /** Sealed file bytes (platform/field-crypto.ts). */
  content_enc: string;
}

export interface ClinicalRevisionsTable {
  organization_id: string;
  id: string;
  patient_id: string;
  resource_type: "encounters" | "problems" | "allergies" | "medications";
  resource_id: string;
  version: number;
  replaced_by: string | null;
  replaced_at: string;
  /** Sealed JSON of the record as presented at that version. */
  snapshot_enc: string;
}

export interface ClinicalTables {
  code_set_versions: CodeSetVersionsTable;
  code_set_entries: CodeSetEntriesTable;
  code_set_words: CodeSetWordsTable;
  encounters: EncountersTable;
  encounter_diagnoses: EncounterDiagnosesTable;
  encounter_procedures: EncounterProceduresTable;
  problems: ProblemsTable;
  allergies: AllergiesTable;
  medications: MedicationsTable;
  clinical_notes: ClinicalNotesTable;
  clinical_documents: ClinicalDocumentsTable;
  clinical_revisions: ClinicalRevisionsTable;
}

/** Tables in dependency order (parents first), appended to TABLES_IN_ORDER for backup and restore. */
export const CLINICAL_TABLES_IN_ORDER: readonly (keyof ClinicalTables)[] = [
  "code_set_versions",
  "code_set_entries",
  "code_set_words",
  "encounters",
  "encounter_diagnoses",
  "encounter_procedures",
  "problems",
  "allergies",
  "medications",
  "clinical_notes",
  "clinical_documents",
  "clinical_revisions",
];

// Tables for accent- and punctuation-insensitive patient search (issue 10, item 6).

/**
 * The search terms of each patient's names (core/records/patient-search.ts#patientSearchTerms), rewritten
 * with the patient by every write of their names (directory/patient-search-terms.ts). `term` compares
 * bytewise on both databases (PostgreSQL `collate "C"`), so a typed prefix is one index range.
 */
export interface PatientSearchTermsTable {
  organization_id: string;
  term: string;
  kind: "family" | "given" | "preferred";
  patient_id: string;
}

export interface SearchTables {
  patient_search_terms: PatientSearchTermsTable;
}

/** Tables in dependency order (parents first), appended to TABLES_IN_ORDER for backup and restore. */
export const SEARCH_TABLES_IN_ORDER: readonly (keyof SearchTables)[] = ["patient_search_terms"];

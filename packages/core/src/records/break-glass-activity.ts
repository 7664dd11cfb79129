import { actionInWords } from "../privacy/patient-rights.ts";
import type { RecordSection } from "./access-policy.ts";

/**
 * The review queue's account of one break-glass use, in plain words: each audit entry written under the
 * grant (action names such as `encounter.create` or `fhir.patient.read`) becomes a sentence a privacy
 * officer reads without knowing Salus's action names, plus the part of the record it touched, so the
 * server can offer a link only where the reviewer may open it. Unknown actions are still listed (in the
 * access report's words, privacy/patient-rights.ts, or by name), never dropped: the review must show
 * everything done under the grant.
 */

/** The chart tab (web app) where what an entry touched is shown. */
export type ChartTabName =
  | "summary"
  | "coverage"
  | "appointments"
  | "encounters"
  | "clinical"
  | "notes"
  | "documents"
  | "care-team"
  | "privacy";

export interface ActivityEntry {
  action: string;
  outcome: "success" | "failure" | "denied";
}

export interface ActivityDescription {
  /** One sentence, e.g. "Booked a visit" or "Opened the patient's details (refused)". */
  text: string;
  /** True for entries that wrote to the record (created, changed, booked …), false for reads. */
  wrote: boolean;
  /** The part of the record it touched, or null (then no link). */
  section: RecordSection | null;
  tab: ChartTabName | null;
}

interface Thing {
  noun: string;
  section: RecordSection | null;
  tab: ChartTabName | null;
}

const THINGS: Record<string, Thing> = {
  patient: { noun: "the patient's details", section: "demographics", tab: "summary" },
  "fhir.patient": { noun: "the patient's details (FHIR)", section: "demographics", tab: "summary" },
  coverage: { noun: "insurance coverage", section: "coverage", tab: "coverage" },
  "fhir.coverage": { noun: "insurance coverage (FHIR)", section: "coverage", tab: "coverage" },
  consent: { noun: "consents", section: "demographics", tab: "summary" },
  appointment: { noun: "a visit", section: "schedule", tab: "appointments" },
  "appointment.series": { noun: "a series of visits", section: "schedule", tab: "appointments" },
  "fhir.appointment": { noun: "visits (FHIR)", section: "schedule", tab: "appointments" },
  encounter: { noun: "an encounter", section: "codes", tab: "encounters" },
  "fhir.encounter": { noun: "encounters (FHIR)", section: "codes", tab: "encounters" },
  "fhir.condition": { noun: "diagnoses and problems (FHIR)", section: "clinical", tab: "clinical" },
  note: { noun: "a clinical note", section: "clinical", tab: "notes" },
  document: { noun: "a document", section: "clinical", tab: "documents" },
  problem: { noun: "the problem list", section: "clinical", tab: "clinical" },
  allergy: { noun: "allergies", section: "clinical", tab: "clinical" },
  "fhir.allergyintolerance": { noun: "allergies (FHIR)", section: "clinical", tab: "clinical" },
  medication: { noun: "medications", section: "clinical", tab: "clinical" },
  "fhir.medicationstatement": { noun: "medications (FHIR)", section: "clinical", tab: "clinical" },
  "care-team": { noun: "the care team", section: "clinical", tab: "care-team" },
  record: { noun: "the whole record", section: "demographics", tab: "summary" },
  "break-glass": { noun: "emergency access", section: "privacy", tab: "privacy" },
  amendment: { noun: "amendment requests", section: "privacy", tab: "privacy" },
  disclosure: { noun: "disclosures", section: "privacy", tab: "privacy" },
  "flow.no-show": { noun: "no-shows", section: "schedule", tab: "appointments" },
};

/** Verb (past tense) for the last part of an action, and whether it writes. */
const VERBS: Record<string, { verb: string; wrote: boolean }> = {
  read: { verb: "Opened", wrote: false },
  search: { verb: "Listed", wrote: false },
  list: { verb: "Listed", wrote: false },
  history: { verb: "Viewed the history of", wrote: false },
  download: { verb: "Downloaded", wrote: false },
  everything: { verb: "Read", wrote: false },
  export: { verb: "Exported", wrote: false },
  // Opening the grant itself changes nothing in the record.
  open: { verb: "Opened", wrote: false },
  create: { verb: "Created", wrote: true },
  book: { verb: "Booked", wrote: true },
  update: { verb: "Changed", wrote: true },
  reschedule: { verb: "Moved", wrote: true },
  cancel: { verb: "Cancelled", wrote: true },
  status: { verb: "Changed the status of", wrote: true },
  sign: { verb: "Signed", wrote: true },
  addendum: { verb: "Added an addendum to", wrote: true },
  "entered-in-error": { verb: "Marked as entered in error", wrote: true },
  grant: { verb: "Added someone to", wrote: true },
  revoke: { verb: "Removed someone from", wrote: true },
  request: { verb: "Recorded", wrote: true },
};

/** Sentences for whole actions whose parts do not read well on their own. */
const WHOLE: Record<string, string> = {
  "patient.search": "Listed or searched patients (this patient was among the results)",
  "fhir.patient.search": "Searched patients through FHIR (this patient was among the results)",
  "appointment.search": "Listed visits (this patient's were among them)",
  "break-glass.open": "Opened emergency access",
  "record.export": "Exported the whole record",
  "record.everything": "Read the whole record through FHIR ($everything)",
  "patient.update": "Changed the patient's details",
  "document.create": "Added a document",
  "note.create": "Wrote a clinical note",
};

/** Describes one audit entry written under a break-glass grant. */
export function describeActivity(entry: ActivityEntry): ActivityDescription {
  const parts = entry.action.split(".");
  const last = parts.at(-1) ?? "";
  const prefix = parts.slice(0, -1).join(".");
  const thing = THINGS[prefix];
  const verb = VERBS[last];
  const refused = entry.outcome === "denied" ? " (refused)" : entry.outcome === "failure" ? " (failed)" : "";
  const base = WHOLE[entry.action] ?? (thing && verb ? `${verb.verb} ${thing.noun}` : null);
  if (base === null) {
    // Not a known action: the access report's words (or its name), so nothing done under the grant is hidden.
    return {
      text: `${actionInWords(entry.action)}${refused}`,
      wrote: verb?.wrote ?? false,
      section: null,
      tab: null,
    };
  }
  return {
    text: `${base}${refused}`,
    wrote: verb?.wrote ?? false,
    section: thing?.section ?? null,
    tab: thing?.tab ?? null,
  };
}

/**
 * The fixed vocabularies of the clinical record, shared by the server's schemas and the web's forms (a
 * subpath with no imports, so the web bundles it without server code).
 */
export const ENCOUNTER_TYPES = ["office-visit", "telehealth", "home-visit", "procedure", "other"] as const;
export type EncounterType = (typeof ENCOUNTER_TYPES)[number];

/** The chart's lists. */
export const LIST_KINDS = ["problems", "allergies", "medications"] as const;
export type ListKind = (typeof LIST_KINDS)[number];

/** The statuses an item of each list may have. */
export const LIST_STATUSES: Record<ListKind, readonly string[]> = {
  problems: ["active", "inactive", "resolved"],
  allergies: ["active", "inactive", "resolved"],
  medications: ["active", "on-hold", "stopped", "completed"],
};

export const ALLERGY_SEVERITIES = ["mild", "moderate", "severe", "unknown"] as const;

export const DOCUMENT_CATEGORIES = [
  "clinical-note",
  "lab-result",
  "imaging",
  "referral",
  "consent",
  "insurance",
  "correspondence",
  "other",
] as const;
export type DocumentCategory = (typeof DOCUMENT_CATEGORIES)[number];

import type { Role } from "../security/permissions.ts";

/**
 * Who may see which part of a patient's record (minimum necessary, 45 CFR 164.502(b) and 164.514(d)),
 * as a pure decision. The server looks up the facts (the actor's roles, their relations with the
 * patient, an encounter's restriction) and asks here; nothing in this file reads the database or the
 * clock, so the rules can be tested exhaustively.
 *
 * - Practice-wide sections need no relation: front desk and manager see demographics, coverage and the
 *   schedule; billers also the codes; the privacy officer demographics and the privacy file.
 * - Clinicians see every section but privacy, and only for patients they have a relation with:
 *   treating (primary practitioner, an appointment or an encounter), an explicit care-team grant, or
 *   break-glass. Without one the patient does not exist for them.
 * - Several roles: the union.
 */
export const RECORD_SECTIONS = [
  "demographics",
  "coverage",
  "schedule",
  "codes",
  "clinical",
  "privacy",
] as const;
export type RecordSection = (typeof RECORD_SECTIONS)[number];

/** A clinician's relation with a patient, strongest first. */
export const RELATIONS = ["treating", "care-team", "break-glass"] as const;
export type Relation = (typeof RELATIONS)[number];

/** How access was obtained: by role alone ("practice") or through a relation. */
export type AccessVia = "practice" | Relation;

/** Sections each role sees for every patient of the organization, without any relation. */
export const PRACTICE_SECTIONS: Record<Role, readonly RecordSection[]> = {
  admin: [],
  hr: [],
  manager: ["demographics", "coverage", "schedule"],
  "front-desk": ["demographics", "coverage", "schedule"],
  biller: ["demographics", "coverage", "schedule", "codes"],
  "privacy-officer": ["demographics", "privacy"],
  clinician: [],
};

/** Sections each role sees only for patients it has a relation with. */
export const RELATED_SECTIONS: Record<Role, readonly RecordSection[]> = {
  admin: [],
  hr: [],
  manager: [],
  "front-desk": [],
  biller: [],
  "privacy-officer": [],
  clinician: ["demographics", "coverage", "schedule", "codes", "clinical"],
};

/** True when one of the roles sees `section` of every patient of the organization. */
export function seesPracticeWide(roles: readonly Role[], section: RecordSection): boolean {
  return roles.some((r) => PRACTICE_SECTIONS[r].includes(section));
}

/** True when one of the roles would see `section` of a patient it has a relation with. */
export function seesWithRelation(roles: readonly Role[], section: RecordSection): boolean {
  return roles.some((r) => RELATED_SECTIONS[r].includes(section));
}

/**
 * The decision: how the actor may see `section` of a patient, given every relation they have with that
 * patient, or null when they may not (the caller then answers "not found"). Practice-wide access wins
 * (it is not tied to the patient); otherwise the strongest relation, so break-glass is named only when
 * nothing else opens the record.
 */
export function decideAccess(
  roles: readonly Role[],
  section: RecordSection,
  relations: readonly Relation[],
): AccessVia | null {
  if (seesPracticeWide(roles, section)) return "practice";
  if (!seesWithRelation(roles, section)) return null;
  for (const r of RELATIONS) if (relations.includes(r)) return r;
  return null;
}

/** The facts of one encounter the sensitive-encounter rule needs. */
export interface EncounterRestriction {
  /** A restricted (sensitive) encounter, e.g. behavioural health or substance use. */
  sensitive: boolean;
  /** The actor is the encounter's own practitioner (their staff record is on the encounter). */
  actorIsPractitioner: boolean;
}

/**
 * Whether an encounter's codes or clinical content may be shown, once the actor already may see that
 * section of the patient (decideAccess answered non-null; `relations` are all the actor's relations with
 * the patient). A sensitive encounter narrows further: its clinical content only for its own practitioner
 * or under break-glass (a care-team grant does not open it); its codes also for billers, who need them
 * to bill, but never for front desk or manager (who do not see codes at all).
 */
export function canSeeEncounterSection(
  roles: readonly Role[],
  section: "codes" | "clinical",
  relations: readonly Relation[],
  encounter: EncounterRestriction,
): boolean {
  const base = decideAccess(roles, section, relations);
  if (base === null) return false;
  if (!encounter.sensitive) return true;
  if (section === "codes" && seesPracticeWide(roles, "codes")) return true;
  if (relations.includes("break-glass") && seesWithRelation(roles, section)) return true;
  return encounter.actorIsPractitioner && seesWithRelation(roles, section);
}

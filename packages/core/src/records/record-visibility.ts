import type { Role } from "../security/permissions.ts";
import { canSeeEncounterSection, decideAccess, type Relation } from "./access-policy.ts";

/**
 * The one visibility rule for what hangs off a patient's visits: encounters (their codes and their
 * free-text reason), notes and documents. Every reader asks here (the chart's JSON API, FHIR, the record
 * export as FHIR and PDF, an export to a recipient, lists and their counts), so none can show what
 * another hides (SEC-AZ-03, SEC-AZ-05, SEC-AZ-06). Pure: the server passes the reader and the facts of
 * each row; nothing here reads the database or the clock.
 *
 * - A note that was never signed (a draft, or a draft its author withdrew) is not part of the record:
 *   it exists for its author alone, in the chart, and never in any copy of the record (export, FHIR
 *   `$everything`, a disclosure), whoever asks, the privacy office included.
 * - A sensitive encounter's clinical content (notes, documents and its free-text reason) is for its own
 *   practitioner or under break-glass; a biller sees its codes, never its reason (access-policy.ts).
 * - The privacy office answering the patient's right of access reads the whole record: every encounter
 *   in full, every note that entered the record, every document.
 */

/** Who reads: the privacy office's whole-record copy, or a member of the practice with their facts. */
export type RecordReader =
  | { kind: "whole-record" }
  | {
      kind: "member";
      roles: readonly Role[];
      /** Every relation the reader has with the patient now. */
      relations: readonly Relation[];
      /** The reader's user id (a note's author is a user), or null for the operator's command line. */
      userId: string | null;
      /** The reader's staff record ids (an encounter's practitioner is a staff record). */
      staffIds: readonly string[];
    };

/**
 * Why the record is read: `chart` is working in the chart (an author sees their own drafts there);
 * `copy` is a copy of the record leaving Salus or answering for it (export, `$everything`, a
 * disclosure): only what entered the record.
 */
export type ReadPurpose = "chart" | "copy";

/** The facts of one encounter the rule needs. */
export interface VisitFacts {
  sensitive: boolean;
  /** staff_members.id of the encounter's practitioner. */
  practitionerId: string | null;
}

/** Which parts of one encounter a reader may see. `reason` and `content` imply `codes`. */
export interface EncounterParts {
  /** The encounter itself, its dates, type and codes. */
  codes: boolean;
  /** Its free-text reason (clinical content when the visit is sensitive). */
  reason: boolean;
  /** Its notes and documents. */
  content: boolean;
}

/** The facts of one note the rule needs. */
export interface NoteVisibilityFacts {
  status: "draft" | "signed" | "entered-in-error";
  authorUserId: string;
  /** When it was signed; null for a note that never was (a draft, or a withdrawn draft). */
  signedAt: string | null;
  visit: VisitFacts;
}

/** Which parts of an encounter the reader may see. */
export function encounterParts(reader: RecordReader, visit: VisitFacts): EncounterParts {
  if (reader.kind === "whole-record") return { codes: true, reason: true, content: true };
  const facts = {
    sensitive: visit.sensitive,
    actorIsPractitioner: visit.practitionerId !== null && reader.staffIds.includes(visit.practitionerId),
  };
  const codes = canSeeEncounterSection(reader.roles, "codes", reader.relations, facts);
  const content = codes && canSeeEncounterSection(reader.roles, "clinical", reader.relations, facts);
  // An ordinary visit's reason travels with its codes (billing needs it); a sensitive one's is clinical.
  return { codes, reason: codes && (!visit.sensitive || content), content };
}

/** True when the note was ever signed, i.e. entered the record (a later entered-in-error mark keeps it). */
export function noteEnteredRecord(note: Pick<NoteVisibilityFacts, "status" | "signedAt">): boolean {
  return note.status === "signed" || (note.status === "entered-in-error" && note.signedAt !== null);
}

/** Whether the reader may see the note (its existence, its title and its text alike). */
export function noteVisible(reader: RecordReader, note: NoteVisibilityFacts, purpose: ReadPurpose): boolean {
  if (!encounterParts(reader, note.visit).content) return false;
  if (noteEnteredRecord(note)) return true;
  // Never signed: its author's alone, and only while working in the chart.
  return (
    purpose === "chart" &&
    reader.kind === "member" &&
    reader.userId !== null &&
    reader.userId === note.authorUserId
  );
}

/** Whether the reader may see a document (filed on a visit, or on the patient with `visit` null). */
export function documentVisible(reader: RecordReader, visit: VisitFacts | null): boolean {
  if (visit) return encounterParts(reader, visit).content;
  if (reader.kind === "whole-record") return true;
  return decideAccess(reader.roles, "clinical", reader.relations) !== null;
}

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ROLES, type Role } from "../security/permissions.ts";
import { RELATIONS, type Relation } from "./access-policy.ts";
import {
  documentVisible,
  encounterParts,
  type NoteVisibilityFacts,
  noteVisible,
  type RecordReader,
  type VisitFacts,
} from "./record-visibility.ts";

const member = (
  roles: Role[],
  relations: Relation[] = [],
  userId: string | null = "u-reader",
  staffIds: string[] = [],
): RecordReader => ({ kind: "member", roles, relations, userId, staffIds });
const WHOLE: RecordReader = { kind: "whole-record" };
const ordinary: VisitFacts = { sensitive: false, practitionerId: "s-author" };
const sensitive: VisitFacts = { sensitive: true, practitionerId: "s-author" };
const note = (over: Partial<NoteVisibilityFacts> = {}): NoteVisibilityFacts => ({
  status: "draft",
  authorUserId: "u-author",
  signedAt: null,
  visit: ordinary,
  ...over,
});

const readers = fc.oneof(
  fc.constant(WHOLE),
  fc.record({
    kind: fc.constant("member" as const),
    roles: fc.uniqueArray(fc.constantFrom(...ROLES), { maxLength: ROLES.length }),
    relations: fc.uniqueArray(fc.constantFrom(...RELATIONS), { maxLength: 3 }),
    userId: fc.constantFrom("u-author", "u-reader", null),
    staffIds: fc.uniqueArray(fc.constantFrom("s-author", "s-other"), { maxLength: 2 }),
  }),
);
const visits = fc.record({
  sensitive: fc.boolean(),
  practitionerId: fc.constantFrom("s-author", "s-other", null),
});
const notes = fc.record({
  status: fc.constantFrom("draft" as const, "signed" as const, "entered-in-error" as const),
  authorUserId: fc.constantFrom("u-author", "u-reader"),
  signedAt: fc.constantFrom(null, "2026-03-02T15:00:00.000Z"),
  visit: visits,
});

describe("noteVisible (drafts stay with their author)", () => {
  it("shows another clinician's draft to nobody, in the chart or in a copy, the whole-record reader included", () => {
    const colleague = member(["clinician"], ["treating"], "u-reader", ["s-author"]);
    for (const purpose of ["chart", "copy"] as const) {
      expect(noteVisible(colleague, note(), purpose), purpose).toBe(false);
      expect(noteVisible(WHOLE, note(), purpose), purpose).toBe(false);
      expect(noteVisible(member([...ROLES], [...RELATIONS]), note(), purpose), purpose).toBe(false);
    }
  });

  it("shows the author their own draft in the chart, never in a copy of the record", () => {
    const author = member(["clinician"], ["treating"], "u-author", ["s-author"]);
    expect(noteVisible(author, note(), "chart")).toBe(true);
    expect(noteVisible(author, note(), "copy")).toBe(false);
  });

  it("keeps a withdrawn draft (entered in error, never signed) with its author, and a signed note marked in error in the record", () => {
    const colleague = member(["clinician"], ["treating"]);
    const withdrawn = note({ status: "entered-in-error" });
    expect(noteVisible(colleague, withdrawn, "chart")).toBe(false);
    expect(noteVisible(WHOLE, withdrawn, "copy")).toBe(false);
    expect(noteVisible(member(["clinician"], ["treating"], "u-author"), withdrawn, "chart")).toBe(true);
    const marked = note({ status: "entered-in-error", signedAt: "2026-03-02T15:00:00.000Z" });
    expect(noteVisible(colleague, marked, "chart")).toBe(true);
    expect(noteVisible(WHOLE, marked, "copy")).toBe(true);
  });

  it("never shows a note to a role without clinical access, signed or not (biller, front desk, manager, HR, admin)", () => {
    for (const r of ROLES.filter((x) => x !== "clinician")) {
      const signed = note({
        status: "signed",
        signedAt: "2026-03-02T15:00:00.000Z",
        authorUserId: "u-reader",
      });
      expect(noteVisible(member([r], [...RELATIONS]), signed, "chart"), r).toBe(false);
    }
  });

  it("property: a never-signed note is visible only to its author, only in the chart, only with the visit's content", () => {
    fc.assert(
      fc.property(
        readers,
        notes,
        fc.constantFrom("chart" as const, "copy" as const),
        (reader, n, purpose) => {
          const seen = noteVisible(reader, n, purpose);
          const entered = n.status === "signed" || (n.status === "entered-in-error" && n.signedAt !== null);
          if (seen) expect(encounterParts(reader, n.visit).content).toBe(true);
          if (seen && !entered) {
            expect(purpose).toBe("chart");
            expect(reader.kind === "member" && reader.userId === n.authorUserId).toBe(true);
          }
          if (entered) expect(seen).toBe(encounterParts(reader, n.visit).content);
        },
      ),
    );
  });
});

describe("encounterParts (a sensitive visit's reason is clinical content)", () => {
  it("gives a biller a sensitive visit's codes but never its reason or content; an ordinary visit's reason with its codes", () => {
    expect(encounterParts(member(["biller"]), sensitive)).toEqual({
      codes: true,
      reason: false,
      content: false,
    });
    expect(encounterParts(member(["biller"]), ordinary)).toEqual({
      codes: true,
      reason: true,
      content: false,
    });
  });

  it("gives the visit's own practitioner and break-glass everything; a care-team grant nothing of a sensitive visit", () => {
    const all = { codes: true, reason: true, content: true };
    expect(encounterParts(member(["clinician"], ["treating"], "u", ["s-author"]), sensitive)).toEqual(all);
    expect(encounterParts(member(["clinician"], ["break-glass"]), sensitive)).toEqual(all);
    expect(encounterParts(member(["clinician"], ["care-team"]), sensitive)).toEqual({
      codes: false,
      reason: false,
      content: false,
    });
    expect(encounterParts(WHOLE, sensitive)).toEqual(all);
  });

  it("property: reason and content imply codes; a sensitive visit's reason goes exactly with its content", () => {
    fc.assert(
      fc.property(readers, visits, (reader, visit) => {
        const p = encounterParts(reader, visit);
        if (p.reason || p.content) expect(p.codes).toBe(true);
        if (visit.sensitive) expect(p.reason).toBe(p.content);
        else expect(p.reason).toBe(p.codes);
      }),
    );
  });
});

describe("documentVisible", () => {
  it("follows the visit's content rule, and clinical access for a document filed on the patient", () => {
    expect(documentVisible(member(["biller"]), sensitive)).toBe(false);
    expect(documentVisible(member(["biller"]), null)).toBe(false);
    expect(documentVisible(member(["clinician"], ["care-team"]), null)).toBe(true);
    expect(documentVisible(member(["clinician"], ["care-team"]), sensitive)).toBe(false);
    expect(documentVisible(member(["clinician"], ["care-team"]), ordinary)).toBe(true);
    expect(documentVisible(member(["clinician"]), null)).toBe(false);
    expect(documentVisible(WHOLE, sensitive)).toBe(true);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decideNoteAction, type NoteAction, type NoteStatus } from "./notes.ts";

const note = (status: NoteStatus, kind: "note" | "addendum" = "note") => ({
  status,
  kind,
  authorUserId: "u1",
});

describe("decideNoteAction", () => {
  it("lets only the author edit or sign a draft", () => {
    expect(decideNoteAction(note("draft"), "edit", "u1")).toEqual({ ok: true });
    expect(decideNoteAction(note("draft"), "sign", "u1")).toEqual({ ok: true });
    expect(decideNoteAction(note("draft"), "edit", "u2")).toMatchObject({ ok: false, code: "forbidden" });
    expect(decideNoteAction(note("draft"), "sign", null)).toMatchObject({ ok: false, code: "forbidden" });
  });

  it("locks a signed note: edits are conflicts, addenda are the way", () => {
    expect(decideNoteAction(note("signed"), "edit", "u1")).toMatchObject({ ok: false, code: "conflict" });
    expect(decideNoteAction(note("signed"), "sign", "u1")).toMatchObject({ ok: false, code: "conflict" });
    expect(decideNoteAction(note("signed"), "addendum", "u2")).toEqual({ ok: true });
    expect(decideNoteAction(note("draft"), "addendum", "u1")).toMatchObject({ ok: false, code: "conflict" });
    expect(decideNoteAction(note("signed", "addendum"), "addendum", "u1")).toMatchObject({
      ok: false,
      code: "conflict",
    });
  });

  it("nothing changes a note entered in error, and a signed note is never edited by anyone (property)", () => {
    const action = fc.constantFrom<NoteAction>("edit", "sign", "addendum", "entered-in-error");
    fc.assert(
      fc.property(action, fc.constantFrom("u1", "u2", null), (a, u) => {
        expect(decideNoteAction(note("entered-in-error"), a, u).ok).toBe(false);
        expect(decideNoteAction(note("signed"), "edit", u).ok).toBe(false);
      }),
    );
  });
});

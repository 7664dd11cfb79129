/**
 * The life of a visit note: a draft only its author edits; signing locks it for good (a correction is
 * an addendum, itself signed, linked and appended); entered-in-error marks a mistake and keeps the text.
 */
export type NoteStatus = "draft" | "signed" | "entered-in-error";

export type NoteAction = "edit" | "sign" | "addendum" | "entered-in-error";

export interface NoteFacts {
  status: NoteStatus;
  kind: "note" | "addendum";
  authorUserId: string;
}

export type NoteDecision = { ok: true } | { ok: false; code: "conflict" | "forbidden"; message: string };

/** May `userId` do `action` to this note now? Pure: the server loads the facts and asks. */
export function decideNoteAction(note: NoteFacts, action: NoteAction, userId: string | null): NoteDecision {
  if (note.status === "entered-in-error")
    return {
      ok: false,
      code: "conflict",
      message: "This note was marked entered in error; it can no longer change.",
    };
  switch (action) {
    case "edit":
    case "sign":
      if (note.status === "signed")
        return {
          ok: false,
          code: "conflict",
          message:
            action === "edit"
              ? "This note is signed and locked; add an addendum instead."
              : "This note is already signed.",
        };
      if (note.authorUserId !== userId)
        return {
          ok: false,
          code: "forbidden",
          message: "Only the author of a draft note may change or sign it.",
        };
      return { ok: true };
    case "addendum":
      if (note.kind !== "note")
        return {
          ok: false,
          code: "conflict",
          message: "Add the addendum to the original note, not to another addendum.",
        };
      if (note.status !== "signed")
        return {
          ok: false,
          code: "conflict",
          message: "Addenda are for signed notes; edit the draft instead.",
        };
      return { ok: true };
    case "entered-in-error":
      // A draft never left its author: only they may withdraw it. A signed note may be marked by any
      // clinician with access (the mark is audited and the text stays).
      if (note.status === "draft" && note.authorUserId !== userId)
        return { ok: false, code: "forbidden", message: "Only the author may withdraw a draft note." };
      return { ok: true };
  }
}

// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { renderWithProviders } from "../../../test/render.tsx";
import type { Note } from "./clinicalApi.ts";
import { NoteView } from "./NotesPanel.tsx";

afterEach(cleanup);

// Mantine's autosize textarea listens to document.fonts, which jsdom lacks.
if (!("fonts" in document)) {
  Object.defineProperty(document, "fonts", {
    value: { addEventListener: () => {}, removeEventListener: () => {}, ready: Promise.resolve() },
  });
}

const HOSTILE = `Patient says: <script>window.__pwned = true</script> and <img src=x onerror="window.__pwned = true"> "quoted" & done`;

/** A note as the server sends it (clinical/schemas.ts noteOut). */
function base(id: string, at: string): Note {
  return {
    id,
    encounterId: "e1",
    patientId: "p1",
    kind: "note",
    parentId: null,
    title: null,
    status: "signed",
    text: "",
    authorUserId: "u1",
    authorLabel: "Dr. Casey Clinician",
    signedAt: at,
    errorReason: null,
    version: 1,
    createdAt: at,
    updatedAt: at,
    addenda: [],
  };
}

function note(overrides: Partial<Note> = {}): Note {
  return {
    ...base("n1", "2026-11-27T14:30:00.000Z"),
    createdAt: "2026-11-27T14:00:00.000Z",
    text: HOSTILE,
    addenda: [
      {
        ...base("a1", "2026-11-27T15:00:00.000Z"),
        kind: "addendum",
        parentId: "n1",
        text: "<b>bold?</b> <a href=javascript:alert(1)>link</a>",
      },
    ],
    ...overrides,
  };
}

describe("NoteView", { timeout: 30_000 }, () => {
  it("shows markup in a note and its addenda as text: no script, image or link element is created", () => {
    const { container } = renderWithProviders(<NoteView note={note()} canWrite={false} />);
    const article = screen.getByRole("article");
    expect(article.textContent).toContain(HOSTILE);
    expect(article.textContent).toContain("<b>bold?</b> <a href=javascript:alert(1)>link</a>");
    expect(container.querySelector("script")).toBeNull();
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("b")).toBeNull();
    expect(container.querySelector("a[href^='javascript']")).toBeNull();
    expect((window as unknown as { __pwned?: boolean }).__pwned).toBeUndefined();
  });

  it("offers sign for a draft and an addendum (not editing) for a signed note", async () => {
    const onSign = vi.fn(async () => {});
    const onAddendum = vi.fn(async (_text: string) => {});
    const { unmount } = renderWithProviders(
      <NoteView
        note={note({ status: "draft", signedAt: null, addenda: [] })}
        canWrite
        onSign={onSign}
        onAddendum={onAddendum}
      />,
    );
    expect(screen.queryByRole("button", { name: "Add addendum" })).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Sign note" }));
    await waitFor(() => expect(onSign).toHaveBeenCalledTimes(1));
    unmount();

    renderWithProviders(
      <NoteView note={note()} canWrite onSign={onSign} onAddendum={onAddendum} onEdit={vi.fn()} />,
    );
    expect(screen.queryByRole("button", { name: "Sign note" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Edit draft" })).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Add addendum" }));
    fireEvent.change(screen.getByRole("textbox", { name: /^Addendum/ }), {
      target: { value: "  Corrected dose: 5 mg.  " },
    });
    fireEvent.click(screen.getByRole("button", { name: "Save addendum" }));
    await waitFor(() => expect(onAddendum).toHaveBeenCalledWith("Corrected dose: 5 mg."));
  });
});

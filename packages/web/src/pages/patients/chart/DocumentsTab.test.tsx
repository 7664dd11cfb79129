// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, onTestFinished, vi } from "vitest";
import { jsonResponse, makeSession, renderWithProviders } from "../../../test/render.tsx";
import type { ChartDocument } from "./clinicalApi.ts";
import { DocumentsTab, DocumentViewer } from "./DocumentsTab.tsx";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

if (!("fonts" in document)) {
  Object.defineProperty(document, "fonts", {
    value: { addEventListener: () => {}, removeEventListener: () => {}, ready: Promise.resolve() },
  });
}

const CLINICIAN = makeSession({
  roles: ["clinician"],
  permissions: ["patients:read", "chart:read", "chart:write"],
});

function doc(overrides: Partial<ChartDocument>): ChartDocument {
  return {
    id: "d1",
    patientId: "p1",
    encounterId: null,
    title: "Lab report",
    category: "lab-result",
    filename: "lab.pdf",
    contentType: "application/pdf",
    sizeBytes: 2048,
    status: "current",
    sha256: "0".repeat(64),
    errorReason: null,
    uploadedBy: null,
    createdAt: "2026-11-27T14:00:00.000Z",
    updatedAt: "2026-11-27T14:00:00.000Z",
    ...overrides,
  };
}

describe("documents", { timeout: 30_000 }, () => {
  it("offers a file Salus does not render (Word, TIFF) as a download only, and fetches nothing", () => {
    const fetchMock = vi.fn();
    vi.stubGlobal("fetch", fetchMock);
    const { container } = renderWithProviders(
      <DocumentViewer document={doc({ contentType: "image/tiff", filename: "scan.tif" })} />,
    );
    expect(screen.getByRole("link", { name: "Download scan.tif" }).getAttribute("href")).toBe(
      "/api/documents/d1/content",
    );
    expect(container.querySelector("iframe, img")).toBeNull();
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("shows a PDF in a sandboxed frame from a blob: URL", async () => {
    // A Response-like answer whose blob is jsdom's own Blob (undici's is a different class in jsdom).
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => ({ ok: true, status: 200, blob: async () => new Blob(["%PDF-1.4"]) })),
    );
    const created = vi.fn((_blob: Blob) => "blob:salus/1");
    const original = { create: URL.createObjectURL, revoke: URL.revokeObjectURL };
    URL.createObjectURL = created;
    URL.revokeObjectURL = vi.fn();
    onTestFinished(() => {
      URL.createObjectURL = original.create;
      URL.revokeObjectURL = original.revoke;
    });
    const { container } = renderWithProviders(<DocumentViewer document={doc({})} />);
    await waitFor(() => expect(container.querySelector("iframe")).not.toBeNull(), { timeout: 5000 });
    const frame = container.querySelector("iframe")!;
    expect(frame.getAttribute("src")).toBe("blob:salus/1");
    expect(frame.getAttribute("sandbox")).toBe("");
  });

  it("shows the server's reason when it refuses an uploaded file", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: string, init?: RequestInit) => {
        if (init?.method === "POST") {
          expect((init.headers as Record<string, string>)["content-type"]).toBe("application/octet-stream");
          return jsonResponse(415, {
            error: {
              code: "unsupported_media_type",
              message: "lab.pdf is not a PDF: its content is a PNG picture.",
            },
          });
        }
        expect(String(input)).toContain("/api/patients/p1/documents");
        return jsonResponse(200, { items: [], total: 0 });
      }),
    );
    renderWithProviders(<DocumentsTab patientId="p1" />, { session: CLINICIAN });
    fireEvent.click(await screen.findByRole("button", { name: "Upload document" }));
    const input = document.querySelector("input[type=file]") as HTMLInputElement;
    fireEvent.change(input, {
      target: { files: [new File(["\x89PNG"], "lab.pdf", { type: "application/pdf" })] },
    });
    fireEvent.click(screen.getByRole("button", { name: "Upload" }));
    expect((await screen.findByRole("alert")).textContent).toContain(
      "lab.pdf is not a PDF: its content is a PNG picture.",
    );
  });
});

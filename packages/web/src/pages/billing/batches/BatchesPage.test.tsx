// @vitest-environment jsdom
import { cleanup, fireEvent, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { jsonResponse, makeSession, renderWithProviders } from "../../../test/render.tsx";
import { BatchesPage } from "./BatchesPage.tsx";

const biller = makeSession({
  roles: ["biller"],
  permissions: ["billing:read", "billing:write", "billing:manage"],
});
let createAnswer: Response;

beforeEach(() => {
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init?: RequestInit) => {
      if (url === "/api/billing/batches" && (init?.method ?? "GET") === "GET") {
        return jsonResponse(200, { items: [], readyClaims: 2, readyTotalCents: 27_500 });
      }
      if (url === "/api/billing/batches" && init?.method === "POST") return createAnswer;
      return jsonResponse(404, { error: { code: "not_found", message: "Not found." } });
    }),
  );
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("BatchesPage", { timeout: 30_000 }, () => {
  it("lists every claim a refused batch names, so they can all be fixed at once", async () => {
    createAnswer = jsonResponse(400, {
      error: {
        code: "invalid_request",
        message:
          "The 837P batch does not fit the 005010X222A1 loop map: Claim C-1: Segment 27 (NM1, loop 2010BA): NM109 is required and is empty. (and 1 more)",
        details: [
          {
            path: "claims[0]",
            message: "Claim C-1: Segment 27 (NM1, loop 2010BA): NM109 is required and is empty.",
          },
          {
            path: "claims[1]",
            message: "Claim C-2: Segment 40 (SV1, loop 2400): SV101-02 is required and is empty.",
          },
        ],
      },
    });
    renderWithProviders(<BatchesPage />, { session: biller, route: "/billing/batches" });
    expect(await screen.findByText("2 claims ready, $275.00 in total.")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Create batch" }));
    const list = await screen.findByRole("list", { name: "Claims to fix before the batch" });
    expect(list.textContent).toContain(
      "Claim C-1: Segment 27 (NM1, loop 2010BA): NM109 is required and is empty.",
    );
    expect(list.textContent).toContain(
      "Claim C-2: Segment 40 (SV1, loop 2400): SV101-02 is required and is empty.",
    );
  });

  it("offers the new batch's file for download once it is written", async () => {
    const batch = {
      id: "b-1",
      interchangeControlNumber: 42,
      groupControlNumber: 42,
      claims: 2,
      totalChargeCents: 27_500,
      sha256: "0".repeat(64),
      status: "written",
      createdBy: "u1",
      createdAt: "2026-03-02T15:00:00.000Z",
      fileName: "837P-000000042.txt",
    };
    createAnswer = jsonResponse(201, {
      batchId: "b-1",
      claims: 2,
      interchangeControlNumber: 42,
      totalChargeCents: 27_500,
      batch,
    });
    renderWithProviders(<BatchesPage />, { session: biller, route: "/billing/batches" });
    fireEvent.click(await screen.findByRole("button", { name: "Create batch" }));
    const link = await screen.findByRole("link", { name: "Download 837P-000000042.txt" });
    expect(link.getAttribute("href")).toBe("/api/billing/batches/b-1/download");
    expect(screen.queryByRole("list", { name: "Claims to fix before the batch" })).toBeNull();
  });
});

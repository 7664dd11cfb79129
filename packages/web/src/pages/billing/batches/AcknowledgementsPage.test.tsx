// @vitest-environment jsdom
import { cleanup, fireEvent, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { jsonResponse, makeSession, renderWithProviders } from "../../../test/render.tsx";
import { AcknowledgementsPage } from "./AcknowledgementsPage.tsx";

const biller = makeSession({
  roles: ["biller"],
  permissions: ["billing:read", "billing:write", "billing:manage"],
});
const imported = {
  id: "a-1",
  kind: "277CA",
  sha256: "1".repeat(64),
  batchId: "b-1",
  batchInterchangeControlNumber: 7,
  importedAt: "2026-03-03T09:00:00.000Z",
  importedBy: "u1",
  verdict: "partially-accepted",
  accepted: 1,
  rejected: 1,
  claims: [
    {
      patientControlNumber: "C-1",
      claimId: "c1",
      verdict: "accepted",
      outcome: "moved",
      status: "accepted",
      reasons: ["Accepted into adjudication: Accepted for processing"],
    },
    {
      patientControlNumber: "C-2",
      claimId: "c2",
      verdict: "rejected",
      outcome: "moved",
      status: "rejected",
      reasons: [
        "Rejected: invalid information: Entity's National Provider Identifier (NPI): Billing provider",
      ],
    },
  ],
  warnings: [],
};
let posted: unknown[] = [];
let duplicate = false;

beforeEach(() => {
  posted = [];
  duplicate = false;
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init?: RequestInit) => {
      if (url === "/api/billing/acknowledgements" && (init?.method ?? "GET") === "GET")
        return jsonResponse(200, { items: [] });
      if (url === "/api/billing/acknowledgements" && init?.method === "POST") {
        posted.push(JSON.parse(String(init.body)));
        return jsonResponse(200, { ...imported, duplicate });
      }
      return jsonResponse(404, { error: { code: "not_found", message: "Not found." } });
    }),
  );
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

async function importFile(text: string) {
  renderWithProviders(<AcknowledgementsPage />, { session: biller, route: "/billing/acknowledgements" });
  const input = (await screen.findByRole("form", { name: "Import an acknowledgement" })).querySelector(
    'input[type="file"]',
  ) as HTMLInputElement;
  fireEvent.change(input, { target: { files: [new File([text], "payer.277", { type: "text/plain" })] } });
  fireEvent.click(screen.getByRole("button", { name: "Import" }));
  return screen.findByRole("status", { name: "Import result" });
}

describe("AcknowledgementsPage", { timeout: 30_000 }, () => {
  it("sends the file's text and shows what it did to each claim, pointing at the worklist", async () => {
    const result = await importFile("ISA*...~");
    expect(posted).toEqual([{ content: "ISA*...~", fileName: "payer.277" }]);
    const rows = within(result).getAllByRole("row");
    expect(rows.map((r) => r.textContent)).toEqual([
      "ClaimVerdictWhat Salus didReason",
      "C-1acceptedstatus updatedAccepted into adjudication: Accepted for processing",
      "C-2rejectedstatus updatedRejected: invalid information: Entity's National Provider Identifier (NPI): Billing provider",
    ]);
    expect(within(result).getByRole("link", { name: "rejection worklist" }).getAttribute("href")).toBe(
      "/billing/rejections",
    );
  });

  it("says so when the same file was imported before", async () => {
    duplicate = true;
    const result = await importFile("ISA*...~");
    expect(result.textContent).toContain("This file was already imported on");
    expect(result.textContent).toContain("nothing changed");
  });
});

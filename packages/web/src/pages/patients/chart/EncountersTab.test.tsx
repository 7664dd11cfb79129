// @vitest-environment jsdom
import { cleanup, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { jsonResponse, makeSession, renderWithProviders } from "../../../test/render.tsx";
import { EncountersTab } from "./EncountersTab.tsx";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const BILLER = makeSession({ roles: ["biller"], permissions: ["patients:read", "encounters:read"] });

/** As the server answers it (GET /api/patients/:id/encounters) to a biller. */
const sensitive = {
  id: "e1",
  patientId: "p1",
  date: "2026-11-20",
  practitionerId: "s1",
  locationId: "l1",
  appointmentId: null,
  type: "office-visit",
  reason: null,
  reasonWithheld: true,
  sensitive: true,
  selfPay: false,
  diagnoses: [{ position: 1, code: "F329", display: "F32.9", description: null }],
  procedures: [],
  status: "finished",
  errorReason: null,
  version: 1,
  createdAt: "2026-11-20T15:00:00.000Z",
  updatedAt: "2026-11-20T15:00:00.000Z",
};

describe("encounters tab (one visibility rule)", { timeout: 30_000 }, () => {
  it("shows a biller a sensitive visit's codes and says its reason is withheld", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: RequestInfo | URL) => {
        const url = new URL(String(input), "http://localhost");
        if (url.pathname === "/api/patients/p1/encounters")
          return jsonResponse(200, { items: [sensitive], total: 1 });
        if (url.pathname === "/api/patients/p1") return jsonResponse(404, { error: { code: "not_found" } });
        return jsonResponse(200, { items: [], total: 0 });
      }),
    );
    renderWithProviders(<EncountersTab patientId="p1" />, { session: BILLER });
    expect(await screen.findByText("withheld (sensitive visit)")).toBeTruthy();
    expect(screen.getByText(/F32\.9/)).toBeTruthy();
  });
});

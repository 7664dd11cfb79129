// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from "@testing-library/react";
import { Route, Routes } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import { setCsrfToken } from "../../api/client.ts";
import { jsonResponse, makeSession, renderWithProviders } from "../../test/render.tsx";
import { PatientPage } from "./PatientPage.tsx";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  setCsrfToken(null);
});

if (!("fonts" in document)) {
  Object.defineProperty(document, "fonts", {
    value: { addEventListener: () => {}, removeEventListener: () => {}, ready: Promise.resolve() },
  });
}

const PATIENT = {
  id: "p1",
  mrn: "10000001",
  givenName: "Ada",
  familyName: "Lovelace",
  preferredName: "Addie",
  dateOfBirth: "1980-03-07",
  sex: "female",
  phone: null,
  email: null,
  addressLine1: null,
  addressLine2: null,
  city: null,
  state: null,
  postalCode: null,
  active: true,
};

const EVERYONE = ["org:read", "locations:read", "staff:read", "fhir:read"] as const;
const FRONT_DESK = makeSession({
  roles: ["front-desk"],
  permissions: [...EVERYONE, "patients:read", "patients:write", "schedule:read", "schedule:write"],
});
const CLINICIAN = makeSession({
  roles: ["clinician"],
  permissions: [
    ...EVERYONE,
    "patients:read",
    "patients:write",
    "schedule:read",
    "encounters:read",
    "encounters:write",
    "chart:read",
    "chart:write",
    "break-glass:use",
    "records:export",
  ],
});

/** A fetch stub answering by path; unknown paths answer an empty list. */
function stubApi(routes: Record<string, () => Response>) {
  const calls: { url: string; method: string; body: unknown }[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: string, init?: RequestInit) => {
      const url = String(input);
      calls.push({
        url,
        method: init?.method ?? "GET",
        body: init?.body ? JSON.parse(String(init.body)) : undefined,
      });
      const path = url.split("?")[0]!;
      const key = `${init?.method ?? "GET"} ${path}`;
      const handler = routes[key];
      return handler ? handler() : jsonResponse(200, { items: [], total: 0 });
    }),
  );
  return calls;
}

function renderChart(session = FRONT_DESK, route = "/patients/p1") {
  return renderWithProviders(
    <Routes>
      <Route path="/patients/:id" element={<PatientPage />} />
    </Routes>,
    { session, route },
  );
}

describe("PatientPage (the chart)", { timeout: 30_000 }, () => {
  it("shows the front desk demographics, coverage and appointments; the notes tab is absent, not disabled", async () => {
    stubApi({
      "GET /api/patients/p1": () => jsonResponse(200, PATIENT),
      "GET /api/patients/p1/consents": () =>
        jsonResponse(200, {
          items: [
            {
              id: "c1",
              patientId: "p1",
              kind: "restriction",
              status: "active",
              effectiveFrom: "2026-01-01",
              effectiveTo: null,
              note: null,
            },
          ],
        }),
    });
    renderChart();
    expect(await screen.findByRole("heading", { level: 1, name: "Lovelace, Ada “Addie”" })).toBeTruthy();
    const tabs = screen.getAllByRole("tab").map((t) => t.textContent);
    expect(tabs).toEqual(["Summary", "Coverage", "Appointments"]);
    expect(screen.queryByRole("tab", { name: "Notes" })).toBeNull();
    expect(await screen.findByText("Restriction on file")).toBeTruthy();
    // No allergy banner and no export for the front desk.
    expect(screen.queryByTestId("allergy-banner")).toBeNull();
    expect(screen.queryByRole("button", { name: "Export record" })).toBeNull();
  });

  it("shows a clinician every clinical tab, the allergy banner and the emergency-access banner when under break-glass", async () => {
    const until = new Date(Date.now() + 4 * 3_600_000).toISOString();
    stubApi({
      "GET /api/patients/p1": () => jsonResponse(200, PATIENT),
      "GET /api/patients/p1/allergies": () =>
        jsonResponse(200, {
          items: [
            {
              id: "a1",
              patientId: "p1",
              status: "active",
              substance: "Penicillin",
              reaction: "hives",
              severity: "severe",
            },
          ],
          total: 1,
        }),
      "GET /api/break-glass/mine": () =>
        jsonResponse(200, {
          items: [{ id: "bg1", patientId: "p1", expiresAt: until, reason: "ER", active: true }],
          total: 1,
        }),
    });
    renderChart(CLINICIAN);
    await screen.findByRole("heading", { level: 1, name: /Lovelace/ });
    expect(screen.getAllByRole("tab").map((t) => t.textContent)).toEqual([
      "Summary",
      "Coverage",
      "Appointments",
      "Encounters",
      "Problems, allergies, medications",
      "Notes",
      "Documents",
      "Care team",
    ]);
    await waitFor(() =>
      expect(screen.getByTestId("allergy-banner").textContent).toContain("Penicillin hives (severe)"),
    );
    const banner = await screen.findByTestId("emergency-banner");
    const hhmm = new Intl.DateTimeFormat("en-GB", {
      hour: "2-digit",
      minute: "2-digit",
      hour12: false,
    }).format(new Date(until));
    expect(banner.textContent).toContain(`Emergency access until ${hhmm}`);
    expect(screen.getByRole("button", { name: "Export record" })).toBeTruthy();
  });

  it("answers a chart that is not the clinician's with Not found and offers emergency access with a reason", async () => {
    const calls = stubApi({
      "GET /api/patients/p1": () =>
        jsonResponse(404, { error: { code: "not_found", message: "No patient with that id." } }),
      "POST /api/break-glass": () =>
        jsonResponse(201, {
          id: "bg1",
          patientId: "p1",
          expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
        }),
    });
    renderChart(CLINICIAN);
    expect(await screen.findByText("No patient with that id.")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Emergency access" }));
    expect(await screen.findByText(/privacy officer is alerted/)).toBeTruthy();
    // The patient comes from the link: no MRN is asked for.
    expect(screen.queryByLabelText(/Patient MRN/)).toBeNull();
    const submit = screen.getByRole("button", { name: "Open emergency access" });
    expect((submit as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByRole("textbox", { name: /Reason/ }), {
      target: { value: "Patient in the waiting room with chest pain; Dr. Second is away." },
    });
    fireEvent.click(submit);
    await waitFor(() =>
      expect(calls.some((c) => c.method === "POST" && c.url === "/api/break-glass")).toBe(true),
    );
    expect(calls.find((c) => c.method === "POST")!.body).toEqual({
      patientId: "p1",
      reason: "Patient in the waiting room with chest pain; Dr. Second is away.",
    });
  });
});

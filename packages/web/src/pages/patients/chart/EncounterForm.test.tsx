// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { jsonResponse, makeSession, renderWithProviders } from "../../../test/render.tsx";
import type { EncounterInput } from "./clinicalApi.ts";
import { EncounterForm } from "./EncounterForm.tsx";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const SESSION = makeSession({
  user: {
    id: "u1",
    email: "clinician@demo.salus.test",
    displayName: "Dr. Casey Clinician",
    mfaEnabled: false,
  },
  roles: ["clinician"],
  permissions: ["patients:read", "encounters:read", "encounters:write", "chart:read", "chart:write"],
});

function stub() {
  const searched: string[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: string) => {
      const url = new URL(String(input), "http://salus.test");
      if (url.pathname === "/api/staff")
        return jsonResponse(200, {
          items: [
            {
              id: "s1",
              kind: "practitioner",
              givenName: "Jordan",
              familyName: "Second",
              email: "clinician2@demo.salus.test",
              active: true,
              licenses: [],
            },
            {
              id: "s2",
              kind: "practitioner",
              givenName: "Casey",
              familyName: "Clinician",
              email: "clinician@demo.salus.test",
              active: true,
              licenses: [],
            },
          ],
          total: 2,
        });
      if (url.pathname === "/api/locations")
        return jsonResponse(200, {
          items: [{ id: "l1", name: "Riverside Main Clinic", active: true }],
          total: 1,
        });
      if (url.pathname === "/api/codes/icd10") {
        searched.push(url.searchParams.get("q") ?? "");
        return jsonResponse(200, {
          items: [
            { code: "E119", description: "Type 2 diabetes mellitus without complications" },
            { code: "E1165", description: "Type 2 diabetes mellitus with hyperglycemia" },
          ],
          total: 2,
        });
      }
      return jsonResponse(404, { error: { code: "not_found", message: "Not found." } });
    }),
  );
  return searched;
}

describe("EncounterForm", () => {
  it("looks ICD-10-CM codes up as you type, shows them with the dot, and sends them without it with pointed procedures", async () => {
    const searched = stub();
    const onSubmit = vi.fn(async (_body: EncounterInput) => {});
    renderWithProviders(<EncounterForm encounter={null} onSubmit={onSubmit} onCancel={() => {}} />, {
      session: SESSION,
    });

    const search = screen.getByPlaceholderText("Search codes");
    fireEvent.focus(search);
    fireEvent.click(search);
    fireEvent.change(search, { target: { value: "diabetes" } });
    await waitFor(() => expect(searched).toContain("diabetes"), { timeout: 3000 });
    const option = await screen.findByText("E11.9 — Type 2 diabetes mellitus without complications");
    fireEvent.click(option);
    const diagnosis = await screen.findByRole("listitem", { name: "Diagnosis A" });
    expect(diagnosis.textContent).toContain("E11.9");
    expect(diagnosis.textContent).toContain("Type 2 diabetes mellitus without complications");

    fireEvent.click(screen.getByRole("button", { name: "Add procedure" }));
    fireEvent.change(screen.getByRole("textbox", { name: "CPT/HCPCS" }), { target: { value: "99213" } });
    fireEvent.change(screen.getByRole("textbox", { name: "Reason for visit" }), {
      target: { value: "Follow-up" },
    });
    // The practitioner defaults to the signed-in clinician's staff record.
    expect(await screen.findByDisplayValue("Clinician, Casey")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Create encounter" }));

    await waitFor(() => expect(onSubmit).toHaveBeenCalledTimes(1));
    const body = onSubmit.mock.calls[0]![0];
    expect(body).toMatchObject({
      practitionerId: "s2",
      locationId: "l1",
      reason: "Follow-up",
      sensitive: false,
      selfPay: false,
      diagnoses: [{ code: "E119" }],
      procedures: [{ code: "99213", modifiers: [], units: 1, diagnosisPointers: [1] }],
    });
  }, 30_000);

  it("refuses procedure lines with a bad code or no diagnosis pointer before sending", async () => {
    stub();
    const onSubmit = vi.fn(async () => {});
    renderWithProviders(<EncounterForm encounter={null} onSubmit={onSubmit} onCancel={() => {}} />, {
      session: SESSION,
    });
    expect(await screen.findByDisplayValue("Clinician, Casey")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Add procedure" }));
    fireEvent.change(screen.getByRole("textbox", { name: "CPT/HCPCS" }), { target: { value: "9921" } });
    fireEvent.click(screen.getByRole("button", { name: "Create encounter" }));
    expect((await screen.findByRole("alert")).textContent).toContain(
      'Procedure 1: "9921" is not a CPT or HCPCS code.',
    );
    expect(onSubmit).not.toHaveBeenCalled();
  }, 30_000);
});

// @vitest-environment jsdom

import type { OrganizationView as Organization } from "@salus/server/admin/schemas";
import { cleanup, fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { jsonResponse, renderWithProviders } from "../../test/render.tsx";
import { OrganizationPage } from "./OrganizationPage.tsx";

const ORG: Organization = {
  id: "o1",
  slug: "demo",
  name: "Demo Family Practice",
  mfaRequired: false,
  idleTimeoutMinutes: 15,
  absoluteTimeoutHours: 12,
} as Organization;

/** A fetch stub: GET answers the organization, PATCH answers `patch()` (after `gate` resolves). */
function stubApi(patch: () => Response, gate: Promise<void> = Promise.resolve()) {
  const patches: unknown[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: string, init?: RequestInit) => {
      const path = String(input).split("?")[0];
      if (path === "/api/organization" && init?.method === "PATCH") {
        patches.push(JSON.parse(String(init.body)));
        await gate;
        return patch();
      }
      if (path === "/api/organization") return jsonResponse(200, ORG);
      return jsonResponse(200, {});
    }),
  );
  return patches;
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("Organization settings (issue 10 item 10)", { timeout: 30_000 }, () => {
  it("an idle timeout of 0 stays 0, is sent as typed, and the server's refusal shows under it", async () => {
    const patches = stubApi(() =>
      jsonResponse(400, {
        error: {
          code: "invalid_request",
          message: "The body is not valid: idleTimeoutMinutes must be at least 1.",
          requestId: "r1",
          details: [{ path: "idleTimeoutMinutes", message: "must be at least 1" }],
        },
      }),
    );
    renderWithProviders(<OrganizationPage />);
    const input = (await screen.findByLabelText(/Idle timeout/)) as HTMLInputElement;
    fireEvent.change(input, { target: { value: "0" } });
    // Mantine used to pull the number into min..max on blur: 0 became 1 and was saved without a word.
    fireEvent.blur(input);
    expect(input.value).toBe("0");
    fireEvent.click(screen.getByRole("button", { name: "Save settings" }));
    await waitFor(() => expect(screen.getByText("must be at least 1")).toBeTruthy());
    expect(patches).toEqual([{ idleTimeoutMinutes: 0 }]);
    expect(input.value).toBe("0");
    expect(input.getAttribute("aria-invalid")).toBe("true");
  });

  it("a double click on Save sends one request", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const patches = stubApi(() => jsonResponse(200, { ...ORG, name: "Renamed" }), gate);
    renderWithProviders(<OrganizationPage />);
    const name = await screen.findByLabelText(/Organization name/);
    fireEvent.change(name, { target: { value: "Renamed" } });
    const save = screen.getByRole("button", { name: "Save settings" });
    fireEvent.click(save);
    fireEvent.click(save);
    await waitFor(() => expect(patches).toHaveLength(1));
    expect((save as HTMLButtonElement).disabled || save.getAttribute("data-loading") !== null).toBe(true);
    release();
    await waitFor(() => expect(save.getAttribute("data-loading")).toBeNull());
    expect(patches).toHaveLength(1);
  });
});

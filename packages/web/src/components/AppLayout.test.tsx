// @vitest-environment jsdom
import { cleanup, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { makeSession, renderWithProviders } from "../test/render.tsx";
import { AppLayout, activeNavItem } from "./AppLayout.tsx";
import { RequirePermission } from "./RequirePermission.tsx";

afterEach(cleanup);

describe("AppLayout", () => {
  it("shows the organization, the user and only the areas the permissions allow", () => {
    renderWithProviders(<AppLayout />, {
      session: makeSession({
        roles: ["front-desk"],
        permissions: ["org:read", "locations:read", "staff:read", "patients:read", "patients:write"],
      }),
    });
    expect(screen.getByTestId("organization-name").textContent).toBe("Demo Family Practice");
    const nav = screen.getByRole("navigation", { name: "Main navigation" });
    expect(within(nav).getByRole("link", { name: "Patients" })).toBeTruthy();
    expect(within(nav).queryByRole("link", { name: "Audit trail" })).toBeNull();
    expect(within(nav).queryByRole("link", { name: "Users" })).toBeNull();
    expect(screen.getByRole("main")).toBeTruthy();
    expect(screen.getByRole("banner")).toBeTruthy();
    // One organization: no switcher.
    expect(screen.queryByRole("textbox", { name: "Organization" })).toBeNull();
  });

  it("offers an organization switcher to users of several organizations", () => {
    renderWithProviders(<AppLayout />, {
      session: makeSession({
        organizations: [
          { slug: "demo", name: "Demo Family Practice" },
          { slug: "north", name: "North Clinic" },
        ],
      }),
    });
    expect(screen.getAllByLabelText("Organization").length).toBeGreaterThan(0);
  });
});

describe("RequirePermission", () => {
  it("shows a not-permitted page instead of the content", () => {
    renderWithProviders(
      <RequirePermission requires={["audit:read"]}>
        <p>secret audit</p>
      </RequirePermission>,
    );
    expect(screen.getByText("Not permitted")).toBeTruthy();
    expect(screen.queryByText("secret audit")).toBeNull();
  });
});

describe("activeNavItem", () => {
  const items = ["/billing", "/billing/claims", "/billing/charges", "/patients"];
  it("highlights the page's own entry, else the longest one the address lies under, never two", () => {
    expect(activeNavItem(items, "/billing")).toBe("/billing");
    expect(activeNavItem(items, "/billing/claims")).toBe("/billing/claims");
    expect(activeNavItem(items, "/billing/claims/42")).toBe("/billing/claims");
    expect(activeNavItem(items, "/patients/7/chart")).toBe("/patients");
    expect(activeNavItem(items, "/billingx")).toBeNull();
    expect(activeNavItem(items, "/")).toBeNull();
  });
});

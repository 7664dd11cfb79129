// @vitest-environment jsdom
import { cleanup, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { renderWithProviders } from "../test/render.tsx";
import { ExpiryBadge } from "./ExpiryBadge.tsx";

afterEach(cleanup);

describe("ExpiryBadge", () => {
  it("marks an expired licence", () => {
    renderWithProviders(<ExpiryBadge expiresOn="2026-11-01" today="2026-11-27" />);
    expect(screen.getByText("Expired")).toBeTruthy();
  });

  it("warns within 60 days", () => {
    renderWithProviders(<ExpiryBadge expiresOn="2026-12-27" today="2026-11-27" />);
    expect(screen.getByText("Expires in 30 days")).toBeTruthy();
  });

  it("shows nothing for a licence far from expiry", () => {
    renderWithProviders(<ExpiryBadge expiresOn="2028-01-01" today="2026-11-27" />);
    expect(screen.queryByText(/Expire/)).toBeNull();
  });
});

// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { setCsrfToken } from "../../api/client.ts";
import { jsonResponse, renderWithProviders } from "../../test/render.tsx";
import { SignInPage } from "./SignInPage.tsx";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  setCsrfToken(null);
});

function fillCredentials(email: string, password: string) {
  fireEvent.change(screen.getByLabelText(/Email/), { target: { value: email } });
  fireEvent.change(screen.getByLabelText(/^Password/), { target: { value: password } });
  fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
}

describe("SignInPage", () => {
  it("shows a generic error for a wrong password", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () =>
        jsonResponse(401, { error: { code: "invalid_credentials", message: "Wrong email or password." } }),
      ),
    );
    renderWithProviders(<SignInPage />, { session: null, route: "/sign-in" });
    fillCredentials("manager@demo.salus.test", "wrong");
    await waitFor(() =>
      expect(screen.getByRole("alert").textContent).toBe("The email or password is not correct."),
    );
  });

  it("asks for the one-time code when MFA is required", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => jsonResponse(200, { status: "mfa_required", csrfToken: "c1" })),
    );
    renderWithProviders(<SignInPage />, { session: null, route: "/sign-in" });
    fillCredentials("admin@demo.salus.test", "pw");
    const code = await screen.findByLabelText(/6-digit code/);
    expect(code.getAttribute("autocomplete")).toBe("one-time-code");
    expect(code.getAttribute("inputmode")).toBe("numeric");
    fireEvent.change(code, { target: { value: "12a3456789" } });
    expect((code as HTMLInputElement).value).toBe("123456");
  });

  it("asks for a new password twice and shows the server's weak_password reason", async () => {
    const fetchMock = vi
      .fn()
      .mockResolvedValueOnce(jsonResponse(200, { status: "password_change_required", csrfToken: "c1" }))
      .mockResolvedValueOnce(
        jsonResponse(400, { error: { code: "weak_password", message: "This password is too common." } }),
      );
    vi.stubGlobal("fetch", fetchMock);
    renderWithProviders(<SignInPage />, { session: null, route: "/sign-in" });
    fillCredentials("new@demo.salus.test", "one-time-pw");
    const first = await screen.findByLabelText(/^New password/);
    fireEvent.change(first, { target: { value: "password123" } });
    fireEvent.change(screen.getByLabelText(/Repeat the new password/), { target: { value: "password123" } });
    fireEvent.click(screen.getByRole("button", { name: /Change password/ }));
    await waitFor(() => expect(screen.getByText("This password is too common.")).toBeTruthy());
    const [, init] = fetchMock.mock.calls[1]!;
    expect(JSON.parse(String(init.body))).toEqual({
      currentPassword: "one-time-pw",
      newPassword: "password123",
    });
    expect(init.headers["x-csrf-token"]).toBe("c1");
  });
});

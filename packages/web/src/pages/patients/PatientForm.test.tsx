// @vitest-environment jsdom

import type { PatientView as Patient } from "@salus/server/directory/schemas";
import { cleanup, fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../../api/client.ts";
import { renderWithProviders } from "../../test/render.tsx";
import { PatientForm } from "./PatientForm.tsx";

// Only the fields the form reads; the rest of the view does not matter here.
const patient = {
  id: "p1",
  mrn: "10000001",
  givenName: "Ada",
  familyName: "Lovelace",
  dateOfBirth: "1980-03-07",
  sex: "female",
  phone: null,
  email: null,
  addressLine1: null,
  addressLine2: null,
  city: "Boston",
  state: "MA",
  postalCode: null,
  active: true,
} as Patient;

afterEach(cleanup);

describe("PatientForm", { timeout: 30_000 }, () => {
  it("shows the server's message next to the field named in details", async () => {
    const onSubmit = vi.fn(async () => {
      throw new ApiError(400, "invalid_request", "The email address is not valid.", "r1", [
        { path: "email", message: "is not a valid email address" },
      ]);
    });
    renderWithProviders(<PatientForm patient={patient} onSubmit={onSubmit} onCancel={() => {}} />);
    fireEvent.change(screen.getByLabelText(/Email/), { target: { value: "ada@example" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));

    await waitFor(() => expect(screen.getByText("is not a valid email address")).toBeTruthy());
    const input = screen.getByLabelText(/Email/);
    expect(input.getAttribute("aria-invalid")).toBe("true");
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("keeps a state name as typed (no cut to two letters) and shows the server's refusal under it", async () => {
    const onSubmit = vi.fn(async () => {
      throw new ApiError(400, "invalid_request", "The body is not valid.", "r1", [
        { path: "state", message: "must be a two-letter state code such as TX, not the state's name" },
      ]);
    });
    renderWithProviders(<PatientForm patient={patient} onSubmit={onSubmit} onCancel={() => {}} />);
    const state = screen.getByLabelText(/^State/) as HTMLInputElement;
    // A maxlength of 2 made the browser drop what followed "Ma" of "Massachusetts" as it was typed.
    expect(state.getAttribute("maxlength")).toBeNull();
    fireEvent.change(state, { target: { value: "Massachusetts" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.getByText(/two-letter state code/)).toBeTruthy());
    expect(onSubmit.mock.calls[0]).toEqual([{ state: "Massachusetts" }]);
    expect(state.value).toBe("Massachusetts");
  });

  it("sends only the changed fields, empty optional text as null", async () => {
    const onSubmit = vi.fn(async (_body: Partial<Patient>) => {});
    renderWithProviders(<PatientForm patient={patient} onSubmit={onSubmit} onCancel={() => {}} />);
    fireEvent.change(screen.getByLabelText(/Phone/), { target: { value: " 617-555-0100 " } });
    fireEvent.change(screen.getByLabelText(/City/), { target: { value: "" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(onSubmit).toHaveBeenCalledTimes(1));
    expect(onSubmit.mock.calls[0]![0]).toEqual({ phone: "617-555-0100", city: null });
  });

  it("shows the message above the form when no field is named", async () => {
    const onSubmit = vi.fn(async () => {
      throw new ApiError(409, "conflict", "Another patient already has MRN 10000002.");
    });
    renderWithProviders(<PatientForm patient={patient} onSubmit={onSubmit} onCancel={() => {}} />);
    fireEvent.change(screen.getByLabelText(/MRN/), { target: { value: "10000002" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() =>
      expect(screen.getByRole("alert").textContent).toContain("Another patient already has MRN"),
    );
  });
});

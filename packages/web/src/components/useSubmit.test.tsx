// @vitest-environment jsdom
import { MantineProvider } from "@mantine/core";
import { Notifications, notifications } from "@mantine/notifications";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { type ReactNode, useState } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../api/client.ts";
import "../test/render.tsx";
import { theme } from "../theme.ts";
import { useSubmit } from "./useSubmit.ts";

afterEach(() => {
  cleanup();
  notifications.clean();
});

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function Form({
  action,
  onSuccess,
}: {
  action: (name: string) => Promise<{ id: string }>;
  onSuccess?: (result: { id: string }) => void;
}) {
  const [name, setName] = useState("Ada");
  const submit = useSubmit({
    action,
    fields: ["name"],
    invalidate: [["things"]],
    success: (r) => `Saved ${r.id}.`,
    ...(onSuccess ? { onSuccess } : {}),
  });
  return (
    <form onSubmit={submit.onSubmit(() => name)} aria-label="Thing">
      {submit.errors.form ? <p data-testid="form-error">{submit.errors.form}</p> : null}
      <label>
        Name
        <input value={name} onChange={(e) => setName(e.currentTarget.value)} />
      </label>
      {submit.errors.fields.name ? <p>{`name: ${submit.errors.fields.name}`}</p> : null}
      <button type="submit" disabled={submit.pending}>
        {submit.pending ? "Saving" : "Save"}
      </button>
    </form>
  );
}

function renderForm(ui: ReactNode) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const invalidate = vi.spyOn(queryClient, "invalidateQueries");
  render(
    <MantineProvider theme={theme}>
      <Notifications />
      <QueryClientProvider client={queryClient}>{ui}</QueryClientProvider>
    </MantineProvider>,
  );
  return { invalidate };
}

// Mantine in jsdom is slow on a loaded machine: the default 5 s per test failed once here (as FlowBoardPage.test allows 30 s).
describe("useSubmit", { timeout: 30_000 }, () => {
  it("sends once while a submit is in flight, then refreshes, notifies and calls onSuccess", async () => {
    const answer = deferred<{ id: string }>();
    const action = vi.fn(() => answer.promise);
    const onSuccess = vi.fn();
    const { invalidate } = renderForm(<Form action={action} onSuccess={onSuccess} />);
    const form = screen.getByRole("form", { name: "Thing" });
    // Two submits in the same tick: the second must be ignored before React re-renders.
    act(() => {
      fireEvent.submit(form);
      fireEvent.submit(form);
    });
    expect(action).toHaveBeenCalledTimes(1);
    expect(action).toHaveBeenCalledWith("Ada");
    expect(screen.getByRole("button", { name: "Saving" })).toHaveProperty("disabled", true);
    await act(async () => answer.resolve({ id: "t1" }));
    await waitFor(() => expect(screen.getByRole("button", { name: "Save" })).toBeTruthy());
    expect(invalidate).toHaveBeenCalledWith({ queryKey: ["things"] });
    expect(onSuccess).toHaveBeenCalledWith({ id: "t1" }, "Ada");
    expect(await screen.findByText("Saved t1.")).toBeTruthy();
    // Free again: a new submit goes out.
    act(() => fireEvent.submit(form));
    expect(action).toHaveBeenCalledTimes(2);
  });

  it("puts server errors beside the fields they name and the rest above the form", async () => {
    const action = vi.fn(() =>
      Promise.reject(
        new ApiError(400, "validation_failed", "Check the form.", undefined, [
          { path: "name", message: "Too short." },
          { path: "color", message: "Not a colour." },
        ]),
      ),
    );
    const onSuccess = vi.fn();
    renderForm(<Form action={action} onSuccess={onSuccess} />);
    act(() => fireEvent.submit(screen.getByRole("form", { name: "Thing" })));
    expect(await screen.findByText("name: Too short.")).toBeTruthy();
    expect(screen.getByTestId("form-error").textContent).toBe("Not a colour.");
    expect(onSuccess).not.toHaveBeenCalled();
    expect(screen.getByRole("button", { name: "Save" })).toHaveProperty("disabled", false);
  });

  it("shows a failure that names no field above the form, and clears it on the next try", async () => {
    const action = vi
      .fn<(name: string) => Promise<{ id: string }>>()
      .mockRejectedValueOnce(new ApiError(409, "conflict", "Someone decided first."))
      .mockResolvedValueOnce({ id: "t2" });
    renderForm(<Form action={action} />);
    const form = screen.getByRole("form", { name: "Thing" });
    act(() => fireEvent.submit(form));
    expect((await screen.findByTestId("form-error")).textContent).toBe("Someone decided first.");
    act(() => fireEvent.submit(form));
    await waitFor(() => expect(screen.queryByTestId("form-error")).toBeNull());
    expect(action).toHaveBeenCalledTimes(2);
  });
});

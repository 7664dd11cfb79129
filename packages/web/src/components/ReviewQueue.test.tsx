// @vitest-environment jsdom
import { Button } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../api/client.ts";
import { renderWithProviders } from "../test/render.tsx";
import { type ReviewAction, ReviewQueue } from "./ReviewQueue.tsx";
import { urlParam, useUrlState } from "./useUrlState.ts";

afterEach(cleanup);

interface Item {
  id: string;
  patient: string;
  request: string;
  log: string;
  status: "pending" | "done";
}

const ITEMS: Item[] = [
  {
    id: "a",
    patient: "Ada Lovelace",
    request: "Fix my birth date",
    log: "Opened the chart",
    status: "pending",
  },
  { id: "b", patient: "Alan Turing", request: "Remove a diagnosis", log: "Listed allergies", status: "done" },
];

const URL_STATE = { status: urlParam.oneOf(["pending", "done"], "pending") };

const ACTIONS: ReviewAction<Item>[] = [
  {
    label: "Decide",
    title: "Decide on the request",
    form: (item, close) => (
      <div>
        <p>{`Deciding ${item.request}`}</p>
        <Button onClick={close}>Done</Button>
      </div>
    ),
  },
];

function Queue({ load }: { load: (status: string) => Promise<{ items: Item[] }> }) {
  const [{ status }, set] = useUrlState(URL_STATE);
  const query = useQuery({ queryKey: ["items", status], queryFn: () => load(status) });
  return (
    <ReviewQueue
      label="Requests"
      query={query}
      itemKey={(i) => i.id}
      itemName={(i) => i.patient}
      filters={[
        {
          label: "Status",
          value: status,
          options: [
            { value: "pending", label: "Pending" },
            { value: "done", label: "Done" },
          ],
          onChange: (value) => set({ status: value as "pending" | "done" }),
        },
      ]}
      columns={[
        { header: "Patient", cell: (i) => i.patient },
        { header: "Request", cell: (i) => i.request },
      ]}
      details={{ header: "Done under it", render: (i) => i.log }}
      awaiting={(i) => i.status === "pending"}
      actions={ACTIONS}
      outcome={(i) => <span>{`decided: ${i.status}`}</span>}
      decisionHeader="Decision"
      empty={status === "pending" ? "Nothing to decide" : "Nothing decided yet"}
      noun={["request", "requests"]}
    />
  );
}

const byStatus = (status: string) => Promise.resolve({ items: ITEMS.filter((i) => i.status === status) });

// Mantine in jsdom is slow on a loaded machine: the default 5 s per test failed once here (as FlowBoardPage.test allows 30 s).
describe("ReviewQueue", { timeout: 30_000 }, () => {
  it("lists each item's summary and details in a named table, with actions named after the item", async () => {
    renderWithProviders(<Queue load={() => Promise.resolve({ items: ITEMS })} />);
    const region = screen.getByRole("region", { name: "Requests" });
    const table = await within(region).findByRole("table", { name: "Requests" });
    expect(
      within(table)
        .getAllByRole("columnheader")
        .map((h) => h.textContent),
    ).toEqual(["Patient", "Request", "Done under it", "Decision"]);
    const [ada, alan] = within(table).getAllByRole("row").slice(1);
    expect(ada?.textContent).toContain("Fix my birth date");
    expect(ada?.textContent).toContain("Opened the chart");
    // The button reads "Decide" and its accessible name says which item it decides.
    expect(within(ada!).getByRole("button", { name: "Decide: Ada Lovelace" }).textContent).toBe("Decide");
    // A decided item shows its outcome, not the actions.
    expect(within(alan!).queryByRole("button", { name: /Decide/ })).toBeNull();
    expect(within(alan!).getByText("decided: done")).toBeTruthy();
    expect(within(region).getByRole("status").textContent).toBe("2 requests");
  });

  it("opens the decision in a dialog named after the action and closes it from the form", async () => {
    renderWithProviders(<Queue load={() => Promise.resolve({ items: ITEMS })} />);
    fireEvent.click(await screen.findByRole("button", { name: "Decide: Ada Lovelace" }));
    const dialog = await screen.findByRole("dialog", { name: "Decide on the request" });
    expect(within(dialog).getByText("Deciding Fix my birth date")).toBeTruthy();
    fireEvent.click(within(dialog).getByRole("button", { name: "Done" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull(), { timeout: 10_000 });
  });

  it("reads its filter from the address and writes a change back, with the empty state", async () => {
    const load = vi.fn(byStatus);
    renderWithProviders(<Queue load={load} />, { route: "/queue?status=done" });
    const region = screen.getByRole("region", { name: "Requests" });
    expect(await within(region).findByText("Alan Turing")).toBeTruthy();
    expect(load).toHaveBeenLastCalledWith("done");
    const filter = within(region).getByRole("radiogroup", { name: "Status" });
    expect(within(filter).getByRole("radio", { name: "Done" })).toHaveProperty("checked", true);
    fireEvent.click(within(filter).getByRole("radio", { name: "Pending" }));
    expect(await within(region).findByText("Ada Lovelace")).toBeTruthy();
    expect(load).toHaveBeenLastCalledWith("pending");
  });

  it("says so when nothing waits, and offers a retry when the list fails to load", async () => {
    renderWithProviders(<Queue load={() => Promise.resolve({ items: [] })} />);
    expect(await screen.findByText("Nothing to decide")).toBeTruthy();
    expect(screen.queryByRole("table")).toBeNull();
    cleanup();
    const load = vi
      .fn()
      .mockRejectedValueOnce(new ApiError(500, "internal", "The server failed."))
      .mockImplementation(byStatus);
    renderWithProviders(<Queue load={load} />);
    expect(await screen.findByText("The server failed.")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findByText("Ada Lovelace")).toBeTruthy();
  });
});

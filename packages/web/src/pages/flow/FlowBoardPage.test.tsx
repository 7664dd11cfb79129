// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { jsonResponse, makeSession, renderWithProviders } from "../../test/render.tsx";
import type { BoardVisit, FlowBoard, Proposal } from "./api.ts";
import { FlowBoardPage } from "./FlowBoardPage.tsx";

// The board against a stubbed API: Late… → proposals → Accept answered 409 (someone changed the day) →
// the message and fresh proposals, asked for again with the same lateness.

class SilentEventSource {
  addEventListener() {}
  close() {}
}

const location = {
  id: "L1",
  name: "Riverside",
  timeZone: "America/Chicago",
  addressLine1: null,
  addressLine2: null,
  city: null,
  state: null,
  postalCode: null,
  phone: null,
  active: true,
};

const visit: BoardVisit = {
  appointmentId: "a1",
  version: 2,
  patientId: "p1",
  patientName: "Doe, Jane",
  practitionerId: "dr1",
  appointmentTypeId: "t1",
  typeName: "Follow-up",
  start: "2026-11-27T15:00:00.000Z",
  end: "2026-11-27T15:20:00.000Z",
  status: "booked",
  flowStep: null,
  arrivedAt: null,
  checkedInAt: null,
  roomedAt: null,
  roomId: null,
  roomName: null,
  withPractitionerAt: null,
  checkedOutAt: null,
  waitingSince: null,
  waitingMinutes: null,
  lateMinutes: 0,
  expectedStart: "2026-11-27T15:00:00.000Z",
  expectedEnd: "2026-11-27T15:20:00.000Z",
  noShowRisk: null,
  maxMinutesLate: null,
};

const board: FlowBoard = {
  locationId: "L1",
  date: "2026-11-27",
  timeZone: "America/Chicago",
  dayVersion: "v1",
  now: "2026-11-27T14:00:00.000Z",
  thresholds: { waitWarnMinutes: 15, waitAlertMinutes: 30 },
  practitioners: [
    { id: "dr1", name: "Grace Liu", expectedEndOfDay: "2026-11-27T23:00:00.000Z", overtimeMinutes: 0 },
  ],
  visits: [visit],
};

function proposal(id: string, title: string, dayVersion: string): Proposal {
  return {
    id,
    kind: "next-gap",
    title,
    explanation: "Later patients keep their times.",
    recommended: true,
    changes: [],
    metrics: { totalWaitMinutes: 0, maxWaitMinutes: 0, overtimeMinutes: 0, moved: 0 },
    notify: [],
    dayVersion,
  };
}

let calls: { method: string; url: string; body: unknown }[];

const CARD = { name: "Doe, Jane, 9:00 AM, Follow-up" };
// Lazy Mantine pieces and a busy test machine: allow more than Testing Library's default second.
const SLOW = { timeout: 10_000 };

beforeEach(() => {
  calls = [];
  vi.stubGlobal("EventSource", SilentEventSource);
  let lateCalls = 0;
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init?: RequestInit) => {
      const method = init?.method ?? "GET";
      calls.push({ method, url, body: init?.body ? JSON.parse(String(init.body)) : undefined });
      if (url.startsWith("/api/locations")) return jsonResponse(200, { items: [location], total: 1 });
      if (url.startsWith("/api/rooms")) return jsonResponse(200, { items: [], total: 0 });
      if (url.startsWith("/api/flow/board")) return jsonResponse(200, board);
      if (url.startsWith("/api/flow/overbooking")) return jsonResponse(200, { suggestions: [] });
      if (url === "/api/flow/late") {
        lateCalls += 1;
        return jsonResponse(200, {
          dayVersion: `v${lateCalls}`,
          proposals: [
            proposal(`p${lateCalls}`, lateCalls === 1 ? "First plan" : "Fresh plan", `v${lateCalls}`),
          ],
        });
      }
      if (url === "/api/flow/proposals/p1/accept") {
        return jsonResponse(409, {
          error: {
            code: "conflict",
            message: "The day changed since this proposal was made; review the new proposals.",
            details: [{ path: "dayVersion", message: "is v2 now" }],
          },
        });
      }
      if (url === "/api/flow/proposals/p2/accept") {
        return jsonResponse(409, {
          error: {
            code: "conflict",
            message:
              "That time is taken: Elena Ramirez already has a visit then; choose another time or practitioner.",
            details: [{ path: "when", message: "is taken" }],
          },
        });
      }
      return jsonResponse(404, { error: { code: "not_found", message: "Not found." } });
    }),
  );
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("FlowBoardPage", { timeout: 30_000 }, () => {
  it("after a 409 on Accept, says why and shows fresh proposals for the same lateness", async () => {
    renderWithProviders(<FlowBoardPage />, {
      route: "/flow?date=2026-11-27",
      session: makeSession({
        roles: ["front-desk"],
        permissions: ["flow:read", "schedule:read", "schedule:write", "locations:read"],
      }),
    });
    const card = await screen.findByRole("article", CARD, SLOW);
    fireEvent.click(within(card).getByRole("button", { name: "Late: Doe, Jane" }));
    const lateDialog = await screen.findByRole("dialog", { name: "Doe, Jane is running late" }, SLOW);
    fireEvent.change(within(lateDialog).getByLabelText(/Minutes late/), { target: { value: "20" } });
    fireEvent.click(within(lateDialog).getByRole("button", { name: "Show proposals" }));

    const plan = await screen.findByRole("dialog", { name: "Doe, Jane: 20 min late" }, SLOW);
    expect(within(plan).getByText("First plan")).toBeTruthy();
    fireEvent.click(within(plan).getByRole("button", { name: "Accept: First plan" }));

    await waitFor(() => expect(screen.getByText("Fresh plan")).toBeTruthy(), SLOW);
    expect(
      screen.getByText(
        "The day changed since this proposal was made; review the new proposals. Here are fresh proposals.",
      ),
    ).toBeTruthy();
    const lates = calls.filter((c) => c.url === "/api/flow/late");
    expect(lates.map((c) => c.body)).toEqual([
      { appointmentId: "a1", minutesLate: 20 },
      { appointmentId: "a1", minutesLate: 20 },
    ]);
    expect(screen.queryByText("First plan")).toBeNull();
  });

  it("after a 409 that is not a changed day, shows the server's message and keeps the proposals", async () => {
    renderWithProviders(<FlowBoardPage />, {
      route: "/flow?date=2026-11-27",
      session: makeSession({
        roles: ["front-desk"],
        permissions: ["flow:read", "schedule:read", "schedule:write", "locations:read"],
      }),
    });
    const card = await screen.findByRole("article", CARD, SLOW);
    fireEvent.click(within(card).getByRole("button", { name: "Late: Doe, Jane" }));
    const lateDialog = await screen.findByRole("dialog", { name: "Doe, Jane is running late" }, SLOW);
    fireEvent.change(within(lateDialog).getByLabelText(/Minutes late/), { target: { value: "20" } });
    fireEvent.click(within(lateDialog).getByRole("button", { name: "Show proposals" }));
    const plan = await screen.findByRole("dialog", { name: "Doe, Jane: 20 min late" }, SLOW);
    fireEvent.click(within(plan).getByRole("button", { name: "Accept: First plan" }));
    // p1 is the changed day: fresh proposals (p2) come; accepting p2 is refused by the booking rules.
    await waitFor(() => expect(screen.getByText("Fresh plan")).toBeTruthy(), SLOW);
    fireEvent.click(screen.getByRole("button", { name: "Accept: Fresh plan" }));
    await waitFor(
      () =>
        expect(
          screen.getByText(
            "That time is taken: Elena Ramirez already has a visit then; choose another time or practitioner.",
          ),
        ).toBeTruthy(),
      SLOW,
    );
    expect(screen.getByText("Fresh plan")).toBeTruthy();
    expect(calls.filter((c) => c.url === "/api/flow/late")).toHaveLength(2);
  });

  it("records the next step with the visit's version", async () => {
    renderWithProviders(<FlowBoardPage />, {
      route: "/flow?date=2026-11-27",
      session: makeSession({ roles: ["front-desk"], permissions: ["flow:read", "schedule:write"] }),
    });
    const card = await screen.findByRole("article", CARD, SLOW);
    fireEvent.click(within(card).getByRole("button", { name: "Arrived: Doe, Jane" }));
    await waitFor(() => expect(calls.some((c) => c.url === "/api/appointments/a1/flow")).toBe(true), SLOW);
    expect(calls.find((c) => c.url === "/api/appointments/a1/flow")?.body).toEqual({
      step: "arrived",
      version: 2,
    });
  });

  it("shows a read-only board without actions to someone who may not write the schedule", async () => {
    renderWithProviders(<FlowBoardPage />, {
      route: "/flow?date=2026-11-27",
      session: makeSession({ roles: ["biller"], permissions: ["flow:read"] }),
    });
    const card = await screen.findByRole("article", CARD, SLOW);
    expect(within(card).queryAllByRole("button")).toHaveLength(0);
    expect(screen.queryByRole("button", { name: "Re-plan day" })).toBeNull();
  });
});

// @vitest-environment jsdom
import { cleanup, fireEvent, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { renderWithProviders } from "../../test/render.tsx";
import type { BoardVisit, Proposal } from "./api.ts";
import { ProposalsDialog } from "./ProposalsDialog.tsx";
import { VisitCard } from "./VisitCard.tsx";

afterEach(cleanup);

const thresholds = { waitWarnMinutes: 15, waitAlertMinutes: 30 };
const TZ = "America/Chicago";
const SINCE = "2026-11-27T15:00:00.000Z";

function visit(over: Partial<BoardVisit> = {}): BoardVisit {
  return {
    appointmentId: "a1",
    version: 3,
    patientId: "p1",
    patientName: "Doe, Jane",
    practitionerId: "dr1",
    appointmentTypeId: "t1",
    typeName: "Follow-up",
    start: "2026-11-27T15:00:00.000Z",
    end: "2026-11-27T15:20:00.000Z",
    status: "arrived",
    flowStep: "arrived",
    arrivedAt: SINCE,
    checkedInAt: null,
    roomedAt: null,
    roomId: null,
    roomName: null,
    withPractitionerAt: null,
    checkedOutAt: null,
    waitingSince: SINCE,
    waitingMinutes: 0,
    lateMinutes: 0,
    expectedStart: "2026-11-27T15:00:00.000Z",
    expectedEnd: "2026-11-27T15:20:00.000Z",
    noShowRisk: null,
    maxMinutesLate: null,
    ...over,
  };
}

function card(
  v: BoardVisit,
  minutesAfter: number,
  handlers: Partial<{ onNext: () => void; onLate: () => void }> = {},
) {
  return renderWithProviders(
    <VisitCard
      visit={v}
      now={Date.parse(SINCE) + minutesAfter * 60_000}
      thresholds={thresholds}
      timeZone={TZ}
      practitionerName="Grace Liu"
      canAct
      busy={false}
      onNext={handlers.onNext ?? (() => {})}
      onLate={handlers.onLate ?? (() => {})}
    />,
  );
}

describe("VisitCard", () => {
  it("shows the wait in words past each threshold, with the level on the card for styling", () => {
    card(visit(), 5);
    expect(screen.getByText("Waiting 5 min")).toBeTruthy();
    expect(screen.getByRole("article").getAttribute("data-wait-level")).toBe("ok");
    cleanup();
    card(visit(), 16);
    expect(screen.getByText("Waiting 16 min, long wait")).toBeTruthy();
    expect(screen.getByRole("article").getAttribute("data-wait-level")).toBe("warn");
    cleanup();
    card(visit(), 31);
    expect(screen.getByText("Waiting 31 min, very long wait")).toBeTruthy();
    expect(screen.getByRole("article").getAttribute("data-wait-level")).toBe("alert");
  });

  it("names the card by patient, local time and type, and offers the next step", () => {
    const onNext = vi.fn();
    card(visit(), 1, { onNext });
    expect(screen.getByRole("article", { name: "Doe, Jane, 9:00 AM, Follow-up" })).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Check in: Doe, Jane" }));
    expect(onNext).toHaveBeenCalledWith(
      expect.objectContaining({ appointmentId: "a1" }),
      expect.objectContaining({ step: "checked-in" }),
    );
    expect(screen.queryByRole("button", { name: "Late: Doe, Jane" })).toBeNull();
  });

  it("offers Late… and Arrived before arrival, and shows a moved expected start and the risk", () => {
    const onLate = vi.fn();
    card(
      visit({
        status: "booked",
        flowStep: null,
        arrivedAt: null,
        waitingSince: null,
        waitingMinutes: null,
        expectedStart: "2026-11-27T15:25:00.000Z",
        noShowRisk: { probability: 0.34, reasons: ["2 no-shows in the last year"] },
      }),
      0,
      { onLate },
    );
    expect(screen.getByRole("button", { name: "Arrived: Doe, Jane" })).toBeTruthy();
    expect(screen.getByText("Expected start 9:25 AM")).toBeTruthy();
    expect(screen.getByText("No-show 34%")).toBeTruthy();
    expect(screen.queryByText(/Waiting/)).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Late: Doe, Jane" }));
    expect(onLate).toHaveBeenCalledOnce();
  });

  it("shows no actions to someone who may only read the board", () => {
    renderWithProviders(
      <VisitCard
        visit={visit()}
        now={Date.parse(SINCE)}
        thresholds={thresholds}
        timeZone={TZ}
        practitionerName="Grace Liu"
        canAct={false}
        busy={false}
        onNext={() => {}}
        onLate={() => {}}
      />,
    );
    expect(screen.queryByRole("button", { name: /Check in/ })).toBeNull();
  });
});

function proposal(id: string, over: Partial<Proposal> = {}): Proposal {
  return {
    id,
    kind: "next-gap",
    title: `Proposal ${id}`,
    explanation: "Because.",
    recommended: false,
    changes: [],
    metrics: { totalWaitMinutes: 10, maxWaitMinutes: 5, overtimeMinutes: 0, moved: 0 },
    notify: [],
    dayVersion: "v1",
    ...over,
  };
}

describe("ProposalsDialog", () => {
  it("lists the recommended proposal first with its changes and who is told, and accepts in one click", () => {
    const onAccept = vi.fn();
    renderWithProviders(
      <ProposalsDialog
        opened
        title="Doe, Jane: 20 min late"
        response={{
          dayVersion: "v1",
          proposals: [
            proposal("x", {
              metrics: { totalWaitMinutes: 5, maxWaitMinutes: 5, overtimeMinutes: 0, moved: 0 },
            }),
            proposal("y", {
              recommended: true,
              changes: [
                {
                  appointmentId: "a2",
                  patientName: "Roe, Rick",
                  from: { practitionerId: "dr1", expectedStart: "2026-11-27T15:20:00.000Z" },
                  to: { practitionerId: "dr2", expectedStart: "2026-11-27T15:30:00.000Z" },
                },
              ],
              notify: [
                {
                  appointmentId: "a2",
                  patientName: "Roe, Rick",
                  oldExpectedStart: "2026-11-27T15:20:00.000Z",
                  newExpectedStart: "2026-11-27T15:30:00.000Z",
                },
              ],
            }),
          ],
        }}
        loading={false}
        error={null}
        notice={null}
        acceptingId={null}
        timeZone={TZ}
        practitionerName={(id) => (id === "dr1" ? "Grace Liu" : "Sam Okoye")}
        onAccept={onAccept}
        onClose={() => {}}
      />,
    );
    const headings = screen.getAllByRole("heading", { level: 3 }).map((h) => h.textContent);
    expect(headings).toEqual(["Proposal y", "Proposal x"]);
    expect(screen.getByText("Recommended")).toBeTruthy();
    expect(screen.getAllByText("Roe, Rick: Grace Liu 9:20 AM → Sam Okoye 9:30 AM")).toHaveLength(1);
    expect(screen.getByText("Roe, Rick: 9:20 AM → 9:30 AM")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Accept: Proposal y" }));
    expect(onAccept).toHaveBeenCalledWith(expect.objectContaining({ id: "y" }));
  });

  it("shows why fresh proposals replaced the old ones", () => {
    renderWithProviders(
      <ProposalsDialog
        opened
        title="Re-plan the day"
        response={{ dayVersion: "v2", proposals: [] }}
        loading={false}
        error={null}
        notice="The day changed since these proposals were made. Here are fresh proposals."
        acceptingId={null}
        timeZone={TZ}
        practitionerName={() => "Grace Liu"}
        onAccept={() => {}}
        onClose={() => {}}
      />,
    );
    expect(screen.getByText(/The day changed/)).toBeTruthy();
    expect(screen.getByText(/Nothing needs to move/)).toBeTruthy();
  });
});

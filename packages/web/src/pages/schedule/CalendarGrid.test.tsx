// @vitest-environment jsdom

import type { LocationView as Location } from "@salus/server/directory/schemas";
import type { AppointmentView as Appointment } from "@salus/server/scheduling/schemas";
import { cleanup, fireEvent, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { renderWithProviders } from "../../test/render.tsx";
import { type CalendarColumn, CalendarGrid } from "./CalendarGrid.tsx";
import type { ScheduleRefs } from "./shared.ts";

afterEach(cleanup);

const location: Location = {
  id: "L",
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
const refs: ScheduleRefs = {
  location,
  timeZone: location.timeZone,
  types: [],
  typeName: () => "Follow-up",
  typeColor: () => "#16a34a",
  practitioners: [],
  practitionerName: (id) => (id === "p1" ? "Grace Liu" : "Samuel Okoye"),
  rooms: [],
  roomName: () => "Exam 1",
};

function appt(over: Partial<Appointment>): Appointment {
  return {
    id: "a1",
    status: "booked",
    patientId: "pt",
    patientName: "Doe, Jane",
    appointmentTypeId: "t",
    locationId: "L",
    practitionerId: "p1",
    roomId: null,
    equipmentIds: [],
    start: "2026-11-27T15:00:00Z", // 9:00 CST
    end: "2026-11-27T15:20:00Z",
    overbooked: false,
    seriesId: null,
    note: null,
    cancelReason: null,
    cancelledAt: null,
    lateCancel: false,
    version: 1,
    patientOverlapAllowed: false,
    ...over,
  };
}

const metrics = { startMinute: 8 * 60, endMinute: 12 * 60, pxPerMinute: 1, step: 5 };

function setup(onMove = vi.fn(async () => true)) {
  const onOpen = vi.fn();
  const onBookAt = vi.fn();
  const columns: CalendarColumn[] = [
    {
      key: "p1",
      label: "Grace Liu",
      date: "2026-11-27",
      practitionerId: "p1",
      open: [{ start: 480, end: 720 }],
      appointments: [
        appt({}),
        appt({
          id: "a2",
          patientName: "Roe, Max",
          start: "2026-11-27T15:10:00Z",
          end: "2026-11-27T15:30:00Z",
          overbooked: true,
        }),
      ],
    },
    {
      key: "p2",
      label: "Samuel Okoye",
      date: "2026-11-27",
      practitionerId: "p2",
      open: [{ start: 540, end: 600 }],
      appointments: [
        appt({
          id: "a3",
          practitionerId: "p2",
          patientName: "Poe, Ann",
          status: "cancelled",
          lateCancel: true,
        }),
      ],
    },
  ];
  renderWithProviders(
    <CalendarGrid
      columns={columns}
      refs={refs}
      metrics={metrics}
      now={Date.parse("2026-11-27T16:00:00Z")}
      canWrite
      onOpen={onOpen}
      onBookAt={onBookAt}
      onMove={onMove}
    />,
  );
  return { onOpen, onBookAt, onMove };
}

describe("CalendarGrid", () => {
  it("shows blocks with patient, type, time in the location's zone, status, overbooked and late-cancel marks", () => {
    setup();
    const jane = screen.getByRole("button", { name: /^Doe, Jane/ });
    expect(jane.getAttribute("aria-label")).toBe("Doe, Jane, Follow-up, 9:00 AM – 9:20 AM CST, Booked");
    expect(screen.getByRole("button", { name: /Roe, Max.*overbooked/ }).textContent).toContain("Overbooked");
    expect(
      screen.getByRole("button", { name: /Poe, Ann.*Cancelled, late cancellation/ }).textContent,
    ).toContain("Late cancel");
    expect(screen.getByText("CST")).toBeTruthy();
    expect(screen.getAllByTestId("now-line")[0]!.style.top).toBe("120px"); // 10:00 CST, 2 h after 8:00 at 1 px/min
  });

  it("moves focus with the arrow keys and opens details with Enter (a button click)", () => {
    const { onOpen } = setup();
    const jane = screen.getByRole("button", { name: /^Doe, Jane/ });
    jane.focus();
    fireEvent.keyDown(jane, { key: "ArrowDown" });
    expect(document.activeElement?.getAttribute("data-appointment-id")).toBe("a2");
    fireEvent.keyDown(document.activeElement!, { key: "ArrowRight" });
    expect(document.activeElement?.getAttribute("data-appointment-id")).toBe("a3");
    fireEvent.click(document.activeElement!);
    expect(onOpen).toHaveBeenCalledWith(expect.objectContaining({ id: "a3" }));
  });

  it("books by clicking open time, not closed time", () => {
    const { onBookAt } = setup();
    const column = screen.getByTestId("column-Samuel Okoye");
    column.getBoundingClientRect = () => ({ top: 0, left: 0, width: 100, height: 240 }) as DOMRect;
    fireEvent.click(column, { clientY: 10 }); // 8:10, closed
    expect(onBookAt).not.toHaveBeenCalled();
    fireEvent.click(column, { clientY: 95 }); // 9:35, open
    expect(onBookAt).toHaveBeenCalledWith(expect.objectContaining({ key: "p2" }), 9 * 60 + 35);
  });

  it("drags a block to another column and time, and hands the target to onMove", async () => {
    const onMove = vi.fn(async () => false);
    setup(onMove);
    const columns = [screen.getByTestId("column-Grace Liu"), screen.getByTestId("column-Samuel Okoye")];
    columns.forEach((c, i) => {
      c.getBoundingClientRect = () => ({ top: 0, left: i * 100, width: 100, height: 240 }) as DOMRect;
    });
    const jane = screen.getByRole("button", { name: /^Doe, Jane/ });
    fireEvent.pointerDown(jane, { pointerId: 1, button: 0, clientX: 50, clientY: 70 });
    fireEvent.pointerMove(jane, { pointerId: 1, clientX: 150, clientY: 100 });
    fireEvent.pointerUp(jane, { pointerId: 1, clientX: 150, clientY: 100 });
    await vi.waitFor(() => expect(onMove).toHaveBeenCalled());
    const [moved, target] = onMove.mock.calls[0] as unknown as [
      Appointment,
      { column: CalendarColumn; minutes: number },
    ];
    expect(moved.id).toBe("a1");
    expect(target.column.key).toBe("p2");
    expect(target.minutes).toBe(9 * 60 + 30);
  });
});

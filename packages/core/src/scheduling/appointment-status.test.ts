import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DomainError } from "../shared/domain-error.ts";
import {
  APPOINTMENT_ACTIONS,
  APPOINTMENT_STATUSES,
  APPOINTMENT_TRANSITIONS,
  type AppointmentStatus,
  actionsFrom,
  BOOKABLE_STATUSES,
  holdsTime,
  nextStatus,
  requireAction,
  requireStatusChange,
  STATUS_CHANGE_TARGETS,
} from "./appointment-status.ts";

/** Every (from, to) pair the table allows, written out by hand: the table must say exactly this. */
const ALLOWED: Record<AppointmentStatus, AppointmentStatus[]> = {
  proposed: ["pending", "booked", "cancelled", "proposed", "entered-in-error"],
  pending: ["booked", "cancelled", "pending", "entered-in-error"],
  booked: ["arrived", "checked-in", "noshow", "cancelled", "booked", "entered-in-error"],
  arrived: ["checked-in", "fulfilled", "entered-in-error"],
  "checked-in": ["fulfilled", "entered-in-error"],
  fulfilled: ["entered-in-error"],
  cancelled: ["entered-in-error"],
  noshow: ["booked", "entered-in-error"],
  "entered-in-error": [],
  waitlist: [],
};

const status = fc.constantFrom(...APPOINTMENT_STATUSES);
const action = fc.constantFrom(...APPOINTMENT_ACTIONS);

describe("appointment status table", () => {
  it("allows exactly the moves written out by hand", () => {
    for (const from of APPOINTMENT_STATUSES) {
      const reached = new Set(actionsFrom(from).map((a) => nextStatus(from, a)));
      expect([...reached].sort()).toEqual([...ALLOWED[from]].sort());
    }
  });

  it("no sequence of actions from a booking reaches a status or a move the table does not allow", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...BOOKABLE_STATUSES),
        fc.array(action, { maxLength: 30 }),
        (start, actions) => {
          let current: AppointmentStatus = start;
          for (const a of actions) {
            const next = nextStatus(current, a);
            if (next === null) {
              // Refused by requireAction as well, with a conflict, and nothing changes.
              expect(() => requireAction(current, a)).toThrow(DomainError);
              continue;
            }
            expect(ALLOWED[current]).toContain(next);
            expect(requireAction(current, a)).toBe(next);
            current = next;
          }
          expect(APPOINTMENT_STATUSES).toContain(current);
        },
      ),
    );
  });

  it("entered-in-error is final, and reachable from every other status", () => {
    expect(actionsFrom("entered-in-error")).toEqual([]);
    for (const s of APPOINTMENT_STATUSES.filter((x) => x !== "entered-in-error" && x !== "waitlist"))
      expect(nextStatus(s, "enter-in-error")).toBe("entered-in-error");
  });

  it("every status but FHIR's unused waitlist is reachable from a booking", () => {
    const seen = new Set<AppointmentStatus>(BOOKABLE_STATUSES);
    let grew = true;
    while (grew) {
      grew = false;
      for (const s of [...seen])
        for (const a of actionsFrom(s)) {
          const n = nextStatus(s, a)!;
          if (!seen.has(n)) {
            seen.add(n);
            grew = true;
          }
        }
    }
    expect([...seen].sort()).toEqual(APPOINTMENT_STATUSES.filter((s) => s !== "waitlist").sort());
  });

  it("time held only while the visit can still happen or happened; released by cancel, no-show, error", () => {
    fc.assert(
      fc.property(status, action, (s, a) => {
        const n = nextStatus(s, a);
        if (n === "cancelled" || n === "noshow" || n === "entered-in-error") expect(holdsTime(n)).toBe(false);
      }),
    );
    for (const s of BOOKABLE_STATUSES) expect(holdsTime(s)).toBe(true);
  });

  it("a status change agrees with the table, and undoing a no-show is its own use case", () => {
    fc.assert(
      fc.property(status, status, (from, to) => {
        const viaTable = APPOINTMENT_ACTIONS.some((a) => {
          const t = APPOINTMENT_TRANSITIONS[a];
          return t.byStatusChange && t.to === to && (t.from as readonly string[]).includes(from);
        });
        if (viaTable) expect(nextStatus(from, requireStatusChange(from, to))).toBe(to);
        else expect(() => requireStatusChange(from, to)).toThrow(DomainError);
      }),
    );
    expect(() => requireStatusChange("noshow", "booked")).toThrow(/undo no-show/);
    expect(STATUS_CHANGE_TARGETS).not.toContain("cancelled");
    expect(STATUS_CHANGE_TARGETS).toContain("entered-in-error");
  });

  it("cancel and reschedule only before the visit starts, with the words staff see", () => {
    expect(() => requireAction("arrived", "cancel")).toThrow(
      "This appointment is arrived; only booked, pending or proposed appointments can be moved or cancelled.",
    );
    expect(nextStatus("booked", "reschedule")).toBe("booked");
    expect(() => requireAction("booked", "undo-no-show")).toThrow(
      "This appointment is booked, not a no-show",
    );
  });
});

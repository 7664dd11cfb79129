import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DomainError } from "../shared/domain-error.ts";
import {
  allowedNextSteps,
  appointmentStatusForStep,
  assertFlowStep,
  canCheckIn,
  checkFlowStep,
  currentFlowStep,
  FLOW_STEPS,
  type FlowAppointmentStatus,
  type FlowStep,
  flowBoardStatus,
  isNoShowDue,
  nextFlowStep,
} from "./flow-states.ts";

function refusal(check: ReturnType<typeof nextFlowStep>): DomainError {
  if (check.ok) throw new Error("expected a refusal");
  return check.error;
}

describe("nextFlowStep", () => {
  it("walks the full path and the two allowed skips", () => {
    const full: Array<FlowStep | null> = [null, "arrived", "checked-in", "roomed", "with-practitioner"];
    for (let i = 0; i < full.length; i++) {
      const check = nextFlowStep(full[i]!, FLOW_STEPS[i]!);
      expect(check.ok).toBe(true);
    }
    expect(nextFlowStep(null, "checked-in").ok).toBe(true); // arrived skipped
    expect(nextFlowStep("checked-in", "with-practitioner").ok).toBe(true); // roomed skipped
  });

  it("refuses skipping check-in, being seen twice and going backwards, with a clear conflict", () => {
    const skip = refusal(nextFlowStep("arrived", "with-practitioner"));
    expect(skip.code).toBe("conflict");
    expect(skip.message).toBe(
      'Cannot record "with the practitioner": the patient is arrived, so the next step is "checked in".',
    );
    expect(refusal(nextFlowStep(null, "roomed")).message).toContain("nothing has been recorded yet");
    expect(refusal(nextFlowStep("roomed", "roomed")).message).toBe("The patient is already roomed.");
    expect(refusal(nextFlowStep("with-practitioner", "checked-in")).message).toContain("cannot go back");
    expect(refusal(nextFlowStep("checked-out", "checked-out")).message).toBe(
      "The patient is already checked out.",
    );
    expect(refusal(nextFlowStep("checked-in", "checked-out")).code).toBe("conflict");
  });

  it("never allows a step at or before the current one (property)", () => {
    fc.assert(
      fc.property(fc.constantFrom(...FLOW_STEPS), fc.constantFrom(...FLOW_STEPS), (current, requested) => {
        const ok = nextFlowStep(current, requested).ok;
        if (FLOW_STEPS.indexOf(requested) <= FLOW_STEPS.indexOf(current)) expect(ok).toBe(false);
        // At most one optional step is jumped, and only arrived or roomed ever are.
        if (ok) {
          const skipped = FLOW_STEPS.slice(FLOW_STEPS.indexOf(current) + 1, FLOW_STEPS.indexOf(requested));
          expect(skipped.every((s) => s === "roomed")).toBe(true);
        }
      }),
    );
    expect(allowedNextSteps("checked-out")).toEqual([]);
  });

  it("maps steps to appointment statuses", () => {
    expect(FLOW_STEPS.map(appointmentStatusForStep)).toEqual([
      "arrived",
      "checked-in",
      "checked-in",
      "checked-in",
      "fulfilled",
    ]);
  });
});

describe("checkFlowStep and canCheckIn", () => {
  it("checks in booked and arrived appointments only", () => {
    expect(canCheckIn("booked").ok).toBe(true);
    expect(canCheckIn("arrived").ok).toBe(true);
    for (const status of ["cancelled", "noshow", "entered-in-error", "fulfilled", "checked-in"] as const) {
      expect(canCheckIn(status).ok).toBe(false);
    }
  });

  it("refuses any step on a cancelled, no-show, entered-in-error or fulfilled appointment, saying why", () => {
    const statuses: FlowAppointmentStatus[] = ["cancelled", "noshow", "entered-in-error", "fulfilled"];
    for (const status of statuses) {
      const check = checkFlowStep({ status, current: null, requested: "checked-in" });
      expect(check.ok).toBe(false);
      if (!check.ok) expect(check.error.code).toBe("conflict");
    }
    expect(() => assertFlowStep({ status: "cancelled", current: null, requested: "arrived" })).toThrow(
      "The appointment was cancelled; book a new one or reinstate it before check-in.",
    );
    expect(() => assertFlowStep({ status: "noshow", current: null, requested: "checked-in" })).toThrow(
      /no-show/,
    );
  });

  it("takes the appointment status as the floor when no flow step was recorded", () => {
    // Checked in through the scheduling API: rooming is next, checking in again is refused.
    expect(assertFlowStep({ status: "checked-in", current: null, requested: "roomed" })).toBe("checked-in");
    expect(checkFlowStep({ status: "checked-in", current: null, requested: "checked-in" }).ok).toBe(false);
    expect(assertFlowStep({ status: "arrived", current: null, requested: "checked-in" })).toBe("checked-in");
    expect(
      assertFlowStep({ status: "checked-in", current: "with-practitioner", requested: "checked-out" }),
    ).toBe("fulfilled");
  });
});

describe("flow board status and no-show due", () => {
  const MIN = 60_000;
  const T = Date.UTC(2026, 2, 2, 15, 0);
  const thresholds = {
    waitingRoom: { warnMinutes: 15, alertMinutes: 30 },
    examRoom: { warnMinutes: 10, alertMinutes: 20 },
    withPractitioner: { warnMinutes: 5, alertMinutes: 15 },
  };

  it("reads the furthest step recorded", () => {
    expect(currentFlowStep({})).toBeNull();
    expect(currentFlowStep({ arrivedAt: T, checkedInAt: T + MIN })).toBe("checked-in");
    expect(currentFlowStep({ checkedInAt: T, withPractitionerAt: T + MIN })).toBe("with-practitioner");
  });

  it("times the waiting room from arrival and colours it by the practice's thresholds", () => {
    const times = { arrivedAt: T, checkedInAt: T + 10 * MIN };
    expect(flowBoardStatus(times, 20, T + 14 * MIN, thresholds)).toMatchObject({
      place: "waiting-room",
      since: T,
      minutes: 14,
      level: "ok",
    });
    expect(flowBoardStatus(times, 20, T + 15 * MIN, thresholds).level).toBe("warn");
    expect(flowBoardStatus(times, 20, T + 30 * MIN, thresholds).level).toBe("alert");
    // Checked in without "arrived": the clock starts at check-in.
    expect(flowBoardStatus({ checkedInAt: T }, 20, T + 16 * MIN, thresholds)).toMatchObject({
      since: T,
      level: "warn",
    });
  });

  it("colours time with the practitioner against the booked length", () => {
    const times = { checkedInAt: T, roomedAt: T + 5 * MIN, withPractitionerAt: T + 10 * MIN };
    expect(flowBoardStatus(times, 60, T + 50 * MIN, thresholds)).toMatchObject({
      place: "with-practitioner",
      minutes: 40,
      level: "ok",
    });
    // Booked 20 min: amber from 25 min with the practitioner, red from 35.
    expect(flowBoardStatus(times, 20, T + 35 * MIN, thresholds).level).toBe("warn"); // 25 min
    expect(flowBoardStatus(times, 20, T + 45 * MIN, thresholds).level).toBe("alert"); // 35 min
    expect(
      flowBoardStatus({ ...times, checkedOutAt: T + 40 * MIN }, 20, T + 90 * MIN, thresholds),
    ).toMatchObject({ place: "left", level: "ok" });
    expect(flowBoardStatus({}, 20, T, thresholds)).toMatchObject({
      place: "not-arrived",
      since: null,
      minutes: 0,
    });
  });

  it("marks a booked visit a no-show only after the grace period, counting from an announced arrival", () => {
    const visit = { status: "booked" as const, start: T };
    expect(isNoShowDue(visit, T + 14 * MIN, 15)).toBe(false);
    expect(isNoShowDue(visit, T + 15 * MIN, 15)).toBe(true);
    expect(isNoShowDue({ ...visit, expectedArrival: T + 20 * MIN }, T + 30 * MIN, 15)).toBe(false);
    expect(isNoShowDue({ ...visit, expectedArrival: T + 20 * MIN }, T + 35 * MIN, 15)).toBe(true);
    expect(isNoShowDue({ ...visit, arrivedAt: T + 40 * MIN }, T + 60 * MIN, 15)).toBe(false);
    expect(isNoShowDue({ ...visit, status: "cancelled" }, T + 60 * MIN, 15)).toBe(false);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DomainError } from "../shared/domain-error.ts";
import {
  allowedNextSteps,
  appointmentStatusForStep,
  assertFlowStep,
  canCheckIn,
  checkFlowStep,
  FLOW_STEPS,
  type FlowAppointmentStatus,
  type FlowStep,
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

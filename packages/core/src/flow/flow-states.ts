/**
 * The steps of a visit on the day and which moves between them are allowed.
 *
 *   (none) ─► arrived ─► checked-in ─► roomed ─► with-practitioner ─► checked-out
 *      └──────────────────►┘      └───────────────────►┘
 *
 * `arrived` is optional (a patient may be checked in straight away at the desk) and `roomed` is optional
 * (visits without a room, e.g. a telephone call or a chair-side review, go from checked in straight to
 * the practitioner). Nothing else may be skipped and nothing goes backwards: a patient cannot be with the
 * practitioner before check-in (demographics and insurance confirmed), nor checked out before being seen.
 * A repeated step is refused too, so a double click cannot overwrite the first time recorded.
 */
import { DomainError } from "../shared/domain-error.ts";

/** The steps in their order. */
export const FLOW_STEPS = ["arrived", "checked-in", "roomed", "with-practitioner", "checked-out"] as const;
export type FlowStep = (typeof FLOW_STEPS)[number];

/** The appointment statuses the flow reads and writes (the FHIR statuses of the scheduling slice). */
export type FlowAppointmentStatus =
  | "proposed"
  | "pending"
  | "booked"
  | "arrived"
  | "checked-in"
  | "fulfilled"
  | "cancelled"
  | "noshow"
  | "entered-in-error"
  | "waitlist";

/** Steps that may follow each step (`null` = nothing recorded yet). */
const NEXT: Record<FlowStep | "none", readonly FlowStep[]> = {
  none: ["arrived", "checked-in"],
  arrived: ["checked-in"],
  "checked-in": ["roomed", "with-practitioner"],
  roomed: ["with-practitioner"],
  "with-practitioner": ["checked-out"],
  "checked-out": [],
};

const LABEL: Record<FlowStep, string> = {
  arrived: "arrived",
  "checked-in": "checked in",
  roomed: "roomed",
  "with-practitioner": "with the practitioner",
  "checked-out": "checked out",
};

/** True when `value` names a flow step (for parsing input). */
export function isFlowStep(value: unknown): value is FlowStep {
  return typeof value === "string" && (FLOW_STEPS as readonly string[]).includes(value);
}

/** Plain-language name of a step ("with the practitioner"). */
export function flowStepLabel(step: FlowStep): string {
  return LABEL[step];
}

/** The appointment status a step implies: arrived → arrived; checked-in … with-practitioner → checked-in; checked-out → fulfilled. */
export function appointmentStatusForStep(step: FlowStep): "arrived" | "checked-in" | "fulfilled" {
  if (step === "arrived") return "arrived";
  if (step === "checked-out") return "fulfilled";
  return "checked-in";
}

/** Steps allowed after `current` (null = nothing recorded yet). */
export function allowedNextSteps(current: FlowStep | null): readonly FlowStep[] {
  return NEXT[current ?? "none"];
}

/** The outcome of a requested step: the step and the appointment status to write, or the refusal. */
export type FlowStepCheck =
  | { ok: true; step: FlowStep; appointmentStatus: "arrived" | "checked-in" | "fulfilled" }
  | { ok: false; error: DomainError };

/** Whether `requested` may follow `current` (null = nothing recorded yet); a refusal is a `conflict`. */
export function nextFlowStep(current: FlowStep | null, requested: FlowStep): FlowStepCheck {
  if (!isFlowStep(requested)) {
    return {
      ok: false,
      error: new DomainError("invalid_request", `Unknown flow step "${String(requested)}".`),
    };
  }
  const allowed = allowedNextSteps(current);
  if (allowed.includes(requested)) {
    return { ok: true, step: requested, appointmentStatus: appointmentStatusForStep(requested) };
  }
  let message: string;
  if (current === requested) message = `The patient is already ${LABEL[requested]}.`;
  else if (current === "checked-out")
    message = `The visit is already checked out; no further steps can be recorded.`;
  else if (current !== null && FLOW_STEPS.indexOf(requested) < FLOW_STEPS.indexOf(current)) {
    message = `The patient is already ${LABEL[current]}; a visit cannot go back to "${LABEL[requested]}".`;
  } else {
    const expected = allowed.map((s) => `"${LABEL[s]}"`).join(" or ");
    const where = current === null ? "nothing has been recorded yet" : `the patient is ${LABEL[current]}`;
    message = `Cannot record "${LABEL[requested]}": ${where}, so the next step is ${expected}.`;
  }
  return { ok: false, error: new DomainError("conflict", message) };
}

const REFUSED_STATUS: Partial<Record<FlowAppointmentStatus, string>> = {
  cancelled: "The appointment was cancelled; book a new one or reinstate it before check-in.",
  noshow: "The appointment is marked as a no-show; undo the no-show (back to booked) before check-in.",
  "entered-in-error": "The appointment was entered in error and cannot be checked in.",
  fulfilled: "The visit is already finished (fulfilled).",
  proposed: "The appointment is only proposed; confirm the booking before check-in.",
  pending: "The appointment is still pending; confirm the booking before check-in.",
  waitlist: "The request is on the waitlist, not booked; book it before check-in.",
};

/**
 * Whether a flow step may be recorded on an appointment in `status` with `current` as its last step.
 * The first step (arrived or checked in) needs a booked or arrived appointment; later steps need an
 * appointment that is arrived or checked in. Refusals are `conflict` with a message the desk can act on.
 */
export function checkFlowStep(input: {
  status: FlowAppointmentStatus;
  current: FlowStep | null;
  requested: FlowStep;
}): FlowStepCheck {
  const { status, current, requested } = input;
  const refused = REFUSED_STATUS[status];
  if (refused) return { ok: false, error: new DomainError("conflict", refused) };
  // A status the desk changed by hand (e.g. checked in through the scheduling API without a flow step)
  // still lets the flow continue: the appointment status is the floor of what may come next.
  const floor: FlowStep | null =
    status === "arrived" ? "arrived" : status === "checked-in" ? "checked-in" : null;
  const effective =
    current === null || (floor !== null && FLOW_STEPS.indexOf(floor) > FLOW_STEPS.indexOf(current))
      ? floor
      : current;
  return nextFlowStep(effective, requested);
}

/** Like `checkFlowStep`, but throws the refusal; answers the appointment status to write. */
export function assertFlowStep(input: {
  status: FlowAppointmentStatus;
  current: FlowStep | null;
  requested: FlowStep;
}): "arrived" | "checked-in" | "fulfilled" {
  const check = checkFlowStep(input);
  if (!check.ok) throw check.error;
  return check.appointmentStatus;
}

/** Whether an appointment in `status` can be checked in (booked or arrived only), with the reason if not. */
export function canCheckIn(status: FlowAppointmentStatus): { ok: true } | { ok: false; reason: string } {
  if (status === "booked" || status === "arrived") return { ok: true };
  if (status === "checked-in") return { ok: false, reason: "The patient is already checked in." };
  return {
    ok: false,
    reason: REFUSED_STATUS[status] ?? `An appointment that is ${status} cannot be checked in.`,
  };
}

/** The flow times of a visit (epoch ms, or null when not recorded). */
export interface FlowTimes {
  arrivedAt?: number | null;
  checkedInAt?: number | null;
  roomedAt?: number | null;
  withPractitionerAt?: number | null;
  checkedOutAt?: number | null;
}

const TIME_OF: Record<FlowStep, keyof FlowTimes> = {
  arrived: "arrivedAt",
  "checked-in": "checkedInAt",
  roomed: "roomedAt",
  "with-practitioner": "withPractitionerAt",
  "checked-out": "checkedOutAt",
};

/** The last step recorded (the furthest along), or null when none. */
export function currentFlowStep(times: FlowTimes): FlowStep | null {
  for (let i = FLOW_STEPS.length - 1; i >= 0; i--) {
    const step = FLOW_STEPS[i]!;
    if (times[TIME_OF[step]] != null) return step;
  }
  return null;
}

/** Minutes after which the board colours a wait, per place (the practice's settings). */
export interface FlowBoardThresholds {
  /** Waiting room (arrived or checked in): amber from `warnMinutes`, red from `alertMinutes`. */
  waitingRoom: { warnMinutes: number; alertMinutes: number };
  /** In the exam room before the practitioner comes. */
  examRoom: { warnMinutes: number; alertMinutes: number };
  /** With the practitioner, measured against the booked length plus these minutes. */
  withPractitioner: { warnMinutes: number; alertMinutes: number };
}

export type FlowPlace = "not-arrived" | "waiting-room" | "exam-room" | "with-practitioner" | "left";

export interface FlowBoardStatus {
  step: FlowStep | null;
  place: FlowPlace;
  /** When the patient came to this place (epoch ms), null when not arrived. */
  since: number | null;
  /** Whole minutes in this place (0 when not arrived or gone). */
  minutes: number;
  level: "ok" | "warn" | "alert";
}

/**
 * Where a patient is and how long they have been there, with the colour the practice's thresholds give.
 * Time with the practitioner is coloured against the booked length (a 60-minute visit is not late at 30).
 */
export function flowBoardStatus(
  times: FlowTimes,
  bookedMinutes: number,
  now: number,
  thresholds: FlowBoardThresholds,
): FlowBoardStatus {
  const step = currentFlowStep(times);
  if (step === null) return { step, place: "not-arrived", since: null, minutes: 0, level: "ok" };
  if (step === "checked-out")
    return { step, place: "left", since: times.checkedOutAt ?? null, minutes: 0, level: "ok" };
  const place: FlowPlace =
    step === "roomed" ? "exam-room" : step === "with-practitioner" ? "with-practitioner" : "waiting-room";
  // The waiting room clock runs from arrival (or check-in when arrival was skipped), not from check-in:
  // the patient has been waiting since they walked in.
  const since = place === "waiting-room" ? (times.arrivedAt ?? times.checkedInAt)! : times[TIME_OF[step]]!;
  const minutes = Math.max(0, Math.floor((now - since) / 60_000));
  const limits =
    place === "waiting-room"
      ? thresholds.waitingRoom
      : place === "exam-room"
        ? thresholds.examRoom
        : {
            warnMinutes: bookedMinutes + thresholds.withPractitioner.warnMinutes,
            alertMinutes: bookedMinutes + thresholds.withPractitioner.alertMinutes,
          };
  const level = minutes >= limits.alertMinutes ? "alert" : minutes >= limits.warnMinutes ? "warn" : "ok";
  return { step, place, since, minutes, level };
}

/**
 * Whether a booked visit is due to be marked a no-show: nobody arrived and the grace period has passed
 * since the scheduled start, or since the arrival a late patient announced (they called ahead, so they
 * are not a no-show until that time plus grace).
 */
export function isNoShowDue(
  visit: FlowTimes & { status: FlowAppointmentStatus; start: number; expectedArrival?: number | null },
  now: number,
  graceMinutes: number,
): boolean {
  if (visit.status !== "booked" || currentFlowStep(visit) !== null) return false;
  const from = Math.max(visit.start, visit.expectedArrival ?? Number.NEGATIVE_INFINITY);
  return now >= from + graceMinutes * 60_000;
}

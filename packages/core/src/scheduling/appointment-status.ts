import { DomainError } from "../shared/domain-error.ts";

/**
 * The appointment's life as one declarative table: every status (FHIR R4 Appointment.status, the subset
 * Salus uses), every action that changes it, and from which statuses each action is allowed. The use
 * cases ask this table instead of carrying their own lists, so a new rule is one row here, and the
 * property test beside it proves no sequence of actions reaches a status the table does not allow.
 * Later state machines (claims, statements, applicants) follow the same shape: a status list, an action
 * table `{ from, to }`, `nextStatus` / `requireAction`, and a property test.
 */
export const APPOINTMENT_STATUSES = [
  "proposed",
  "pending",
  "booked",
  "arrived",
  "checked-in",
  "fulfilled",
  "cancelled",
  "noshow",
  "entered-in-error",
  // FHIR's status for a visit still to be scheduled. The column allows it, but Salus never sets it (its
  // waitlist is a table of its own), so no action leads to or from it.
  "waitlist",
] as const;

export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];

/** What a visit can be booked as (a booking, a FHIR create, a waitlist offer accepted, a series). */
export const BOOKABLE_STATUSES = [
  "proposed",
  "pending",
  "booked",
] as const satisfies readonly AppointmentStatus[];
export type BookableStatus = (typeof BOOKABLE_STATUSES)[number];

/**
 * Statuses in which an appointment holds its time on its practitioner, room and equipment; leaving them
 * releases the time (a fulfilled visit keeps it: the time was used).
 */
export const HOLDING_STATUSES = [
  "proposed",
  "pending",
  "booked",
  "arrived",
  "checked-in",
  "fulfilled",
] as const satisfies readonly AppointmentStatus[];

/** Statuses a visit can still be moved or cancelled from: it has not started. */
const NOT_STARTED = ["proposed", "pending", "booked"] as const satisfies readonly AppointmentStatus[];

interface Transition {
  /** The statuses the action is allowed from. */
  readonly from: readonly AppointmentStatus[];
  /** The status it leads to; `null` keeps the status (a reschedule moves the time only). */
  readonly to: AppointmentStatus | null;
  /** Reached by the generic status change (`PATCH .../status`, the flow board); false: its own use case. */
  readonly byStatusChange: boolean;
}

/**
 * Every allowed move. `entered-in-error` is the correction for any record made by mistake and is final;
 * `cancel` and `reschedule` apply only before the visit starts; a no-show is undone only by
 * `undo-no-show` (which checks the time is still free and reverses the fee), never by a plain change.
 */
export const APPOINTMENT_TRANSITIONS = {
  "mark-pending": { from: ["proposed"], to: "pending", byStatusChange: true },
  confirm: { from: ["proposed", "pending"], to: "booked", byStatusChange: true },
  arrive: { from: ["booked"], to: "arrived", byStatusChange: true },
  "check-in": { from: ["booked", "arrived"], to: "checked-in", byStatusChange: true },
  fulfil: { from: ["arrived", "checked-in"], to: "fulfilled", byStatusChange: true },
  "mark-no-show": { from: ["booked"], to: "noshow", byStatusChange: true },
  "enter-in-error": {
    from: ["proposed", "pending", "booked", "arrived", "checked-in", "fulfilled", "cancelled", "noshow"],
    to: "entered-in-error",
    byStatusChange: true,
  },
  cancel: { from: NOT_STARTED, to: "cancelled", byStatusChange: false },
  reschedule: { from: NOT_STARTED, to: null, byStatusChange: false },
  "undo-no-show": { from: ["noshow"], to: "booked", byStatusChange: false },
} as const satisfies Record<string, Transition>;

export type AppointmentAction = keyof typeof APPOINTMENT_TRANSITIONS;

export const APPOINTMENT_ACTIONS = Object.keys(APPOINTMENT_TRANSITIONS) as AppointmentAction[];

/** The status after `action`, or null when the table does not allow it from `from`. */
export function nextStatus(from: AppointmentStatus, action: AppointmentAction): AppointmentStatus | null {
  const t: Transition = APPOINTMENT_TRANSITIONS[action];
  if (!t.from.includes(from)) return null;
  return t.to ?? from;
}

/** Whether an appointment in `status` holds its time. */
export function holdsTime(status: AppointmentStatus): boolean {
  return (HOLDING_STATUSES as readonly AppointmentStatus[]).includes(status);
}

/** Whether `status` is one a visit can be booked as. */
export function isBookableStatus(status: string): status is BookableStatus {
  return (BOOKABLE_STATUSES as readonly string[]).includes(status);
}

/** The actions allowed from `status`. */
export function actionsFrom(status: AppointmentStatus): AppointmentAction[] {
  return APPOINTMENT_ACTIONS.filter((a) => nextStatus(status, a) !== null);
}

/** The statuses a generic status change may lead to (the FHIR update's and the flow board's choices). */
export const STATUS_CHANGE_TARGETS: readonly AppointmentStatus[] = [
  ...new Set(
    APPOINTMENT_ACTIONS.map((a) => APPOINTMENT_TRANSITIONS[a])
      .filter((t) => t.byStatusChange && t.to !== null)
      .map((t) => t.to as AppointmentStatus),
  ),
];

/**
 * Refuses `action` on an appointment in `from` (409 conflict, naming both), and answers the status it
 * leads to. Each use case calls this once before writing.
 */
export function requireAction(from: AppointmentStatus, action: AppointmentAction): AppointmentStatus {
  const to = nextStatus(from, action);
  if (to !== null) return to;
  const allowed = APPOINTMENT_TRANSITIONS[action].from.join(", ");
  const message =
    action === "cancel" || action === "reschedule"
      ? `This appointment is ${from}; only booked, pending or proposed appointments can be moved or cancelled.`
      : action === "undo-no-show"
        ? `This appointment is ${from}, not a no-show; nothing to undo.`
        : `An appointment that is ${from} cannot be changed by ${action} (allowed from: ${allowed}).`;
  throw new DomainError("conflict", message, [{ path: "status", message: `is ${from}` }]);
}

/**
 * The action a generic status change from `from` to `to` stands for, refusing (409 conflict) a move the
 * table does not allow by a plain status change. A move that only another use case makes (a no-show back
 * to booked) names that use case instead.
 */
export function requireStatusChange(from: AppointmentStatus, to: AppointmentStatus): AppointmentAction {
  const byChange = APPOINTMENT_ACTIONS.find((a) => {
    const t: Transition = APPOINTMENT_TRANSITIONS[a];
    return t.byStatusChange && t.to === to && t.from.includes(from);
  });
  if (byChange) return byChange;
  if (from === "noshow" && to === "booked") {
    throw new DomainError(
      "conflict",
      "A no-show is reinstated with undo no-show (POST /api/appointments/:id/undo-no-show), which checks its time is still free and reverses the fee.",
    );
  }
  throw new DomainError("conflict", `An appointment that is ${from} cannot become ${to}.`, [
    { path: "status", message: `not allowed from ${from}` },
  ]);
}

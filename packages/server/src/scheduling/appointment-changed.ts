import { defineEvent } from "../platform/event-bus.ts";
import type { AppointmentView } from "./appointment-view.ts";

/** What happened to an appointment, for the reactions that follow every change. */
export type AppointmentChange = "booked" | "rescheduled" | "cancelled" | "status";

/** An appointment was booked, moved, cancelled or changed status: `before` is null for a booking. */
export interface AppointmentChanged {
  before: AppointmentView | null;
  after: AppointmentView;
  change: AppointmentChange;
}

/**
 * Published inside the transaction of every appointment change (by appointment-events.ts, after
 * scheduling's own reactions: the waitlist and reminders). Other domains subscribe (the flow board:
 * flow/flow-events.ts; later billing's no-show fee), so that scheduling imports none of them.
 */
export const appointmentChanged = defineEvent<AppointmentChanged>("appointment.changed");

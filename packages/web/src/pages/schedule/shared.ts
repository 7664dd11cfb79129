import type {
  LocationView as Location,
  RoomView as Room,
  StaffView as StaffMember,
} from "@salus/server/directory/schemas";
import type {
  AppointmentStatus,
  AppointmentTypeView as AppointmentType,
} from "@salus/server/scheduling/schemas";
import { type QueryClient, useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";

/** What every schedule component needs to name things and show times. */
export interface ScheduleRefs {
  location: Location;
  timeZone: string;
  types: AppointmentType[];
  typeName: (id: string) => string;
  typeColor: (id: string) => string;
  practitioners: StaffMember[];
  practitionerName: (id: string | null | undefined) => string;
  rooms: Room[];
  roomName: (id: string | null | undefined) => string;
}

export const STATUS_LABEL: Record<AppointmentStatus, string> = {
  proposed: "Proposed",
  pending: "Pending",
  booked: "Booked",
  arrived: "Arrived",
  "checked-in": "Checked in",
  fulfilled: "Fulfilled",
  cancelled: "Cancelled",
  noshow: "No-show",
  "entered-in-error": "Entered in error",
  waitlist: "Waitlist",
};

/** Mantine colour per status (blocks use its light shades, badges the colour itself). */
export const STATUS_COLOR: Record<AppointmentStatus, string> = {
  proposed: "gray",
  pending: "gray",
  booked: "blue",
  arrived: "yellow",
  "checked-in": "orange",
  fulfilled: "green",
  cancelled: "gray",
  noshow: "red",
  "entered-in-error": "gray",
  waitlist: "grape",
};

/** Statuses that no longer hold time on the calendar. */
export const INACTIVE: ReadonlySet<AppointmentStatus> = new Set(["cancelled", "entered-in-error", "noshow"]);

/** Appointments that can still be moved or cancelled. */
export function isMovable(status: AppointmentStatus): boolean {
  return status === "booked" || status === "pending" || status === "proposed";
}

export function practitionerLabel(p: { givenName: string; familyName: string }): string {
  return `${p.givenName} ${p.familyName}`;
}

export const SCHEDULE_KEYS = ["appointments", "slots", "waitlist", "appointment"] as const;

export function invalidateSchedule(queryClient: QueryClient): Promise<void> {
  return queryClient
    .invalidateQueries({ predicate: (q) => (SCHEDULE_KEYS as readonly unknown[]).includes(q.queryKey[0]) })
    .then(() => undefined);
}

/** Refreshes everything the schedule page shows (after a booking, move, cancel or a 409). */
export function useRefreshSchedule(): () => Promise<void> {
  const queryClient = useQueryClient();
  return useCallback(() => invalidateSchedule(queryClient), [queryClient]);
}

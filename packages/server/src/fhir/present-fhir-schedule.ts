import type { Location, Reference, Schedule } from "@medplum/fhirtypes";
import { ROOM_SYSTEM } from "./fhir-scheduling-ids.ts";
import type { ScheduleEntry } from "./load-fhir-schedules.ts";

export function toSchedule(s: ScheduleEntry): Schedule {
  const location: Reference<Location> = { reference: `Location/${s.locationId}`, display: s.locationName };
  const actor: NonNullable<Schedule["actor"]> =
    s.kind === "practitioner"
      ? [{ reference: `Practitioner/${s.resourceId}`, display: s.resourceName }, location]
      : [
          location,
          {
            type: "Location",
            identifier: { system: ROOM_SYSTEM, value: s.resourceId },
            display: s.resourceName,
          },
        ];
  return {
    resourceType: "Schedule",
    id: s.id,
    active: s.resourceActive && s.locationActive,
    actor,
    comment: `${s.kind === "practitioner" ? "Practitioner" : "Room"} ${s.resourceName} at ${s.locationName}`,
  };
}

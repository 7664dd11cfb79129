import type { Slot } from "@medplum/fhirtypes";
import type { AppointmentTypeView } from "../scheduling/appointment-type-view.ts";
import type { SlotView } from "../scheduling/search-slots.ts";
import { slotId } from "./fhir-scheduling-ids.ts";
import { typeConcept } from "./present-fhir-appointment.ts";

export function toSlot(schedule: string, slot: SlotView, type: AppointmentTypeView): Slot {
  const start = Date.parse(slot.start);
  return {
    resourceType: "Slot",
    id: slotId(schedule, start, type.id),
    schedule: { reference: `Schedule/${schedule}` },
    status: "free",
    start: slot.start,
    end: slot.end,
    serviceType: [typeConcept(type.id, type.name)],
    appointmentType: typeConcept(type.id, type.name),
  };
}

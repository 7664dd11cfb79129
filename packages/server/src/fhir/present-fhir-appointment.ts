import type { Appointment, CodeableConcept } from "@medplum/fhirtypes";
import type { AppointmentView } from "../scheduling/appointment-view.ts";
import { APPOINTMENT_TYPE_SYSTEM, ROOM_SYSTEM } from "./fhir-scheduling-ids.ts";

export function typeConcept(typeId: string, name?: string): CodeableConcept {
  return {
    coding: [{ system: APPOINTMENT_TYPE_SYSTEM, code: typeId, ...(name ? { display: name } : {}) }],
    ...(name ? { text: name } : {}),
  };
}

export function toAppointment(a: AppointmentView, typeName?: string): Appointment {
  const participant: NonNullable<Appointment["participant"]> = [
    {
      actor: { reference: `Patient/${a.patientId}`, display: a.patientName },
      required: "required",
      status: "accepted",
    },
    { actor: { reference: `Practitioner/${a.practitionerId}` }, required: "required", status: "accepted" },
    { actor: { reference: `Location/${a.locationId}` }, required: "required", status: "accepted" },
    ...(a.roomId
      ? [
          {
            actor: { type: "Location" as const, identifier: { system: ROOM_SYSTEM, value: a.roomId } },
            required: "required" as const,
            status: "accepted" as const,
          },
        ]
      : []),
  ];
  return {
    resourceType: "Appointment",
    id: a.id,
    meta: { versionId: String(a.version) },
    status: a.status,
    ...(a.status === "cancelled" && a.cancelReason ? { cancelationReason: { text: a.cancelReason } } : {}),
    serviceType: [typeConcept(a.appointmentTypeId, typeName)],
    appointmentType: typeConcept(a.appointmentTypeId, typeName),
    start: a.start,
    end: a.end,
    minutesDuration: Math.round((Date.parse(a.end) - Date.parse(a.start)) / 60_000),
    ...(a.note ? { comment: a.note } : {}),
    participant,
  };
}

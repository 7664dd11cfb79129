import { cliActor } from "../admin/organizations.ts";
import { createResource } from "../directory/locations.ts";
import { createPatient } from "../directory/patients.ts";
import { addLicense, createStaff } from "../directory/staff.ts";
import type { Actor, Services } from "../platform/services.ts";
import type { AppointmentView } from "../scheduling/appointment-view.ts";
import { bookAppointment } from "../scheduling/book-appointment.ts";
import { createAppointmentType } from "../scheduling/create-appointment-type.ts";
import { createTemplate } from "../scheduling/create-template.ts";
import type { Seed } from "./harness.ts";

/**
 * The flow tests' day (not a test itself): in the harness's organization `alpha` (location in
 * America/Chicago), two practitioners open Monday to Friday 08:00-17:00, two exam rooms and a 20-minute
 * visit type that needs one. `bookDay` books Dr One back to back from 08:00 on Monday 2026-03-02, with the clock set
 * to 06:00 local while booking; the caller then moves the clock into the day.
 */
export const DAY = "2026-03-02";
/** 08:00 CST on DAY, as an instant. */
export const EIGHT = Date.parse("2026-03-02T14:00:00Z");
export const MIN = 60_000;

export interface FlowPractice {
  actor: Actor;
  locationId: string;
  docOne: string;
  docTwo: string;
  typeId: string;
  patients: string[];
  bookDay(count: number, practitionerId?: string, startAt?: number): Promise<AppointmentView[]>;
}

export async function createFlowPractice(
  services: Services & { clock: { set(d: Date | string): void } },
  seed: Seed,
): Promise<FlowPractice> {
  const org = seed.alpha;
  const actor = cliActor(org.id);
  const docTwo = await createStaff(services, actor, {
    kind: "practitioner",
    givenName: "Omar",
    familyName: "Second",
  });
  await addLicense(services, actor, docTwo.id, { state: "TX", number: "TX-second", expiresOn: "2030-12-31" });
  for (const doc of [org.practitionerId, docTwo.id])
    for (let weekday = 1; weekday <= 5; weekday++)
      await createTemplate(services, actor, {
        resourceKind: "practitioner",
        resourceId: doc,
        locationId: org.locationId,
        weekday,
        start: "08:00",
        end: "17:00",
        effectiveFrom: "2026-01-01",
        effectiveTo: null,
      });
  // Two exam rooms; the visit type needs one, so a visit moved to the other practitioner must find a room.
  await createResource(services, actor, "rooms", { locationId: org.locationId, name: "Exam 2" });
  const type = await createAppointmentType(services, actor, {
    name: "Diabetes check",
    durationMinutes: 20,
    roomRequired: true,
    stepMinutes: 10,
  });
  const patients: string[] = [];
  for (let i = 0; i < 8; i++) {
    const p = await createPatient(services, actor, {
      givenName: ["Ada", "Bea", "Cyd", "Dov", "Eli", "Fay", "Gus", "Hal"][i]!,
      familyName: ["Moss", "Quill", "Rook", "Stone", "Thorn", "Vale", "Wren", "Yew"][i]!,
      dateOfBirth: `19${50 + i}-0${1 + (i % 9)}-1${i}`,
      confirmedNotDuplicate: true,
      sex: "unknown",
      ...(i % 2 === 0 ? { email: `flow${i}@example.test` } : { phone: `+1 512 555 01${10 + i}` }),
    });
    patients.push(p.id);
  }
  return {
    actor,
    locationId: org.locationId,
    docOne: org.practitionerId,
    docTwo: docTwo.id,
    typeId: type.id,
    patients,
    async bookDay(count, practitionerId = org.practitionerId, startAt = EIGHT) {
      services.clock.set(new Date(EIGHT - 2 * 3_600_000));
      const out: AppointmentView[] = [];
      for (let i = 0; i < count; i++)
        out.push(
          await bookAppointment(services, actor, {
            patientId: patients[i % patients.length]!,
            appointmentTypeId: type.id,
            locationId: org.locationId,
            practitionerId,
            when: { start: new Date(startAt + i * 20 * MIN).toISOString() },
          }),
        );
      return out;
    },
  };
}

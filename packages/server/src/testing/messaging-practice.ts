import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliActor, createOrganization } from "../admin/organizations.ts";
import { createLocation } from "../directory/locations.ts";
import { createPatient } from "../directory/patients.ts";
import { addLicense, createStaff } from "../directory/staff.ts";
import type { OutboundMessage } from "../messaging/gateways.ts";
import type { Actor, Services } from "../platform/services.ts";
import { bookAppointment } from "../scheduling/book-appointment.ts";
import { createAppointmentType } from "../scheduling/create-appointment-type.ts";
import { createTemplate } from "../scheduling/create-template.ts";

/**
 * A small practice for the reminder and outbox integration tests (not a test itself): one location in
 * America/Chicago open Monday to Friday 08:00-18:00, one practitioner, one visit type without a room, and
 * patients with an email address, a phone only, or neither. The harness clock starts on Monday
 * 2026-03-02 15:00Z (09:00 CST).
 */
export interface TestPractice {
  organizationId: string;
  actor: Actor;
  locationId: string;
  practitionerId: string;
  typeId: string;
  patients: { email: string; phoneOnly: string; none: string };
  book(patientId: string, start: string): ReturnType<typeof bookAppointment>;
}

export async function createTestPractice(
  services: Services,
  slug = "remind",
  emailGivenName = "Robin",
): Promise<TestPractice> {
  const org = await createOrganization(services, { slug, name: "Reminder Family Practice" });
  const actor = cliActor(org.id);
  const location = await createLocation(services, actor, {
    name: "Riverside Clinic",
    timeZone: "America/Chicago",
  });
  const doc = await createStaff(services, actor, {
    kind: "practitioner",
    givenName: "Nora",
    familyName: "Quinn",
  });
  await addLicense(services, actor, doc.id, { state: "TX", number: `TX-${slug}`, expiresOn: "2030-12-31" });
  for (let weekday = 1; weekday <= 5; weekday++) {
    await createTemplate(services, actor, {
      resourceKind: "practitioner",
      resourceId: doc.id,
      locationId: location.id,
      weekday,
      start: "08:00",
      end: "18:00",
      effectiveFrom: "2026-01-01",
      effectiveTo: null,
    });
  }
  const type = await createAppointmentType(services, actor, {
    name: "Diabetes follow-up",
    durationMinutes: 30,
    roomRequired: false,
  });
  const patient = async (givenName: string, contact: { email?: string; phone?: string }) =>
    (
      await createPatient(services, actor, {
        givenName,
        familyName: "Reminded",
        dateOfBirth: "1961-07-04",
        sex: "unknown",
        ...contact,
      })
    ).id;
  const patients = {
    email: await patient(emailGivenName, { email: "robin@example.test", phone: "+1 512 555 0100" }),
    phoneOnly: await patient("Jamie", { phone: "+1 512 555 0199" }),
    none: await patient("Casey", {}),
  };
  return {
    organizationId: org.id,
    actor,
    locationId: location.id,
    practitionerId: doc.id,
    typeId: type.id,
    patients,
    book: (patientId, start) =>
      bookAppointment(services, actor, {
        patientId,
        appointmentTypeId: type.id,
        locationId: location.id,
        practitionerId: doc.id,
        when: { start },
      }),
  };
}

/** A temporary file for the file gateway, and a reader of the messages it received. */
export function tempOutboxFile(): { path: string; read(): OutboundMessage[]; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "salus-outbox-"));
  const path = join(dir, "outbox.jsonl");
  return {
    path,
    read() {
      let text = "";
      try {
        text = readFileSync(path, "utf8");
      } catch {
        return [];
      }
      return text
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as OutboundMessage);
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

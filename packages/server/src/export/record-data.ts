import type { Trx } from "../db/transaction.ts";
import { type PatientView, presentPatient } from "../directory/patients.ts";
import type { Actor, Services } from "../platform/services.ts";
import { type AmendmentView, amendmentsOfPatientIn } from "../privacy/amendments.ts";
import { type AppointmentView, loadAppointment } from "../scheduling/appointments.ts";

/**
 * Everything Salus holds about one patient, read in the caller's transaction after access was checked:
 * the single source of the record export (FHIR Bundle and PDF) and of FHIR `Patient/$everything`, so the
 * two can never disagree about what "the whole record" is.
 */
export interface RecordData {
  patient: PatientView;
  organizationId: string;
  appointments: (AppointmentView & { typeName: string | null })[];
  amendments: AmendmentView[];
  practitioners: Map<string, string>;
  locations: Map<string, string>;
}

export async function collectRecord(
  trx: Trx,
  _services: Services,
  actor: Actor,
  patientId: string,
  today: string,
): Promise<RecordData> {
  const org = actor.organizationId;
  const patientRow = await trx
    .selectFrom("patients")
    .selectAll()
    .where("organization_id", "=", org)
    .where("id", "=", patientId)
    .executeTakeFirstOrThrow();
  const apptRows = await trx
    .selectFrom("appointments")
    .leftJoin("appointment_types", (j) =>
      j
        .onRef("appointment_types.organization_id", "=", "appointments.organization_id")
        .onRef("appointment_types.id", "=", "appointments.appointment_type_id"),
    )
    .select(["appointments.id", "appointment_types.name"])
    .where("appointments.organization_id", "=", org)
    .where("appointments.patient_id", "=", patientId)
    .orderBy("appointments.start_at")
    .orderBy("appointments.id")
    .execute();
  const appointments = [];
  for (const a of apptRows) {
    appointments.push({ ...(await loadAppointment(trx, actor, a.id)), typeName: a.name ?? null });
  }
  const staff = await trx
    .selectFrom("staff_members")
    .select(["id", "given_name", "family_name"])
    .where("organization_id", "=", org)
    .execute();
  const locations = await trx
    .selectFrom("locations")
    .select(["id", "name"])
    .where("organization_id", "=", org)
    .execute();
  return {
    patient: presentPatient(patientRow),
    organizationId: org,
    appointments,
    amendments: await amendmentsOfPatientIn(trx, actor, patientId, today, false),
    practitioners: new Map(staff.map((s) => [s.id, `${s.given_name} ${s.family_name}`])),
    locations: new Map(locations.map((l) => [l.id, l.name])),
  };
}

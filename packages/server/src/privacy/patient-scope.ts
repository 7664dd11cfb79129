import type { RecordSection } from "@salus/core";
import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import { type PatientAccess, requirePatientAccess } from "../records/patient-access.ts";

/**
 * The privacy and export use cases reach a patient only through here, which is the records slice's
 * choke point (records/patient-access.ts): the same access rules, the same `not_found` for a patient the
 * actor may not see, and the same `detail.access` / break-glass marking on the audit entry.
 */
export function requirePatient(
  trx: Trx,
  services: Services,
  actor: Actor,
  patientId: string,
  section: RecordSection,
): Promise<PatientAccess> {
  return requirePatientAccess(trx, services, actor, patientId, section);
}

import type { Services } from "../platform/services.ts";
import { loadVisitFacts, type VisitFacts } from "./reminders.ts";

/**
 * The appointment a reminder link names, with what its page shows. Looked up by the appointment's id
 * alone: the link's signature (checked by the caller, appointment-response-routes.ts) proves the id is
 * one Salus issued, and appointment ids are UUIDs, unique across practices, so the row names the
 * organization (a system read: none is known before). Null when it no longer exists.
 */
export async function findLinkedAppointment(services: Services, appointmentId: string) {
  const rows = await services.systemDb
    .selectFrom("appointments")
    .select(["organization_id", "id", "patient_id", "status", "version", "start_at"])
    .where("id", "=", appointmentId)
    .limit(2)
    .execute();
  const row = rows.length === 1 ? rows[0] : undefined;
  if (!row) return null;
  const facts: VisitFacts | null = await loadVisitFacts(services.systemDb, row.organization_id, row.id);
  return facts ? { row, facts } : null;
}

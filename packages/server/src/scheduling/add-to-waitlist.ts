import { randomUUID } from "node:crypto";
import { DomainError, isPlainDate, notFound } from "@salus/core";
import { parseWallTime } from "@salus/core/scheduling/zoned-time";
import { audited } from "../audit/audited.ts";
import type { WaitlistEntriesTable } from "../db/schema.ts";
import type { Actor, Services } from "../platform/services.ts";
import { loadAppointment } from "./appointment-view.ts";
import { loadSlotContext } from "./slot-context.ts";
import { matchNewEntry } from "./waitlist-offers.ts";
import { loadEntries, type WaitlistEntryView } from "./waitlist-view.ts";

export interface WaitlistInput {
  patientId: string;
  appointmentTypeId: string;
  locationId: string;
  practitionerId?: string | null | undefined;
  currentAppointmentId?: string | null | undefined;
  earliestDate: string;
  latestDate: string;
  weekdays?: number[] | undefined;
  timeFrom?: string | null | undefined;
  timeTo?: string | null | undefined;
  priority?: number | undefined;
  note?: string | null | undefined;
}

function checkWindow(input: Partial<WaitlistInput>): void {
  const bad = (path: string, message: string) =>
    new DomainError("invalid_request", `${path} ${message}.`, [{ path, message }]);
  if (input.earliestDate !== undefined && !isPlainDate(input.earliestDate))
    throw bad("earliestDate", "must be a date YYYY-MM-DD");
  if (input.latestDate !== undefined && !isPlainDate(input.latestDate))
    throw bad("latestDate", "must be a date YYYY-MM-DD");
  if (input.earliestDate && input.latestDate && input.latestDate < input.earliestDate)
    throw bad("latestDate", "must not be before earliestDate");
  if (input.weekdays?.some((d) => !Number.isInteger(d) || d < 1 || d > 7))
    throw bad("weekdays", "must be ISO weekdays 1 (Monday) to 7 (Sunday)");
  const from = input.timeFrom ? parseWallTime(input.timeFrom) : null;
  const to = input.timeTo ? parseWallTime(input.timeTo, true) : null;
  if (input.timeFrom && from === null) throw bad("timeFrom", "must be a time HH:mm");
  if (input.timeTo && to === null) throw bad("timeTo", "must be a time HH:mm");
  if (from !== null && to !== null && to <= from) throw bad("timeTo", "must be after timeFrom");
}

export async function addToWaitlist(
  services: Services,
  actor: Actor,
  input: WaitlistInput,
): Promise<WaitlistEntryView> {
  checkWindow(input);
  const id = randomUUID();
  const at = services.clock().toISOString();
  return audited(
    services,
    actor,
    { action: "waitlist.add", resourceType: "WaitlistEntry", resourceId: id, patientId: input.patientId },
    async (trx) => {
      const patient = await trx
        .selectFrom("patients")
        .select("id")
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", input.patientId)
        .executeTakeFirst();
      if (!patient) throw notFound("patient");
      // The type and location must exist here (loading the context checks both and the practitioner).
      await loadSlotContext(trx, actor, {
        appointmentTypeId: input.appointmentTypeId,
        locationId: input.locationId,
        practitionerId: input.practitionerId ?? undefined,
        range: { start: 0, end: 1 },
        now: services.clock().getTime(),
      });
      if (input.currentAppointmentId) {
        const current = await loadAppointment(trx, actor, input.currentAppointmentId);
        if (current.patientId !== input.patientId) {
          throw new DomainError("invalid_request", "The current appointment belongs to another patient.", [
            { path: "currentAppointmentId", message: "is not this patient's" },
          ]);
        }
      }
      const row: WaitlistEntriesTable = {
        organization_id: actor.organizationId,
        id,
        patient_id: input.patientId,
        appointment_type_id: input.appointmentTypeId,
        location_id: input.locationId,
        practitioner_id: input.practitionerId ?? null,
        current_appointment_id: input.currentAppointmentId ?? null,
        earliest_date: input.earliestDate,
        latest_date: input.latestDate,
        weekdays: JSON.stringify([...new Set(input.weekdays ?? [])].sort()),
        time_from: input.timeFrom ?? null,
        time_to: input.timeTo ?? null,
        priority: input.priority ?? 0,
        status: "waiting",
        note: input.note ?? null,
        booked_appointment_id: null,
        created_at: at,
        updated_at: at,
      };
      await trx.insertInto("waitlist_entries").values(row).execute();
      // Time that is already free is offered at once (and held), not only time freed later.
      await matchNewEntry(trx, services, actor, row);
      return (await loadEntries(trx, actor, { id }))[0]!;
    },
  );
}

import type { WaitlistEntriesTable, WaitlistOffersTable } from "../db/schema.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor } from "../platform/services.ts";
import type { WaitlistEntryView, WaitlistOfferView } from "./schemas.ts";

export type { WaitlistEntryView, WaitlistOfferView } from "./schemas.ts";

export function presentOffer(o: WaitlistOffersTable): WaitlistOfferView {
  return {
    id: o.id,
    start: o.start_at,
    end: o.end_at,
    practitionerId: o.practitioner_id,
    roomId: o.room_id,
    rank: o.rank,
    status: o.status,
    expiresAt: o.expires_at,
  };
}

export async function loadEntries(
  trx: Trx,
  actor: Actor,
  filter: { id?: string; status?: string[] },
): Promise<WaitlistEntryView[]> {
  let q = trx
    .selectFrom("waitlist_entries")
    .innerJoin("patients", (j) =>
      j
        .onRef("patients.organization_id", "=", "waitlist_entries.organization_id")
        .onRef("patients.id", "=", "waitlist_entries.patient_id"),
    )
    .selectAll("waitlist_entries")
    .select(["patients.given_name", "patients.family_name"])
    .where("waitlist_entries.organization_id", "=", actor.organizationId);
  if (filter.id) q = q.where("waitlist_entries.id", "=", filter.id);
  if (filter.status?.length)
    q = q.where("waitlist_entries.status", "in", filter.status as WaitlistEntriesTable["status"][]);
  const rows = await q
    .orderBy("waitlist_entries.priority", "desc")
    .orderBy("waitlist_entries.created_at")
    .orderBy("waitlist_entries.id")
    .limit(500)
    .execute();
  const offers = rows.length
    ? await trx
        .selectFrom("waitlist_offers")
        .selectAll()
        .where("organization_id", "=", actor.organizationId)
        .where(
          "entry_id",
          "in",
          rows.map((r) => r.id),
        )
        .orderBy("created_at", "desc")
        .execute()
    : [];
  return rows.map((r) => ({
    id: r.id,
    patientId: r.patient_id,
    patientName: `${r.family_name}, ${r.given_name}`,
    appointmentTypeId: r.appointment_type_id,
    locationId: r.location_id,
    practitionerId: r.practitioner_id,
    currentAppointmentId: r.current_appointment_id,
    earliestDate: r.earliest_date,
    latestDate: r.latest_date,
    weekdays: JSON.parse(r.weekdays) as number[],
    timeFrom: r.time_from,
    timeTo: r.time_to,
    priority: r.priority,
    status: r.status,
    note: r.note,
    bookedAppointmentId: r.booked_appointment_id,
    createdAt: r.created_at,
    offers: offers.filter((o) => o.entry_id === r.id).map(presentOffer),
  }));
}

export const iso = (v: string | Date) => new Date(v).toISOString();

export type EntryRow = WaitlistEntriesTable;

import type { Services } from "../platform/services.ts";

/**
 * The waitlist offer a patient's link names, with what its page shows (the patient's first name, the
 * time, the place and the practitioner). Looked up by the offer's id alone: the link's signature (checked
 * by the caller, waitlist-offer-routes.ts) proves the id is one Salus issued, and offer ids are UUIDs,
 * unique across practices, so the row names the organization (a system read: none is known before).
 */
export interface Offer {
  organizationId: string;
  id: string;
  patientId: string;
  givenName: string;
  status: string;
  start: string;
  expiresAt: string;
  place: string;
  placePhone: string | null;
  zone: string;
  practitioner: string;
}

export async function findLinkedOffer(services: Services, offerId: string): Promise<Offer | null> {
  // The signature is ours, so the id is one we issued; offer ids are UUIDs, unique across practices.
  const rows = await services.systemDb
    .selectFrom("waitlist_offers as o")
    .innerJoin("waitlist_entries as e", (j) =>
      j.onRef("e.organization_id", "=", "o.organization_id").onRef("e.id", "=", "o.entry_id"),
    )
    .innerJoin("patients as p", (j) =>
      j.onRef("p.organization_id", "=", "e.organization_id").onRef("p.id", "=", "e.patient_id"),
    )
    .innerJoin("locations as l", (j) =>
      j.onRef("l.organization_id", "=", "e.organization_id").onRef("l.id", "=", "e.location_id"),
    )
    .innerJoin("staff_members as s", (j) =>
      j.onRef("s.organization_id", "=", "o.organization_id").onRef("s.id", "=", "o.practitioner_id"),
    )
    .select([
      "o.organization_id",
      "o.id",
      "o.status",
      "o.start_at",
      "o.expires_at",
      "e.patient_id",
      "p.given_name",
      "l.name as place",
      "l.phone as place_phone",
      "l.time_zone",
      "s.given_name as s_given",
      "s.family_name as s_family",
    ])
    .where("o.id", "=", offerId)
    .limit(2)
    .execute();
  const r = rows.length === 1 ? rows[0] : undefined;
  if (!r) return null;
  return {
    organizationId: r.organization_id,
    id: r.id,
    patientId: r.patient_id,
    givenName: r.given_name,
    status: r.status,
    start: new Date(r.start_at).toISOString(),
    expiresAt: new Date(r.expires_at).toISOString(),
    place: r.place,
    placePhone: r.place_phone,
    zone: r.time_zone,
    practitioner: `${r.s_given} ${r.s_family}`,
  };
}

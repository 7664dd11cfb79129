import { randomUUID } from "node:crypto";
import { fitSms } from "@salus/core/messaging/sms";
import { findSlots } from "@salus/core/scheduling/slots";
import { instantToLocal, localBoundary, parseWallTime } from "@salus/core/scheduling/zoned-time";
import { appendAudit } from "../audit/append-audit.ts";
import { auditInput } from "../audit/audited.ts";
import type { WaitlistOffersTable } from "../db/schema.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import { offerLink, offerLinkPath } from "./offer-links.ts";
import { formatSmsTime, formatVisitTime } from "./reminders.ts";
import { loadSchedulingSettings } from "./scheduling-settings.ts";
import { shortLink } from "./short-links.ts";
import { loadSlotContext } from "./slot-context.ts";
import { type EntryRow, iso, presentOffer, type WaitlistOfferView } from "./waitlist-view.ts";

/**
 * The waitlist: patients who want a visit sooner than the calendar offers, with their preferences
 * (practitioner, weekdays, times, date window), or who hold a later appointment and want an earlier one.
 * When time frees up (a cancellation, a reschedule, a no-show), the matching entries are ranked (priority,
 * then who asked first) and the best one is offered the first fitting slot. The offer holds that time
 * (`waitlist-holds.ts`: nobody else can book it) until the patient accepts, declines or the offer expires
 * after the practice's offer lifetime; on a decline or an expiry the same freed time goes to the next
 * entry in line who has not been offered it yet (the expiry by the job `salus serve` runs, and by any
 * reader of the waitlist). A new entry is matched at once against time that is already free. The patient
 * answers from the link in the message (`http/routes/waitlist-offer-routes.ts`) or through the front desk.
 */

export interface FreedTime {
  locationId: string;
  practitionerId: string;
  start: string;
  end: string;
  excludeAppointmentId?: string;
}

/**
 * How many waiting patients one freed slot is offered to at once: one, because the offer holds the time
 * for that patient (offering the same time to three people and holding it for all is a race the message
 * cannot explain); the next in line gets it on a decline or an expiry.
 */
const OFFERS_PER_FREED_SLOT = 1;

/** An entry whose offers are all closed waits again (it keeps its place: its created_at is unchanged). */
export async function backToWaiting(trx: Trx, actor: Actor, entryId: string, now: Date): Promise<void> {
  const stillOpen = await trx
    .selectFrom("waitlist_offers")
    .select("id")
    .where("organization_id", "=", actor.organizationId)
    .where("entry_id", "=", entryId)
    .where("status", "=", "open")
    .executeTakeFirst();
  if (stillOpen) return;
  await trx
    .updateTable("waitlist_entries")
    .set({ status: "waiting", updated_at: now.toISOString() })
    .where("organization_id", "=", actor.organizationId)
    .where("id", "=", entryId)
    .where("status", "=", "offered")
    .execute();
}

/** The freed time a closed offer held goes to the next entry in line (not to anyone offered it before). */
export async function passOn(
  trx: Trx,
  services: Services,
  actor: Actor,
  offer: Pick<
    WaitlistOffersTable,
    "practitioner_id" | "start_at" | "end_at" | "freed_start_at" | "freed_end_at"
  >,
  locationId: string,
): Promise<WaitlistOfferView[]> {
  return offerTime(trx, services, actor, {
    locationId,
    practitionerId: offer.practitioner_id,
    start: iso(offer.freed_start_at ?? offer.start_at),
    end: iso(offer.freed_end_at ?? offer.end_at),
  });
}

export async function offerTime(
  trx: Trx,
  services: Services,
  actor: Actor,
  freed: FreedTime,
): Promise<WaitlistOfferView[]> {
  const now = services.clock();
  const start = Math.max(Date.parse(freed.start), now.getTime());
  const end = Date.parse(freed.end);
  if (end <= start) return [];
  const loc = await trx
    .selectFrom("locations")
    .select("time_zone")
    .where("organization_id", "=", actor.organizationId)
    .where("id", "=", freed.locationId)
    .executeTakeFirst();
  if (!loc) return [];
  const local = instantToLocal(start, loc.time_zone);
  const candidates = await trx
    .selectFrom("waitlist_entries as e")
    .selectAll("e")
    .where("e.organization_id", "=", actor.organizationId)
    .where("e.location_id", "=", freed.locationId)
    .where("e.status", "=", "waiting")
    .where("e.earliest_date", "<=", local.date)
    .where("e.latest_date", ">=", local.date)
    .where((eb) =>
      eb.or([eb("e.practitioner_id", "is", null), eb("e.practitioner_id", "=", freed.practitionerId)]),
    )
    // Someone who was offered this time already (and declined, let it expire, or lost it) is not asked again.
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("waitlist_offers as p")
            .select("p.id")
            .whereRef("p.organization_id", "=", "e.organization_id")
            .whereRef("p.entry_id", "=", "e.id")
            .where("p.practitioner_id", "=", freed.practitionerId)
            .where("p.start_at", "<", new Date(end).toISOString())
            .where("p.end_at", ">", new Date(start).toISOString()),
        ),
      ),
    )
    .orderBy("e.priority", "desc")
    .orderBy("e.created_at")
    .orderBy("e.id")
    .limit(50)
    .execute();
  const offers: WaitlistOfferView[] = [];
  for (const entry of candidates) {
    if (offers.length >= OFFERS_PER_FREED_SLOT) break;
    const slot = await findOfferSlot(trx, actor, entry, {
      practitionerId: freed.practitionerId,
      range: { start, end },
      zone: loc.time_zone,
      now: now.getTime(),
    });
    if (!slot) continue;
    offers.push(await makeOffer(trx, services, actor, entry, slot, freed, offers.length + 1));
  }
  return offers;
}

/** The earliest start in `range` that suits the entry (type, preferences, earlier than its current visit). */
async function findOfferSlot(
  trx: Trx,
  actor: Actor,
  entry: EntryRow,
  q: {
    practitionerId?: string | undefined;
    range: { start: number; end: number };
    zone: string;
    now: number;
  },
): Promise<{ start: number; end: number; practitionerId: string; roomId: string | null } | null> {
  const ctx = await loadSlotContext(trx, actor, {
    appointmentTypeId: entry.appointment_type_id,
    locationId: entry.location_id,
    practitionerId: q.practitionerId,
    range: q.range,
    now: q.now,
    // Time held for someone else is not free; this patient's own holds are.
    holds: { exceptPatientId: entry.patient_id },
  }).catch(() => null);
  if (!ctx) return null;
  const weekdays = JSON.parse(entry.weekdays) as number[];
  const from = entry.time_from ? parseWallTime(entry.time_from) : null;
  const to = entry.time_to ? parseWallTime(entry.time_to, true) : null;
  let currentStart = Number.POSITIVE_INFINITY;
  if (entry.current_appointment_id) {
    const current = await trx
      .selectFrom("appointments")
      .select(["start_at", "status"])
      .where("organization_id", "=", actor.organizationId)
      .where("id", "=", entry.current_appointment_id)
      .executeTakeFirst();
    if (current && ["booked", "pending"].includes(current.status))
      currentStart = Date.parse(iso(current.start_at));
  }
  const slot = findSlots({ ...ctx.request, limit: 500 }).find((s) => {
    const l = instantToLocal(s.start, q.zone);
    if (l.date < entry.earliest_date || l.date > entry.latest_date) return false;
    if (weekdays.length && !weekdays.includes(l.weekday)) return false;
    if (from !== null && l.minuteOfDay < from) return false;
    if (to !== null && l.minuteOfDay + ctx.type.durationMinutes > to) return false;
    // An "earlier appointment" request only wants times before the one the patient holds.
    return s.start < currentStart;
  });
  return slot
    ? { start: slot.start, end: slot.end, practitionerId: slot.practitionerId, roomId: slot.roomId }
    : null;
}

/** Writes an offer (the hold), marks the entry offered, tells the patient and audits, in the caller's transaction. */
async function makeOffer(
  trx: Trx,
  services: Services,
  actor: Actor,
  entry: EntryRow,
  slot: { start: number; end: number; practitionerId: string; roomId: string | null },
  freed: { start: string; end: string },
  rank: number,
): Promise<WaitlistOfferView> {
  const now = services.clock();
  const settings = await loadSchedulingSettings(trx, actor.organizationId);
  const offer: WaitlistOffersTable = {
    organization_id: actor.organizationId,
    id: randomUUID(),
    entry_id: entry.id,
    practitioner_id: slot.practitionerId,
    room_id: slot.roomId,
    start_at: new Date(slot.start).toISOString(),
    end_at: new Date(slot.end).toISOString(),
    rank,
    status: "open",
    expires_at: new Date(now.getTime() + settings.offerTtlMinutes * 60_000).toISOString(),
    created_at: now.toISOString(),
    responded_at: null,
    freed_start_at: iso(freed.start),
    freed_end_at: iso(freed.end),
  };
  await trx.insertInto("waitlist_offers").values(offer).execute();
  await trx
    .updateTable("waitlist_entries")
    .set({ status: "offered", updated_at: now.toISOString() })
    .where("organization_id", "=", actor.organizationId)
    .where("id", "=", entry.id)
    .execute();
  await notifyOffer(trx, services, actor, entry.patient_id, offer, entry.location_id, now);
  await appendAudit(
    trx,
    services.audit,
    auditInput(
      services,
      actor,
      {
        action: "waitlist.offer",
        resourceType: "WaitlistOffer",
        resourceId: offer.id,
        patientId: entry.patient_id,
        detail: { entryId: entry.id, start: offer.start_at, rank: offer.rank, expiresAt: offer.expires_at },
      },
      "success",
    ),
  );
  return presentOffer(offer);
}

/**
 * A new entry is matched at once against time that is already free (issue 10, item 5): the earliest slot
 * in its window (at most 62 days ahead) that suits it and nobody holds is offered and held.
 */
export async function matchNewEntry(
  trx: Trx,
  services: Services,
  actor: Actor,
  entry: EntryRow,
): Promise<void> {
  const loc = await trx
    .selectFrom("locations")
    .select("time_zone")
    .where("organization_id", "=", actor.organizationId)
    .where("id", "=", entry.location_id)
    .executeTakeFirst();
  if (!loc) return;
  const now = services.clock().getTime();
  const start = Math.max(now, localBoundary(entry.earliest_date, "00:00", loc.time_zone));
  const end = Math.min(localBoundary(entry.latest_date, "24:00", loc.time_zone), start + 62 * 86_400_000);
  if (end <= start) return;
  const slot = await findOfferSlot(trx, actor, entry, {
    practitionerId: entry.practitioner_id ?? undefined,
    range: { start, end },
    zone: loc.time_zone,
    now,
  });
  if (!slot) return;
  await makeOffer(
    trx,
    services,
    actor,
    entry,
    slot,
    { start: new Date(slot.start).toISOString(), end: new Date(slot.end).toISOString() },
    1,
  );
}

/**
 * Tells the patient about an offer through the outbox (same transaction as the offer): the time, until
 * when it is held, and the link to accept or decline it (a page with both buttons). Email carries the
 * full signed link; SMS a short link and one GSM-7 segment (no visit type, which can reveal a diagnosis;
 * the practitioner and the rest are on the page). Without an email or phone on file the front desk calls.
 */
async function notifyOffer(
  trx: Trx,
  services: Services,
  actor: Actor,
  patientId: string,
  offer: WaitlistOffersTable,
  locationId: string,
  now: Date,
): Promise<void> {
  const patient = await trx
    .selectFrom("patients")
    .select(["given_name", "email", "phone"])
    .where("organization_id", "=", actor.organizationId)
    .where("id", "=", patientId)
    .executeTakeFirst();
  const place = await trx
    .selectFrom("locations")
    .select(["name", "phone", "time_zone"])
    .where("organization_id", "=", actor.organizationId)
    .where("id", "=", locationId)
    .executeTakeFirst();
  const who = await trx
    .selectFrom("staff_members")
    .select(["given_name", "family_name"])
    .where("organization_id", "=", actor.organizationId)
    .where("id", "=", offer.practitioner_id)
    .executeTakeFirst();
  if (!patient || !place || (!patient.email && !patient.phone)) return;
  const channel = patient.email ? "email" : "sms";
  let subject: string | null = null;
  let body: string;
  if (channel === "email") {
    const when = formatVisitTime(offer.start_at, place.time_zone);
    const until = formatVisitTime(offer.expires_at, place.time_zone);
    const call = place.phone ? ` or call us at ${place.phone}` : "";
    subject = `An earlier appointment is available at ${place.name}`;
    body = `Hello ${patient.given_name},\n\nAn earlier appointment is available at ${place.name}: ${when}${who ? ` with ${who.given_name} ${who.family_name}` : ""}. We are holding it for you until ${until}.\n\nTo accept or decline it, open: ${offerLink(services, offer.id, offer.expires_at)}\n\nYou can also answer by phone${call}. If you decline or do not answer in time, the time goes to the next patient on the waitlist and you stay on the waitlist.\n\n${place.name}`;
  } else {
    const url = await shortLink(trx, services, {
      organization_id: actor.organizationId,
      kind: "offer",
      subject_id: offer.id,
      target: offerLinkPath(services, offer.id, offer.expires_at),
      channel: "sms",
      expires_at: offer.expires_at,
    });
    body = offerSmsText(
      { place: place.name, name: patient.given_name },
      formatSmsTime(offer.start_at, place.time_zone),
      formatSmsTime(offer.expires_at, place.time_zone, now.toISOString()),
      url,
    );
  }
  await trx
    .insertInto("outbox_messages")
    .values({
      organization_id: actor.organizationId,
      id: randomUUID(),
      dedupe_key: `waitlist-offer:${offer.id}:${channel}`,
      channel,
      recipient: channel === "email" ? patient.email! : patient.phone!,
      subject,
      body,
      appointment_id: null,
      available_at: now.toISOString(),
      attempts: 0,
      lease_until: null,
      last_error: null,
      sent_at: null,
      cancelled_at: null,
      created_at: now.toISOString(),
    })
    .onConflict((oc) => oc.columns(["organization_id", "dedupe_key"]).doNothing())
    .execute();
}

/** The offer SMS: one GSM-7 segment (the place, then the name, are shortened when they would not fit). */
export function offerSmsText(
  fields: { place: string; name: string },
  when: string,
  until: string,
  url: string,
): string {
  return fitSms(
    (f) =>
      `${f.place}: ${f.name ? `${f.name}, a` : "A"}n earlier visit is free ${when}. Held until ${until}. Accept/decline: ${url}`,
    fields,
    ["place", "name"],
  );
}

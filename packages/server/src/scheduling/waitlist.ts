import { randomUUID } from "node:crypto";
import { DomainError, isPlainDate, notFound } from "@salus/core";
import { fitSms } from "@salus/core/messaging/sms";
import { findSlots } from "@salus/core/scheduling/slots";
import { instantToLocal, localBoundary, parseWallTime } from "@salus/core/scheduling/zoned-time";
import { appendAudit } from "../audit/append-audit.ts";
import { audited, auditInput } from "../audit/audited.ts";
import type { WaitlistEntriesTable, WaitlistOffersTable } from "../db/schema.ts";
import { inTransaction, type Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import { visiblePatients } from "../records/patient-access.ts";
import {
  type AppointmentView,
  bookAppointmentIn,
  cancelAppointmentIn,
  loadAppointment,
} from "./appointments.ts";
import { offerLink, offerLinkPath } from "./offer-links.ts";
import { formatSmsTime, formatVisitTime } from "./reminders.ts";
import { loadSchedulingSettings } from "./settings.ts";
import { shortLink } from "./short-links.ts";
import { loadSlotContext } from "./slot-context.ts";

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
export interface WaitlistOfferView {
  id: string;
  start: string;
  end: string;
  practitionerId: string;
  roomId: string | null;
  rank: number;
  status: WaitlistOffersTable["status"];
  expiresAt: string;
}

export interface WaitlistEntryView {
  id: string;
  patientId: string;
  patientName: string;
  appointmentTypeId: string;
  locationId: string;
  practitionerId: string | null;
  currentAppointmentId: string | null;
  earliestDate: string;
  latestDate: string;
  weekdays: number[];
  timeFrom: string | null;
  timeTo: string | null;
  priority: number;
  status: WaitlistEntriesTable["status"];
  note: string | null;
  bookedAppointmentId: string | null;
  createdAt: string;
  offers: WaitlistOfferView[];
}

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

/**
 * How many waiting patients one freed slot is offered to at once: one, because the offer holds the time
 * for that patient (offering the same time to three people and holding it for all is a race the message
 * cannot explain); the next in line gets it on a decline or an expiry.
 */
const OFFERS_PER_FREED_SLOT = 1;

function presentOffer(o: WaitlistOffersTable): WaitlistOfferView {
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

async function loadEntries(
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

const iso = (v: string | Date) => new Date(v).toISOString();

/**
 * Expires the open offers past their expiry, puts their entries back to waiting, audits each, and passes
 * each offer's freed time to the next entry in line. Idempotent: only offers still open change, inside the
 * caller's transaction, so two runs (the job and a reader) never expire or pass on one offer twice.
 */
export async function passOnExpiredOffers(trx: Trx, services: Services, actor: Actor): Promise<number> {
  const now = services.clock();
  const expired = await trx
    .selectFrom("waitlist_offers as o")
    .innerJoin("waitlist_entries as e", (j) =>
      j.onRef("e.organization_id", "=", "o.organization_id").onRef("e.id", "=", "o.entry_id"),
    )
    .selectAll("o")
    .select(["e.patient_id", "e.location_id"])
    .where("o.organization_id", "=", actor.organizationId)
    .where("o.status", "=", "open")
    .where("o.expires_at", "<=", now.toISOString())
    .orderBy("o.expires_at")
    .orderBy("o.id")
    .execute();
  if (!expired.length) return 0;
  await trx
    .updateTable("waitlist_offers")
    .set({ status: "expired" })
    .where("organization_id", "=", actor.organizationId)
    .where(
      "id",
      "in",
      expired.map((o) => o.id),
    )
    .where("status", "=", "open")
    .execute();
  for (const entryId of new Set(expired.map((o) => o.entry_id)))
    await backToWaiting(trx, actor, entryId, now);
  for (const o of expired) {
    await appendAudit(
      trx,
      services.audit,
      auditInput(
        services,
        actor,
        {
          action: "waitlist.expire",
          resourceType: "WaitlistOffer",
          resourceId: o.id,
          patientId: o.patient_id,
          detail: { entryId: o.entry_id, start: iso(o.start_at), expiresAt: iso(o.expires_at) },
        },
        "success",
      ),
    );
  }
  for (const o of expired) await passOn(trx, services, actor, o, o.location_id);
  return expired.length;
}

/** An entry whose offers are all closed waits again (it keeps its place: its created_at is unchanged). */
async function backToWaiting(trx: Trx, actor: Actor, entryId: string, now: Date): Promise<void> {
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
async function passOn(
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

/** The job started by `salus serve`: expired offers of every practice are passed on, every minute. */
export async function passOnExpiredOffersEverywhere(services: Services): Promise<number> {
  const now = services.clock().toISOString();
  const due = await services.db.kysely
    .selectFrom("waitlist_offers")
    .select("organization_id")
    .distinct()
    .where("status", "=", "open")
    .where("expires_at", "<=", now)
    .execute();
  let total = 0;
  for (const { organization_id: org } of due) {
    const actor = waitlistJobActor(org);
    total += await inTransaction(services.db, (trx) => passOnExpiredOffers(trx, services, actor), {
      serializeOn: org,
    });
  }
  return total;
}

function waitlistJobActor(organizationId: string): Actor {
  return {
    organizationId,
    userId: null,
    label: "job:waitlist-offers",
    roles: [],
    permissions: [],
    via: "cli",
    ip: null,
    requestId: null,
  };
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

export async function listWaitlist(
  services: Services,
  actor: Actor,
  status?: string[],
): Promise<WaitlistEntryView[]> {
  return audited(
    services,
    actor,
    {
      action: "waitlist.search",
      resourceType: "WaitlistEntry",
      detail: { status: status ?? null },
      fromResult: (items: WaitlistEntryView[]) => ({
        detail: { patientIds: [...new Set(items.map((e) => e.patientId))] },
      }),
    },
    async (trx) => {
      // Lazily, as the job does: an expired offer's time goes to the next in line before anyone looks.
      await passOnExpiredOffers(trx, services, actor);
      const entries = await loadEntries(trx, actor, { status: status ?? ["waiting", "offered"] });
      // Only patients the actor may see (a clinician: their own, care team, break-glass).
      const visible = visiblePatients(services, actor, "schedule");
      if (!visible || entries.length === 0) return entries;
      const ok = await trx
        .selectFrom("patients")
        .select("id")
        .where("organization_id", "=", actor.organizationId)
        .where(visible("patients.id"))
        .execute();
      const ids = new Set(ok.map((r) => r.id));
      return entries.filter((e) => ids.has(e.patientId));
    },
  );
}

export async function removeFromWaitlist(services: Services, actor: Actor, id: string): Promise<void> {
  await audited(
    services,
    actor,
    { action: "waitlist.remove", resourceType: "WaitlistEntry", resourceId: id },
    async (trx) => {
      const entry = (await loadEntries(trx, actor, { id }))[0];
      if (!entry) throw notFound("waitlist entry");
      await trx
        .updateTable("waitlist_entries")
        .set({ status: "cancelled", updated_at: services.clock().toISOString() })
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", id)
        .execute();
      const open = await trx
        .selectFrom("waitlist_offers")
        .selectAll()
        .where("organization_id", "=", actor.organizationId)
        .where("entry_id", "=", id)
        .where("status", "=", "open")
        .execute();
      await trx
        .updateTable("waitlist_offers")
        .set({ status: "declined", responded_at: services.clock().toISOString() })
        .where("organization_id", "=", actor.organizationId)
        .where("entry_id", "=", id)
        .where("status", "=", "open")
        .execute();
      // The time those offers held goes to the next in line.
      for (const o of open) await passOn(trx, services, actor, o, entry.locationId);
    },
  );
}

export interface FreedTime {
  locationId: string;
  practitionerId: string;
  start: string;
  end: string;
  excludeAppointmentId?: string;
}

/**
 * Offers freed time to the best-matching waiting patient (inside the transaction that freed it). Ranking:
 * higher priority first, then whoever joined the waitlist first; a patient already offered this time
 * (declined, expired, taken) is skipped. The offered patient gets the earliest fitting start in the freed
 * time for their appointment type and preferences, held for them (see `waitlist-holds.ts`).
 */
export async function offerFreedTime(
  trx: Trx,
  services: Services,
  actor: Actor,
  freed: FreedTime,
): Promise<WaitlistOfferView[]> {
  await passOnExpiredOffers(trx, services, actor);
  return offerTime(trx, services, actor, freed);
}

type EntryRow = WaitlistEntriesTable;

async function offerTime(
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
async function matchNewEntry(trx: Trx, services: Services, actor: Actor, entry: EntryRow): Promise<void> {
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

/** How the patient's answer reached Salus: the front desk (default) or the link in the offer message. */
export interface OfferAnswerVia {
  via: "staff" | "sms-link" | "email-link" | "link";
  link?: string | null | undefined;
}

/**
 * Accepts an offer (staff on the patient's behalf, or the patient through the link): books the offered
 * time, which the offer held for this patient; an expired or closed offer answers 409. An "earlier
 * appointment" entry's old appointment is cancelled in the same transaction, which frees that time for the
 * next patient in line. The acceptance is recorded on the appointment (who, when, through which link).
 */
export async function acceptOffer(
  services: Services,
  actor: Actor,
  offerId: string,
  answer: OfferAnswerVia = { via: "staff" },
): Promise<AppointmentView> {
  return audited(
    services,
    actor,
    {
      action: "waitlist.accept",
      resourceType: "WaitlistOffer",
      resourceId: offerId,
      detail: { via: answer.via },
      fromResult: (a: AppointmentView) => ({ patientId: a.patientId, detail: { appointmentId: a.id } }),
    },
    async (trx) => {
      const now = services.clock().toISOString();
      const offer = await trx
        .selectFrom("waitlist_offers")
        .selectAll()
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", offerId)
        .executeTakeFirst();
      if (!offer) throw notFound("waitlist offer");
      if (offer.status === "expired" || (offer.status === "open" && iso(offer.expires_at) <= now))
        throw new DomainError("conflict", "This offer has expired.");
      if (offer.status === "accepted") throw new DomainError("conflict", "This offer was already accepted.");
      if (offer.status !== "open")
        throw new DomainError("conflict", "This slot was already taken or the offer was withdrawn.");
      const entry = await trx
        .selectFrom("waitlist_entries")
        .selectAll()
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", offer.entry_id)
        .executeTakeFirstOrThrow();
      let appointment: AppointmentView;
      try {
        appointment = await bookAppointmentIn(trx, services, actor, {
          patientId: entry.patient_id,
          appointmentTypeId: entry.appointment_type_id,
          locationId: entry.location_id,
          practitionerId: offer.practitioner_id,
          roomId: offer.room_id ?? undefined,
          when: { start: iso(offer.start_at) },
          note: entry.note,
        });
      } catch (error) {
        if (error instanceof DomainError && error.code === "conflict") {
          throw new DomainError(
            "conflict",
            "Someone else accepted this slot first; the patient stays on the waitlist.",
          );
        }
        throw error;
      }
      await trx
        .updateTable("waitlist_offers")
        .set({ status: "accepted", responded_at: now })
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", offerId)
        .execute();
      // Other open offers that overlap the booked time can no longer be honoured.
      await trx
        .updateTable("waitlist_offers")
        .set({ status: "taken", responded_at: now })
        .where("organization_id", "=", actor.organizationId)
        .where("status", "=", "open")
        .where("practitioner_id", "=", offer.practitioner_id)
        .where("start_at", "<", appointment.end)
        .where("end_at", ">", appointment.start)
        .execute();
      await trx
        .updateTable("waitlist_offers")
        .set({ status: "declined", responded_at: now })
        .where("organization_id", "=", actor.organizationId)
        .where("entry_id", "=", entry.id)
        .where("status", "=", "open")
        .execute();
      await trx
        .updateTable("waitlist_entries")
        .set({ status: "booked", booked_appointment_id: appointment.id, updated_at: now })
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", entry.id)
        .execute();
      // Entries whose offers were all taken go back to waiting.
      const stale = await trx
        .selectFrom("waitlist_entries")
        .select("id")
        .where("organization_id", "=", actor.organizationId)
        .where("status", "=", "offered")
        .execute();
      for (const s of stale) await backToWaiting(trx, actor, s.id, new Date(now));
      await trx
        .insertInto("appointment_responses")
        .values({
          organization_id: actor.organizationId,
          id: randomUUID(),
          appointment_id: appointment.id,
          kind: "offer-accepted",
          responder: answer.via === "staff" ? actor.label : "patient",
          via: answer.via,
          link: answer.link ?? null,
          version: appointment.version,
          at: now,
        })
        .execute();
      if (entry.current_appointment_id) {
        const current = await loadAppointment(trx, actor, entry.current_appointment_id);
        if (["booked", "pending", "proposed"].includes(current.status)) {
          await cancelAppointmentIn(trx, services, actor, current.id, {
            reason: "Moved to an earlier time from the waitlist",
            cancelledBy: "patient",
          });
        }
      }
      return appointment;
    },
  );
}

/** Declines an offer: the patient stays on the waitlist, and the held time goes to the next in line. */
export async function declineOffer(
  services: Services,
  actor: Actor,
  offerId: string,
  answer: OfferAnswerVia = { via: "staff" },
): Promise<void> {
  await audited(
    services,
    actor,
    {
      action: "waitlist.decline",
      resourceType: "WaitlistOffer",
      resourceId: offerId,
      detail: { via: answer.via },
    },
    async (trx) => {
      const offer = await trx
        .selectFrom("waitlist_offers as o")
        .innerJoin("waitlist_entries as e", (j) =>
          j.onRef("e.organization_id", "=", "o.organization_id").onRef("e.id", "=", "o.entry_id"),
        )
        .selectAll("o")
        .select(["e.location_id"])
        .where("o.organization_id", "=", actor.organizationId)
        .where("o.id", "=", offerId)
        .executeTakeFirst();
      if (!offer) throw notFound("waitlist offer");
      const now = services.clock();
      if (
        offer.status === "expired" ||
        (offer.status === "open" && iso(offer.expires_at) <= now.toISOString())
      )
        throw new DomainError("conflict", "This offer has expired.");
      if (offer.status !== "open") throw new DomainError("conflict", "This offer is no longer open.");
      await trx
        .updateTable("waitlist_offers")
        .set({ status: "declined", responded_at: now.toISOString() })
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", offerId)
        .execute();
      await backToWaiting(trx, actor, offer.entry_id, now);
      await passOn(trx, services, actor, offer, offer.location_id);
    },
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

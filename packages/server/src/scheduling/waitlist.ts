import { randomUUID } from "node:crypto";
import { DomainError, isPlainDate, notFound } from "@salus/core";
import { findSlots } from "@salus/core/scheduling/slots";
import { instantToLocal, parseWallTime } from "@salus/core/scheduling/zoned-time";
import { appendAudit } from "../audit/append-audit.ts";
import { audited, auditInput } from "../audit/audited.ts";
import type { WaitlistEntriesTable, WaitlistOffersTable } from "../db/schema.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import { visiblePatients } from "../records/patient-access.ts";
import {
  type AppointmentView,
  bookAppointmentIn,
  cancelAppointmentIn,
  loadAppointment,
} from "./appointments.ts";
import { formatVisitTime } from "./reminders.ts";
import { loadSchedulingSettings } from "./settings.ts";
import { loadSlotContext } from "./slot-context.ts";

/**
 * The waitlist: patients who want a visit sooner than the calendar offers, with their preferences
 * (practitioner, weekdays, times, date window), or who hold a later appointment and want an earlier one.
 * When time frees up (a cancellation, a reschedule, a no-show), the matching entries are ranked (priority,
 * then who asked first), the best few are offered the first fitting slot, and the first offer accepted
 * books it; the others learn it is taken. Offers expire after the practice's offer lifetime.
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

/** How many waiting patients one freed slot is offered to at once. */
const OFFERS_PER_FREED_SLOT = 3;

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

/** Marks open offers past their expiry as expired, and their entries waiting again. */
async function expireOffers(trx: Trx, actor: Actor, now: string): Promise<void> {
  const expired = await trx
    .selectFrom("waitlist_offers")
    .select(["id", "entry_id"])
    .where("organization_id", "=", actor.organizationId)
    .where("status", "=", "open")
    .where("expires_at", "<=", now)
    .execute();
  if (!expired.length) return;
  await trx
    .updateTable("waitlist_offers")
    .set({ status: "expired" })
    .where("organization_id", "=", actor.organizationId)
    .where(
      "id",
      "in",
      expired.map((o) => o.id),
    )
    .execute();
  for (const entryId of new Set(expired.map((o) => o.entry_id))) {
    const stillOpen = await trx
      .selectFrom("waitlist_offers")
      .select("id")
      .where("organization_id", "=", actor.organizationId)
      .where("entry_id", "=", entryId)
      .where("status", "=", "open")
      .executeTakeFirst();
    if (!stillOpen) {
      await trx
        .updateTable("waitlist_entries")
        .set({ status: "waiting", updated_at: now })
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", entryId)
        .where("status", "=", "offered")
        .execute();
    }
  }
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
      await trx
        .insertInto("waitlist_entries")
        .values({
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
        })
        .execute();
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
      await expireOffers(trx, actor, services.clock().toISOString());
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
      await trx
        .updateTable("waitlist_offers")
        .set({ status: "declined" })
        .where("organization_id", "=", actor.organizationId)
        .where("entry_id", "=", id)
        .where("status", "=", "open")
        .execute();
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
 * Offers freed time to the best-matching waiting patients (inside the transaction that freed it). Ranking:
 * higher priority first, then whoever joined the waitlist first. Each offered patient gets the earliest
 * fitting start in the freed time for their appointment type and preferences.
 */
export async function offerFreedTime(
  trx: Trx,
  services: Services,
  actor: Actor,
  freed: FreedTime,
): Promise<WaitlistOfferView[]> {
  const now = services.clock();
  const start = Math.max(Date.parse(freed.start), now.getTime());
  const end = Date.parse(freed.end);
  if (end <= start) return [];
  await expireOffers(trx, actor, now.toISOString());
  const loc = await trx
    .selectFrom("locations")
    .select("time_zone")
    .where("organization_id", "=", actor.organizationId)
    .where("id", "=", freed.locationId)
    .executeTakeFirst();
  if (!loc) return [];
  const local = instantToLocal(start, loc.time_zone);
  const candidates = await trx
    .selectFrom("waitlist_entries")
    .selectAll()
    .where("organization_id", "=", actor.organizationId)
    .where("location_id", "=", freed.locationId)
    .where("status", "=", "waiting")
    .where("earliest_date", "<=", local.date)
    .where("latest_date", ">=", local.date)
    .where((eb) =>
      eb.or([eb("practitioner_id", "is", null), eb("practitioner_id", "=", freed.practitionerId)]),
    )
    .orderBy("priority", "desc")
    .orderBy("created_at")
    .orderBy("id")
    .limit(50)
    .execute();
  const settings = await loadSchedulingSettings(trx, actor.organizationId);
  const offers: WaitlistOfferView[] = [];
  for (const entry of candidates) {
    if (offers.length >= OFFERS_PER_FREED_SLOT) break;
    const ctx = await loadSlotContext(trx, actor, {
      appointmentTypeId: entry.appointment_type_id,
      locationId: freed.locationId,
      practitionerId: freed.practitionerId,
      range: { start, end },
      now: now.getTime(),
    }).catch(() => null);
    if (!ctx) continue;
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
        currentStart = Date.parse(current.start_at);
    }
    const slot = findSlots({ ...ctx.request, limit: 50 }).find((s) => {
      const l = instantToLocal(s.start, loc.time_zone);
      if (l.date < entry.earliest_date || l.date > entry.latest_date) return false;
      if (weekdays.length && !weekdays.includes(l.weekday)) return false;
      if (from !== null && l.minuteOfDay < from) return false;
      if (to !== null && l.minuteOfDay + ctx.type.durationMinutes > to) return false;
      // An "earlier appointment" request only wants times before the one the patient holds.
      return s.start < currentStart;
    });
    if (!slot) continue;
    const offer: WaitlistOffersTable = {
      organization_id: actor.organizationId,
      id: randomUUID(),
      entry_id: entry.id,
      practitioner_id: slot.practitionerId,
      room_id: slot.roomId,
      start_at: new Date(slot.start).toISOString(),
      end_at: new Date(slot.end).toISOString(),
      rank: offers.length + 1,
      status: "open",
      expires_at: new Date(now.getTime() + settings.offerTtlMinutes * 60_000).toISOString(),
      created_at: now.toISOString(),
      responded_at: null,
    };
    await trx.insertInto("waitlist_offers").values(offer).execute();
    await trx
      .updateTable("waitlist_entries")
      .set({ status: "offered", updated_at: now.toISOString() })
      .where("organization_id", "=", actor.organizationId)
      .where("id", "=", entry.id)
      .execute();
    await notifyOffer(trx, actor, entry.patient_id, offer, freed.locationId, now);
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
          detail: { entryId: entry.id, start: offer.start_at, rank: offer.rank },
        },
        "success",
      ),
    );
    offers.push(presentOffer(offer));
  }
  return offers;
}

/**
 * Accepts an offer (staff on the patient's behalf): books the offered time; the first acceptance wins and
 * a later one answers 409. An "earlier appointment" entry's old appointment is cancelled in the same
 * transaction, which frees that time for the next patient in line.
 */
export async function acceptOffer(
  services: Services,
  actor: Actor,
  offerId: string,
): Promise<AppointmentView> {
  return audited(
    services,
    actor,
    {
      action: "waitlist.accept",
      resourceType: "WaitlistOffer",
      resourceId: offerId,
      fromResult: (a: AppointmentView) => ({ patientId: a.patientId, detail: { appointmentId: a.id } }),
    },
    async (trx) => {
      const now = services.clock().toISOString();
      await expireOffers(trx, actor, now);
      const offer = await trx
        .selectFrom("waitlist_offers")
        .selectAll()
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", offerId)
        .executeTakeFirst();
      if (!offer) throw notFound("waitlist offer");
      if (offer.status === "expired") throw new DomainError("conflict", "This offer has expired.");
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
          when: { start: offer.start_at },
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
      for (const s of stale) {
        const open = await trx
          .selectFrom("waitlist_offers")
          .select("id")
          .where("organization_id", "=", actor.organizationId)
          .where("entry_id", "=", s.id)
          .where("status", "=", "open")
          .executeTakeFirst();
        if (!open)
          await trx
            .updateTable("waitlist_entries")
            .set({ status: "waiting", updated_at: now })
            .where("organization_id", "=", actor.organizationId)
            .where("id", "=", s.id)
            .execute();
      }
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

export async function declineOffer(services: Services, actor: Actor, offerId: string): Promise<void> {
  await audited(
    services,
    actor,
    { action: "waitlist.decline", resourceType: "WaitlistOffer", resourceId: offerId },
    async (trx) => {
      const offer = await trx
        .selectFrom("waitlist_offers")
        .selectAll()
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", offerId)
        .executeTakeFirst();
      if (!offer) throw notFound("waitlist offer");
      if (offer.status !== "open") throw new DomainError("conflict", "This offer is no longer open.");
      const now = services.clock().toISOString();
      await trx
        .updateTable("waitlist_offers")
        .set({ status: "declined", responded_at: now })
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", offerId)
        .execute();
      await trx
        .updateTable("waitlist_entries")
        .set({ status: "waiting", updated_at: now })
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", offer.entry_id)
        .where("status", "=", "offered")
        .execute();
    },
  );
}

/**
 * Tells the patient about an offer through the outbox (same transaction as the offer): the time, where,
 * until when it is held, and to call the practice to take it. An SMS names no visit type (it can reveal
 * a diagnosis); without an email or phone on file the front desk calls from the waitlist panel.
 */
async function notifyOffer(
  trx: Trx,
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
  const when = formatVisitTime(offer.start_at, place.time_zone);
  const until = formatVisitTime(offer.expires_at, place.time_zone);
  const call = place.phone ? `call us at ${place.phone}` : "call us";
  const body =
    channel === "email"
      ? `Hello ${patient.given_name},\n\nAn earlier appointment is available at ${place.name}: ${when}${who ? ` with ${who.given_name} ${who.family_name}` : ""}. We are holding it for you until ${until}; ${call} to take it. If someone else on the waitlist takes it first, you stay on the waitlist.\n\n${place.name}`
      : `${place.name}: ${patient.given_name}, an earlier time is open: ${when}. Held until ${until}; ${call} to take it.`;
  await trx
    .insertInto("outbox_messages")
    .values({
      organization_id: actor.organizationId,
      id: randomUUID(),
      dedupe_key: `waitlist-offer:${offer.id}:${channel}`,
      channel,
      recipient: channel === "email" ? patient.email! : patient.phone!,
      subject: channel === "email" ? `An earlier appointment is available at ${place.name}` : null,
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

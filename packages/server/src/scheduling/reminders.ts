import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { fitSms } from "@salus/core/messaging/sms";
import { preparedQuery } from "../db/prepared.ts";
import type { Trx } from "../db/transaction.ts";
import { publicBaseUrl } from "../platform/public-url.ts";
import type { Actor, Services } from "../platform/services.ts";
import type { AppointmentView } from "./appointment-view.ts";
import { loadSchedulingSettings } from "./scheduling-settings.ts";
import { shortLink } from "./short-links.ts";

/**
 * Appointment reminders, written to the transactional outbox (`outbox_messages`) in the same transaction
 * as the booking change that causes them, so a reminder exists if and only if the change committed. The
 * outbox worker (`messaging/outbox-worker.ts`) sends them later, at least once, with the dedupe key as the
 * gateway's idempotency key.
 *
 * Each reminder carries two signed links (confirm, cancel) to `/r/{appointmentId}`
 * (`http/routes/appointment-response-routes.ts`). A link names the appointment's version: any later change
 * (moved, cancelled, status changed) bumps the version, so old links stop working and their pending
 * reminders are cancelled here.
 */

export type ReminderAction = "confirm" | "cancel";
const HOUR = 3_600_000;

/** The statuses that still get reminders: only a booked visit is waiting to happen. */
function wantsReminders(a: Pick<AppointmentView, "status">): boolean {
  return a.status === "booked";
}

/** `reminder:{appointmentId}:v{version}:{offsetHours}h:{channel}`: the same reminder is never enqueued twice. */
export function reminderDedupeKey(
  appointmentId: string,
  version: number,
  offsetHours: number,
  channel: "email" | "sms",
): string {
  return `reminder:${appointmentId}:v${version}:${offsetHours}h:${channel}`;
}

// ---------------------------------------------------------------------------------------------------
// Signed links.

/** HMAC-SHA256 under the encryption key over `appointmentId.version.action.expiry`, base64url. */
export function signReminderLink(
  key: Buffer,
  appointmentId: string,
  version: number,
  action: ReminderAction,
  expiresAtSeconds: number,
): string {
  return createHmac("sha256", key)
    .update(`${appointmentId}.${version}.${action}.${expiresAtSeconds}`)
    .digest("base64url");
}

/** Constant-time check of a link's signature (not of its expiry or of the version being current). */
export function verifyReminderLink(
  key: Buffer,
  appointmentId: string,
  version: number,
  action: ReminderAction,
  expiresAtSeconds: number,
  signature: string,
): boolean {
  const expected = Buffer.from(signReminderLink(key, appointmentId, version, action, expiresAtSeconds));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** A confirm or cancel link for one version of an appointment, valid until the visit starts. */
export function reminderLink(
  services: Services,
  appointment: Pick<AppointmentView, "id" | "version" | "start">,
  action: ReminderAction,
): string {
  const exp = Math.floor(Date.parse(appointment.start) / 1000);
  const sig = signReminderLink(
    services.secrets.encryptionKey,
    appointment.id,
    appointment.version,
    action,
    exp,
  );
  const q = new URLSearchParams({ action, v: String(appointment.version), exp: String(exp), sig });
  return `${publicBaseUrl(services)}/r/${encodeURIComponent(appointment.id)}?${q.toString()}`;
}

// ---------------------------------------------------------------------------------------------------
// Message text.

/** "Monday, March 9, 2026 at 10:00 AM CDT": the visit's wall time in the location's zone, with its abbreviation. */
export function formatVisitTime(startIso: string, timeZone: string): string {
  return new Intl.DateTimeFormat("en-US", {
    timeZone,
    weekday: "long",
    year: "numeric",
    month: "long",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    timeZoneName: "short",
  }).format(new Date(startIso));
}

/**
 * Shorter, for SMS: "Mon Mar 9 10:00 AM CDT"; only "10:00 AM" when `sameDayAs` is on the same local
 * date (a hold ending today, said on the day the message is sent). Plain ASCII (Intl's narrow no-break space before "AM"
 * is made a space by `fitSms`).
 */
export function formatSmsTime(iso: string, timeZone: string, sameDayAs?: string): string {
  const day = (v: string) => new Intl.DateTimeFormat("en-CA", { timeZone }).format(new Date(v));
  const time = (zoneName: boolean) =>
    new Intl.DateTimeFormat("en-US", {
      timeZone,
      hour: "numeric",
      minute: "2-digit",
      ...(zoneName ? { timeZoneName: "short" as const } : {}),
    }).format(new Date(iso));
  if (sameDayAs && day(sameDayAs) === day(iso)) return time(false);
  const date = new Intl.DateTimeFormat("en-US", {
    timeZone,
    weekday: "short",
    month: "short",
    day: "numeric",
  })
    .format(new Date(iso))
    .replaceAll(",", "");
  return `${date} ${time(true)}`;
}

/**
 * The reminder SMS (issue 10, item 5): one GSM-7 segment, so plain ASCII (accents transliterated), the
 * patient's first name and the place shortened or left out if they would not fit, one short link to the
 * page that shows the rest (practitioner, full date) and offers both confirm and cancel. No visit type: it
 * can reveal a diagnosis on a lock screen.
 */
export function reminderSmsText(
  facts: Pick<VisitFacts, "patientGivenName" | "locationName" | "timeZone">,
  startIso: string,
  shortUrl: string,
): string {
  return fitSms(
    (f) =>
      `${f.place}: ${f.name ? `Hi ${f.name}, r` : "R"}eminder of your visit ${formatSmsTime(startIso, facts.timeZone)}. Confirm or cancel: ${shortUrl}`,
    { place: facts.locationName, name: facts.patientGivenName },
    ["place", "name"],
  );
}

/** The short link an SMS reminder carries: it opens the confirm page (which links to cancelling too). */
export async function reminderShortLink(
  trx: Trx,
  services: Services,
  organizationId: string,
  appointment: Pick<AppointmentView, "id" | "version" | "start">,
): Promise<string> {
  const full = new URL(reminderLink(services, appointment, "confirm"));
  const base = new URL(publicBaseUrl(services)).pathname.replace(/\/+$/, "");
  return shortLink(trx, services, {
    organization_id: organizationId,
    kind: "reminder",
    subject_id: appointment.id,
    target: `${full.pathname.slice(base.length)}${full.search}`,
    channel: "sms",
    expires_at: new Date(appointment.start).toISOString(),
  });
}

/** What a reminder says about a visit (loaded once per sync). */
export interface VisitFacts {
  patientGivenName: string;
  patientEmail: string | null;
  patientPhone: string | null;
  appointmentTypeName: string;
  practitionerName: string;
  locationName: string;
  timeZone: string;
}

export async function loadVisitFacts(
  trx: Trx,
  organizationId: string,
  appointmentId: string,
): Promise<VisitFacts | null> {
  const row = await trx
    .selectFrom("appointments as a")
    .innerJoin("patients as p", (j) =>
      j.onRef("p.organization_id", "=", "a.organization_id").onRef("p.id", "=", "a.patient_id"),
    )
    .innerJoin("appointment_types as t", (j) =>
      j.onRef("t.organization_id", "=", "a.organization_id").onRef("t.id", "=", "a.appointment_type_id"),
    )
    .innerJoin("staff_members as s", (j) =>
      j.onRef("s.organization_id", "=", "a.organization_id").onRef("s.id", "=", "a.practitioner_id"),
    )
    .innerJoin("locations as l", (j) =>
      j.onRef("l.organization_id", "=", "a.organization_id").onRef("l.id", "=", "a.location_id"),
    )
    .select([
      "p.given_name as patientGivenName",
      "p.email as patientEmail",
      "p.phone as patientPhone",
      "t.name as appointmentTypeName",
      "s.given_name as practitionerGiven",
      "s.family_name as practitionerFamily",
      "l.name as locationName",
      "l.time_zone as timeZone",
    ])
    .where("a.organization_id", "=", organizationId)
    .where("a.id", "=", appointmentId)
    .executeTakeFirst();
  if (!row) return null;
  return {
    patientGivenName: row.patientGivenName,
    patientEmail: row.patientEmail,
    patientPhone: row.patientPhone,
    appointmentTypeName: row.appointmentTypeName,
    practitionerName: `${row.practitionerGiven} ${row.practitionerFamily}`,
    locationName: row.locationName,
    timeZone: row.timeZone,
  };
}

export interface ReminderText {
  subject: string | null;
  body: string;
}

/**
 * Email: appointment type, practitioner, location, local time and both links. SMS (read on lock screens,
 * shared phones): minimum necessary, so the patient's first name only, no visit type (it can reveal a
 * diagnosis), no date of birth.
 */
export function reminderText(
  channel: "email" | "sms",
  facts: VisitFacts,
  startIso: string,
  links: { confirm: string; cancel: string; short?: string | undefined },
): ReminderText {
  if (channel === "sms")
    return { subject: null, body: reminderSmsText(facts, startIso, links.short ?? links.confirm) };
  const when = formatVisitTime(startIso, facts.timeZone);
  return {
    subject: `Appointment reminder: ${when}`,
    body: [
      `Hello ${facts.patientGivenName},`,
      "",
      "This is a reminder of your appointment:",
      "",
      `  What:  ${facts.appointmentTypeName}`,
      `  With:  ${facts.practitionerName}`,
      `  Where: ${facts.locationName}`,
      `  When:  ${when}`,
      "",
      `To confirm that you will come, open: ${links.confirm}`,
      `If you cannot come, cancel here: ${links.cancel}`,
      "",
      "These links work until the appointment starts. If you have questions, please call the practice.",
    ].join("\n"),
  };
}

const selectVisitFacts = preparedQuery(
  (db, a: { org: string; patient: string; type: string; practitioner: string; location: string }) =>
    db
      .selectFrom(["patients as p", "appointment_types as t", "staff_members as s", "locations as l"])
      .select([
        "p.given_name as patientGivenName",
        "p.email as patientEmail",
        "p.phone as patientPhone",
        "t.name as appointmentTypeName",
        "s.given_name as practitionerGiven",
        "s.family_name as practitionerFamily",
        "l.name as locationName",
        "l.time_zone as timeZone",
      ])
      .where("p.organization_id", "=", a.org)
      .where("p.id", "=", a.patient)
      .where("t.organization_id", "=", a.org)
      .where("t.id", "=", a.type)
      .where("s.organization_id", "=", a.org)
      .where("s.id", "=", a.practitioner)
      .where("l.organization_id", "=", a.org)
      .where("l.id", "=", a.location),
);

/**
 * The same facts as `loadVisitFacts`, read by the ids the appointment names rather than through its row.
 * Why (PostgreSQL): reading the appointment just inserted takes a predicate lock on its primary-key index
 * page, and every concurrent booking whose new row lands on that page then conflicts with this one under
 * serializable isolation (measured: most of the bench's booking retries). Patients, types, staff and
 * locations are not written by a booking.
 */
async function visitFactsOf(
  trx: Trx,
  organizationId: string,
  a: Pick<AppointmentView, "patientId" | "appointmentTypeId" | "practitionerId" | "locationId">,
): Promise<VisitFacts | null> {
  const row = await selectVisitFacts.first(trx, {
    org: organizationId,
    patient: a.patientId,
    type: a.appointmentTypeId,
    practitioner: a.practitionerId,
    location: a.locationId,
  });
  if (!row) return null;
  return {
    patientGivenName: row.patientGivenName,
    patientEmail: row.patientEmail,
    patientPhone: row.patientPhone,
    appointmentTypeName: row.appointmentTypeName,
    practitionerName: `${row.practitionerGiven} ${row.practitionerFamily}`,
    locationName: row.locationName,
    timeZone: row.timeZone,
  };
}

// ---------------------------------------------------------------------------------------------------
// Sync.

/** Cancels the appointment's pending reminders of earlier versions (all of them once it is not booked). */
async function cancelStale(
  trx: Trx,
  actor: Actor,
  appointment: AppointmentView,
  now: Date,
  currentPrefix: string,
): Promise<number> {
  let cancel = trx
    .updateTable("outbox_messages")
    .set({ cancelled_at: now.toISOString(), lease_until: null })
    .where("organization_id", "=", actor.organizationId)
    .where("appointment_id", "=", appointment.id)
    .where("dedupe_key", "like", `reminder:%`)
    .where("sent_at", "is", null)
    .where("cancelled_at", "is", null);
  if (wantsReminders(appointment)) cancel = cancel.where("dedupe_key", "not like", `${currentPrefix}%`);
  return Number((await cancel.executeTakeFirst()).numUpdatedRows);
}

export interface ReminderSync {
  cancelled: number;
  enqueued: number;
}

/**
 * Makes the outbox match the appointment as it now is; called (through `afterAppointmentChange`) in the
 * transaction of every booking, reschedule, cancellation and status change.
 *
 * 1. Pending reminders of earlier versions (or all of them, once the visit is no longer booked) are
 *    cancelled, so a moved or cancelled visit is never announced with its old time.
 * 2. For a booked visit, one reminder per offset of the practice's schedule whose send time is still in
 *    the future is enqueued: by email when the patient has an email address, else SMS when a phone, else
 *    none. The dedupe key makes a second enqueue a no-op (ON CONFLICT DO NOTHING).
 */
export async function syncReminders(
  trx: Trx,
  services: Services,
  actor: Actor,
  appointment: AppointmentView,
  options: { created?: boolean } = {},
): Promise<ReminderSync> {
  const now = services.clock();
  const currentPrefix = `reminder:${appointment.id}:v${appointment.version}:`;
  // An appointment created in this very transaction has no messages yet: nothing to cancel (one
  // statement fewer per booking).
  const cancelled = options.created ? 0 : await cancelStale(trx, actor, appointment, now, currentPrefix);

  if (!wantsReminders(appointment)) return { cancelled, enqueued: 0 };
  const facts = await visitFactsOf(trx, actor.organizationId, appointment);
  if (!facts) return { cancelled, enqueued: 0 };
  const channel = facts.patientEmail ? "email" : facts.patientPhone ? "sms" : null;
  const recipient = facts.patientEmail ?? facts.patientPhone;
  if (!channel || !recipient) return { cancelled, enqueued: 0 };

  const settings = await loadSchedulingSettings(trx, actor.organizationId);
  const start = Date.parse(appointment.start);
  const links = {
    confirm: reminderLink(services, appointment, "confirm"),
    cancel: reminderLink(services, appointment, "cancel"),
    short:
      channel === "sms"
        ? await reminderShortLink(trx, services, actor.organizationId, appointment)
        : undefined,
  };
  const text = reminderText(channel, facts, appointment.start, links);
  let enqueued = 0;
  for (const offset of [...new Set(settings.reminderOffsetsHours)].sort((a, b) => b - a)) {
    const sendAt = start - offset * HOUR;
    if (sendAt <= now.getTime()) continue;
    const result = await trx
      .insertInto("outbox_messages")
      .values({
        organization_id: actor.organizationId,
        id: randomUUID(),
        dedupe_key: reminderDedupeKey(appointment.id, appointment.version, offset, channel),
        channel,
        recipient,
        subject: text.subject,
        body: text.body,
        appointment_id: appointment.id,
        available_at: new Date(sendAt).toISOString(),
        attempts: 0,
        lease_until: null,
        last_error: null,
        sent_at: null,
        cancelled_at: null,
        created_at: now.toISOString(),
      })
      .onConflict((oc) => oc.columns(["organization_id", "dedupe_key"]).doNothing())
      .executeTakeFirst();
    enqueued += Number(result.numInsertedOrUpdatedRows ?? 0n);
  }
  return { cancelled, enqueued };
}

import { smsLength } from "@salus/core/messaging/sms";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPatient } from "../directory/patients.ts";
import {
  closeTestServices,
  createTestApp,
  createTestServices,
  DEFAULT_START,
  dialect,
  nextIp,
  type TestServices,
} from "../testing/harness.ts";
import { createTestPractice, type TestPractice } from "../testing/messaging-practice.ts";
import { acceptOffer } from "./accept-offer.ts";
import { addToWaitlist } from "./add-to-waitlist.ts";
import { bookAppointment } from "./book-appointment.ts";
import { cancelAppointment } from "./cancel-appointment.ts";
import { declineOffer } from "./decline-offer.ts";
import { getAppointment } from "./get-appointment.ts";
import { listWaitlist } from "./list-waitlist.ts";
import { passOnExpiredOffersEverywhere } from "./pass-on-expired-offers.ts";
import { reminderLink } from "./reminders.ts";
import { rescheduleAppointment } from "./reschedule-appointment.ts";
import { searchSlots } from "./search-slots.ts";
import type { WaitlistEntryView } from "./waitlist-view.ts";

/**
 * Issue 10, item 5: a waitlist offer holds the freed time until it is accepted, declined or expires; a
 * decline or an expiry passes the time to the next in line (the job, or lazily a reader); a new entry is
 * matched against time already free; the patient answers from the link in the message (short link for
 * SMS, a page with POST buttons); the front desk sees on the appointment who confirmed a reminder and who
 * accepted an offer. The clinic (America/Chicago, CST until 2026-03-08) opens 08:00-18:00 Monday to
 * Friday; the clock starts Monday 2026-03-02 09:00 CST; offers live 120 minutes.
 */
describe(`waitlist holds (${dialect})`, () => {
  let services: TestServices;
  let app: FastifyInstance;
  let p: TestPractice;
  const extra: string[] = [];

  beforeAll(async () => {
    services = await createTestServices();
    services.config.publicUrl = "https://portal.example.test/salus";
    p = await createTestPractice(services, "holds");
    for (const [given, phone] of [
      ["Zoë", "+1 512 555 0101"],
      ["Ana", "+1 512 555 0102"],
      ["Bo", "+1 512 555 0103"],
      ["Cy", "+1 512 555 0104"],
    ] as const) {
      extra.push(
        (
          await createPatient(services, p.actor, {
            givenName: given,
            familyName: "Hernández-Núñez",
            dateOfBirth: "1970-01-01",
            sex: "unknown",
            phone,
          })
        ).id,
      );
    }
    ({ app } = await createTestApp(services));
  });
  afterAll(async () => {
    await app?.close();
    await closeTestServices(services);
  });
  beforeEach(() => services.clock.set(DEFAULT_START));

  const wait = (patientId: string, date: string, from: string, to: string) =>
    addToWaitlist(services, p.actor, {
      patientId,
      appointmentTypeId: p.typeId,
      locationId: p.locationId,
      practitionerId: p.practitionerId,
      earliestDate: date,
      latestDate: date,
      timeFrom: from,
      timeTo: to,
    });
  const entry = async (id: string): Promise<WaitlistEntryView> =>
    (await listWaitlist(services, p.actor, ["waiting", "offered", "booked", "cancelled"])).find(
      (e) => e.id === id,
    )!;
  const slotStarts = async (from: string, to: string) =>
    (
      await searchSlots(services, p.actor, {
        appointmentTypeId: p.typeId,
        locationId: p.locationId,
        practitionerId: p.practitionerId,
        from,
        to,
      })
    ).map((s) => s.start);
  const outboxFor = (offerId: string) =>
    services.systemDb
      .selectFrom("outbox_messages")
      .selectAll()
      .where("dedupe_key", "like", `waitlist-offer:${offerId}:%`)
      .execute();
  const local = (url: string) => {
    const u = new URL(url);
    return `${u.pathname.replace(/^\/salus/, "")}${u.search}`;
  };
  const get = (url: string) => app.inject({ method: "GET", url: local(url), remoteAddress: nextIp() });
  const postForm = (path: string, form: Record<string, string>) =>
    app.inject({
      method: "POST",
      url: path,
      remoteAddress: nextIp(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams(form).toString(),
    });

  it("an offer holds the freed time: the slot finder hides it and every booking path refuses it with 409 slot_held", async () => {
    // Tuesday 2026-03-03 10:00 CST = 16:00Z, booked; two patients wait for exactly that half hour.
    const held = await p.book(p.patients.email, "2026-03-03T16:00:00.000Z");
    const first = await wait(extra[0]!, "2026-03-03", "10:00", "10:30");
    services.clock.advance(1000);
    const second = await wait(extra[1]!, "2026-03-03", "10:00", "10:30");
    expect(first.offers).toEqual([]);
    await cancelAppointment(services, p.actor, held.id, { reason: "Unwell", cancelledBy: "patient" });

    const offer = (await entry(first.id)).offers[0]!;
    expect(offer).toMatchObject({ status: "open", start: "2026-03-03T16:00:00.000Z" });
    expect((await entry(second.id)).offers).toEqual([]);
    // The slot finder (web calendar, JSON API, FHIR Slot all use it) no longer shows the held time.
    const starts = await slotStarts("2026-03-03T15:30:00.000Z", "2026-03-03T17:30:00.000Z");
    expect(starts).toContain("2026-03-03T15:30:00.000Z");
    expect(starts).not.toContain("2026-03-03T16:00:00.000Z");

    // Direct booking by anyone else: 409 slot_held naming the offer and when the hold ends.
    const refusal = {
      code: "slot_held",
      message: expect.stringContaining(offer.id),
      details: [expect.objectContaining({ message: expect.stringContaining(offer.expiresAt) })],
    };
    await expect(p.book(p.patients.none, "2026-03-03T16:00:00.000Z")).rejects.toMatchObject(refusal);
    // Overlapping by a quarter hour is refused too; a reschedule into it as well.
    await expect(p.book(p.patients.none, "2026-03-03T16:15:00.000Z")).rejects.toMatchObject(refusal);
    const other = await p.book(p.patients.none, "2026-03-03T19:00:00.000Z");
    await expect(
      rescheduleAppointment(services, p.actor, other.id, { when: { start: "2026-03-03T16:00:00.000Z" } }),
    ).rejects.toMatchObject(refusal);
    // The refusal is audited.
    const refused = await services.systemDb
      .selectFrom("audit_entries")
      .select(["action", "outcome"])
      .where("organization_id", "=", p.organizationId)
      .where("action", "=", "appointment.book")
      .where("outcome", "<>", "success")
      .execute();
    expect(refused.length).toBeGreaterThanOrEqual(2);

    // The offered patient's acceptance books it.
    const booked = await acceptOffer(services, p.actor, offer.id);
    expect(booked).toMatchObject({
      patientId: extra[0],
      start: "2026-03-03T16:00:00.000Z",
      status: "booked",
    });
    expect((await getAppointment(services, p.actor, booked.id)).responses).toEqual([
      expect.objectContaining({ kind: "offer-accepted", via: "staff", link: null }),
    ]);
  });

  it("a decline passes the time to the next in line; an expiry too (job, idempotent), and a stale hold never blocks", async () => {
    // Wednesday 2026-03-04 11:00 CST = 17:00Z.
    const held = await p.book(p.patients.email, "2026-03-04T17:00:00.000Z");
    const a = await wait(extra[0]!, "2026-03-04", "11:00", "11:30");
    services.clock.advance(1000);
    const b = await wait(extra[1]!, "2026-03-04", "11:00", "11:30");
    services.clock.advance(1000);
    const c = await wait(extra[2]!, "2026-03-04", "11:00", "11:30");
    await cancelAppointment(services, p.actor, held.id, { reason: "Moved away" });
    const offerA = (await entry(a.id)).offers[0]!;
    await declineOffer(services, p.actor, offerA.id);

    expect((await entry(a.id)).status).toBe("waiting");
    const offerB = (await entry(b.id)).offers[0]!;
    expect(offerB).toMatchObject({ status: "open", start: "2026-03-04T17:00:00.000Z" });
    expect((await entry(c.id)).offers).toEqual([]);

    // B lets it expire: the job passes it to C (not back to A, who declined it); a second run does nothing.
    services.clock.advance(121 * 60_000);
    expect(await passOnExpiredOffersEverywhere(services)).toBe(1);
    expect(await passOnExpiredOffersEverywhere(services)).toBe(0);
    expect((await entry(b.id)).offers[0]).toMatchObject({ status: "expired" });
    expect((await entry(b.id)).status).toBe("waiting");
    const offerC = (await entry(c.id)).offers[0]!;
    expect(offerC).toMatchObject({ status: "open", start: "2026-03-04T17:00:00.000Z" });
    expect((await entry(a.id)).offers).toHaveLength(1);
    const expired = await services.systemDb
      .selectFrom("audit_entries")
      .select("resource_id")
      .where("organization_id", "=", p.organizationId)
      .where("action", "=", "waitlist.expire")
      .execute();
    expect(expired.map((e) => e.resource_id)).toEqual([offerB.id]);

    // C's hold expires too: before any job runs, the time is already bookable (a stale hold never blocks).
    services.clock.advance(121 * 60_000);
    const starts = await slotStarts("2026-03-04T16:30:00.000Z", "2026-03-04T18:00:00.000Z");
    expect(starts).toContain("2026-03-04T17:00:00.000Z");
    const walkIn = await p.book(p.patients.none, "2026-03-04T17:00:00.000Z");
    expect(walkIn.status).toBe("booked");
    // Reading the waitlist expires it lazily, as the job would.
    expect((await entry(c.id)).offers[0]).toMatchObject({ status: "expired" });
  });

  it("a new entry is matched at once against time that is already free (and held for it)", async () => {
    // Thursday 2026-03-05 09:00-10:00 CST is free.
    const first = await wait(extra[3]!, "2026-03-05", "09:00", "10:00");
    expect(first.status).toBe("offered");
    expect(first.offers).toEqual([
      expect.objectContaining({ status: "open", start: "2026-03-05T15:00:00.000Z" }),
    ]);
    // The next patient with the same wish gets the next free time, not the held one.
    const second = await wait(extra[2]!, "2026-03-05", "09:00", "10:00");
    expect(second.offers).toEqual([
      expect.objectContaining({ status: "open", start: "2026-03-05T15:30:00.000Z" }),
    ]);
    // Told at once, by SMS: one GSM-7 segment with a short link (the name's accent transliterated).
    const [sms] = await outboxFor(first.offers[0]!.id);
    expect(sms).toMatchObject({ channel: "sms", recipient: "+1 512 555 0104" });
    expect(sms!.body).toMatch(
      /^Riverside Clinic: Cy, an earlier visit is free Thu Mar 5 9:00 AM CST\. Held until 11:00 AM\. Accept\/decline: /,
    );
    expect(sms!.body).toMatch(/https:\/\/portal\.example\.test\/salus\/r\/[0-9A-Za-z]{10}$/);
    expect(smsLength(sms!.body)).toMatchObject({ encoding: "gsm7", segments: 1 });
  });

  it("the patient accepts from the SMS link: a page with POST buttons (GET changes nothing), recorded on the appointment", async () => {
    const e = await wait(extra[0]!, "2026-03-06", "08:00", "08:30");
    const offer = e.offers[0]!;
    const [sms] = await outboxFor(offer.id);
    const short = sms!.body.match(/https:\/\/\S+\/r\/([0-9A-Za-z]{10})$/)!;
    const token = short[1]!;

    const redirect = await get(short[0]);
    expect(redirect.statusCode).toBe(303);
    const target = redirect.headers.location as string;
    expect(target).toMatch(
      new RegExp(
        `^https://portal\\.example\\.test/salus/w/${offer.id}\\?exp=\\d+&sig=[\\w-]{43}&ref=${token}$`,
      ),
    );

    const page = await get(target);
    expect(page.statusCode).toBe(200);
    expect(page.headers["cache-control"]).toBe("no-store");
    expect(page.body).not.toContain("<script");
    expect(page.body).toContain('method="post"');
    expect(page.body).toContain("Accept this time");
    expect(page.body).toContain("Decline");
    expect(page.body).toContain("Nora Quinn");
    // Opening the page (a link previewer) answers nothing.
    expect((await entry(e.id)).offers[0]).toMatchObject({ status: "open" });

    const q = new URL(target).searchParams;
    // An altered signature is refused and changes nothing.
    const bad = await postForm(`/w/${offer.id}`, {
      exp: q.get("exp")!,
      sig: `${q.get("sig")!.startsWith("A") ? "B" : "A"}${q.get("sig")!.slice(1)}`,
      choice: "accept",
    });
    expect(bad.statusCode).toBe(400);
    expect((await entry(e.id)).offers[0]).toMatchObject({ status: "open" });

    const ok = await postForm(`/w/${offer.id}`, {
      exp: q.get("exp")!,
      sig: q.get("sig")!,
      ref: token,
      choice: "accept",
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain("your appointment is booked");
    const booked = await entry(e.id);
    expect(booked.status).toBe("booked");
    const appointment = await getAppointment(services, p.actor, booked.bookedAppointmentId!);
    expect(appointment).toMatchObject({
      patientId: extra[0],
      start: "2026-03-06T14:00:00.000Z",
      status: "booked",
    });
    expect(appointment.responses).toEqual([
      {
        kind: "offer-accepted",
        by: "patient",
        via: "sms-link",
        link: `/r/${token}`,
        version: 1,
        at: services.clock().toISOString(),
      },
    ]);
    // A second press answers that it was accepted already, and books nothing more.
    const again = await postForm(`/w/${offer.id}`, {
      exp: q.get("exp")!,
      sig: q.get("sig")!,
      choice: "accept",
    });
    expect(again.statusCode).toBe(410);
    expect(again.body).toContain("You already accepted this time");
  });

  it("the patient declines from the link: the next in line is offered the time", async () => {
    const held = await p.book(p.patients.email, "2026-03-09T20:00:00.000Z");
    const a = await wait(extra[1]!, "2026-03-09", "15:00", "15:30");
    services.clock.advance(1000);
    const b = await wait(extra[2]!, "2026-03-09", "15:00", "15:30");
    await cancelAppointment(services, p.actor, held.id, { reason: "Travel" });
    const offer = (await entry(a.id)).offers[0]!;
    const [sms] = await outboxFor(offer.id);
    const target = (await get(sms!.body.match(/https:\/\/\S+$/)![0])).headers.location as string;
    const q = new URL(target).searchParams;
    const res = await postForm(`/w/${offer.id}`, {
      exp: q.get("exp")!,
      sig: q.get("sig")!,
      choice: "decline",
    });
    expect(res.statusCode).toBe(200);
    expect((await entry(a.id)).offers[0]).toMatchObject({ status: "declined" });
    expect((await entry(b.id)).offers[0]).toMatchObject({
      status: "open",
      start: "2026-03-09T20:00:00.000Z",
    });
  });

  it("a reminder confirmed through the SMS short link shows on the appointment: who, when, which link", async () => {
    const a = await p.book(p.patients.phoneOnly, "2026-03-10T15:00:00.000Z");
    const [sms] = await services.systemDb
      .selectFrom("outbox_messages")
      .selectAll()
      .where("appointment_id", "=", a.id)
      .orderBy("available_at")
      .execute();
    expect(smsLength(sms!.body)).toMatchObject({ encoding: "gsm7", segments: 1 });
    const short = sms!.body.match(/https:\/\/\S+\/r\/([0-9A-Za-z]{10})$/)!;
    const redirect = await get(short[0]);
    expect(redirect.statusCode).toBe(303);
    const target = redirect.headers.location as string;
    const page = await get(target);
    expect(page.statusCode).toBe(200);
    // One link in the SMS: the confirm page also leads to cancelling.
    expect(page.body).toContain("cancel my appointment instead");
    const q = new URL(target).searchParams;
    const res = await postForm(`/r/${a.id}`, Object.fromEntries(q.entries()));
    expect(res.statusCode).toBe(200);
    services.clock.advance(60_000);
    expect((await getAppointment(services, p.actor, a.id)).responses).toEqual([
      {
        kind: "reminder-confirmed",
        by: "patient",
        via: "sms-link",
        link: `/r/${short[1]}`,
        version: 1,
        at: DEFAULT_START.toISOString(),
      },
    ]);
    // Through an email's full link: recorded as the email link.
    const b = await p.book(p.patients.email, "2026-03-10T16:00:00.000Z");
    const full = new URL(reminderLink(services, b, "confirm")).searchParams;
    await postForm(`/r/${b.id}`, Object.fromEntries(full.entries()));
    expect((await getAppointment(services, p.actor, b.id)).responses).toEqual([
      expect.objectContaining({ kind: "reminder-confirmed", via: "email-link", by: "patient" }),
    ]);
  });

  it("booking the held time for the offered patient directly is allowed (the hold is theirs)", async () => {
    const e = await wait(extra[3]!, "2026-03-11", "08:00", "08:30");
    // 08:00 CDT (daylight saving time began on March 8).
    expect(e.offers[0]).toMatchObject({ start: "2026-03-11T13:00:00.000Z" });
    await expect(p.book(p.patients.none, "2026-03-11T13:00:00.000Z")).rejects.toMatchObject({
      code: "slot_held",
    });
    const own = await bookAppointment(services, p.actor, {
      patientId: extra[3]!,
      appointmentTypeId: p.typeId,
      locationId: p.locationId,
      practitionerId: p.practitionerId,
      when: { start: "2026-03-11T13:00:00.000Z" },
    });
    expect(own.status).toBe("booked");
  });
});

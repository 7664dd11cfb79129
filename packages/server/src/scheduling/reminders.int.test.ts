import { smsLength } from "@salus/core/messaging/sms";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PLATFORM_CHAIN } from "../audit/append-audit.ts";
import { inTransaction } from "../db/transaction.ts";
import { fileGateway } from "../messaging/gateways.ts";
import { runOutboxOnce } from "../messaging/outbox-worker.ts";
import {
  auditAfter,
  auditSeq,
  closeTestServices,
  createTestApp,
  createTestServices,
  DEFAULT_START,
  dialect,
  nextIp,
  type TestServices,
} from "../testing/harness.ts";
import { createTestPractice, type TestPractice, tempOutboxFile } from "../testing/messaging-practice.ts";
import { type AppointmentView, loadAppointment } from "./appointment-view.ts";
import { bookAppointment } from "./book-appointment.ts";
import { cancelAppointment } from "./cancel-appointment.ts";
import { changeAppointmentStatus } from "./change-appointment-status.ts";
import { reminderDedupeKey, reminderLink, signReminderLink, syncReminders } from "./reminders.ts";
import { rescheduleAppointment } from "./reschedule-appointment.ts";

/**
 * Reminders follow the appointment through the transactional outbox; the signed links confirm or cancel.
 * The clock starts on Monday 2026-03-02 15:00Z (09:00 CST); the clinic is in America/Chicago, which
 * moves to CDT on Sunday 2026-03-08.
 */
describe(`reminders and confirmation links (${dialect})`, () => {
  let services: TestServices;
  let app: FastifyInstance;
  let p: TestPractice;
  let evil: TestPractice;

  beforeAll(async () => {
    services = await createTestServices();
    services.config.publicUrl = "https://portal.example.test/salus";
    p = await createTestPractice(services);
    evil = await createTestPractice(services, "escape", "<script>alert(1)</script>");
    ({ app } = await createTestApp(services));
  });
  afterAll(async () => {
    await app?.close();
    await closeTestServices(services);
  });
  beforeEach(() => services.clock.set(DEFAULT_START));

  const messagesOf = (appointmentId: string) =>
    services.systemDb
      .selectFrom("outbox_messages")
      .selectAll()
      .where("appointment_id", "=", appointmentId)
      .orderBy("available_at")
      .execute();
  const pending = async (id: string) =>
    (await messagesOf(id)).filter((m) => m.sent_at === null && m.cancelled_at === null);

  /** The confirm/cancel URL of a reminder, as a path and query the app can be asked for. */
  const local = (url: string) => {
    const u = new URL(url);
    return { path: u.pathname.replace(/^\/salus/, ""), query: u.search, params: u.searchParams };
  };
  const formOf = (url: string) => {
    const { params } = local(url);
    return new URLSearchParams({
      action: params.get("action")!,
      v: params.get("v")!,
      exp: params.get("exp")!,
      sig: params.get("sig")!,
    }).toString();
  };
  const get = (url: string) => {
    const { path, query } = local(url);
    return app.inject({ method: "GET", url: `${path}${query}`, remoteAddress: nextIp() });
  };
  const post = (url: string, body = formOf(url)) =>
    app.inject({
      method: "POST",
      url: local(url).path,
      remoteAddress: nextIp(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: body,
    });

  it("booking enqueues the 72 h and 24 h reminders by email, with the visit's local time and signed links", async () => {
    // Monday 2026-03-09 10:00 CDT = 15:00Z.
    const a = await p.book(p.patients.email, "2026-03-09T15:00:00Z");
    const rows = await messagesOf(a.id);
    expect(rows.map((m) => m.dedupe_key)).toEqual([
      reminderDedupeKey(a.id, 1, 72, "email"),
      reminderDedupeKey(a.id, 1, 24, "email"),
    ]);
    expect(rows.map((m) => m.available_at)).toEqual(["2026-03-06T15:00:00.000Z", "2026-03-08T15:00:00.000Z"]);
    const m = rows[0]!;
    expect(m.channel).toBe("email");
    expect(m.recipient).toBe("robin@example.test");
    expect(m.subject).toBe("Appointment reminder: Monday, March 9, 2026 at 10:00 AM CDT");
    expect(m.body).toContain("Hello Robin,");
    expect(m.body).toContain("Diabetes follow-up");
    expect(m.body).toContain("Nora Quinn");
    expect(m.body).toContain("Riverside Clinic");
    expect(m.body).toContain("Monday, March 9, 2026 at 10:00 AM CDT");
    expect(m.body).not.toContain("1961");
    expect(m.body).not.toContain("Reminded"); // no family name
    const links = m.body.match(/https:\/\/portal\.example\.test\/salus\/r\/[^\s]+/g) ?? [];
    expect(links).toEqual([reminderLink(services, a, "confirm"), reminderLink(services, a, "cancel")]);
    const q = new URL(links[0]!).searchParams;
    expect(q.get("exp")).toBe(String(Date.parse(a.start) / 1000));
    expect(q.get("sig")).toBe(
      signReminderLink(services.secrets.encryptionKey, a.id, 1, "confirm", Date.parse(a.start) / 1000),
    );
  });

  it("does not enqueue reminders whose time has already passed", async () => {
    // Wednesday 2026-03-04 10:00 CST = 16:00Z: 72 h before is in the past, 24 h before is not.
    const a = await p.book(p.patients.email, "2026-03-04T16:00:00Z");
    expect((await messagesOf(a.id)).map((m) => m.dedupe_key)).toEqual([
      reminderDedupeKey(a.id, 1, 24, "email"),
    ]);
    // Tomorrow 09:00 CST: both are past, nothing is enqueued.
    const b = await p.book(p.patients.email, "2026-03-03T15:00:00Z");
    expect(await messagesOf(b.id)).toEqual([]);
  });

  it("SMS when the patient has only a phone (first name, no visit type, no birth date); none without contact", async () => {
    const a = await p.book(p.patients.phoneOnly, "2026-03-10T15:00:00Z");
    const rows = await messagesOf(a.id);
    expect(rows.map((m) => m.dedupe_key)).toEqual([
      reminderDedupeKey(a.id, 1, 72, "sms"),
      reminderDedupeKey(a.id, 1, 24, "sms"),
    ]);
    const sms = rows[0]!;
    expect(sms.recipient).toBe("+1 512 555 0199");
    expect(sms.subject).toBeNull();
    // One GSM-7 segment with a short link (issue 10, item 5); the page shows the practitioner and the rest.
    expect(sms.body).toMatch(
      /^Riverside Clinic: Hi Jamie, reminder of your visit Tue Mar 10 10:00 AM CDT\. Confirm or cancel: https:\/\/portal\.example\.test\/salus\/r\/[0-9A-Za-z]{10}$/,
    );
    expect(smsLength(sms.body)).toMatchObject({ encoding: "gsm7", segments: 1 });
    expect(sms.body).not.toContain("Diabetes");
    expect(sms.body).not.toContain("Reminded");
    expect(sms.body).not.toContain("1961");
    const none = await p.book(p.patients.none, "2026-03-10T16:00:00Z");
    expect(await messagesOf(none.id)).toEqual([]);
  });

  it("a second sync of the same version never duplicates a reminder", async () => {
    const a = await p.book(p.patients.email, "2026-03-11T15:00:00Z");
    const again = await inTransaction(services.db, (trx) => syncReminders(trx, services, p.actor, a));
    expect(again).toEqual({ cancelled: 0, enqueued: 0 });
    expect(await messagesOf(a.id)).toHaveLength(2);
  });

  it("rescheduling cancels the old reminders and enqueues new ones for the new time", async () => {
    const a = await p.book(p.patients.email, "2026-03-12T15:00:00Z");
    const moved = await rescheduleAppointment(services, p.actor, a.id, {
      when: { start: "2026-03-13T19:00:00Z" },
    });
    expect(moved.version).toBe(2);
    const rows = await messagesOf(a.id);
    const old = rows.filter((m) => m.dedupe_key.includes(":v1:"));
    expect(old).toHaveLength(2);
    expect(old.every((m) => m.cancelled_at === services.clock().toISOString())).toBe(true);
    const fresh = await pending(a.id);
    expect(fresh.map((m) => m.dedupe_key)).toEqual([
      reminderDedupeKey(a.id, 2, 72, "email"),
      reminderDedupeKey(a.id, 2, 24, "email"),
    ]);
    expect(fresh[0]!.body).toContain("Friday, March 13, 2026 at 2:00 PM CDT");
  });

  it("cancelling, or a status that is no longer booked, cancels the pending reminders", async () => {
    const a = await p.book(p.patients.email, "2026-03-16T15:00:00Z");
    await cancelAppointment(services, p.actor, a.id, { reason: "Patient called" });
    expect(await pending(a.id)).toEqual([]);
    expect((await messagesOf(a.id)).every((m) => m.cancelled_at !== null)).toBe(true);

    const b = await p.book(p.patients.email, "2026-03-16T17:00:00Z");
    expect(await pending(b.id)).toHaveLength(2);
    await changeAppointmentStatus(services, p.actor, b.id, "entered-in-error");
    expect(await pending(b.id)).toEqual([]);
  });

  it("a reminder already sent stays sent when the visit moves (only pending ones are cancelled)", async () => {
    const file = tempOutboxFile();
    try {
      const a = await p.book(p.patients.email, "2026-03-17T15:00:00Z");
      services.clock.set("2026-03-14T15:00:00Z"); // the 72 h reminder is due
      await runOutboxOnce(services, fileGateway(file.path), services.clock());
      expect(file.read().filter((m) => m.dedupeKey.startsWith(`reminder:${a.id}:`))).toHaveLength(1);
      await rescheduleAppointment(services, p.actor, a.id, { when: { start: "2026-03-17T14:00:00Z" } });
      const rows = await messagesOf(a.id);
      const sent = rows.find((m) => m.dedupe_key === reminderDedupeKey(a.id, 1, 72, "email"))!;
      expect(sent.sent_at).not.toBeNull();
      expect(sent.cancelled_at).toBeNull();
      // The new version's 72 h time is already past; only its 24 h reminder is enqueued.
      expect((await pending(a.id)).map((m) => m.dedupe_key)).toEqual([
        reminderDedupeKey(a.id, 2, 24, "email"),
      ]);
    } finally {
      file.remove();
    }
  });

  describe("the confirm and cancel links", () => {
    let a: AppointmentView;
    let slot = 0;
    beforeEach(async () => {
      // A fresh visit per test on Thursday 2026-03-19, every 30 minutes from 08:00 CDT (13:00Z).
      a = await p.book(
        p.patients.email,
        new Date(Date.parse("2026-03-19T13:00:00Z") + slot++ * 1_800_000).toISOString(),
      );
    });

    it("GET shows the visit and a form, and changes nothing", async () => {
      const seq = await auditSeq(services, p.organizationId);
      const res = await get(reminderLink(services, a, "confirm"));
      expect(res.statusCode).toBe(200);
      expect(res.headers["content-type"]).toMatch(/^text\/html/);
      expect(res.headers["cache-control"]).toBe("no-store");
      expect(res.headers["content-security-policy"]).toContain("script-src 'self'");
      expect(res.body).toContain("Thursday, March 19, 2026 at 8:00 AM CDT");
      expect(res.body).toContain('<form method="post" action="/salus/r/');
      expect(res.body).not.toMatch(/<script/i);
      const after = await loadAppointment(services.systemDb, p.actor, a.id);
      expect(after.status).toBe("booked");
      expect(after.version).toBe(a.version);
      const entries = await auditAfter(services, p.organizationId, seq);
      expect(entries.map((e) => [e.action, e.outcome, e.patient_id])).toEqual([
        ["appointment.link.view", "success", p.patients.email],
      ]);
    });

    it("POST confirm records the confirmation in the audit trail; the visit stays booked", async () => {
      const seq = await auditSeq(services, p.organizationId);
      const res = await post(reminderLink(services, a, "confirm"));
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain("your appointment is confirmed");
      const after = await loadAppointment(services.systemDb, p.actor, a.id);
      expect(after.status).toBe("booked");
      expect(after.version).toBe(a.version);
      const entries = await auditAfter(services, p.organizationId, seq);
      expect(entries.map((e) => [e.action, e.outcome, e.resource_id, e.patient_id])).toEqual([
        ["appointment.confirm", "success", a.id, p.patients.email],
      ]);
      expect(JSON.parse(entries[0]!.detail!)).toMatchObject({
        via: "link",
        version: 1,
        confirmedBy: "patient",
      });
      expect(await pending(a.id)).toHaveLength(2);
    });

    it("POST cancel cancels as the patient, frees the time and cancels the pending reminders", async () => {
      const res = await post(reminderLink(services, a, "cancel"));
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain("Your appointment is cancelled");
      const after = await loadAppointment(services.systemDb, p.actor, a.id);
      expect(after.status).toBe("cancelled");
      expect(after.cancelReason).toBe("Cancelled by the patient from the reminder link");
      const row = await services.systemDb
        .selectFrom("appointments")
        .select("cancelled_by")
        .where("id", "=", a.id)
        .executeTakeFirstOrThrow();
      expect(row.cancelled_by).toMatch(/^patient:/);
      expect(await pending(a.id)).toEqual([]);
      // The time is free again: another patient can book it.
      const other = await p.book(p.patients.phoneOnly, a.start);
      expect(other.start).toBe(a.start);
      // The same link again: the visit is no longer this version.
      const again = await post(reminderLink(services, a, "cancel"));
      expect(again.statusCode).toBe(410);
      expect(again.body).toContain("cancelled");
    });

    it("a tampered signature or parameter answers 400 and changes nothing (audited on the platform chain)", async () => {
      const link = reminderLink(services, a, "confirm");
      const cancel = reminderLink(services, a, "cancel");
      const orgSeq = await auditSeq(services, p.organizationId);
      const platformSeq = await auditSeq(services, PLATFORM_CHAIN);
      const sig = new URL(link).searchParams.get("sig")!;
      const flipped = `${sig.slice(0, -1)}${sig.endsWith("A") ? "B" : "A"}`;
      const tampered = [
        link.replace(`sig=${sig}`, `sig=${flipped}`),
        link.replace("action=confirm", "action=cancel"), // the confirm signature on a cancel
        link.replace(/exp=\d+/, (m) => `exp=${Number(m.slice(4)) + 86_400}`), // a later expiry
        link.replace("v=1", "v=2"),
        cancel.replace(`/r/${a.id}`, `/r/${a.id.slice(0, -1)}${a.id.endsWith("0") ? "1" : "0"}`), // another id
        link.replace(`sig=${sig}`, "sig=short"),
      ];
      for (const url of tampered) {
        expect((await get(url)).statusCode, url).toBe(400);
        const res = await post(url);
        expect(res.statusCode, url).toBe(400);
        expect(res.body).toContain("This link does not work");
      }
      const after = await loadAppointment(services.systemDb, p.actor, a.id);
      expect(after.status).toBe("booked");
      expect(after.version).toBe(1);
      expect(await auditAfter(services, p.organizationId, orgSeq)).toEqual([]);
      const refusals = await auditAfter(services, PLATFORM_CHAIN, platformSeq);
      expect(refusals).toHaveLength(tampered.length * 2);
      expect(refusals.every((e) => e.outcome === "denied" && e.organization_id === null)).toBe(true);
    });

    it("an expired link (the visit has started) answers 410 and changes nothing", async () => {
      const link = reminderLink(services, a, "cancel");
      services.clock.set(new Date(Date.parse(a.start) + 60_000));
      const seq = await auditSeq(services, p.organizationId);
      const res = await post(link);
      expect(res.statusCode).toBe(410);
      expect(res.body).toContain("expired");
      expect((await loadAppointment(services.systemDb, p.actor, a.id)).status).toBe("booked");
      const entries = await auditAfter(services, p.organizationId, seq);
      expect(entries.map((e) => [e.action, e.outcome])).toEqual([["appointment.link.respond", "failure"]]);
    });

    it("a link of a visit that has since moved answers 410 and names the new time", async () => {
      const link = reminderLink(services, a, "cancel");
      await rescheduleAppointment(services, p.actor, a.id, { when: { start: "2026-03-19T20:00:00Z" } });
      const viewed = await get(link);
      expect(viewed.statusCode).toBe(410);
      expect(viewed.body).toContain("Thursday, March 19, 2026 at 3:00 PM CDT");
      const res = await post(link);
      expect(res.statusCode).toBe(410);
      const after = await loadAppointment(services.systemDb, p.actor, a.id);
      expect(after.status).toBe("booked");
      expect(after.version).toBe(2);
    });

    it("a malformed request answers a page, not an error body (400)", async () => {
      const bad = await app.inject({
        method: "GET",
        url: `/r/${a.id}?action=delete`,
        remoteAddress: nextIp(),
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.headers["content-type"]).toMatch(/^text\/html/);
      const json = await app.inject({
        method: "POST",
        url: `/r/${a.id}`,
        remoteAddress: nextIp(),
        payload: [],
      });
      expect(json.statusCode).toBe(400);
    });
  });

  it("the page escapes what it shows (a patient named <script>alert(1)</script>)", async () => {
    const a = await bookAppointment(services, evil.actor, {
      patientId: evil.patients.email,
      appointmentTypeId: evil.typeId,
      locationId: evil.locationId,
      practitionerId: evil.practitionerId,
      when: { start: "2026-03-20T15:00:00Z" },
    });
    const res = await get(reminderLink(services, a, "confirm"));
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("Hello &lt;script&gt;alert(1)&lt;/script&gt;,");
    expect(res.body).not.toContain("<script>");
  });

  it("the links are rate limited", async () => {
    const a = await p.book(p.patients.email, "2026-03-23T15:00:00Z");
    const link = new URL(reminderLink(services, a, "confirm"));
    const url = `${link.pathname.replace(/^\/salus/, "")}${link.search}`;
    const codes: number[] = [];
    for (let i = 0; i < 25; i++)
      codes.push((await app.inject({ method: "GET", url, remoteAddress: "10.250.0.1" })).statusCode);
    expect(codes.slice(0, 20).every((c) => c === 200)).toBe(true);
    expect(codes.at(-1)).toBe(429);
  });

  it("reminders are written in the booking's transaction: a refused booking leaves none", async () => {
    const before = await services.systemDb
      .selectFrom("outbox_messages")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    await expect(p.book(p.patients.email, "2026-03-21T15:00:00Z")).rejects.toThrow(); // a Saturday
    const after = await services.systemDb
      .selectFrom("outbox_messages")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });
});

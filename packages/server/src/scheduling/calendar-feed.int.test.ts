import { randomUUID } from "node:crypto";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../admin/organizations.ts";
import {
  asBearer,
  auditAfter,
  auditSeq,
  bearer,
  closeTestServices,
  createTestApp,
  createTestServices,
  dialect,
  type Seed,
  type SeededOrg,
  seedTwoOrgs,
  type TestServices,
} from "../testing/harness.ts";
import { bookAppointment } from "./book-appointment.ts";
import { cancelAppointment } from "./cancel-appointment.ts";
import { createAppointmentType } from "./create-appointment-type.ts";
import { createTemplate } from "./create-template.ts";
import { initials } from "./render-calendar-feed.ts";
import { rescheduleAppointment } from "./reschedule-appointment.ts";

/**
 * The practitioner's iCalendar feed: created, listed and revoked by a manager; fetched without any
 * sign-in through its secret URL; shows 30 days back to 180 days ahead in UTC, only the visit type and
 * the patient's initials; every fetch audited; a revoked or unknown secret is a plain 404.
 *
 * The clock starts at 2026-03-02T15:00Z; the seeded location is in America/Chicago.
 */
describe(`practitioner calendar feed (${dialect})`, () => {
  let services: TestServices;
  let app: FastifyInstance;
  let seed: Seed;
  let alpha: SeededOrg;
  let manager: string;
  let desk: string;
  let feedId: string;
  let feedPath: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    services = await createTestServices();
    seed = await seedTwoOrgs(services);
    alpha = seed.alpha;
    ({ app } = await createTestApp(services));
    manager = await bearer(services, alpha, alpha.users.manager.email, "manager");
    desk = await bearer(services, alpha, alpha.users["front-desk"].email, "front-desk");
    for (const org of [seed.alpha, seed.beta]) {
      const actor = cliActor(org.id);
      const type = await createAppointmentType(services, actor, {
        name: "Annual physical",
        durationMinutes: 30,
        roomRequired: false,
      });
      for (let weekday = 1; weekday <= 7; weekday++)
        await createTemplate(services, actor, {
          resourceKind: "practitioner",
          resourceId: org.practitionerId,
          locationId: org.locationId,
          weekday,
          start: "08:00",
          end: "18:00",
          effectiveFrom: "2026-01-01",
          effectiveTo: null,
        });
      const book = (patient: number, start: string, status?: "proposed") =>
        bookAppointment(services, actor, {
          patientId: org.patientIds[patient]!,
          appointmentTypeId: type.id,
          locationId: org.locationId,
          practitionerId: org.practitionerId,
          when: { start },
          ...(status ? { status } : {}),
        });
      ids[`${org.slug}-booked`] = (await book(0, "2026-03-03T15:00:00Z")).id;
      ids[`${org.slug}-proposed`] = (await book(1, "2026-03-04T16:30:00Z", "proposed")).id;
      const cancelled = await book(0, "2026-03-05T15:00:00Z");
      await cancelAppointment(services, actor, cancelled.id, { reason: "sick" });
      ids[`${org.slug}-cancelled`] = cancelled.id;
      // 197 days ahead: outside the feed now, inside it once the clock moves on.
      ids[`${org.slug}-far`] = (await book(1, "2026-09-15T14:00:00Z")).id;
    }
  });
  afterAll(async () => {
    await app?.close();
    await closeTestServices(services);
  });

  const fetchFeed = (path: string) => app.inject({ method: "GET", url: path, remoteAddress: "10.9.8.7" });
  const events = (ics: string) =>
    ics
      .replace(/\r\n[ \t]/g, "")
      .split("BEGIN:VEVENT")
      .slice(1)
      .map((e) => e.split("END:VEVENT")[0]!);

  it("initials are the first letter of the given and family names", () => {
    expect(initials("Robin", "CANARY-alpha")).toBe("R.C.");
    expect(initials("élodie", "o'brien")).toBe("É.O.");
    expect(initials("", "")).toBe("?");
  });

  it("a manager creates a feed and gets its secret URL once; the list never shows it", async () => {
    const created = await asBearer(app, manager, "POST", "/api/calendar-feeds", {
      practitionerId: alpha.practitionerId,
    });
    expect(created.statusCode, created.body).toBe(201);
    const body = created.json() as { id: string; url: string };
    expect(body.url).toMatch(/^http:\/\/[^/]+\/calendar\/[A-Za-z0-9_-]{43}\.ics$/);
    feedId = body.id;
    feedPath = new URL(body.url).pathname;
    const list = await asBearer(app, manager, "GET", "/api/calendar-feeds");
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual({
      items: [
        {
          id: feedId,
          practitionerId: alpha.practitionerId,
          practitionerName: "Patalpha Practitioner-alpha",
          createdAt: expect.any(String),
          revokedAt: null,
        },
      ],
      total: 1,
    });
    const secret = feedPath.slice("/calendar/".length, -".ics".length);
    expect(list.body).not.toContain(secret);
    const row = await services.systemDb
      .selectFrom("calendar_feeds")
      .selectAll()
      .where("id", "=", feedId)
      .executeTakeFirstOrThrow();
    expect(row.token_hash).not.toContain(secret);
    expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("refuses roles without scheduling:manage, non-practitioners and other organizations' practitioners", async () => {
    const r = await asBearer(app, desk, "POST", "/api/calendar-feeds", {
      practitionerId: alpha.practitionerId,
    });
    expect(r.statusCode).toBe(403);
    expect((await asBearer(app, desk, "GET", "/api/calendar-feeds")).statusCode).toBe(403);
    for (const practitionerId of [seed.beta.practitionerId, alpha.staffId, randomUUID()]) {
      const x = await asBearer(app, manager, "POST", "/api/calendar-feeds", { practitionerId });
      expect(x.statusCode, x.body).toBe(404);
      expect(x.json().error.message).toBe("No practitioner with that id.");
    }
    const bad = await asBearer(app, manager, "POST", "/api/calendar-feeds", {
      practitionerId: "x",
      extra: 1,
    });
    expect(bad.statusCode).toBe(400);
  });

  it("serves the practitioner's events in UTC with initials only, no-store, and audits the fetch", async () => {
    const seq = await auditSeq(services, alpha.id);
    const r = await fetchFeed(feedPath);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.headers["content-type"]).toBe("text/calendar; charset=utf-8");
    expect(r.headers["cache-control"]).toBe("no-store");
    const ics = r.body;
    expect(ics.startsWith("BEGIN:VCALENDAR\r\n")).toBe(true);
    expect(ics).toContain("VERSION:2.0");
    expect(ics.trimEnd().endsWith("END:VCALENDAR")).toBe(true);
    const evs = events(ics);
    expect(evs).toHaveLength(2);
    const [booked, proposed] = evs as [string, string];
    expect(booked).toContain(`UID:${ids["alpha-booked"]}@salus`);
    expect(booked).toContain("DTSTART:20260303T150000Z");
    expect(booked).toContain("DTEND:20260303T153000Z");
    expect(booked).toContain("SEQUENCE:1");
    expect(booked).toContain("STATUS:CONFIRMED");
    expect(booked).toContain("SUMMARY:Annual physical (R.C.)");
    expect(proposed).toContain(`UID:${ids["alpha-proposed"]}@salus`);
    expect(proposed).toContain("DTSTART:20260304T163000Z");
    expect(proposed).toContain("STATUS:TENTATIVE");
    expect(proposed).toContain("SUMMARY:Annual physical (J.C.)");
    // Every time is UTC; no local-zone times, no names, birth dates or other organizations' visits.
    for (const line of ics.split("\r\n").filter((l) => /^(DTSTART|DTEND|DTSTAMP)/.test(l)))
      expect(line).toMatch(/:\d{8}T\d{6}Z$/);
    expect(ics).not.toContain("TZID");
    for (const needle of [
      ...alpha.canaries,
      ...seed.beta.canaries,
      "Robin",
      "Jamie",
      "1980",
      "1975",
      ids["alpha-cancelled"]!,
      ids["alpha-far"]!,
      ids["beta-booked"]!,
    ])
      expect(ics).not.toContain(needle);

    const entries = await auditAfter(services, alpha.id, seq);
    const reads = entries.filter((e) => e.action === "calendar_feed.read");
    expect(reads).toHaveLength(1);
    const read = reads[0]!;
    expect(read.outcome).toBe("success");
    expect(read.resource_id).toBe(feedId);
    expect(read.actor).toBe(`calendar-feed:${feedId}`);
    expect(read.ip).toBe("10.9.8.7");
    expect(JSON.parse(read.detail ?? "{}")).toMatchObject({
      practitionerId: alpha.practitionerId,
      count: 2,
      patientIds: [alpha.patientIds[0], alpha.patientIds[1]],
    });
  });

  it("a change bumps SEQUENCE; the window follows the clock (30 days back, 180 ahead)", async () => {
    await rescheduleAppointment(services, cliActor(alpha.id), ids["alpha-booked"]!, {
      when: { start: "2026-03-03T17:00:00Z" },
    });
    const moved = events((await fetchFeed(feedPath)).body).find((e) => e.includes(ids["alpha-booked"]!))!;
    expect(moved).toContain("DTSTART:20260303T170000Z");
    expect(moved).toContain("SEQUENCE:2");
    const start = services.clock();
    services.clock.set("2026-04-10T12:00:00Z");
    try {
      const later = events((await fetchFeed(feedPath)).body);
      expect(later).toHaveLength(1);
      expect(later[0]).toContain(`UID:${ids["alpha-far"]}@salus`);
      expect(later[0]).toContain("DTSTART:20260915T140000Z");
    } finally {
      services.clock.set(start);
    }
  });

  it("an unknown or malformed secret is a 404 that looks like any other; revoking makes the URL 404", async () => {
    const shape = (r: LightMyRequestResponse) => ({
      status: r.statusCode,
      error: { ...r.json().error, requestId: "" },
    });
    const unknown = await fetchFeed(`/calendar/${"A".repeat(43)}.ics`);
    expect(unknown.statusCode).toBe(404);
    for (const path of ["/calendar/short.ics", `/calendar/${"A".repeat(43)}`, "/calendar/%00.ics"])
      expect(shape(await fetchFeed(path)), path).toEqual(shape(unknown));

    const seq = await auditSeq(services, alpha.id);
    const revoked = await asBearer(app, manager, "DELETE", `/api/calendar-feeds/${feedId}`);
    expect(revoked.statusCode).toBe(204);
    const after = await fetchFeed(feedPath);
    expect(shape(after)).toEqual(shape(unknown));
    expect(after.body).not.toContain("VCALENDAR");
    const entries = await auditAfter(services, alpha.id, seq);
    expect(entries.map((e) => [e.action, e.outcome])).toEqual([["calendar_feed.revoke", "success"]]);
    expect((await asBearer(app, manager, "DELETE", `/api/calendar-feeds/${feedId}`)).statusCode).toBe(404);
    const list = (await asBearer(app, manager, "GET", "/api/calendar-feeds")).json();
    expect(list.items[0].revokedAt).toEqual(expect.any(String));
  });

  it("another organization's manager can neither list nor revoke alpha's feeds", async () => {
    const created = await asBearer(app, manager, "POST", "/api/calendar-feeds", {
      practitionerId: alpha.practitionerId,
    });
    const id = created.json().id as string;
    const betaManager = await bearer(services, seed.beta, seed.beta.users.manager.email, "manager");
    expect((await asBearer(app, betaManager, "GET", "/api/calendar-feeds")).json()).toEqual({
      items: [],
      total: 0,
    });
    const r = await asBearer(app, betaManager, "DELETE", `/api/calendar-feeds/${id}`);
    expect(r.statusCode).toBe(404);
    expect((await fetchFeed(new URL(created.json().url).pathname)).statusCode).toBe(200);
  });
});

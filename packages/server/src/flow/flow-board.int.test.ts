import { request } from "node:http";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppointmentView } from "../scheduling/appointment-view.ts";
import { createFlowPractice, DAY, EIGHT, type FlowPractice, MIN } from "../testing/flow-practice.ts";
import {
  asBearer,
  asSession,
  auditAfter,
  auditSeq,
  bearer,
  closeTestServices,
  createTestApp,
  createTestServices,
  dialect,
  errorOf,
  type Seed,
  type SignedIn,
  seedTwoOrgs,
  signIn,
  type TestServices,
} from "../testing/harness.ts";
import { boardStreamTiming } from "./board-stream.ts";

/**
 * The flow board and flow steps through the HTTP API: steps in order move the appointment status through
 * the scheduling slice's path; steps out of order, a cancelled or no-show visit and a stale version answer
 * 409 with nothing written; the board shows names (audited as a PHI read), waits and expected times; the
 * event stream announces a change; another organization's ids answer 404.
 */
describe(`flow board and steps (${dialect})`, () => {
  let services: TestServices;
  let app: FastifyInstance;
  let seed: Seed;
  let desk: SignedIn;
  let deskToken: string;
  let practice: FlowPractice;
  let visits: AppointmentView[];

  const board = async () => {
    const res = await asBearer(
      app,
      deskToken,
      "GET",
      `/api/flow/board?locationId=${practice.locationId}&date=${DAY}`,
    );
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const step = (id: string, body: Record<string, unknown>) =>
    asBearer(app, deskToken, "POST", `/api/appointments/${id}/flow`, body);
  const flowRows = () => services.systemDb.selectFrom("visit_flow").selectAll().execute();

  beforeAll(async () => {
    services = await createTestServices();
    seed = await seedTwoOrgs(services);
    app = (await createTestApp(services)).app;
    practice = await createFlowPractice(services, seed);
    visits = await practice.bookDay(5);
    services.clock.set(new Date(EIGHT - 5 * MIN));
    deskToken = await bearer(services, seed.alpha, seed.alpha.users["front-desk"].email);
  });
  afterAll(async () => {
    await app?.close();
    await closeTestServices(services);
  });

  it("records steps in order, each with its time, moving the status through the one path", async () => {
    const v = visits[0]!;
    const arrived = await step(v.id, { step: "arrived", version: v.version });
    expect(arrived.statusCode, arrived.body).toBe(200);
    expect(arrived.json()).toMatchObject({
      status: "arrived",
      flowStep: "arrived",
      arrivedAt: new Date(EIGHT - 5 * MIN).toISOString(),
    });
    services.clock.set(new Date(EIGHT - 3 * MIN));
    const checked = await step(v.id, {
      step: "checked-in",
      demographicsConfirmed: true,
      insuranceConfirmed: true,
      version: arrived.json().version,
    });
    expect(checked.statusCode, checked.body).toBe(200);
    expect(checked.json()).toMatchObject({ status: "checked-in", flowStep: "checked-in" });
    services.clock.set(new Date(EIGHT + 2 * MIN));
    const roomed = await step(v.id, {
      step: "roomed",
      roomId: seed.alpha.roomId,
      version: checked.json().version,
    });
    expect(roomed.statusCode, roomed.body).toBe(200);
    expect(roomed.json()).toMatchObject({
      status: "checked-in",
      flowStep: "roomed",
      roomId: seed.alpha.roomId,
      roomName: "Exam 1",
    });
    expect(roomed.json().version).toBe(checked.json().version + 1);
    services.clock.set(new Date(EIGHT + 6 * MIN));
    const seen = await step(v.id, { step: "with-practitioner", version: roomed.json().version });
    expect(seen.statusCode, seen.body).toBe(200);
    services.clock.set(new Date(EIGHT + 26 * MIN));
    const out = await step(v.id, { step: "checked-out", version: seen.json().version });
    expect(out.statusCode, out.body).toBe(200);
    expect(out.json()).toMatchObject({
      status: "fulfilled",
      flowStep: "checked-out",
      withPractitionerAt: new Date(EIGHT + 6 * MIN).toISOString(),
      checkedOutAt: new Date(EIGHT + 26 * MIN).toISOString(),
    });
    const statuses = await services.systemDb
      .selectFrom("audit_entries")
      .select("action")
      .where("resource_id", "=", v.id)
      .where("action", "=", "flow.step")
      .where("outcome", "=", "success")
      .execute();
    expect(statuses).toHaveLength(5);
  });

  it("refuses steps out of order, stale versions and cancelled visits with 409, writing nothing", async () => {
    const v = visits[1]!;
    const before = await flowRows();
    const outOfOrder = await step(v.id, { step: "with-practitioner", version: v.version });
    expect(outOfOrder.statusCode).toBe(409);
    expect(errorOf(outOfOrder).message).toMatch(/next step/);
    const arrived = await step(v.id, { step: "arrived", version: v.version });
    expect(arrived.statusCode).toBe(200);
    const again = await step(v.id, { step: "arrived", version: arrived.json().version });
    expect(again.statusCode).toBe(409);
    expect(errorOf(again).message).toMatch(/already arrived/);
    const stale = await step(v.id, { step: "checked-in", version: v.version });
    expect(stale.statusCode).toBe(409);
    expect(errorOf(stale).message).toMatch(/changed this visit/);
    expect((await flowRows()).length).toBe(before.length + 1);
    const row = (await flowRows()).find((r) => r.appointment_id === v.id)!;
    expect(row.checked_in_at).toBeNull();

    const c = visits[4]!;
    const cancelled = await asBearer(app, deskToken, "POST", `/api/appointments/${c.id}/cancel`, {
      reason: "Sick",
    });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    const checkIn = await step(c.id, { step: "checked-in", version: cancelled.json().version });
    expect(checkIn.statusCode).toBe(409);
    expect(errorOf(checkIn).message).toMatch(/cancelled/);
    expect((await flowRows()).some((r) => r.appointment_id === c.id)).toBe(false);
    const appt = await services.systemDb
      .selectFrom("appointments")
      .select("status")
      .where("id", "=", c.id)
      .executeTakeFirstOrThrow();
    expect(appt.status).toBe("cancelled");
  });

  it("answers 400 for an empty body and 404 for another organization's appointment", async () => {
    const empty = await step(visits[2]!.id, {});
    expect(empty.statusCode).toBe(400);
    const betaDesk = await signIn(app, seed.beta.users["front-desk"].email);
    const foreign = await asSession(app, betaDesk, "POST", `/api/appointments/${visits[2]!.id}/flow`, {
      step: "arrived",
      version: visits[2]!.version,
    });
    expect(foreign.statusCode).toBe(404);
    expect(errorOf(foreign).code).toBe("not_found");
    const foreignBoard = await asSession(
      app,
      betaDesk,
      "GET",
      `/api/flow/board?locationId=${practice.locationId}&date=${DAY}`,
    );
    expect(foreignBoard.statusCode).toBe(404);
    expect((await flowRows()).some((r) => r.appointment_id === visits[2]!.id)).toBe(false);
  });

  it("shows the day with waits, lateness and expected times, audited as a PHI read", async () => {
    services.clock.set(new Date(EIGHT + 30 * MIN));
    const seq = await auditSeq(services, seed.alpha.id);
    const b = await board();
    expect(b).toMatchObject({ locationId: practice.locationId, date: DAY, timeZone: "America/Chicago" });
    expect(b.thresholds).toEqual({ waitWarnMinutes: 15, waitAlertMinutes: 30 });
    const byId = new Map(b.visits.map((v: { appointmentId: string }) => [v.appointmentId, v]));
    expect(byId.has(visits[4]!.id)).toBe(false); // cancelled
    const waiting = byId.get(visits[1]!.id) as Record<string, unknown>;
    // Arrived while the clock stood at 08:26 (the refusals test ran after the first visit's check-out).
    expect(waiting.flowStep).toBe("arrived");
    expect(waiting.waitingSince).toBe(new Date(EIGHT + 26 * MIN).toISOString());
    expect(waiting.waitingMinutes).toBe(4);
    expect(waiting.expectedStart).toBe(new Date(EIGHT + 30 * MIN).toISOString());
    const notHere = byId.get(visits[2]!.id) as Record<string, unknown>;
    expect(notHere.lateMinutes).toBe(0); // booked 08:40, now 08:30
    expect(notHere.expectedStart).toBe(new Date(EIGHT + 50 * MIN).toISOString());
    const done = byId.get(visits[0]!.id) as Record<string, unknown>;
    expect(done).toMatchObject({ status: "fulfilled", expectedStart: null, waitingSince: null });
    expect(b.practitioners).toEqual([
      expect.objectContaining({
        id: practice.docOne,
        expectedEndOfDay: new Date(EIGHT + 90 * MIN).toISOString(),
      }),
    ]);
    const entries = await auditAfter(services, seed.alpha.id, seq);
    const read = entries.find((e) => e.action === "flow.board.read")!;
    expect(read.outcome).toBe("success");
    expect(JSON.parse(read.detail!).patientIds).toContain(visits[1]!.patientId);
  });

  it("streams an event after a change, and closes cleanly", async () => {
    desk = await signIn(app, seed.alpha.users["front-desk"].email);
    await app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = app.server.address() as AddressInfo;
    const events: string[] = [];
    const waiters: { count: number; resolve: () => void }[] = [];
    const eventCount = (count: number) =>
      new Promise<void>((resolve) => {
        if (events.length >= count) resolve();
        else waiters.push({ count, resolve });
      });
    let contentType = "";
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path: `/api/flow/board/stream?locationId=${practice.locationId}&date=${DAY}`,
        headers: { cookie: desk.cookie, accept: "text/event-stream" },
      },
      (res) => {
        contentType = String(res.headers["content-type"]);
        res.setEncoding("utf8");
        let buffer = "";
        res.on("data", (chunk: string) => {
          buffer += chunk;
          let i = buffer.indexOf("\n\n");
          while (i >= 0) {
            const block = buffer.slice(0, i);
            buffer = buffer.slice(i + 2);
            if (block.startsWith("event: board")) {
              events.push(block);
              for (const w of waiters.filter((x) => events.length >= x.count)) w.resolve();
            }
            i = buffer.indexOf("\n\n");
          }
        });
      },
    );
    req.end();
    await eventCount(1);
    expect(contentType).toMatch(/text\/event-stream/);
    const versionOf = (block: string) =>
      (JSON.parse(block.split("data: ")[1]!) as { dayVersion: string }).dayVersion;
    // A flow step (published after its commit).
    const v = visits[2]!;
    const res = await step(v.id, { step: "arrived", version: v.version });
    expect(res.statusCode, res.body).toBe(200);
    await eventCount(2);
    expect(versionOf(events[1]!)).toBe((await board()).dayVersion);
    // A cancellation through the scheduling slice (its hint makes the stream re-check the day).
    const cancel = await asBearer(app, deskToken, "POST", `/api/appointments/${visits[3]!.id}/cancel`, {
      reason: "Called in",
    });
    expect(cancel.statusCode, cancel.body).toBe(200);
    // Well before the heartbeat's re-check (20 s): it came from scheduling's appointmentChanged event,
    // to which flow-events.ts subscribes (scheduling does not import flow).
    const cancelled = Date.now();
    await eventCount(3);
    expect(Date.now() - cancelled).toBeLessThan(boardStreamTiming.heartbeatMs / 2);
    expect(versionOf(events[2]!)).toBe((await board()).dayVersion);
    req.destroy();
  });

  it("ends the stream when the session ends (sign-out), at the next heartbeat", async () => {
    const { port } = app.server.address() as AddressInfo;
    const session = await signIn(app, seed.alpha.users["front-desk"].email);
    boardStreamTiming.heartbeatMs = 150;
    try {
      let opened!: () => void;
      const open = new Promise<void>((r) => (opened = r));
      const ended = new Promise<string>((resolve) => {
        const req = request(
          {
            host: "127.0.0.1",
            port,
            path: `/api/flow/board/stream?locationId=${practice.locationId}&date=${DAY}`,
            headers: { cookie: session.cookie },
          },
          (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (chunk: string) => {
              text += chunk;
              if (text.includes("event: board")) opened();
            });
            res.on("end", () => resolve(text));
          },
        );
        req.end();
      });
      let endedEarly = false;
      void ended.then(() => {
        endedEarly = true;
      });
      await open;
      // Several heartbeats with a good session: the stream stays open (and heartbeats flow).
      await new Promise((r) => setTimeout(r, 500));
      expect(endedEarly).toBe(false);
      const out = await asSession(app, session, "POST", "/api/auth/logout", {});
      expect(out.statusCode).toBeLessThan(300);
      const text = await ended;
      expect(text).toContain("event: board");
      expect(text).toContain(": heartbeat");
    } finally {
      boardStreamTiming.heartbeatMs = 20_000;
    }
  });
});

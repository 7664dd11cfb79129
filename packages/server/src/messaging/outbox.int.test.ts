import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "../db/connection.ts";
import { makeServices } from "../platform/services.ts";
import {
  auditAfter,
  auditSeq,
  closeTestServices,
  createTestServices,
  DEFAULT_START,
  dialect,
  type TestServices,
} from "../testing/harness.ts";
import { createTestPractice, type TestPractice, tempOutboxFile } from "../testing/messaging-practice.ts";
import {
  type Gateway,
  gatewayFromSetting,
  logGateway,
  maskRecipient,
  type OutboundMessage,
} from "./gateways.ts";
import { backoffMs, LEASE_MS, MAX_ATTEMPTS, runOutboxOnce, startOutboxWorker } from "./outbox-worker.ts";

/**
 * The outbox worker on a real database: due messages are sent once, concurrent workers never send the
 * same message twice (the lease claim), failures back off exponentially and never duplicate, a crashed
 * send is retried after its lease, and every attempt is audited without the message body.
 */
const MINUTE = 60_000;

describe(`outbox worker (${dialect})`, () => {
  let services: TestServices;
  let p: TestPractice;
  let appointmentId: string;
  let file: ReturnType<typeof tempOutboxFile>;

  beforeAll(async () => {
    services = await createTestServices();
    p = await createTestPractice(services, "outbox");
    // A visit on Friday 2026-03-20 (no reminders of its own are due during these tests).
    appointmentId = (await p.book(p.patients.email, "2026-03-20T15:00:00Z")).id;
  });
  afterAll(async () => {
    await closeTestServices(services);
  });
  beforeEach(async () => {
    services.clock.set(DEFAULT_START);
    file = tempOutboxFile();
    await services.systemDb.deleteFrom("outbox_messages").execute();
  });
  afterEach(() => file.remove());

  async function enqueue(n: number, availableAt = services.clock().toISOString()): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const id = randomUUID();
      ids.push(id);
      await services.systemDb
        .insertInto("outbox_messages")
        .values({
          organization_id: p.organizationId,
          id,
          dedupe_key: `test:${id}`,
          channel: "email",
          recipient: "robin@example.test",
          subject: "Appointment reminder",
          body: `SECRET-BODY-${i}`,
          appointment_id: appointmentId,
          available_at: availableAt,
          attempts: 0,
          lease_until: null,
          last_error: null,
          sent_at: null,
          cancelled_at: null,
          created_at: services.clock().toISOString(),
        })
        .execute();
    }
    return ids;
  }
  const row = (id: string) =>
    services.systemDb
      .selectFrom("outbox_messages")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirstOrThrow();

  it("sends due messages once, leaves future and cancelled ones, and audits each send without the body", async () => {
    const [due] = await enqueue(1);
    const [later] = await enqueue(
      1,
      new Date(Date.parse(DEFAULT_START.toISOString()) + MINUTE).toISOString(),
    );
    const [cancelled] = await enqueue(1);
    await services.systemDb
      .updateTable("outbox_messages")
      .set({ cancelled_at: services.clock().toISOString() })
      .where("id", "=", cancelled!)
      .execute();
    const seq = await auditSeq(services, p.organizationId);
    const gateway = gatewayFromSetting(`file:${file.path}`, { info() {} });

    expect(await runOutboxOnce(services, gateway, services.clock())).toEqual({
      claimed: 1,
      sent: 1,
      failed: 0,
    });
    expect(file.read()).toEqual([
      {
        id: due,
        dedupeKey: `test:${due}`,
        channel: "email",
        recipient: "robin@example.test",
        subject: "Appointment reminder",
        body: "SECRET-BODY-0",
      },
    ]);
    const sent = await row(due!);
    expect(sent.sent_at).toBe(services.clock().toISOString());
    expect(sent.attempts).toBe(1);
    expect(sent.lease_until).toBeNull();
    expect((await row(later!)).sent_at).toBeNull();
    expect((await row(cancelled!)).sent_at).toBeNull();

    const entries = await auditAfter(services, p.organizationId, seq);
    expect(entries.map((e) => [e.action, e.outcome, e.resource_id, e.patient_id, e.actor])).toEqual([
      ["message.send", "success", due, p.patients.email, "outbox-worker"],
    ]);
    expect(JSON.parse(entries[0]!.detail!)).toMatchObject({ channel: "email", appointmentId });
    expect(entries[0]!.detail).not.toContain("SECRET-BODY");
    expect(entries[0]!.detail).not.toContain("robin@");

    // Nothing is sent again; the later message goes out when its time comes.
    expect(await runOutboxOnce(services, gateway, services.clock())).toEqual({
      claimed: 0,
      sent: 0,
      failed: 0,
    });
    services.clock.advance(MINUTE);
    expect((await runOutboxOnce(services, gateway, services.clock())).sent).toBe(1);
    expect(file.read().map((m) => m.id)).toEqual([due, later]);
  });

  it("two (and five) workers running at once send each message exactly once", async () => {
    const ids = await enqueue(30);
    const gateway = gatewayFromSetting(`file:${file.path}`, { info() {} });
    const runs = await Promise.all([
      runOutboxOnce(services, gateway, services.clock()),
      runOutboxOnce(services, gateway, services.clock()),
    ]);
    expect(runs.reduce((n, r) => n + r.sent, 0)).toBe(30);
    const lines = file.read();
    expect(lines).toHaveLength(30);
    expect(new Set(lines.map((m) => m.id))).toEqual(new Set(ids));

    const more = await enqueue(40);
    const five = await Promise.all(
      Array.from({ length: 5 }, () => runOutboxOnce(services, gateway, services.clock())),
    );
    expect(five.reduce((n, r) => n + r.claimed, 0)).toBe(40);
    const all = file.read();
    expect(all).toHaveLength(70);
    expect(new Set(all.map((m) => m.id)).size).toBe(70);
    expect(new Set(all.slice(30).map((m) => m.id))).toEqual(new Set(more));
    const unsent = await services.systemDb
      .selectFrom("outbox_messages")
      .select("id")
      .where("sent_at", "is", null)
      .execute();
    expect(unsent).toEqual([]);
  });

  it("workers on separate database connections (as two processes would be) never send a message twice", async () => {
    const ids = await enqueue(40);
    const otherDb = openDatabase(services.config.databaseUrl);
    try {
      const other = makeServices({
        db: otherDb,
        secrets: services.secrets,
        clock: services.clock,
        config: services.config,
      });
      const gateway = gatewayFromSetting(`file:${file.path}`, { info() {} });
      const runs = await Promise.all([
        runOutboxOnce(services, gateway, services.clock()),
        runOutboxOnce(other, gateway, services.clock()),
        runOutboxOnce(other, gateway, services.clock()),
      ]);
      expect(runs.reduce((n, r) => n + r.sent, 0)).toBe(40);
      const lines = file.read();
      expect(lines).toHaveLength(40);
      expect(new Set(lines.map((m) => m.id))).toEqual(new Set(ids));
    } finally {
      await otherDb.close();
    }
  });

  it("a failing gateway is retried with backoff (1, 2, 4 … min) and never duplicates", async () => {
    const [id] = await enqueue(1);
    const delivered: OutboundMessage[] = [];
    let failuresLeft = 3;
    const flaky: Gateway = {
      name: "flaky",
      async send(m) {
        if (failuresLeft > 0) {
          failuresLeft--;
          throw new Error("provider unavailable (503)");
        }
        delivered.push(m);
      },
    };
    const seq = await auditSeq(services, p.organizationId);
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      expect(await runOutboxOnce(services, flaky, services.clock())).toMatchObject({ failed: 1 });
      const r = await row(id!);
      expect(r.attempts).toBe(attempt);
      expect(r.last_error).toBe("provider unavailable (503)");
      expect(r.lease_until).toBeNull();
      const wait = Date.parse(r.available_at) - services.clock().getTime();
      waits.push(wait);
      // Not before its time…
      services.clock.advance(wait - 1000);
      expect(await runOutboxOnce(services, flaky, services.clock())).toEqual({
        claimed: 0,
        sent: 0,
        failed: 0,
      });
      services.clock.advance(1000);
    }
    expect(waits).toEqual([MINUTE, 2 * MINUTE, 4 * MINUTE]);
    // …then once, and only once.
    expect(await runOutboxOnce(services, flaky, services.clock())).toEqual({
      claimed: 1,
      sent: 1,
      failed: 0,
    });
    expect(await runOutboxOnce(services, flaky, services.clock())).toEqual({
      claimed: 0,
      sent: 0,
      failed: 0,
    });
    expect(delivered.map((m) => [m.id, m.dedupeKey])).toEqual([[id, `test:${id}`]]);
    const r = await row(id!);
    expect(r.attempts).toBe(4);
    expect(r.last_error).toBeNull();
    const entries = await auditAfter(services, p.organizationId, seq);
    expect(entries.map((e) => [e.action, e.outcome])).toEqual([
      ["message.send", "failure"],
      ["message.send", "failure"],
      ["message.send", "failure"],
      ["message.send", "success"],
    ]);
  });

  it("backs off up to an hour and gives up after 10 attempts, leaving the message for staff", async () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => backoffMs(n) / MINUTE)).toEqual([
      1, 2, 4, 8, 16, 32, 60, 60, 60, 60,
    ]);
    const [id] = await enqueue(1);
    const down: Gateway = {
      name: "down",
      send: async () => {
        throw new Error("connection refused");
      },
    };
    for (let i = 0; i < MAX_ATTEMPTS + 3; i++) {
      await runOutboxOnce(services, down, services.clock());
      services.clock.advance(2 * 60 * MINUTE);
    }
    const r = await row(id!);
    expect(r.attempts).toBe(MAX_ATTEMPTS);
    expect(r.sent_at).toBeNull();
    expect(r.last_error).toBe("connection refused");
    // Even a working gateway no longer picks it up: staff decide.
    const ok = gatewayFromSetting(`file:${file.path}`, { info() {} });
    expect((await runOutboxOnce(services, ok, services.clock())).claimed).toBe(0);
  });

  it("a send that never finished (worker crashed) is retried after its lease, with the same dedupe key", async () => {
    const [id] = await enqueue(1);
    // A worker claimed it, called the gateway and died before recording the send.
    await services.systemDb
      .updateTable("outbox_messages")
      .set({ lease_until: new Date(services.clock().getTime() + LEASE_MS).toISOString() })
      .where("id", "=", id!)
      .execute();
    const gateway = gatewayFromSetting(`file:${file.path}`, { info() {} });
    expect((await runOutboxOnce(services, gateway, services.clock())).claimed).toBe(0);
    services.clock.advance(LEASE_MS + 1000);
    expect((await runOutboxOnce(services, gateway, services.clock())).sent).toBe(1);
    expect(file.read().map((m) => m.dedupeKey)).toEqual([`test:${id}`]);
  });

  it("startOutboxWorker runs passes until stopped", async () => {
    await enqueue(3);
    const gateway = gatewayFromSetting(`file:${file.path}`, { info() {} });
    const stop = startOutboxWorker(services, gateway, 10);
    for (let i = 0; i < 200 && file.read().length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    await stop();
    expect(file.read()).toHaveLength(3);
    await enqueue(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(file.read()).toHaveLength(3);
  });

  it("the log gateway logs id, key, channel and a masked recipient, never the body; settings are checked", async () => {
    const logged: object[] = [];
    await logGateway({ info: (o) => logged.push(o) }).send({
      id: "m1",
      dedupeKey: "k1",
      channel: "sms",
      recipient: "+1 512 555 0199",
      subject: null,
      body: "SECRET-BODY",
    });
    expect(logged).toEqual([{ messageId: "m1", dedupeKey: "k1", channel: "sms", recipient: "***0199" }]);
    expect(maskRecipient("robin@example.test")).toBe("r***@example.test");
    expect(gatewayFromSetting("log", { info() {} }).name).toBe("log");
    expect(gatewayFromSetting(undefined, { info() {} }).name).toBe("file:./data/outbox.jsonl");
    expect(() => gatewayFromSetting("smtp://mail", { info() {} })).toThrow(/SALUS_MESSAGE_GATEWAY/);
    expect(() => gatewayFromSetting("file:", { info() {} })).toThrow(/SALUS_MESSAGE_GATEWAY/);
  });
});

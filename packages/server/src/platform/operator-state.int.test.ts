import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PLATFORM_CHAIN } from "../audit/append-audit.ts";
import { verifyAuditTrail } from "../audit/verify-audit.ts";
import type { Gateway, OutboundMessage } from "../messaging/gateways.ts";
import { runOutboxOnce } from "../messaging/outbox-worker.ts";
import { closeTestServices, createTestServices, dialect, type TestServices } from "../testing/harness.ts";
import { createTestPractice, type TestPractice } from "../testing/messaging-practice.ts";
import { backupTo, readVerifiedBackup, restoreFrom } from "./backup.ts";
import { OUTBOX_PAUSED_KEY, outboxPause, resumeOutbox } from "./operator-state.ts";

/**
 * Operator safety (issue 9, item 7): a restored copy holds messages the original has already sent since
 * the backup. It must send nothing until an operator confirms it is the live copy (`salus outbox resume`).
 */
describe(`outbox paused after a restore (${dialect})`, () => {
  let services: TestServices;
  let p: TestPractice;
  let dir: string;
  const sent: OutboundMessage[] = [];
  const gateway: Gateway = {
    name: "capture",
    send: async (m) => {
      sent.push(m);
    },
  };

  beforeAll(async () => {
    services = await createTestServices();
    p = await createTestPractice(services, "paused");
    dir = mkdtempSync(join(tmpdir(), "salus-paused-"));
  });
  afterAll(async () => {
    await closeTestServices(services);
    rmSync(dir, { recursive: true, force: true });
  });

  async function enqueue(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const id = randomUUID();
      await services.systemDb
        .insertInto("outbox_messages")
        .values({
          organization_id: p.organizationId,
          id,
          dedupe_key: `test:${id}`,
          channel: "email",
          recipient: "robin@example.test",
          subject: "Appointment reminder",
          body: `reminder ${i}`,
          appointment_id: null,
          available_at: services.clock().toISOString(),
          attempts: 0,
          lease_until: null,
          last_error: null,
          sent_at: null,
          cancelled_at: null,
          created_at: services.clock().toISOString(),
        })
        .execute();
    }
  }

  it("sends nothing from a restored copy until `outbox resume`, which is audited in every trail", async () => {
    await enqueue(3);
    const file = join(dir, "before-send.backup");
    await backupTo(services.db, file, services.clock(), services.secrets.auditKey);
    // The original sends them after the backup was taken...
    expect(await runOutboxOnce(services, gateway)).toMatchObject({ sent: 3 });
    sent.length = 0;
    // ...and the practice moves to a copy restored from that backup: the messages are unsent there.
    const verified = await readVerifiedBackup(file, services.secrets.auditKey);
    await restoreFrom(services.db, verified, services.secrets.auditKey, { now: services.clock() });
    expect(await outboxPause(services.db)).toMatchObject({
      reason: "restored",
      backupCreatedAt: verified.createdAt,
    });
    expect(await runOutboxOnce(services, gateway)).toEqual({ claimed: 0, sent: 0, failed: 0, paused: true });
    expect(sent).toEqual([]);

    const result = await resumeOutbox(services);
    expect(result).toMatchObject({ resumed: true, pending: { [p.organizationId]: 3 } });
    const resumes = await services.systemDb
      .selectFrom("audit_entries")
      .select(["chain_id", "actor", "detail"])
      .where("action", "=", "outbox.resume")
      .orderBy("chain_id")
      .execute();
    expect(resumes.map((r) => r.chain_id).sort()).toEqual([p.organizationId, PLATFORM_CHAIN].sort());
    expect(resumes.every((r) => r.actor === "cli")).toBe(true);
    expect(JSON.parse(resumes.find((r) => r.chain_id === p.organizationId)!.detail!)).toMatchObject({
      reason: "restored",
      pending: 3,
    });
    expect((await verifyAuditTrail(services.db, services.secrets.auditKey)).every((v) => v.ok)).toBe(true);
    expect(await runOutboxOnce(services, gateway)).toMatchObject({ sent: 3 });
    expect(sent).toHaveLength(3);

    // Resuming an outbox that is not paused changes and audits nothing.
    expect(await resumeOutbox(services)).toMatchObject({ resumed: false });
    const count = await services.systemDb
      .selectFrom("audit_entries")
      .select("seq")
      .where("action", "=", "outbox.resume")
      .execute();
    expect(count).toHaveLength(2);
  });

  it("a pause that lands during a pass stops the claims that follow it", async () => {
    sent.length = 0;
    await enqueue(3);
    // A restore committing while a pass is running: the first send is followed by the pause.
    const pausing: Gateway = {
      name: "pausing",
      send: async (m) => {
        sent.push(m);
        if (sent.length === 1) {
          await services.systemDb
            .insertInto("operator_state")
            .values({
              key: OUTBOX_PAUSED_KEY,
              value: JSON.stringify({ reason: "restored" }),
              updated_at: services.clock().toISOString(),
            })
            .execute();
        }
      },
    };
    expect(await runOutboxOnce(services, pausing)).toMatchObject({ claimed: 1, sent: 1 });
    expect(sent).toHaveLength(1);
    await resumeOutbox(services);
    expect(await runOutboxOnce(services, gateway)).toMatchObject({ sent: 2 });
  });
});

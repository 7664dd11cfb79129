import { appendAudit, PLATFORM_CHAIN } from "../audit/append-audit.ts";
import type { Db } from "../db/connection.ts";
import { inTransaction, type Trx } from "../db/transaction.ts";
import type { Services } from "./services.ts";

/**
 * Installation-wide switches the operator owns (table `operator_state`, migration 0010-operator).
 *
 * The outbox pause: a restored copy holds the outbox of the day its backup was made, including messages
 * the original has sent since (their `sent_at` was written after the backup). Sending them again would
 * remind patients twice or confirm a visit that moved, so `restoreFrom` sets `outbox-paused` in the
 * restore's own transaction and nothing leaves until an operator who knows which copy is live runs
 * `salus outbox resume`.
 */
export const OUTBOX_PAUSED_KEY = "outbox-paused";

export interface OutboxPause {
  reason: string;
  restoredAt?: string;
  backupCreatedAt?: string;
  since: string;
}

/** The outbox pause, or null when messages may leave. */
export async function outboxPause(db: Db | Trx): Promise<OutboxPause | null> {
  const kysely = "kysely" in db ? db.kysely : db;
  const row = await kysely
    .selectFrom("operator_state")
    .select(["value", "updated_at"])
    .where("key", "=", OUTBOX_PAUSED_KEY)
    .executeTakeFirst();
  if (!row) return null;
  return { ...(JSON.parse(row.value) as Omit<OutboxPause, "since">), since: row.updated_at };
}

export interface OutboxResume {
  /** False when the outbox was not paused (nothing changed, nothing audited). */
  resumed: boolean;
  pause: OutboxPause | null;
  /** Messages waiting to leave, per organization id. */
  pending: Record<string, number>;
}

/**
 * Lets the outbox send again (`salus outbox resume`). Audited in every organization's trail (whose
 * patients' messages are about to leave) and in the platform trail, in the transaction that lifts it.
 */
export async function resumeOutbox(services: Services, now: Date = services.clock()): Promise<OutboxResume> {
  return inTransaction(services.db, async (trx) => {
    const pause = await outboxPause(trx);
    if (!pause) return { resumed: false, pause: null, pending: {} };
    await trx.deleteFrom("operator_state").where("key", "=", OUTBOX_PAUSED_KEY).execute();
    const counts = await trx
      .selectFrom("outbox_messages")
      .select((eb) => ["organization_id", eb.fn.countAll().as("n")])
      .where("sent_at", "is", null)
      .where("cancelled_at", "is", null)
      .groupBy("organization_id")
      .execute();
    const pending = Object.fromEntries(counts.map((c) => [c.organization_id, Number(c.n)]));
    const orgs = await trx.selectFrom("organizations").select("id").orderBy("id").execute();
    for (const organizationId of [...orgs.map((o) => o.id), null]) {
      await appendAudit(trx, services.audit, {
        at: now.toISOString(),
        organizationId,
        userId: null,
        actor: "cli",
        action: "outbox.resume",
        resourceType: "Outbox",
        resourceId: organizationId ?? PLATFORM_CHAIN,
        patientId: null,
        outcome: "success",
        ip: null,
        requestId: null,
        detail: JSON.stringify({
          via: "cli",
          pausedSince: pause.since,
          reason: pause.reason,
          pending: organizationId
            ? (pending[organizationId] ?? 0)
            : Object.values(pending).reduce((a, b) => a + b, 0),
        }),
      });
    }
    return { resumed: true, pause, pending };
  });
}

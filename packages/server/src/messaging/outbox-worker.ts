import { appendAudit } from "../audit/append-audit.ts";
import type { OutboxMessagesTable } from "../db/schema.ts";
import { inTransaction, type Trx } from "../db/transaction.ts";
import { OUTBOX_PAUSED_KEY, outboxPause } from "../platform/operator-state.ts";
import type { Services } from "../platform/services.ts";
import type { Gateway } from "./gateways.ts";

/**
 * The outbox worker: sends due messages of every organization, at least once, never twice at the same
 * time. Each message is claimed by one conditional UPDATE (a lease of LEASE_MS): only one worker's UPDATE
 * can match a row that is unsent, not cancelled and not leased, so two workers (two processes, or a timer
 * firing while the previous run is still going) never send the same message concurrently. If a worker
 * dies after sending but before recording it, the lease runs out and another worker sends again with the
 * same dedupe key, which a real provider uses as its idempotency key (REL-TX-01, REL-JOB-01).
 *
 * A failed send is retried with exponential backoff (1 min, 2, 4 … capped at 1 h); after MAX_ATTEMPTS the
 * message stays in the outbox, unsent, with its last error, for staff to look at.
 */
export const LEASE_MS = 60_000;
export const MAX_ATTEMPTS = 10;
/** A send must finish well within the lease, or another worker could claim the same message. */
export const SEND_TIMEOUT_MS = 30_000;
const BATCH = 100;
const MINUTE = 60_000;

/** Delay before the next try after `attempts` failed tries: 1 min, 2, 4, … capped at 1 h. */
export function backoffMs(attempts: number): number {
  return Math.min(MINUTE * 2 ** Math.max(0, attempts - 1), 60 * MINUTE);
}

export interface OutboxRun {
  claimed: number;
  sent: number;
  failed: number;
  /** Set when nothing was claimed because the outbox is paused (a restored copy; `salus outbox resume`). */
  paused?: true;
}

type Message = OutboxMessagesTable;

async function claim(services: Services, m: Message, now: Date): Promise<boolean> {
  const nowIso = now.toISOString();
  const result = await services.systemDb
    .updateTable("outbox_messages")
    .set({ lease_until: new Date(now.getTime() + LEASE_MS).toISOString() })
    .where("organization_id", "=", m.organization_id)
    .where("id", "=", m.id)
    .where("sent_at", "is", null)
    .where("cancelled_at", "is", null)
    .where("attempts", "<", MAX_ATTEMPTS)
    .where("available_at", "<=", nowIso)
    .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<", nowIso)]))
    // Checked in the claim itself too: a restore that commits while a pass is running pauses the outbox,
    // and no message of the restored copy may be claimed after that, even by a pass that began before.
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom("operator_state").select("key").where("key", "=", OUTBOX_PAUSED_KEY))),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`gateway did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function patientOf(services: Services, m: Message): Promise<string | null> {
  if (!m.appointment_id) return null;
  const row = await services.systemDb
    .selectFrom("appointments")
    .select("patient_id")
    .where("organization_id", "=", m.organization_id)
    .where("id", "=", m.appointment_id)
    .executeTakeFirst();
  return row?.patient_id ?? null;
}

/** The audit entry of one send attempt: who (the worker), which message and patient, the channel; never the body. */
function auditOf(m: Message, patientId: string | null, at: Date, outcome: "success" | "failure", extra = {}) {
  return {
    at: at.toISOString(),
    organizationId: m.organization_id,
    userId: null,
    actor: "outbox-worker",
    action: "message.send",
    resourceType: "OutboxMessage",
    resourceId: m.id,
    patientId,
    outcome,
    ip: null,
    requestId: null,
    detail: JSON.stringify({
      via: "worker",
      channel: m.channel,
      dedupeKey: m.dedupe_key,
      appointmentId: m.appointment_id,
      attempt: m.attempts + 1,
      ...extra,
    }),
  };
}

/**
 * Records a send's outcome and its audit entry in one transaction, queued behind the organization's other
 * audited writes (PostgreSQL advisory lock). Retried a few times: if it still fails, the lease runs out and
 * the message is sent again with the same dedupe key (at least once), which is better than never.
 */
async function record(services: Services, organizationId: string, fn: (trx: Trx) => Promise<void>) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await inTransaction(services.db, fn, { serializeOn: organizationId });
    } catch (error) {
      if (attempt >= 3) throw error;
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }
}

/** One pass: claims every due message (up to a batch), sends it, records the outcome. */
export async function runOutboxOnce(
  services: Services,
  gateway: Gateway,
  now: Date = services.clock(),
): Promise<OutboxRun> {
  // A restored copy sends nothing until an operator confirms it is the live one (`salus outbox resume`).
  if (await outboxPause(services.db)) return { claimed: 0, sent: 0, failed: 0, paused: true };
  const nowIso = now.toISOString();
  const due = await services.systemDb
    .selectFrom("outbox_messages")
    .selectAll()
    .where("sent_at", "is", null)
    .where("cancelled_at", "is", null)
    .where("attempts", "<", MAX_ATTEMPTS)
    .where("available_at", "<=", nowIso)
    .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<", nowIso)]))
    .orderBy("available_at")
    .orderBy("id")
    .limit(BATCH)
    .execute();
  const run: OutboxRun = { claimed: 0, sent: 0, failed: 0 };
  for (const m of due) {
    // A slow pass must not hand out leases that have already run out: lease from the time of the claim.
    const claimAt = new Date(Math.max(now.getTime(), services.clock().getTime()));
    if (!(await claim(services, m, claimAt))) continue;
    run.claimed++;
    const patientId = await patientOf(services, m);
    try {
      await withTimeout(
        gateway.send({
          id: m.id,
          dedupeKey: m.dedupe_key,
          channel: m.channel,
          recipient: m.recipient,
          subject: m.subject,
          body: m.body,
        }),
        SEND_TIMEOUT_MS,
      );
    } catch (error) {
      run.failed++;
      const attempts = m.attempts + 1;
      const message = (error instanceof Error ? error.message : String(error)).slice(0, 500);
      await record(services, m.organization_id, async (trx) => {
        await trx
          .updateTable("outbox_messages")
          .set({
            attempts,
            last_error: message,
            lease_until: null,
            available_at: new Date(now.getTime() + backoffMs(attempts)).toISOString(),
          })
          .where("organization_id", "=", m.organization_id)
          .where("id", "=", m.id)
          .where("sent_at", "is", null)
          .execute();
        await appendAudit(
          trx,
          services.audit,
          auditOf(m, patientId, now, "failure", {
            gateway: gateway.name,
            gaveUp: attempts >= MAX_ATTEMPTS,
          }),
        );
      });
      continue;
    }
    await record(services, m.organization_id, async (trx) => {
      await trx
        .updateTable("outbox_messages")
        .set({ sent_at: now.toISOString(), lease_until: null, attempts: m.attempts + 1, last_error: null })
        .where("organization_id", "=", m.organization_id)
        .where("id", "=", m.id)
        .where("sent_at", "is", null)
        .execute();
      await appendAudit(
        trx,
        services.audit,
        auditOf(m, patientId, now, "success", { gateway: gateway.name }),
      );
    });
    run.sent++;
  }
  return run;
}

export interface WorkerLogger {
  error(obj: object, msg?: string): void;
}

/**
 * Runs `runOutboxOnce` every `intervalMs` (never two passes of this worker at once; other workers are kept
 * apart by the claim). Answers a stop function that waits for a pass in progress to finish.
 */
export function startOutboxWorker(
  services: Services,
  gateway: Gateway,
  intervalMs: number,
  logger?: WorkerLogger,
): () => Promise<void> {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = (async () => {
      try {
        await runOutboxOnce(services, gateway, services.clock());
      } catch (error) {
        logger?.error({ err: error }, "outbox worker pass failed");
      }
    })().finally(() => {
      if (!stopped) timer = setTimeout(tick, intervalMs).unref();
    });
  };
  timer = setTimeout(tick, 0).unref();
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    await running;
  };
}

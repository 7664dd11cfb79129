import type { Db } from "../db/connection.ts";
import { inTransaction } from "../db/transaction.ts";
import { type AuditInput, type AuditWriter, appendAuditEntries, PLATFORM_CHAIN } from "./append-audit.ts";

/**
 * Group commit of audit entries that have no write of their own to share a transaction with: audited reads
 * (audited() with `readOnly`), refusals and standalone events. The caller awaits `commitAuditEntry`, which
 * settles only when the transaction holding its entry has committed (or failed: then the caller gets the
 * error, never the data). Entries that arrive while a batch is being committed wait for the next batch, so
 * under load N concurrent requests of a chain cost one transaction (one head update, one insert statement,
 * one WAL flush) instead of N one after another; a lone request is committed at once, without a delay.
 *
 * Per chain (organization) at most CONCURRENT_BATCHES batches are in flight: one on SQLite (one writer
 * anyway), two on PostgreSQL, each in its own stripe (db/transaction.ts `auditChain`). Two, not more: a
 * batch costs seven round trips whatever its size, so fewer, fuller batches cost each read less.
 */
const MAX_BATCH = 256;

interface Pending {
  input: AuditInput;
  resolve(): void;
  reject(error: unknown): void;
}

interface ChainQueue {
  pending: Pending[];
  running: number;
}

const queues = new WeakMap<Db, Map<string, ChainQueue>>();

export function commitAuditEntry(db: Db, writer: AuditWriter, input: AuditInput): Promise<void> {
  const chain = input.organizationId ?? PLATFORM_CHAIN;
  let byChain = queues.get(db);
  if (!byChain) {
    byChain = new Map();
    queues.set(db, byChain);
  }
  let q = byChain.get(chain);
  if (!q) {
    q = { pending: [], running: 0 };
    byChain.set(chain, q);
  }
  const queue = q;
  const settled = new Promise<void>((resolve, reject) => {
    queue.pending.push({ input, resolve, reject });
  });
  const limit = db.dialect === "postgres" ? 2 : 1;
  if (queue.running < limit) {
    queue.running++;
    const start = () =>
      void drain(db, writer, chain, queue, () => {
        if (queue.running === 0 && queue.pending.length === 0) byChain.delete(chain);
      });
    // SQLite answers synchronously, so a request runs from its parsed HTTP message to this point without
    // ever yielding to the event loop: started at once, every batch would hold exactly one entry. The
    // drain starts after the current I/O phase instead (setImmediate), by when the other requests read
    // in the same turn have queued their entries too; a lone request waits for nothing but that turn.
    if (db.dialect === "sqlite") setImmediate(start);
    else start();
  }
  return settled;
}

/**
 * Commits batches until the queue is empty. `running` is given back in the same synchronous step that finds
 * the queue empty, so an entry queued just after is never left without a drainer.
 */
async function drain(
  db: Db,
  writer: AuditWriter,
  chain: string,
  q: ChainQueue,
  done: () => void,
): Promise<void> {
  for (;;) {
    if (q.pending.length === 0) {
      q.running--;
      done();
      return;
    }
    const batch = q.pending.splice(0, MAX_BATCH);
    try {
      await inTransaction(
        db,
        (trx) =>
          appendAuditEntries(
            trx,
            writer,
            batch.map((p) => p.input),
          ),
        { auditChain: chain },
      );
      for (const p of batch) p.resolve();
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        continue;
      }
      // One entry the database refuses must fail only its own request: commit them one by one.
      for (const p of batch) {
        try {
          await inTransaction(db, (trx) => appendAuditEntries(trx, writer, [p.input]), {
            auditChain: chain,
          });
          p.resolve();
        } catch (e) {
          p.reject(e);
        }
      }
    }
  }
}

import {
  type Kysely,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  sql,
  type UnknownRow,
} from "kysely";
import type { Db } from "./connection.ts";
import type { Database } from "./schema.ts";

/** A connection inside a transaction; repositories and audit take this, never the pool. */
export type Trx = Kysely<Database>;

const RETRYABLE_PG_CODES = new Set(["40001", "40P01"]);
const MAX_ATTEMPTS = 8;
/** Attempts of a transaction retrying behind its organization's other retrying transactions. */
const MAX_CONTENDED_ATTEMPTS = 30;

function pgCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined;
}

export interface TransactionOptions {
  /**
   * PostgreSQL: writers naming the same key (an organization's audit chain) queue on an advisory lock
   * taken BEFORE the transaction's snapshot. Every audited write updates its chain head, so without this
   * N concurrent writers of one organization would mostly fail serialization and retry N times over; with
   * it they run one after another and none fails. (SQLite's `begin immediate` already queues writers.)
   */
  serializeOn?: string | null | undefined;
  /**
   * The audit chain the transaction appends to (an organization id, or "platform"). PostgreSQL: the
   * transaction takes one of the chain's AUDIT_STRIPES stripes (a sub-chain with its own head, see
   * audit/append-audit.ts), the first whose advisory lock is free, before its snapshot; appendAudit then
   * extends that stripe. So up to AUDIT_STRIPES audited transactions of one organization run at once
   * instead of one after another, and none fails serialization on a chain head. Stripe 0 is the chain
   * itself and its lock is the one `serializeOn: organizationId` takes, so callers still naming the
   * organization in serializeOn stay mutually exclusive with stripe 0. SQLite: ignored (one writer).
   */
  auditChain?: string | null | undefined;
  /**
   * PostgreSQL: advisory locks on these keys, taken in sorted order BEFORE the snapshot (and before the
   * audit stripe) and held until the transaction ends. For writers that would each read what the other
   * writes, e.g. two bookings of one practitioner's day: each reads the day's holds and inserts one, so
   * serializable isolation lets one of them fail and retry (a third of the bench's bookings did, some
   * after 30 attempts); queued on the practitioner's key, the second reads the first's hold and none
   * fails. Only ordering: the exclusion constraints and the serializable check stay the guarantee.
   * SQLite: ignored (one writer at a time already).
   */
  lockKeys?: readonly string[] | undefined;
}

/** Sub-chains per audit chain on PostgreSQL (more than the pool's 10 connections: a free one is found at once). */
export const AUDIT_STRIPES = 16;

/** The id of stripe `k` of chain `chainId`: the chain itself for 0, else `<chainId>.<k>`. */
export function stripeId(chainId: string, k: number): string {
  return k === 0 ? chainId : `${chainId}.${k}`;
}

/** The chain a stripe belongs to (`<org>.3` → `<org>`; a chain id without a stripe suffix is itself). */
export function baseChainOf(chainId: string): string {
  return chainId.replace(/\.\d+$/, "");
}

/** The stripe each PostgreSQL transaction holds (set per attempt, read by appendAudit). */
const heldStripes = new WeakMap<Trx, string>();

/** The audit stripe `trx` holds the lock of, if it was opened with `auditChain` on PostgreSQL. */
export function stripeOf(trx: Trx): string | undefined {
  return heldStripes.get(trx);
}

/**
 * Runs `fn` in one write transaction. SQLite: `begin immediate`, so the write lock is taken up front and
 * two writers can never both read-then-write (Kysely's own `begin` is deferred). PostgreSQL: serializable
 * isolation, and a serialization failure or deadlock is retried with jitter, so it never reaches the user
 * as an error.
 */
export async function inTransaction<T>(
  db: Db,
  fn: (trx: Trx) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  if (db.dialect === "sqlite") {
    return db.kysely.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn);
      try {
        const result = await fn(conn);
        await sql`commit`.execute(conn);
        return result;
      } catch (error) {
        await sql`rollback`.execute(conn);
        throw error;
      }
    });
  }
  const chain = options.auditChain;
  const keys = [...new Set(options.lockKeys ?? [])].sort();
  if (chain) {
    return db.kysely.connection().execute(async (conn) => {
      await lockKeys(conn, keys);
      let stripe: string;
      try {
        stripe = await lockStripe(conn, chain);
      } catch (error) {
        await unlockKeys(conn, keys);
        throw error;
      }
      const attempt = (trx: Trx) => {
        heldStripes.set(trx, stripe);
        return fn(trx);
      };
      try {
        try {
          return await serializableWithRetry(conn, attempt, 1);
        } catch (error) {
          const code = pgCode(error);
          if (!code || !RETRYABLE_PG_CODES.has(code)) throw error;
        }
        // Transactions of one organization now run side by side, so two that read what the other writes
        // (two bookings checking overlapping calendars) can fail serialization. Such a transaction retries
        // queued behind the organization's other retrying transactions, so a hot spot degrades to the old
        // one-at-a-time order instead of failing after MAX_ATTEMPTS.
        const retryKey = `${chain}:retry`;
        await sql`select pg_advisory_lock(hashtext(${retryKey}))`.execute(conn);
        try {
          return await serializableWithRetry(conn, attempt, MAX_CONTENDED_ATTEMPTS);
        } finally {
          await sql`select pg_advisory_unlock(hashtext(${retryKey}))`.execute(conn);
        }
      } finally {
        await unlockKeys(conn, [stripe, ...keys]);
      }
    });
  }
  const key = options.serializeOn;
  if (key) {
    return db.kysely.connection().execute(async (conn) => {
      await sql`select pg_advisory_lock(hashtext(${key}))`.execute(conn);
      try {
        return await serializableWithRetry(conn, fn);
      } finally {
        await sql`select pg_advisory_unlock(hashtext(${key}))`.execute(conn);
      }
    });
  }
  return serializableWithRetry(db.kysely, fn);
}

/** Waits for the advisory lock of each key, in the (sorted) order given: one round trip. */
async function lockKeys(conn: Trx, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  // The select list is evaluated left to right, so every caller takes the locks in the same order.
  await sql`select ${sql.join(keys.map((k) => sql`pg_advisory_lock(hashtext(${k}))`))}`.execute(conn);
}

/** Releases the advisory locks of these keys (one round trip). */
async function unlockKeys(conn: Trx, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  await sql`select ${sql.join(keys.map((k) => sql`pg_advisory_unlock(hashtext(${k}))`))}`.execute(conn);
}

/**
 * Takes the first free stripe of `chain` (one round trip: the scan stops at the first lock it gets), or,
 * when all are busy, waits for a random one other than 0. An uncontended caller always gets stripe 0, so
 * a quiet practice's entries stay in its one chain.
 */
async function lockStripe(conn: Trx, chain: string): Promise<string> {
  const free = await sql<{ k: number }>`
    select k from generate_series(0, ${AUDIT_STRIPES - 1}::int) as k
    where pg_try_advisory_lock(hashtext(case when k = 0 then ${chain}::text else ${chain}::text || '.' || k end))
    limit 1`.execute(conn);
  const k = free.rows[0]?.k;
  if (k !== undefined) return stripeId(chain, Number(k));
  const stripe = stripeId(chain, 1 + Math.floor(Math.random() * (AUDIT_STRIPES - 1)));
  await sql`select pg_advisory_lock(hashtext(${stripe}))`.execute(conn);
  return stripe;
}

async function serializableWithRetry<T>(
  kysely: Trx,
  fn: (trx: Trx) => Promise<T>,
  maxAttempts = MAX_ATTEMPTS,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await kysely.transaction().setIsolationLevel("serializable").execute(fn);
    } catch (error) {
      const code = pgCode(error);
      if (!code || !RETRYABLE_PG_CODES.has(code) || attempt >= maxAttempts) throw error;
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 5 * 2 ** attempt)));
    }
  }
}

/**
 * Refuses a second statement: an operation declared `oneStatement` runs without a transaction on
 * PostgreSQL, where only a single statement is one snapshot. A programming error (read in one statement,
 * or drop the declaration), found by its tests on PostgreSQL.
 */
class OneStatement implements KyselyPlugin {
  #sent = 0;
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (++this.#sent > 1)
      throw new Error("An audited read declared oneStatement sent a second statement (audit/audited.ts).");
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

/**
 * Like inSnapshot, but a write inside `fn` fails instead of being silently rolled back: SQLite runs the
 * snapshot on its read-only connection (for `:memory:`, with `pragma query_only` on); PostgreSQL's snapshot
 * is a read-only transaction, or, for an operation declared `oneStatement`, its single statement sent
 * without BEGIN and COMMIT on the read-only pool (a second statement is refused). For audited reads
 * (audit/audited.ts `readOnly`), whose entry is committed afterwards by the group committer.
 */
export async function inReadOnlySnapshot<T>(
  db: Db,
  fn: (trx: Trx) => Promise<T>,
  options: { oneStatement?: boolean | undefined } = {},
): Promise<T> {
  if (options.oneStatement && db.readKysely && db.dialect === "postgres") {
    // No BEGIN and COMMIT (two of a patient read's four round trips): the one statement the operation
    // may send is a snapshot of its own, read-only by its session's default (db/connection.ts).
    return fn(db.readKysely.withPlugin(new OneStatement()));
  }
  if (db.readKysely) {
    // The read-only connection (db/connection.ts): no pragma to switch on and off, no wait for the writer.
    return db.readKysely.connection().execute(async (conn) => {
      await sql`begin`.execute(conn);
      try {
        return await fn(conn);
      } finally {
        await sql`rollback`.execute(conn);
      }
    });
  }
  if (db.dialect === "sqlite") {
    return db.kysely.connection().execute(async (conn) => {
      await sql`pragma query_only = 1`.execute(conn);
      try {
        await sql`begin`.execute(conn);
        try {
          return await fn(conn);
        } finally {
          await sql`rollback`.execute(conn);
        }
      } finally {
        await sql`pragma query_only = 0`.execute(conn);
      }
    });
  }
  return inSnapshot(db, fn);
}

/**
 * Runs `fn` on one consistent snapshot without writing: SQLite `begin` (deferred, a read snapshot in WAL
 * mode), PostgreSQL repeatable read. Used by backup and by reads that write no audit entry.
 */
export async function inSnapshot<T>(db: Db, fn: (trx: Trx) => Promise<T>): Promise<T> {
  if (db.dialect === "sqlite") {
    return db.kysely.connection().execute(async (conn) => {
      await sql`begin`.execute(conn);
      try {
        return await fn(conn);
      } finally {
        await sql`rollback`.execute(conn);
      }
    });
  }
  return db.kysely.transaction().setIsolationLevel("repeatable read").setAccessMode("read only").execute(fn);
}

import { type Kysely, sql } from "kysely";
import type { Db } from "./connection.ts";
import type { Database } from "./schema.ts";

/** A connection inside a transaction; repositories and audit take this, never the pool. */
export type Trx = Kysely<Database>;

const RETRYABLE_PG_CODES = new Set(["40001", "40P01"]);
const MAX_ATTEMPTS = 8;

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

async function serializableWithRetry<T>(kysely: Trx, fn: (trx: Trx) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await kysely.transaction().setIsolationLevel("serializable").execute(fn);
    } catch (error) {
      const code = pgCode(error);
      if (!code || !RETRYABLE_PG_CODES.has(code) || attempt >= MAX_ATTEMPTS) throw error;
      await new Promise((r) => setTimeout(r, Math.random() * 5 * 2 ** attempt));
    }
  }
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

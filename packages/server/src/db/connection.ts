import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import type { Database } from "./schema.ts";

export type DialectName = "sqlite" | "postgres";

export interface Db {
  kysely: Kysely<Database>;
  dialect: DialectName;
  /** What the URL points at, without credentials (for logs and `salus` messages). */
  description: string;
  /** The better-sqlite3 handle when on SQLite (online backup uses it). */
  sqlite?: SqliteDatabase.Database;
  /**
   * A number that moves on whenever who-may-do-what may have changed: before (and, on PostgreSQL, again
   * after the commit of) any statement of this process writing `api_tokens`, `users`, `memberships` or
   * `organizations` (activity stamps aside), and on SQLite whenever another process committed anything to
   * the file (`pragma data_version`). What is cached under one value is stale under the next (auth/bearer.ts).
   */
  authEpoch: () => number;
  /**
   * How long something cached under an unchanged epoch may be trusted, for changes made by OTHER processes
   * that the epoch cannot see: none on SQLite (data_version sees them), 1 s on PostgreSQL (issue 18, several
   * server processes, should replace this bound with LISTEN/NOTIFY from a trigger on those tables).
   */
  authCacheMaxAgeMs: number;
  /**
   * Connections for audited reads (db/transaction.ts `inReadOnlySnapshot`) on which a write fails.
   * SQLite file databases: a second connection opened read-only (SQLITE_READONLY on a write); in WAL mode
   * it reads a consistent snapshot beside the writer instead of queueing behind its transactions on the
   * one connection. PostgreSQL: a pool of its own whose sessions start with
   * `default_transaction_read_only` on, so a statement sent without BEGIN is still read-only.
   */
  readKysely?: Kysely<Database>;
  close(): Promise<void>;
}

const TIMESTAMPTZ_OID = 1184;
const TIMESTAMP_OID = 1114;
const INT8_OID = 20;
const DATE_OID = 1082;
const NUMERIC_OID = 1700;

/**
 * PostgreSQL answers are parsed to the same JavaScript values SQLite gives: counts and bigints as
 * numbers, timestamps as ISO strings in UTC, dates as plain `YYYY-MM-DD` (never a Date at midnight in the
 * server's time zone).
 */
const pgTypes = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === TIMESTAMPTZ_OID || oid === TIMESTAMP_OID) {
      return (v: string) => new Date(oid === TIMESTAMP_OID ? `${v}Z` : v).toISOString();
    }
    if (oid === INT8_OID || oid === NUMERIC_OID) return (v: string) => Number(v);
    if (oid === DATE_OID) return (v: string) => v;
    return pg.types.getTypeParser(oid, format);
  },
};

/** Prepared statements kept per SQLite connection (the distinct statements the app sends, with room). */
const STATEMENT_CACHE_SIZE = 1000;

/**
 * Kysely's SQLite driver prepares every statement anew, and preparing (parsing and planning the SQL)
 * cost more than running the statement on a patient read (better-sqlite3 `prepare` was 13% of the
 * request's CPU). A statement compiled from the same builder chain has the same text, so the prepared
 * statement is kept by its text and reused; at most STATEMENT_CACHE_SIZE, least recently used dropped
 * first (an `in (?, ?, …)` list of every length is a statement of its own). Safe to share: the one
 * connection runs one statement at a time (Kysely queues them), a statement keeps no state between runs,
 * a statement still being iterated is never handed out twice, and SQLite re-prepares a cached
 * statement itself when a migration changes the schema.
 */
function withStatementCache(sqlite: SqliteDatabase.Database, onAuthWrite: () => void) {
  const cache = new Map<string, { statement: SqliteDatabase.Statement; writesAuth: boolean }>();
  return {
    close: () => {
      cache.clear();
      sqlite.close();
    },
    prepare(text: string) {
      let entry = cache.get(text);
      // A statement still iterating (a streamed query) cannot run again meanwhile: give the caller a
      // fresh one (and cache that).
      if (entry && !entry.statement.busy) {
        cache.delete(text);
      } else {
        entry = { statement: sqlite.prepare(text), writesAuth: writesAuthTables(text) };
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      }
      cache.set(text, entry);
      // Before it runs: a lookup queued behind it on the one connection then reads the new state, and a
      // statement rolled back only costs a cache miss.
      if (entry.writesAuth) onAuthWrite();
      return entry.statement;
    },
  };
}

/** Tables whose rows decide whether a bearer token is still good (its user, membership and organization). */
const AUTH_WRITE =
  /\b(insert\s+(or\s+\w+\s+)?into|replace\s+into|update|delete\s+from|alter\s+table|drop\s+table)\s+"?(api_tokens|users|memberships|organizations)"?[\s(]/i;
/** The two activity stamps written on use (bearer.ts, resolve-session.ts): they change nobody's rights. */
const ACTIVITY_STAMP =
  /^update "(api_tokens|sessions)" set "(last_used_at|last_activity_at)" = \? where "id" = \?$/;

/**
 * PostgreSQL: moves the auth epoch before a statement that writes an auth table runs, and again once it is
 * committed (after its own completion outside a transaction, else after the transaction's COMMIT or
 * ROLLBACK): a lookup on another connection that ran meanwhile read the old rows, and must not be filed
 * under the epoch that follows the commit.
 */
function watchAuthWrites(client: pg.PoolClient, bump: () => void): void {
  const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
  let inTransaction = false;
  let dirty = false;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const text = typeof args[0] === "string" ? args[0] : "";
    const verb = text.slice(0, 8).toLowerCase();
    let after = false;
    if (verb.startsWith("begin") || verb.startsWith("start tr")) inTransaction = true;
    else if (verb.startsWith("commit") || verb.startsWith("rollback")) {
      inTransaction = false;
      after = dirty;
      dirty = false;
    } else if (writesAuthTables(text)) {
      bump();
      if (inTransaction) dirty = true;
      else after = true;
    }
    const result = query(...args);
    if (after && result && typeof (result as Promise<unknown>).finally === "function")
      (result as Promise<unknown>).finally(bump).catch(() => {});
    return result;
  };
}

/** Whether a statement may change who may do what (conservative: any write naming an auth table). */
export function writesAuthTables(text: string): boolean {
  return AUTH_WRITE.test(text) && !ACTIVITY_STAMP.test(text);
}

/** Opens the database named by a `sqlite:PATH` or `postgres://…` URL. */
export function openDatabase(url: string): Db {
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
    const pool = new pg.Pool({ connectionString: url, max: 10, types: pgTypes });
    // An idle client that errors (server restart) must not crash the process.
    pool.on("error", () => {});
    let authEpoch = 0;
    pool.on("connect", (client) => watchAuthWrites(client, () => authEpoch++));
    const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const readPool = new pg.Pool({
      connectionString: url,
      max: 10,
      types: pgTypes,
      options: "-c default_transaction_read_only=on",
    });
    readPool.on("error", () => {});
    const readKysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool: readPool }) });
    const parsed = new URL(url);
    return {
      kysely,
      dialect: "postgres",
      description: `PostgreSQL ${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`,
      readKysely,
      authEpoch: () => authEpoch,
      authCacheMaxAgeMs: 1000,
      close: async () => {
        await readKysely.destroy();
        await kysely.destroy();
      },
    };
  }
  if (url.startsWith("sqlite:")) {
    const path = url.slice("sqlite:".length);
    if (!path) throw new Error("SALUS_DATABASE_URL sqlite: needs a path, e.g. sqlite:./data/salus.db");
    if (path !== ":memory:") mkdirSync(dirname(resolve(path)), { recursive: true });
    const sqlite = new SqliteDatabase(path);
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("synchronous = NORMAL");
    sqlite.pragma("foreign_keys = ON");
    // Another process (the CLI while the server runs) may hold the write lock briefly.
    sqlite.pragma("busy_timeout = 5000");
    let localAuthWrites = 0;
    const kysely = new Kysely<Database>({
      dialect: new SqliteDialect({
        database: withStatementCache(sqlite, () => {
          localAuthWrites++;
        }),
      }),
    });
    // Opened after the writer set WAL mode (a read-only connection cannot). Not for `:memory:`, which
    // would be another, empty database.
    let reader: SqliteDatabase.Database | undefined;
    if (path !== ":memory:") {
      reader = new SqliteDatabase(path, { readonly: true, fileMustExist: true });
      reader.pragma("busy_timeout = 5000");
    }
    const readKysely = reader
      ? new Kysely<Database>({
          dialect: new SqliteDialect({ database: withStatementCache(reader, () => {}) }),
        })
      : undefined;
    // Changes when ANOTHER connection (the CLI, a second server) commits to the file; never for our own.
    const dataVersion = sqlite.prepare("pragma data_version").pluck();
    let seenVersion = -1;
    let epoch = 0;
    let seenLocal = 0;
    return {
      kysely,
      dialect: "sqlite",
      description: `SQLite ${path === ":memory:" ? path : resolve(path)}`,
      sqlite,
      authEpoch() {
        const v = dataVersion.get() as number;
        if (v !== seenVersion || localAuthWrites !== seenLocal) {
          seenVersion = v;
          seenLocal = localAuthWrites;
          epoch++;
        }
        return epoch;
      },
      authCacheMaxAgeMs: Number.POSITIVE_INFINITY,
      readKysely,
      close: async () => {
        await readKysely?.destroy();
        await kysely.destroy();
      },
    };
  }
  throw new Error(`SALUS_DATABASE_URL must start with sqlite: or postgres://, got "${url.split(":")[0]}:…"`);
}

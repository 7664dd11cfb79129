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
function withStatementCache(sqlite: SqliteDatabase.Database) {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => {
      cache.clear();
      sqlite.close();
    },
    prepare(text: string) {
      let statement = cache.get(text);
      // A statement still iterating (a streamed query) cannot run again meanwhile: give the caller a
      // fresh one (and cache that).
      if (statement && !statement.busy) {
        cache.delete(text);
      } else {
        statement = sqlite.prepare(text);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      }
      cache.set(text, statement);
      return statement;
    },
  };
}

/** Opens the database named by a `sqlite:PATH` or `postgres://…` URL. */
export function openDatabase(url: string): Db {
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
    const pool = new pg.Pool({ connectionString: url, max: 10, types: pgTypes });
    // An idle client that errors (server restart) must not crash the process.
    pool.on("error", () => {});
    const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const parsed = new URL(url);
    return {
      kysely,
      dialect: "postgres",
      description: `PostgreSQL ${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`,
      close: () => kysely.destroy(),
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
    const kysely = new Kysely<Database>({
      dialect: new SqliteDialect({ database: withStatementCache(sqlite) }),
    });
    return {
      kysely,
      dialect: "sqlite",
      description: `SQLite ${path === ":memory:" ? path : resolve(path)}`,
      sqlite,
      close: () => kysely.destroy(),
    };
  }
  throw new Error(`SALUS_DATABASE_URL must start with sqlite: or postgres://, got "${url.split(":")[0]}:…"`);
}

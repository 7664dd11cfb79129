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
    const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
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

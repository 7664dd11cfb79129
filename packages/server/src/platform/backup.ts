import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";
import { sql } from "kysely";
import { entryHash, genesisHash, headMac } from "../audit/chain.ts";
import type { Db, DialectName } from "../db/connection.ts";
import { LATEST_MIGRATION } from "../db/run-migrations.ts";
import { type Database, TABLES_IN_ORDER } from "../db/schema.ts";
import { inSnapshot, inTransaction, type Trx } from "../db/transaction.ts";
import { OUTBOX_PAUSED_KEY } from "./operator-state.ts";

/**
 * Logical backups, streamed: every table read on one snapshot (consistent while the server keeps
 * writing) and written row by row as gzip'd JSON lines, so memory stays bounded whatever the size of the
 * practice (documents included). The format is the same for SQLite and PostgreSQL, so a backup also moves
 * a practice from one to the other.
 *
 * Format 2 (one JSON value per line, gzip'd):
 *   {"format":"salus-backup","version":2,"createdAt":…,"migration":…,"sourceDialect":…,"tables":[…]}
 *   then for each table, in TABLES_IN_ORDER:
 *   {"table":"organizations"}
 *   {"r":{…row…}}                                   one line per row, in primary-key order
 *   {"end":"organizations","count":N,"sha256":…}     SHA-256 of the rows' JSON, each followed by "\n"
 *   and last {"sha256":…,"seal":…}: the SHA-256 of every byte above it, and its HMAC under the audit key.
 * Rows are ordered by primary key in byte order (PostgreSQL `collate "C"`, SQLite's binary collation), so
 * the same data gives the same lines and the same table checksums on either database.
 *
 * A restore reads the file twice, streaming both times: first it checks everything (structure, schema
 * version, table checksums, the overall checksum, the keyed seal, the audit chains with this
 * installation's key) without touching the database; then, in one transaction, it replaces all data,
 * checking the same sums again as it goes, so a file changed between the two reads rolls back.
 */
const FORMAT = "salus-backup";
const VERSION = 2;
/** The largest line a reader accepts: a document's row is at most ~14 MB (10 MB sealed, in base64). */
const MAX_LINE_BYTES = 64 * 1024 * 1024;
/** Keys read per fetch from PostgreSQL's cursor, and rows read per query (small for document rows). */
const KEYS_PER_FETCH = 1000;
const ROWS_PER_QUERY = 500;
const LARGE_ROWS_PER_QUERY: Partial<Record<keyof Database, number>> = { clinical_documents: 2 };
/** Restore inserts at most this many rows, or about this many bytes, per statement. */
const INSERT_ROWS = 200;
const INSERT_BYTES = 8 * 1024 * 1024;
/** Lines are gathered into chunks of about this size before gzip, so small rows are not one write each. */
const CHUNK_BYTES = 256 * 1024;

type Row = Record<string, unknown>;

function sealOf(key: Buffer, sha256: string): string {
  return createHmac("sha256", key).update(`salus-backup:${sha256}`).digest("hex");
}

export class BackupError extends Error {}

export interface BackupSummary {
  file: string;
  tables: Record<string, number>;
  sha256: string;
}

export interface BackupOptions {
  /** Called after each table is written (progress; a test also makes a backup fail mid-way with it). */
  onTable?: (table: string, rows: number) => void | Promise<void>;
}

interface KeyColumn {
  name: string;
  /** A text column: ordered with `collate "C"` on PostgreSQL, so the order is byte order on both. */
  collatable: boolean;
}

/** The primary-key columns of a table, in key order. Backups page and order every table by them. */
async function primaryKeyOf(trx: Trx, dialect: DialectName, table: string): Promise<KeyColumn[]> {
  let columns: KeyColumn[];
  if (dialect === "sqlite") {
    const { rows } = await sql<{ name: string }>`
      select name from pragma_table_info(${table}) where pk > 0 order by pk`.execute(trx);
    columns = rows.map((r) => ({ name: r.name, collatable: false }));
  } else {
    const { rows } = await sql<{ name: string; collatable: boolean }>`
      select a.attname as name, a.attcollation <> 0 as collatable
      from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
      where i.indrelid = to_regclass(${table}::text) and i.indisprimary
      order by array_position(i.indkey::int2[], a.attnum)`.execute(trx);
    columns = rows;
  }
  if (columns.length === 0) throw new Error(`Table ${table} has no primary key; a backup pages by it.`);
  return columns;
}

const ident = (name: string) => sql.id(name);

/** Every row of `table`, in primary-key byte order, a few at a time. */
async function* tableRows(trx: Trx, db: Db, table: keyof Database): AsyncGenerator<Row> {
  const key = await primaryKeyOf(trx, db.dialect, table);
  if (db.dialect === "sqlite") {
    // One statement stepped row by row: better-sqlite3 hands over one row at a time, on the snapshot
    // this connection holds (the `begin` of inSnapshot, on the same handle).
    const order = key.map((k) => `"${k.name.replaceAll('"', '""')}"`).join(", ");
    const stmt = db.sqlite!.prepare(`select * from "${table}" order by ${order}`);
    for (const row of stmt.iterate()) yield row as Row;
    return;
  }
  const keyList = sql.join(
    key.map((k) => (k.collatable ? sql`${ident(k.name)} collate "C"` : ident(k.name))),
  );
  if (LARGE_ROWS_PER_QUERY[table] === undefined) {
    // PostgreSQL, ordinary rows: one cursor over the whole rows in byte order, fetched a page at a time.
    // (Fetching keys and then rows by key costs a query per 500 rows: the demo's 630,000 rows took over
    // two minutes that way, against seconds through one cursor.)
    await sql`declare salus_backup_rows no scroll cursor for
      select * from ${sql.table(table)} order by ${keyList}`.execute(trx);
    try {
      for (;;) {
        const { rows } =
          await sql<Row>`fetch ${sql.raw(String(KEYS_PER_FETCH))} from salus_backup_rows`.execute(trx);
        if (rows.length === 0) break;
        yield* rows;
      }
    } finally {
      await sql`close salus_backup_rows`.execute(trx);
    }
    return;
  }
  // PostgreSQL, large rows (documents): a cursor over the keys only (sorted once, in byte order, spilling
  // to disk if large), then the rows by key a few at a time, so a table of large documents is never held
  // at once.
  await sql`declare salus_backup_keys no scroll cursor for
    select ${sql.join(key.map((k) => ident(k.name)))} from ${sql.table(table)} order by ${keyList}`.execute(
    trx,
  );
  const perQuery = LARGE_ROWS_PER_QUERY[table] ?? ROWS_PER_QUERY;
  const keyOf = (r: Row) => JSON.stringify(key.map((k) => r[k.name]));
  try {
    for (;;) {
      const { rows: keys } =
        await sql<Row>`fetch ${sql.raw(String(KEYS_PER_FETCH))} from salus_backup_keys`.execute(trx);
      if (keys.length === 0) break;
      for (let i = 0; i < keys.length; i += perQuery) {
        const batch = keys.slice(i, i + perQuery);
        const tuples = batch.map((k) => sql`(${sql.join(key.map((c) => k[c.name]))})`);
        const { rows } = await sql<Row>`select * from ${sql.table(table)}
          where (${sql.join(key.map((k) => ident(k.name)))}) in (${sql.join(tuples)})`.execute(trx);
        const byKey = new Map(rows.map((r) => [keyOf(r), r]));
        for (const k of batch) {
          const row = byKey.get(keyOf(k));
          if (!row) throw new Error(`Row ${keyOf(k)} of ${table} vanished inside the backup's snapshot.`);
          byKey.delete(keyOf(k));
          yield row;
        }
      }
    }
  } finally {
    await sql`close salus_backup_keys`.execute(trx);
  }
}

/**
 * Writes a backup sealed with `key` (the audit key: kept outside the database and its backups). The file
 * is written beside the target under a temporary name, fsynced, renamed over the target and the directory
 * fsynced: the target is either the previous file or the whole new backup, never a part; on failure the
 * temporary file is removed.
 */
export async function backupTo(
  db: Db,
  file: string,
  now: Date,
  key: Buffer,
  options: BackupOptions = {},
): Promise<BackupSummary> {
  const dir = dirname(file);
  const tmp = join(dir, `.${basename(file)}.${randomBytes(6).toString("hex")}.partial`);
  const counts: Record<string, number> = {};
  let sha256 = "";
  try {
    await inSnapshot(db, async (trx) => {
      const whole = createHash("sha256");
      async function* lines(): AsyncGenerator<string> {
        let pending: string[] = [];
        let pendingBytes = 0;
        const flush = function* () {
          if (pending.length) yield pending.join("");
          pending = [];
          pendingBytes = 0;
        };
        const emit = function* (line: string, hashed = true) {
          if (hashed) whole.update(line);
          if (line.length >= CHUNK_BYTES) {
            // A large row (a document) goes out alone: joining it with small ones would copy it again.
            yield* flush();
            yield line;
            return;
          }
          pending.push(line);
          pendingBytes += line.length;
          if (pendingBytes >= CHUNK_BYTES) yield* flush();
        };
        const header = {
          format: FORMAT,
          version: VERSION,
          createdAt: now.toISOString(),
          migration: LATEST_MIGRATION,
          sourceDialect: db.dialect,
          tables: TABLES_IN_ORDER,
        };
        yield* emit(`${JSON.stringify(header)}\n`);
        for (const table of TABLES_IN_ORDER) {
          yield* emit(`${JSON.stringify({ table })}\n`);
          const tableHash = createHash("sha256");
          let count = 0;
          for await (const row of tableRows(trx, db, table)) {
            const json = JSON.stringify(row);
            tableHash.update(json);
            tableHash.update("\n");
            count++;
            yield* emit(`{"r":${json}}\n`);
          }
          counts[table] = count;
          yield* emit(`${JSON.stringify({ end: table, count, sha256: tableHash.digest("hex") })}\n`);
          await options.onTable?.(table, count);
        }
        sha256 = whole.digest("hex");
        // Plain checksums only catch damage: anyone could edit a row and recompute them. The keyed seal
        // makes an edited backup unacceptable to restore without the key.
        yield* emit(`${JSON.stringify({ sha256, seal: sealOf(key, sha256) })}\n`, false);
        yield* flush();
      }
      await pipeline(
        // Byte mode, not Readable.from's default object mode: object mode buffers 16 chunks whatever their
        // size (16 documents of 14 MB), byte mode about one.
        Readable.from(lines(), { objectMode: false, highWaterMark: CHUNK_BYTES }),
        // Level 1: documents (most of the bytes) are already compressed or encrypted; speed matters more.
        createGzip({ level: 1 }),
        createWriteStream(tmp, { flags: "wx", mode: 0o600 }),
      );
    });
    // fsync applies to the file, whichever descriptor asks: the bytes are on disk before the rename.
    const handle = await open(tmp, "r+");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (error) {
    await unlink(tmp).catch(() => {});
    throw error;
  }
  // The rename is durable only once the directory itself is on disk.
  const dirHandle = await open(dir, "r");
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
  return { file, tables: counts, sha256 };
}

const V1_PREFIX = Buffer.from('{"format":"salus-backup","version":1');

/** The file's lines (gunzipped, without "\n"), streamed; a line never exceeds MAX_LINE_BYTES. */
async function* readLines(file: string): AsyncGenerator<Buffer> {
  const source = createReadStream(file, { highWaterMark: 1024 * 1024 });
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  source.on("error", (error) => gunzip.destroy(error));
  source.pipe(gunzip);
  let parts: Buffer[] = [];
  let partBytes = 0;
  let first = true;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      if (first) {
        first = false;
        if (chunk.subarray(0, V1_PREFIX.length).equals(V1_PREFIX)) {
          throw new BackupError(
            `${file} was made by an older Salus (backup format 1, one JSON document); this Salus restores format 2. Restore it with the Salus version that made it, then take a new backup.`,
          );
        }
      }
      let start = 0;
      for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
        parts.push(chunk.subarray(start, nl));
        yield parts.length === 1 ? parts[0]! : Buffer.concat(parts);
        parts = [];
        partBytes = 0;
        start = nl + 1;
      }
      if (start < chunk.length) {
        parts.push(chunk.subarray(start));
        partBytes += chunk.length - start;
        if (partBytes > MAX_LINE_BYTES) throw new Error(`a line is longer than ${MAX_LINE_BYTES} bytes`);
      }
    }
  } finally {
    source.destroy();
    gunzip.destroy();
  }
  if (partBytes > 0) throw new Error("the file ends in the middle of a line");
}

export interface VerifiedBackup {
  file: string;
  createdAt: string;
  migration: string;
  sourceDialect: string;
  sha256: string;
  tables: Record<string, number>;
}

interface ScanHandlers {
  /** Each row's JSON (as written, UTF-8), table by table in TABLES_IN_ORDER. */
  row?(table: keyof Database, json: Buffer): Promise<void> | void;
  tableEnd?(table: keyof Database): Promise<void> | void;
}

interface ChainState {
  chainId: string;
  prevHash: string;
  seq: number;
}

/**
 * Streams through a backup checking everything; calls `handlers` on the way. Structural problems stop
 * it at once; the sums are judged at the end, in the order that names the real cause: overall checksum,
 * then seal (the key), then the tables, then the audit chains.
 */
async function scanBackup(file: string, auditKey: Buffer, handlers: ScanHandlers): Promise<VerifiedBackup> {
  const notBackup = (why: string) =>
    new BackupError(`${file} is not a Salus backup (cannot be read: ${why}).`);
  const whole = createHash("sha256");
  let lines: AsyncGenerator<Buffer>;
  let header: {
    format?: unknown;
    version?: unknown;
    createdAt: string;
    migration: string;
    sourceDialect: string;
    tables?: unknown;
  };
  const tables: Record<string, number> = {};
  let tableProblem: string | null = null;
  let auditProblem: string | null = null;
  const heads = new Map<string, { seq: number; hash: string; mac: string }>();
  const chainsSeen = new Set<string>();
  let chain: ChainState | null = null;
  let trailer: { sha256?: unknown; seal?: unknown } | undefined;

  const auditFail = (message: string) => {
    auditProblem ??= message;
  };
  const finishChain = () => {
    if (!chain) return;
    const head = heads.get(chain.chainId);
    if (!head) auditFail(`chain ${chain.chainId} has entries but no head`);
    else if (headMac(auditKey, chain.chainId, head.seq, head.hash) !== head.mac)
      auditFail(`the head of chain ${chain.chainId} does not verify`);
    else if (head.seq !== chain.seq || head.hash !== chain.prevHash)
      auditFail(`chain ${chain.chainId} ends at entry ${chain.seq}, its head says ${head.seq}`);
    chain = null;
  };
  const auditEntry = (e: Row) => {
    const chainId = String(e.chain_id);
    if (chain?.chainId !== chainId) {
      finishChain();
      if (chainsSeen.has(chainId)) return auditFail(`chain ${chainId} is out of order`);
      chainsSeen.add(chainId);
      chain = { chainId, prevHash: genesisHash(auditKey, chainId), seq: 0 };
    }
    const state = chain as ChainState;
    const seq = Number(e.seq);
    const content = {
      chainId,
      at: String(e.at),
      organizationId: (e.organization_id as string | null) ?? null,
      userId: (e.user_id as string | null) ?? null,
      actor: (e.actor as string | null) ?? null,
      action: String(e.action),
      resourceType: (e.resource_type as string | null) ?? null,
      resourceId: (e.resource_id as string | null) ?? null,
      patientId: (e.patient_id as string | null) ?? null,
      outcome: e.outcome as "success",
      ip: (e.ip as string | null) ?? null,
      requestId: (e.request_id as string | null) ?? null,
      detail: (e.detail as string | null) ?? null,
    };
    if (seq !== state.seq + 1) return auditFail(`chain ${chainId} skips from entry ${state.seq} to ${seq}`);
    if (e.prev_hash !== state.prevHash || entryHash(auditKey, content, state.prevHash) !== e.hash)
      return auditFail(`entry ${seq} of chain ${chainId} does not verify`);
    state.seq = seq;
    state.prevHash = String(e.hash);
  };

  try {
    lines = readLines(file);
    // Lines are hashed as the bytes they are; only the small ones (and audit rows) become strings, so a
    // document's row is never copied more than it must be.
    const next = async (): Promise<Buffer> => {
      const r = await lines.next();
      if (r.done) throw notBackup("the file ends early");
      whole.update(r.value);
      whole.update("\n");
      return r.value;
    };
    const ROW_PREFIX = Buffer.from('{"r":');
    const CLOSE = "}".charCodeAt(0);
    const parse = (line: Buffer): Record<string, unknown> => {
      const value = JSON.parse(line.toString("utf8"));
      if (typeof value !== "object" || value === null || Array.isArray(value))
        throw notBackup("a line is not an object");
      return value;
    };
    let line = await next();
    header = parse(line) as typeof header;
    if (header.format !== FORMAT || header.version !== VERSION)
      throw new BackupError(`${file} is not a Salus backup of a version this Salus reads.`);
    if (header.migration !== LATEST_MIGRATION) {
      throw new BackupError(
        `The backup is at schema ${header.migration}, this Salus at ${LATEST_MIGRATION}; restore it with the matching Salus version.`,
      );
    }
    if (JSON.stringify(header.tables) !== JSON.stringify(TABLES_IN_ORDER))
      throw notBackup("its list of tables is not this schema's");
    for (const table of TABLES_IN_ORDER) {
      line = await next();
      if (line.toString("utf8") !== JSON.stringify({ table }))
        throw notBackup(`table ${table} is missing or out of place`);
      const tableHash = createHash("sha256");
      let count = 0;
      for (;;) {
        line = await next();
        if (!line.subarray(0, ROW_PREFIX.length).equals(ROW_PREFIX)) break;
        if (line[line.length - 1] !== CLOSE) throw notBackup(`a row of ${table} is cut short`);
        const json = line.subarray(ROW_PREFIX.length, line.length - 1);
        tableHash.update(json);
        tableHash.update("\n");
        count++;
        if (table === "audit_heads") {
          const h = JSON.parse(json.toString("utf8")) as Row;
          heads.set(String(h.chain_id), { seq: Number(h.seq), hash: String(h.hash), mac: String(h.mac) });
        } else if (table === "audit_entries") {
          auditEntry(JSON.parse(json.toString("utf8")) as Row);
        }
        await handlers.row?.(table, json);
      }
      const end = parse(line);
      if (end.end !== table) throw notBackup(`the rows of ${table} do not end where they should`);
      if (end.count !== count || end.sha256 !== tableHash.digest("hex"))
        tableProblem ??= `Table ${table} in the backup fails its checksum: the file was altered or damaged.`;
      if (table === "audit_entries") {
        finishChain();
        for (const [chainId, head] of heads) {
          if (!chainsSeen.has(chainId) && head.seq !== 0)
            auditFail(`chain ${chainId} has a head at entry ${head.seq} but no entries`);
        }
      }
      tables[table] = count;
      await handlers.tableEnd?.(table);
    }
    const last = await lines.next();
    if (last.done) throw notBackup("the file ends early");
    trailer = parse(last.value);
    if (!(await lines.next()).done) throw notBackup("there is more after its seal");
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw notBackup(error instanceof Error ? error.message : String(error));
  }
  const sha256 = whole.digest("hex");
  if (trailer.sha256 !== sha256)
    throw new BackupError("The backup's overall checksum does not match: the file was altered or damaged.");
  const expected = Buffer.from(sealOf(auditKey, sha256));
  const seal = trailer.seal;
  if (
    typeof seal !== "string" ||
    seal.length !== expected.length ||
    !timingSafeEqual(Buffer.from(seal), expected)
  ) {
    throw new BackupError(
      "The backup's seal does not verify with this installation's key: it was altered, or made by another installation.",
    );
  }
  if (tableProblem) throw new BackupError(tableProblem);
  if (auditProblem) {
    throw new BackupError(
      `The backup's audit trail does not verify with this installation's audit key (${auditProblem}). Was it made with another key?`,
    );
  }
  return {
    file,
    createdAt: header.createdAt,
    migration: header.migration,
    sourceDialect: header.sourceDialect,
    sha256,
    tables,
  };
}

/** Reads a backup through once and fully verifies it; throws BackupError naming the first problem. */
export async function readVerifiedBackup(file: string, auditKey: Buffer): Promise<VerifiedBackup> {
  return scanBackup(file, auditKey, {});
}

export interface RestoreOptions {
  /** When the restore happens (recorded with the outbox pause). */
  now: Date;
  /** Called after each table is inserted (a test also makes a restore fail mid-way with it). */
  onTable?: (table: string, rows: number) => void | Promise<void>;
}

/** Runs `fn` with the audit table's delete guard lifted, inside the caller's transaction. */
export async function withAuditDeletesAllowed<T>(
  trx: Trx,
  dialect: DialectName,
  fn: () => Promise<T>,
): Promise<T> {
  // The audit table refuses deletes; a restore (or an operator's demo rollback) is the one sanctioned
  // replacement, done by the owner, and the guard is back before the transaction commits.
  if (dialect === "postgres") {
    await sql`alter table audit_entries disable trigger audit_entries_append_only`.execute(trx);
  } else {
    await sql`drop trigger audit_entries_no_delete`.execute(trx);
  }
  const result = await fn();
  if (dialect === "postgres") {
    await sql`alter table audit_entries enable trigger audit_entries_append_only`.execute(trx);
  } else {
    await sql`create trigger audit_entries_no_delete before delete on audit_entries
      begin select raise(abort, 'audit entries are append-only'); end`.execute(trx);
  }
  return result;
}

/**
 * Replaces the database's contents with a verified backup, all in one transaction, streaming the file a
 * second time (its sums are checked again; any difference rolls everything back). The restored copy
 * starts with its outbox paused: nothing is sent until an operator runs `salus outbox resume`.
 */
export async function restoreFrom(
  db: Db,
  backup: VerifiedBackup,
  auditKey: Buffer,
  options: RestoreOptions,
): Promise<Record<string, number>> {
  await inTransaction(db, async (trx) => {
    await withAuditDeletesAllowed(trx, db.dialect, async () => {
      for (const t of [...TABLES_IN_ORDER].reverse()) await trx.deleteFrom(t).execute();
      let batch: Row[] = [];
      let batchBytes = 0;
      const flush = async (table: keyof Database) => {
        if (batch.length)
          await trx
            .insertInto(table)
            .values(batch as never)
            .execute();
        batch = [];
        batchBytes = 0;
      };
      const again = await scanBackup(backup.file, auditKey, {
        row: async (table, json) => {
          batch.push(JSON.parse(json.toString("utf8")) as Row);
          batchBytes += json.length;
          if (batch.length >= INSERT_ROWS || batchBytes >= INSERT_BYTES) await flush(table);
        },
        tableEnd: async (table) => {
          await flush(table);
          await options.onTable?.(table, backup.tables[table] ?? 0);
        },
      });
      if (again.sha256 !== backup.sha256)
        throw new BackupError("The backup file changed while it was being restored; nothing was changed.");
    });
    await trx.deleteFrom("operator_state").where("key", "=", OUTBOX_PAUSED_KEY).execute();
    await trx
      .insertInto("operator_state")
      .values({
        key: OUTBOX_PAUSED_KEY,
        value: JSON.stringify({
          reason: "restored",
          restoredAt: options.now.toISOString(),
          backupCreatedAt: backup.createdAt,
        }),
        updated_at: options.now.toISOString(),
      })
      .execute();
  });
  return backup.tables;
}

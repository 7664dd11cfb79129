import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { gunzipSync, gzipSync } from "node:zlib";
import { type ChainedEntry, verifyChain } from "@salus/core";
import { sql } from "kysely";
import type { Db } from "../db/connection.ts";
import { LATEST_MIGRATION } from "../db/migrate.ts";
import { type Database, TABLES_IN_ORDER } from "../db/schema.ts";
import { inSnapshot, inTransaction, type Trx } from "../db/transaction.ts";

/**
 * Logical backups: every table read on one snapshot (consistent while the server keeps writing), written
 * as gzip'd JSON with a SHA-256 per table and for the whole. The format is the same for SQLite and
 * PostgreSQL, so a backup also moves a practice from one to the other. A restore checks the checksums,
 * the schema version and the audit chains (with this installation's audit key) before it touches
 * anything, then replaces all data in one transaction.
 */
const FORMAT = "salus-backup";
const VERSION = 1;

type Rows = Record<string, unknown>[];
interface BackupFile {
  format: string;
  version: number;
  createdAt: string;
  migration: string;
  sourceDialect: string;
  tables: Record<string, { count: number; sha256: string; rows: Rows }>;
  sha256: string;
  /** HMAC-SHA256 of `sha256` under the audit key: only this installation can make a backup it accepts. */
  seal: string;
}

function sealOf(key: Buffer, sha256: string): string {
  return createHmac("sha256", key).update(`salus-backup:${sha256}`).digest("hex");
}

function digest(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex");
}

async function readTable(trx: Trx, table: keyof Database): Promise<Rows> {
  // Order by every primary-key column the tables have in common, so two backups of the same data match.
  const rows = (await trx.selectFrom(table).selectAll().execute()) as Rows;
  return rows.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}

export interface BackupSummary {
  file: string;
  tables: Record<string, number>;
  sha256: string;
}

/** Writes a backup sealed with `key` (the audit key: kept outside the database and its backups). */
export async function backupTo(db: Db, file: string, now: Date, key: Buffer): Promise<BackupSummary> {
  const tables = await inSnapshot(db, async (trx) => {
    const out: BackupFile["tables"] = {};
    for (const t of TABLES_IN_ORDER) {
      const rows = await readTable(trx, t);
      out[t] = { count: rows.length, sha256: digest(rows), rows };
    }
    return out;
  });
  const body = {
    format: FORMAT,
    version: VERSION,
    createdAt: now.toISOString(),
    migration: LATEST_MIGRATION,
    sourceDialect: db.dialect,
    tables,
  };
  const sha256 = digest(body);
  // Plain checksums only catch damage: anyone could edit a row and recompute them. The keyed seal makes
  // an edited backup unacceptable to restore without the key.
  const whole: BackupFile = { ...body, sha256, seal: sealOf(key, sha256) };
  // Write beside the target then rename, so a crash never leaves a half-written backup under its name.
  const tmp = `${file}.partial`;
  writeFileSync(tmp, gzipSync(JSON.stringify(whole)), { mode: 0o600 });
  renameSync(tmp, file);
  return {
    file,
    tables: Object.fromEntries(Object.entries(tables).map(([k, v]) => [k, v.count])),
    sha256: whole.sha256,
  };
}

export class BackupError extends Error {}

/** Reads and fully verifies a backup; throws BackupError naming the first problem. */
export function readVerifiedBackup(file: string, auditKey: Buffer): BackupFile {
  let parsed: BackupFile;
  try {
    parsed = JSON.parse(gunzipSync(readFileSync(file)).toString("utf8"));
  } catch (error) {
    throw new BackupError(`${file} is not a Salus backup (cannot be read: ${(error as Error).message}).`);
  }
  if (parsed.format !== FORMAT || parsed.version !== VERSION)
    throw new BackupError(`${file} is not a Salus backup of a version this Salus reads.`);
  const { sha256, seal, ...body } = parsed;
  if (digest(body) !== sha256)
    throw new BackupError("The backup's overall checksum does not match: the file was altered or damaged.");
  const expected = Buffer.from(sealOf(auditKey, sha256));
  if (
    typeof seal !== "string" ||
    seal.length !== expected.length ||
    !timingSafeEqual(Buffer.from(seal), expected)
  ) {
    throw new BackupError(
      "The backup's seal does not verify with this installation's key: it was altered, or made by another installation.",
    );
  }
  if (parsed.migration !== LATEST_MIGRATION) {
    throw new BackupError(
      `The backup is at schema ${parsed.migration}, this Salus at ${LATEST_MIGRATION}; restore it with the matching Salus version.`,
    );
  }
  for (const t of TABLES_IN_ORDER) {
    const entry = parsed.tables[t];
    if (!entry) throw new BackupError(`The backup lacks table ${t}.`);
    if (entry.rows.length !== entry.count || digest(entry.rows) !== entry.sha256)
      throw new BackupError(`Table ${t} in the backup fails its checksum.`);
  }
  const heads = parsed.tables.audit_heads!.rows as {
    chain_id: string;
    seq: number;
    hash: string;
    mac: string;
  }[];
  const entries = parsed.tables.audit_entries!.rows as Record<string, unknown>[];
  for (const head of heads) {
    const chain: ChainedEntry[] = entries
      .filter((e) => e.chain_id === head.chain_id)
      .map((e) => ({
        chainId: String(e.chain_id),
        seq: Number(e.seq),
        at: String(e.at),
        organizationId: (e.organization_id as string | null) ?? null,
        userId: (e.user_id as string | null) ?? null,
        actor: (e.actor as string | null) ?? null,
        action: String(e.action),
        resourceType: (e.resource_type as string | null) ?? null,
        resourceId: (e.resource_id as string | null) ?? null,
        patientId: (e.patient_id as string | null) ?? null,
        outcome: e.outcome as ChainedEntry["outcome"],
        ip: (e.ip as string | null) ?? null,
        requestId: (e.request_id as string | null) ?? null,
        detail: (e.detail as string | null) ?? null,
        prevHash: String(e.prev_hash),
        hash: String(e.hash),
      }))
      .sort((a, b) => a.seq - b.seq);
    const verdict = verifyChain(auditKey, head.chain_id, chain, {
      chainId: head.chain_id,
      seq: Number(head.seq),
      hash: head.hash,
      mac: head.mac,
    });
    if (!verdict.ok) {
      throw new BackupError(
        `The backup's audit trail does not verify with this installation's audit key (${verdict.message}). Was it made with another key?`,
      );
    }
  }
  return parsed;
}

/** Replaces the database's contents with a verified backup, all in one transaction. */
export async function restoreFrom(db: Db, backup: BackupFile): Promise<Record<string, number>> {
  await inTransaction(db, async (trx) => {
    // The audit table refuses deletes; a restore is the one sanctioned replacement, done by the owner.
    if (db.dialect === "postgres") {
      await sql`alter table audit_entries disable trigger audit_entries_append_only`.execute(trx);
    } else {
      await sql`drop trigger audit_entries_no_delete`.execute(trx);
    }
    for (const t of [...TABLES_IN_ORDER].reverse()) await trx.deleteFrom(t).execute();
    for (const t of TABLES_IN_ORDER) {
      const rows = backup.tables[t]!.rows;
      for (let i = 0; i < rows.length; i += 200) {
        await trx
          .insertInto(t)
          .values(rows.slice(i, i + 200) as never)
          .execute();
      }
    }
    if (db.dialect === "postgres") {
      await sql`alter table audit_entries enable trigger audit_entries_append_only`.execute(trx);
    } else {
      await sql`create trigger audit_entries_no_delete before delete on audit_entries
        begin select raise(abort, 'audit entries are append-only'); end`.execute(trx);
    }
  });
  return Object.fromEntries(TABLES_IN_ORDER.map((t) => [t, backup.tables[t]!.count]));
}

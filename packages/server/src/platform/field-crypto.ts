import { sql } from "kysely";
import type { Db } from "../db/connection.ts";
import { inTransaction } from "../db/transaction.ts";
import {
  decryptBytes,
  decryptField,
  encryptBytes,
  encryptField,
  type FieldKeyRing,
  keyRingOf,
  LEGACY_KEY_ID,
  sealedKeyId,
} from "./crypto.ts";
import { addFieldKey, removeFieldKeys, type Secrets } from "./secrets.ts";

/**
 * Encryption at rest of the most sensitive fields (TOTP secrets, SSNs, note text, document contents):
 * AES-256-GCM with the key ring of the secrets (platform/crypto.ts), which lives outside the database.
 * Use cases call sealText/openText; the rotation below re-encrypts every column listed in
 * ENCRYPTED_COLUMNS, so a new encrypted column MUST be added there (a test checks each is rotated).
 */

export function fieldKeyRing(secrets: Pick<Secrets, "encryptionKey" | "fieldKeys">): FieldKeyRing {
  return secrets.fieldKeys ?? keyRingOf(secrets.encryptionKey);
}

/** Seals text with the newest key: `v2:<kid>:<iv>:<ciphertext>:<tag>`. */
export function sealText(secrets: Pick<Secrets, "encryptionKey" | "fieldKeys">, plaintext: string): string {
  return encryptField(fieldKeyRing(secrets), plaintext);
}

export function openText(secrets: Pick<Secrets, "encryptionKey" | "fieldKeys">, sealed: string): string {
  return decryptField(fieldKeyRing(secrets), sealed);
}

/** Seals bytes (document contents) the same way; the sealed form is text, so it backs up as text. */
export function sealBytes(secrets: Pick<Secrets, "encryptionKey" | "fieldKeys">, plain: Uint8Array): string {
  return encryptBytes(fieldKeyRing(secrets), plain);
}

export function openBytes(secrets: Pick<Secrets, "encryptionKey" | "fieldKeys">, sealed: string): Buffer {
  return decryptBytes(fieldKeyRing(secrets), sealed);
}

/** A column holding sealed values, and the primary key that addresses its rows. */
export interface EncryptedColumn {
  table: string;
  column: string;
  key: readonly string[];
  /** Rows re-encrypted per transaction (small for large values such as documents). */
  batch: number;
}

/** Every column that holds sealed values. `salus keys rotate` re-encrypts exactly these. */
export const ENCRYPTED_COLUMNS: readonly EncryptedColumn[] = [
  { table: "users", column: "mfa_secret_enc", key: ["id"], batch: 500 },
  { table: "sessions", column: "pending_mfa_secret_enc", key: ["id"], batch: 500 },
  { table: "patients", column: "ssn_encrypted", key: ["organization_id", "id"], batch: 500 },
  { table: "clinical_notes", column: "text_enc", key: ["organization_id", "id"], batch: 200 },
  { table: "clinical_documents", column: "content_enc", key: ["organization_id", "id"], batch: 5 },
  { table: "clinical_revisions", column: "snapshot_enc", key: ["organization_id", "id"], batch: 200 },
  {
    table: "idempotency_keys",
    column: "response_body_enc",
    key: ["organization_id", "principal", "key"],
    batch: 200,
  },
];

export interface RotationReport {
  currentKeyId: string;
  /** Values re-encrypted per `table.column`. */
  reencrypted: Record<string, number>;
  /** Values per key id after the run (k0 includes the version-1 format). */
  inUse: Record<string, number>;
}

/** Values of a column sealed with a given key id (`null` = any key but that one). */
function sealedWith(kid: string) {
  return kid === LEGACY_KEY_ID ? ["v1.%", `v2:${LEGACY_KEY_ID}:%`] : [`v2:${kid}:%`];
}

/**
 * Re-encrypts every registered column with the ring's current key, in batches, each batch in its own
 * transaction. A row is rewritten only if its value is still the one read (compare-and-set), so a value
 * changed meanwhile by the application is left as written. Idempotent: a second run (or a run after an
 * interruption) finds only what is not on the current key yet.
 */
export async function reencryptAll(
  db: Db,
  secrets: Pick<Secrets, "encryptionKey" | "fieldKeys">,
  onProgress?: (column: string, done: number) => void,
): Promise<RotationReport> {
  const ring = fieldKeyRing(secrets);
  const current = ring.currentId;
  const reencrypted: Record<string, number> = {};
  for (const c of ENCRYPTED_COLUMNS) {
    const name = `${c.table}.${c.column}`;
    reencrypted[name] = 0;
    // Rows that fail to decrypt would loop forever; they are skipped and counted as errors instead.
    const skip = new Set<string>();
    for (;;) {
      const done = await inTransaction(db, async (trx) => {
        const rows = (
          await sql<Record<string, string>>`select ${sql.join(
            [...c.key, c.column].map((k) => sql.ref(k)),
          )} from ${sql.table(c.table)} where ${sql.ref(c.column)} is not null and ${sql.ref(
            c.column,
          )} not like ${`v2:${current}:%`} order by ${sql.join(c.key.map((k) => sql.ref(k)))} limit ${
            c.batch + skip.size
          }`.execute(trx)
        ).rows;
        let n = 0;
        for (const row of rows) {
          const id = c.key.map((k) => row[k]).join("/");
          if (skip.has(id)) continue;
          const old = row[c.column]!;
          let fresh: string;
          try {
            fresh = encryptBytes(ring, decryptBytes(ring, old));
          } catch {
            skip.add(id);
            continue;
          }
          const where = sql.join(
            [...c.key.map((k) => sql`${sql.ref(k)} = ${row[k]}`), sql`${sql.ref(c.column)} = ${old}`],
            sql` and `,
          );
          await sql`update ${sql.table(c.table)} set ${sql.ref(c.column)} = ${fresh} where ${where}`.execute(
            trx,
          );
          n++;
        }
        return { n, more: rows.length - skip.size > 0 };
      });
      reencrypted[name] += done.n;
      onProgress?.(name, reencrypted[name]);
      if (done.n === 0) {
        if (skip.size)
          throw new Error(
            `${skip.size} value(s) in ${name} could not be decrypted with any key in the ring.`,
          );
        break;
      }
    }
  }
  return { currentKeyId: current, reencrypted, inUse: await keyUsage(db, ring) };
}

/** How many sealed values each key of the ring still protects. */
export async function keyUsage(db: Db, ring: FieldKeyRing): Promise<Record<string, number>> {
  const usage: Record<string, number> = {};
  for (const kid of ring.keys.keys()) {
    let total = 0;
    for (const c of ENCRYPTED_COLUMNS) {
      for (const pattern of sealedWith(kid)) {
        const row = (
          await sql<{ n: number | string }>`select count(*) as n from ${sql.table(c.table)} where ${sql.ref(
            c.column,
          )} like ${pattern}`.execute(db.kysely)
        ).rows[0];
        total += Number(row?.n ?? 0);
      }
    }
    usage[kid] = total;
  }
  return usage;
}

/** Ids of keys no value uses any more and that are not current (k0 stays: it also signs links). */
export function retirableKeys(usage: Record<string, number>, currentId: string): string[] {
  return Object.entries(usage)
    .filter(([kid, n]) => n === 0 && kid !== currentId && kid !== LEGACY_KEY_ID)
    .map(([kid]) => kid);
}

export { sealedKeyId };

export interface RotateOptions {
  /** Add a new key first (default). False: only move every value onto the current key. */
  newKey?: boolean;
  /** After re-encrypting, drop from the secrets file the keys no value uses any more. */
  retire?: boolean;
  onProgress?: (column: string, done: number) => void;
}

export interface RotateResult extends RotationReport {
  addedKeyId: string | null;
  /** True when an earlier rotation had not finished: no key was added, its work was completed. */
  resumed: boolean;
  retired: string[];
}

/**
 * `salus keys rotate`: adds a key to the secrets file (unless an earlier rotation was interrupted: then
 * it finishes that one instead of adding another), re-encrypts every registered column onto the newest
 * key, and with `retire` removes keys that no longer protect any value. Safe to run again at any point.
 */
export async function rotateFieldKeys(
  db: Db,
  secretsFile: string,
  secrets: Secrets,
  now: Date,
  options: RotateOptions = {},
): Promise<RotateResult> {
  const ring = fieldKeyRing(secrets);
  ring.refresh?.();
  const before = await keyUsage(db, ring);
  const behind = Object.entries(before).some(([kid, n]) => kid !== ring.currentId && n > 0);
  let addedKeyId: string | null = null;
  const resumed = options.newKey !== false && behind && ring.currentId !== LEGACY_KEY_ID;
  if (options.newKey !== false && !resumed) {
    addedKeyId = addFieldKey(secretsFile, now);
    ring.refresh?.();
    if (fieldKeyRing(secrets).currentId !== addedKeyId)
      throw new Error(`The new key ${addedKeyId} was written but is not the newest key in the ring.`);
  }
  const report = await reencryptAll(db, secrets, options.onProgress);
  let retired: string[] = [];
  if (options.retire) {
    retired = retirableKeys(report.inUse, report.currentKeyId);
    removeFieldKeys(secretsFile, retired);
    ring.refresh?.();
  }
  return { ...report, addedKeyId, resumed, retired };
}

import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { attachKeyRing, type FieldKeyRing, LEGACY_KEY_ID } from "./crypto.ts";

/**
 * Keys that must never live in the database: the audit chain key (an attacker with database access
 * could otherwise re-seal edited entries) and the field encryption key (TOTP secrets, later SSNs and
 * documents). Taken from SALUS_AUDIT_KEY / SALUS_ENCRYPTION_KEY (64 hex characters) when set, otherwise
 * from the secrets file, which is created with owner-only permissions on first run.
 *
 * Field encryption keys form a ring (platform/crypto.ts): `encryptionKey` is key `k0`; `salus keys
 * rotate` appends newer keys to the file's `fieldKeys` list (or the operator lists them in
 * SALUS_FIELD_KEYS as `id:hex,id:hex`); the newest encrypts, every key decrypts.
 */
export interface Secrets {
  auditKey: Buffer;
  /** Key k0 of the field-encryption ring; also the key of the reminder-link signatures. */
  encryptionKey: Buffer;
  /** The field-encryption ring; absent in tests that build secrets by hand (then k0 alone). */
  fieldKeys?: FieldKeyRing;
}

interface StoredFieldKey {
  id: string;
  key: string;
  createdAt?: string;
}

interface StoredSecrets {
  auditKey?: string;
  encryptionKey?: string;
  fieldKeys?: StoredFieldKey[];
}

const KEY_ID = /^k[1-9][0-9]{0,14}$/;

function parseKey(name: string, hex: string): Buffer {
  if (!/^[0-9a-fA-F]{64}$/.test(hex))
    throw new Error(`${name} must be 64 hexadecimal characters (32 bytes).`);
  return Buffer.from(hex, "hex");
}

function readStored(file: string): StoredSecrets {
  return JSON.parse(readFileSync(file, "utf8")) as StoredSecrets;
}

function writeStored(file: string, stored: StoredSecrets): void {
  // Written beside the file and renamed over it: an interruption leaves the old file or the new one,
  // never half a key list.
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/** Field keys from SALUS_FIELD_KEYS (`k1:hex,k2:hex`), oldest first. */
function envFieldKeys(value: string | undefined): StoredFieldKey[] {
  if (!value?.trim()) return [];
  return value.split(",").map((part) => {
    const [id, key] = part.trim().split(":");
    if (!id || !KEY_ID.test(id) || !key)
      throw new Error("SALUS_FIELD_KEYS must be a comma-separated list of id:hex (ids k1, k2, …).");
    return { id, key };
  });
}

function keyNumber(id: string): number {
  return Number(id.slice(1));
}

/**
 * The ring as loaded from the secrets file and the environment. It re-reads the file when the file has
 * changed (checked at most once a second), so a server running beside `salus keys rotate` starts using a
 * new key, and can read values sealed with it, without a restart.
 */
class LoadedKeyRing implements FieldKeyRing {
  currentIdValue = LEGACY_KEY_ID;
  keysValue = new Map<string, Buffer>();
  private mtimeMs = -1;
  private checkedAt = 0;

  constructor(
    private readonly legacy: Buffer,
    private readonly file: string | null,
    private readonly envKeys: string | undefined,
  ) {
    this.load();
  }

  get currentId(): string {
    this.maybeReload();
    return this.currentIdValue;
  }

  get keys(): ReadonlyMap<string, Buffer> {
    return this.keysValue;
  }

  refresh = (): FieldKeyRing => {
    this.load();
    return this;
  };

  private maybeReload(): void {
    if (!this.file) return;
    const now = Date.now();
    if (now - this.checkedAt < 1000) return;
    this.checkedAt = now;
    try {
      if (statSync(this.file).mtimeMs !== this.mtimeMs) this.load();
    } catch {
      // The file vanished under a running server: keep the keys already loaded.
    }
  }

  private load(): void {
    const listed: StoredFieldKey[] = [];
    if (this.file && existsSync(this.file)) {
      this.mtimeMs = statSync(this.file).mtimeMs;
      listed.push(...(readStored(this.file).fieldKeys ?? []));
    }
    listed.push(...envFieldKeys(this.envKeys));
    const keys = new Map<string, Buffer>([[LEGACY_KEY_ID, this.legacy]]);
    let current = LEGACY_KEY_ID;
    for (const k of listed) {
      if (!KEY_ID.test(k.id)) throw new Error(`Field key id ${k.id} is not valid (k1, k2, …).`);
      keys.set(k.id, parseKey(`field key ${k.id}`, k.key));
      if (keyNumber(k.id) > keyNumber(current)) current = k.id;
    }
    this.keysValue = keys;
    this.currentIdValue = current;
  }
}

export function loadSecrets(file: string, env: NodeJS.ProcessEnv = process.env): Secrets {
  let stored: StoredSecrets = {};
  const needFile = !env.SALUS_AUDIT_KEY || !env.SALUS_ENCRYPTION_KEY;
  if (needFile) {
    if (existsSync(file)) {
      stored = readStored(file);
    } else {
      stored = { auditKey: randomBytes(32).toString("hex"), encryptionKey: randomBytes(32).toString("hex") };
      writeStored(file, stored);
    }
  }
  const encryptionKey = parseKey(
    "SALUS_ENCRYPTION_KEY",
    env.SALUS_ENCRYPTION_KEY ?? stored.encryptionKey ?? "",
  );
  const fieldKeys = new LoadedKeyRing(
    encryptionKey,
    needFile || existsSync(file) ? file : null,
    env.SALUS_FIELD_KEYS,
  );
  attachKeyRing(encryptionKey, fieldKeys);
  return {
    auditKey: parseKey("SALUS_AUDIT_KEY", env.SALUS_AUDIT_KEY ?? stored.auditKey ?? ""),
    encryptionKey,
    fieldKeys,
  };
}

/**
 * Appends a new field key to the secrets file (which must exist: keys given only through the environment
 * are rotated by the operator in their vault) and answers its id. The file is replaced atomically.
 */
export function addFieldKey(file: string, now: Date): string {
  if (!existsSync(file))
    throw new Error(
      `There is no secrets file at ${file}; when keys come from the environment, add the new key to SALUS_FIELD_KEYS yourself and run \`salus keys rotate --no-new-key\`.`,
    );
  const stored = readStored(file);
  const ids = [LEGACY_KEY_ID, ...(stored.fieldKeys ?? []).map((k) => k.id)];
  const next = `k${Math.max(...ids.map(keyNumber)) + 1}`;
  stored.fieldKeys = [
    ...(stored.fieldKeys ?? []),
    { id: next, key: randomBytes(32).toString("hex"), createdAt: now.toISOString() },
  ];
  writeStored(file, stored);
  return next;
}

/** Drops field keys from the secrets file (never k0, which is also the reminder-link key). */
export function removeFieldKeys(file: string, ids: readonly string[]): void {
  if (!existsSync(file) || ids.length === 0) return;
  const stored = readStored(file);
  stored.fieldKeys = (stored.fieldKeys ?? []).filter((k) => !ids.includes(k.id));
  writeStored(file, stored);
}

import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

/**
 * Field encryption keys: a ring of AES-256 keys by id. The newest (`currentId`) encrypts, every key in the
 * ring decrypts, and each sealed value names the key that sealed it, so keys can rotate without a flag
 * day (`salus keys rotate`, platform/field-crypto.ts). Key `k0` is always the original `encryptionKey`.
 */
export interface FieldKeyRing {
  readonly currentId: string;
  readonly keys: ReadonlyMap<string, Buffer>;
  /** Re-reads the ring from where it came from (the secrets file) when a value names an unknown key. */
  refresh?: () => FieldKeyRing;
}

export const LEGACY_KEY_ID = "k0";

/**
 * Use cases seal through field-crypto.ts (sealText/openText). As a safety net for any caller that still
 * passes the bare `secrets.encryptionKey`, the ring loaded with it is attached to that buffer here, so such
 * a caller also encrypts with the newest key and decrypts rotated values.
 */
const RINGS = new WeakMap<Buffer, FieldKeyRing>();

export function attachKeyRing(legacyKey: Buffer, ring: FieldKeyRing): void {
  RINGS.set(legacyKey, ring);
}

/** The ring attached to a legacy key, or a ring holding that key alone (id k0). */
export function keyRingOf(key: Buffer | FieldKeyRing): FieldKeyRing {
  if (!Buffer.isBuffer(key)) return key;
  return RINGS.get(key) ?? { currentId: LEGACY_KEY_ID, keys: new Map([[LEGACY_KEY_ID, key]]) };
}

/** The id of the key that sealed a value (`k0` for the version-1 format), or null if not sealed by us. */
export function sealedKeyId(sealed: string): string | null {
  if (sealed.startsWith("v1.")) return LEGACY_KEY_ID;
  const m = /^v2:([a-z0-9]{1,16}):/.exec(sealed);
  return m ? m[1]! : null;
}

/**
 * AES-256-GCM field encryption with the ring's current key: `v2:<kid>:<iv>:<ciphertext>:<tag>`, each part
 * base64url. The key id is bound into the authentication tag (additional data), so a value cannot be
 * relabelled to another key.
 */
export function encryptField(key: Buffer | FieldKeyRing, plaintext: string): string {
  return encryptBytes(key, Buffer.from(plaintext, "utf8"));
}

export function encryptBytes(key: Buffer | FieldKeyRing, plain: Uint8Array): string {
  const ring = keyRingOf(key);
  const kid = ring.currentId;
  const k = ring.keys.get(kid);
  if (!k) throw new Error(`field key ${kid} is not in the key ring`);
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", k, iv);
  cipher.setAAD(Buffer.from(`v2:${kid}`));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return [
    "v2",
    kid,
    iv.toString("base64url"),
    body.toString("base64url"),
    cipher.getAuthTag().toString("base64url"),
  ].join(":");
}

export function decryptField(key: Buffer | FieldKeyRing, sealed: string): string {
  return decryptBytes(key, sealed).toString("utf8");
}

/** Opens a value sealed by encryptField/encryptBytes (either format); throws when tampered with. */
export function decryptBytes(key: Buffer | FieldKeyRing, sealed: string): Buffer {
  let ring = keyRingOf(key);
  if (sealed.startsWith("v1.")) {
    // Version 1 (before the ring): `v1.<iv>.<tag>.<body>`, always sealed with the original key.
    const [, iv, tag, body] = sealed.split(".");
    const k = ring.keys.get(LEGACY_KEY_ID);
    if (!iv || !tag || body === undefined || !k) throw new Error("unknown field encryption format");
    const decipher = createDecipheriv("aes-256-gcm", k, Buffer.from(iv, "base64url"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]);
  }
  const parts = sealed.split(":");
  const [version, kid, iv, body, tag] = parts;
  if (parts.length !== 5 || version !== "v2" || !kid || !iv || body === undefined || !tag)
    throw new Error("unknown field encryption format");
  let k = ring.keys.get(kid);
  if (!k && ring.refresh) {
    // Sealed by a key added since this process loaded the ring (a rotation running beside the server).
    ring = ring.refresh();
    k = ring.keys.get(kid);
  }
  if (!k) throw new Error(`field key ${kid} is not in the key ring (was it retired too early?)`);
  const decipher = createDecipheriv("aes-256-gcm", k, Buffer.from(iv, "base64url"));
  decipher.setAAD(Buffer.from(`v2:${kid}`));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]);
}

/** A random secret for cookies and bearer tokens: 256 bits from the CSPRNG. */
export function newSecretToken(prefix = ""): string {
  return `${prefix}${randomBytes(32).toString("base64url")}`;
}

/** Tokens are stored as SHA-256 digests, so a database leak yields no usable session or API token. */
export function digestToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

import { createCipheriv, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decryptField, encryptField, sealedKeyId } from "./crypto.ts";
import { openBytes, openText, sealBytes, sealText } from "./field-crypto.ts";
import { addFieldKey, loadSecrets } from "./secrets.ts";

/** The v1 format written before the key ring existed (kept here to prove old values still open). */
function sealV1(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [
    "v1",
    iv.toString("base64url"),
    cipher.getAuthTag().toString("base64url"),
    body.toString("base64url"),
  ].join(".");
}

function tempFile(): string {
  return join(mkdtempSync(join(tmpdir(), "salus-keys-")), "salus.keys");
}

describe("field encryption", () => {
  it("round-trips any text and any bytes, and never shows the plaintext (property)", () => {
    const secrets = { encryptionKey: randomBytes(32) };
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 200 }),
        fc.uint8Array({ maxLength: 300 }),
        (t, b) => {
          const sealed = sealText(secrets, t);
          expect(sealed).toMatch(/^v2:k0:[A-Za-z0-9_-]+:[A-Za-z0-9_-]*:[A-Za-z0-9_-]+$/);
          if (t.length >= 4) expect(sealed.includes(t)).toBe(false);
          expect(openText(secrets, sealed)).toBe(t);
          expect(Buffer.compare(openBytes(secrets, sealBytes(secrets, b)), Buffer.from(b))).toBe(0);
        },
      ),
    );
  });

  it("opens values sealed in the version-1 format with the original key", () => {
    const key = randomBytes(32);
    const old = sealV1(key, "JBSWY3DPEHPK3PXP");
    expect(sealedKeyId(old)).toBe("k0");
    expect(decryptField(key, old)).toBe("JBSWY3DPEHPK3PXP");
  });

  it("refuses a tampered value, a wrong key and a value relabelled to another key", () => {
    const key = randomBytes(32);
    const sealed = encryptField(key, "secret note");
    const parts = sealed.split(":");
    const flipped = Buffer.from(parts[3]!, "base64url");
    flipped[0]! ^= 1;
    expect(() =>
      decryptField(key, [...parts.slice(0, 3), flipped.toString("base64url"), parts[4]].join(":")),
    ).toThrow();
    expect(() => decryptField(randomBytes(32), sealed)).toThrow();
    expect(() => decryptField(key, sealed.replace("v2:k0:", "v2:k1:"))).toThrow(/not in the key ring/);
    expect(() => decryptField(key, "plaintext")).toThrow(/format/);
  });

  it("keeps an existing secrets file working and encrypts with the newest key after a rotation", () => {
    const file = tempFile();
    const first = loadSecrets(file, {});
    const before = encryptField(first.encryptionKey, "totp secret");
    expect(sealedKeyId(before)).toBe("k0");
    expect((statSync(file).mode & 0o777).toString(8)).toBe("600");

    expect(addFieldKey(file, new Date("2026-03-02T00:00:00Z"))).toBe("k1");
    const again = loadSecrets(file, {});
    // The legacy key is unchanged (reminder links stay valid) and old values still open.
    expect(again.encryptionKey.equals(first.encryptionKey)).toBe(true);
    expect(decryptField(again.encryptionKey, before)).toBe("totp secret");
    // Code that passes the bare legacy key (auth/sessions.ts) now seals with k1.
    const after = encryptField(again.encryptionKey, "new secret");
    expect(sealedKeyId(after)).toBe("k1");
    expect(openText(again, after)).toBe("new secret");
    expect(JSON.parse(readFileSync(file, "utf8")).fieldKeys).toHaveLength(1);
    expect((statSync(file).mode & 0o777).toString(8)).toBe("600");
  });

  it("lets a running process read values sealed with a key added after it started", () => {
    const file = tempFile();
    const running = loadSecrets(file, {});
    addFieldKey(file, new Date());
    const rotator = loadSecrets(file, {});
    const sealed = sealText(rotator, "written by the rotation");
    expect(sealedKeyId(sealed)).toBe("k1");
    expect(openText(running, sealed)).toBe("written by the rotation");
  });

  it("takes keys from SALUS_ENCRYPTION_KEY and SALUS_FIELD_KEYS without a file", () => {
    const k0 = randomBytes(32).toString("hex");
    const k1 = randomBytes(32).toString("hex");
    const env = {
      SALUS_AUDIT_KEY: randomBytes(32).toString("hex"),
      SALUS_ENCRYPTION_KEY: k0,
      SALUS_FIELD_KEYS: `k1:${k1}`,
    };
    const s = loadSecrets(join(tmpdir(), `salus-none-${randomBytes(4).toString("hex")}.keys`), env);
    expect(s.fieldKeys?.currentId).toBe("k1");
    expect(() => loadSecrets(tempFile(), { ...env, SALUS_FIELD_KEYS: "nope" })).toThrow(/SALUS_FIELD_KEYS/);
  });
});

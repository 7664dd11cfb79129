import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/**
 * Keys that must never live in the database: the audit chain key (an attacker with database access
 * could otherwise re-seal edited entries) and the field encryption key (TOTP secrets, later SSNs and
 * documents). Taken from SALUS_AUDIT_KEY / SALUS_ENCRYPTION_KEY (64 hex characters) when set, otherwise
 * from the secrets file, which is created with owner-only permissions on first run.
 */
export interface Secrets {
  auditKey: Buffer;
  encryptionKey: Buffer;
}

function parseKey(name: string, hex: string): Buffer {
  if (!/^[0-9a-fA-F]{64}$/.test(hex))
    throw new Error(`${name} must be 64 hexadecimal characters (32 bytes).`);
  return Buffer.from(hex, "hex");
}

export function loadSecrets(file: string, env: NodeJS.ProcessEnv = process.env): Secrets {
  let stored: { auditKey?: string; encryptionKey?: string } = {};
  const needFile = !env.SALUS_AUDIT_KEY || !env.SALUS_ENCRYPTION_KEY;
  if (needFile) {
    if (existsSync(file)) {
      stored = JSON.parse(readFileSync(file, "utf8"));
    } else {
      stored = { auditKey: randomBytes(32).toString("hex"), encryptionKey: randomBytes(32).toString("hex") };
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
      chmodSync(file, 0o600);
    }
  }
  return {
    auditKey: parseKey("SALUS_AUDIT_KEY", env.SALUS_AUDIT_KEY ?? stored.auditKey ?? ""),
    encryptionKey: parseKey("SALUS_ENCRYPTION_KEY", env.SALUS_ENCRYPTION_KEY ?? stored.encryptionKey ?? ""),
  };
}

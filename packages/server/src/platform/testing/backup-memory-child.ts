import { readFileSync } from "node:fs";
import { openDatabase } from "../../db/connection.ts";
import { backupTo, readVerifiedBackup, restoreFrom } from "../backup.ts";

/**
 * Child process of the large-backup test (not a test itself): runs one backup or one restore against the
 * database at argv[3] and prints, as one JSON line, how long it took and the peak resident memory of this
 * process (VmHWM), so the parent can assert a bound that the test process's own heap cannot blur.
 * Usage: node --import tsx backup-memory-child.ts backup|restore DATABASE_URL FILE AUDIT_KEY_HEX
 */
const [mode, url, file, keyHex] = process.argv.slice(2);
const key = Buffer.from(keyHex!, "hex");
const db = openDatabase(url!);
const started = Date.now();
try {
  if (mode === "backup") {
    await backupTo(db, file!, new Date(), key);
  } else {
    const verified = await readVerifiedBackup(file!, key);
    await restoreFrom(db, verified, key, { now: new Date() });
  }
} finally {
  await db.close();
}
const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
const peakKb = hwm ? Number(hwm[1]) : process.resourceUsage().maxRSS;
process.stdout.write(
  `${JSON.stringify({ mode, ms: Date.now() - started, peakMb: Math.round(peakKb / 1024) })}\n`,
);

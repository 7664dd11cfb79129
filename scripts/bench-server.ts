// The Salus server for scripts/bench.ts's mixed-load case, in a process of its own, so the resident memory
// the bench reports is the server's alone (not the bench's, which also holds the load generator, the
// fixtures and the in-process cases). Started by bench.ts with an IPC channel (child_process.fork through
// packages/cli/bin/run-ts.js); the database is the bench's (already migrated and seeded), the secrets are
// the bench's, so the bench's bearer token is valid here.
//
// Environment: SALUS_BENCH_SERVER = JSON { databaseUrl, auditKey, encryptionKey (base64), secretsFile }.
// Messages: sends { port } once listening; answers "rss" with { rss, maxRss, heapUsed, heapTotal, external }
// (bytes; maxRss sampled every 100 ms since start); exits on "close".
import type { AddressInfo } from "node:net";
import { loadConfig } from "@salus/server/config";
import { openDatabase } from "@salus/server/db/connection";
import { buildApp } from "@salus/server/http/app";
import { systemClock } from "@salus/server/platform/clock";
import { makeServices } from "@salus/server/platform/services";

const spec = JSON.parse(process.env.SALUS_BENCH_SERVER ?? "null") as {
  databaseUrl: string;
  auditKey: string;
  encryptionKey: string;
  secretsFile: string;
} | null;
if (!spec || !process.send) throw new Error("bench-server.ts is started by scripts/bench.ts (fork with IPC)");
const send = process.send.bind(process);

let maxRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  maxRss = Math.max(maxRss, process.memoryUsage().rss);
}, 100);

const config = {
  ...loadConfig({}),
  databaseUrl: spec.databaseUrl,
  secretsFile: spec.secretsFile,
  logLevel: "silent",
  rateLimitPerMinute: 0,
};
const db = openDatabase(spec.databaseUrl);
const services = makeServices({
  db,
  secrets: {
    auditKey: Buffer.from(spec.auditKey, "base64"),
    encryptionKey: Buffer.from(spec.encryptionKey, "base64"),
  },
  clock: systemClock,
  config,
});
const { app } = await buildApp(services, { logger: false });
await app.listen({ port: 0, host: "127.0.0.1" });
send({ port: (app.server.address() as AddressInfo).port });

process.on("message", async (message) => {
  if (message === "rss") {
    const rss = process.memoryUsage().rss;
    maxRss = Math.max(maxRss, rss);
    const { heapUsed, heapTotal, external } = process.memoryUsage();
    send({ rss, maxRss, heapUsed, heapTotal, external });
  } else if (message === "close") {
    clearInterval(sampler);
    await app.close();
    await db.close();
    process.exit(0);
  }
});

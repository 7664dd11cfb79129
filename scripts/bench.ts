// `npm run bench`: throughput and latency of Salus requests over real HTTP on localhost, each figure
// beside a baseline measured in the same run on the same machine, so the ratio (not the raw number,
// which depends on the machine) is what to compare between runs.
//
// To add a benchmark, add an entry to CASES (and, if it needs one, a baseline to BASELINES). Each case
// runs once per database: SQLite always, PostgreSQL when SALUS_BENCH_DATABASE_URL (or
// SALUS_TEST_DATABASE_URL) is set; a fresh database is created from that URL and dropped afterwards.
//
// Knobs: SALUS_BENCH_SECONDS (measured seconds per figure, default 5), SALUS_BENCH_WARMUP_SECONDS
// (default 1), SALUS_BENCH_CONCURRENCY (requests in flight, default 16), SALUS_BENCH_JSON=FILE (also
// write the results as JSON).
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { cpus, platform, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { normalizeEmail } from "@salus/core";
import { cliActor } from "@salus/server/admin/organizations";
import { createToken } from "@salus/server/admin/tokens";
import { loadConfig } from "@salus/server/config";
import { type DialectName, openDatabase } from "@salus/server/db/connection";
import { migrateToLatest } from "@salus/server/db/migrate";
import { seedDemo } from "@salus/server/demo/seed-demo";
import { buildApp } from "@salus/server/http/app";
import { systemClock } from "@salus/server/platform/clock";
import { makeServices, type Services } from "@salus/server/platform/services";
import Fastify from "fastify";
import { sql } from "kysely";

const seconds = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};
const DURATION_MS = seconds("SALUS_BENCH_SECONDS", 5) * 1000;
const WARMUP_MS = seconds("SALUS_BENCH_WARMUP_SECONDS", 1) * 1000;
const CONCURRENCY = Math.round(seconds("SALUS_BENCH_CONCURRENCY", 16));
const PG_URL = process.env.SALUS_BENCH_DATABASE_URL || process.env.SALUS_TEST_DATABASE_URL || undefined;
const BENCH_USER = "manager@demo.salus.test";

/** A request to measure: a path on the server, headers, and a check of one answer before measuring. */
interface Target {
  path: string;
  headers?: Record<string, string>;
  check(status: number, body: unknown): string | null;
}

/** A running HTTP server to aim at. */
interface Server {
  baseUrl: string;
  close(): Promise<void>;
}

/** A comparison point: its own server, measured once per run and shared by the cases naming it. */
interface Baseline {
  name: string;
  /** What it is, printed under the table. */
  description: string;
  start(): Promise<Server & { target: Target }>;
}

/** A Salus application on one database, with the demo practice and a bearer token. */
interface Env {
  database: DialectName;
  services: Services;
  baseUrl: string;
  organizationId: string;
  token: string;
  /** A demo patient (MRN 100001). */
  patientId: string;
}

interface BenchCase {
  name: string;
  baseline: string;
  /** A line printed under the table, saying what the figure includes. */
  note?: string;
  target(env: Env): Target;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

const BASELINES: Baseline[] = [
  {
    name: "bare Fastify route",
    description: "GET returning a constant JSON object, in a Fastify instance with no plugins.",
    async start() {
      // No plugins, no hooks, no schema: the floor the HTTP stack itself costs on this machine.
      const app = Fastify({ logger: false });
      app.get("/bare", async () => ({ status: "ok", service: "salus-bench" }));
      await app.listen({ port: 0, host: "127.0.0.1" });
      const { port } = app.server.address() as AddressInfo;
      return {
        baseUrl: `http://127.0.0.1:${port}`,
        close: () => app.close(),
        target: {
          path: "/bare",
          check: (status, body) =>
            status === 200 && isObject(body) && body.status === "ok" ? null : `HTTP ${status}`,
        },
      };
    },
  },
];

const READ_NOTE =
  "Every patient read also appends a chained audit entry (hash-linked to the previous one, chain head " +
  "updated) in the same write transaction as the read; that, the bearer-token lookup, the authorization " +
  "guard, the security headers and response validation are why it is slower than a bare route.";

const CASES: BenchCase[] = [
  {
    name: "GET /api/patients/:id (bearer)",
    baseline: "bare Fastify route",
    note: READ_NOTE,
    target: (env) => ({
      path: `/api/patients/${env.patientId}`,
      headers: { authorization: `Bearer ${env.token}` },
      check: (status, body) =>
        status === 200 && isObject(body) && body.id === env.patientId ? null : `HTTP ${status}`,
    }),
  },
  {
    name: "GET /fhir/R4/Patient/:id (bearer)",
    baseline: "bare Fastify route",
    note: READ_NOTE,
    target: (env) => ({
      path: `/fhir/R4/Patient/${env.patientId}`,
      headers: { authorization: `Bearer ${env.token}`, accept: "application/fhir+json" },
      check: (status, body) =>
        status === 200 && isObject(body) && body.resourceType === "Patient" && body.id === env.patientId
          ? null
          : `HTTP ${status}`,
    }),
  },
];

interface Measurement {
  requests: number;
  errors: number;
  firstError: string | null;
  requestsPerSecond: number;
  p50: number;
  p99: number;
}

/** Checks one answer, then measures the target with the load generator in a worker thread. */
async function measure(baseUrl: string, target: Target): Promise<Measurement> {
  const url = `${baseUrl}${target.path}`;
  const probe = await fetch(url, { headers: target.headers ?? {} });
  const text = await probe.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  const problem = target.check(probe.status, body);
  if (problem) throw new Error(`GET ${target.path} answered ${problem}: ${text.slice(0, 300)}`);

  const worker = new Worker(new URL("./bench-load.mjs", import.meta.url), {
    workerData: {
      url,
      headers: target.headers ?? {},
      concurrency: CONCURRENCY,
      warmupMs: WARMUP_MS,
      durationMs: DURATION_MS,
    },
  });
  return new Promise((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
    worker.once("exit", (code) => {
      if (code !== 0) reject(new Error(`load generator exited with ${code}`));
    });
  });
}

/** A fresh database: a temporary SQLite file, or a new PostgreSQL database created from PG_URL. */
async function freshDatabase(
  database: DialectName,
  tmp: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  if (database === "sqlite") return { url: `sqlite:${join(tmp, "bench.db")}`, drop: async () => {} };
  const name = `salus_bench_${Date.now()}_${randomBytes(3).toString("hex")}`;
  const admin = openDatabase(PG_URL!);
  try {
    await sql`create database ${sql.id(name)}`.execute(admin.kysely);
  } finally {
    await admin.close();
  }
  const url = new URL(PG_URL!);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const again = openDatabase(PG_URL!);
      try {
        await sql`drop database if exists ${sql.id(name)} with (force)`.execute(again.kysely);
      } finally {
        await again.close();
      }
    },
  };
}

/** Migrates, seeds the demo practice, issues a token for the manager and starts the app on a free port. */
async function startEnv(databaseUrl: string, tmp: string): Promise<Env & { close(): Promise<void> }> {
  const config = {
    ...loadConfig({}),
    databaseUrl,
    secretsFile: join(tmp, "bench.keys"),
    logLevel: "silent",
    rateLimitPerMinute: 0,
  };
  const db = openDatabase(databaseUrl);
  await migrateToLatest(db);
  const services = makeServices({
    db,
    secrets: { auditKey: randomBytes(32), encryptionKey: randomBytes(32) },
    clock: systemClock,
    config,
  });
  const { organizationId } = await seedDemo(services);
  const user = await db.kysely
    .selectFrom("users")
    .select("id")
    .where("email_normalized", "=", normalizeEmail(BENCH_USER))
    .executeTakeFirstOrThrow();
  const { token } = await createToken(services, cliActor(organizationId), {
    name: "bench",
    userId: user.id,
    role: "manager",
  });
  const patient = await db.kysely
    .selectFrom("patients")
    .select("id")
    .where("organization_id", "=", organizationId)
    .where("mrn", "=", "100001")
    .executeTakeFirstOrThrow();
  const { app } = await buildApp(services, { logger: false });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const { port } = app.server.address() as AddressInfo;
  return {
    database: db.dialect,
    services,
    baseUrl: `http://127.0.0.1:${port}`,
    organizationId,
    token,
    patientId: patient.id,
    async close() {
      await app.close();
      await db.close();
    },
  };
}

interface Row {
  benchmark: string;
  database: string;
  result: Measurement | null;
  baseline: Measurement | null;
  skipped?: string;
}

/** Baseline servers, started once and kept listening; every case measures its baseline right before it. */
const baselineServers = new Map<string, Server & { target: Target }>();
/** Every baseline measurement, by baseline name (printed under the table). */
const baselineResults = new Map<string, Measurement[]>();
async function baselineFigure(name: string): Promise<Measurement> {
  let server = baselineServers.get(name);
  if (!server) {
    const baseline = BASELINES.find((b) => b.name === name);
    if (!baseline) throw new Error(`No baseline named "${name}"`);
    server = await baseline.start();
    baselineServers.set(name, server);
  }
  const result = await measure(server.baseUrl, server.target);
  baselineResults.set(name, [...(baselineResults.get(name) ?? []), result]);
  return result;
}

async function databaseVersion(services: Services): Promise<string> {
  if (services.db.dialect === "sqlite") {
    const r = await sql<{ v: string }>`select sqlite_version() as v`.execute(services.db.kysely);
    return `SQLite ${r.rows[0]?.v}`;
  }
  const r = await sql<{ v: string }>`show server_version`.execute(services.db.kysely);
  return `PostgreSQL ${Object.values(r.rows[0] ?? {})[0]}`;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main() {
  const cpu = cpus();
  const machine = [
    `Node ${process.version} on ${platform()} ${release()}`,
    `CPU ${cpu[0]?.model.trim() ?? "unknown"}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
  ];
  const versions: string[] = [];
  const rows: Row[] = [];
  const databases: DialectName[] = ["sqlite", "postgres"];
  log(
    `Benchmarking: ${CONCURRENCY} requests in flight, ${WARMUP_MS / 1000} s warm-up, ${DURATION_MS / 1000} s measured per figure.`,
  );

  for (const database of databases) {
    if (database === "postgres" && !PG_URL) {
      for (const c of CASES)
        rows.push({
          benchmark: c.name,
          database,
          result: null,
          baseline: null,
          skipped: "skipped: set SALUS_BENCH_DATABASE_URL or SALUS_TEST_DATABASE_URL",
        });
      continue;
    }
    const tmp = mkdtempSync(join(tmpdir(), "salus-bench-"));
    const fresh = await freshDatabase(database, tmp);
    try {
      log(`  ${database}: migrating and seeding the demo practice…`);
      const env = await startEnv(fresh.url, tmp);
      try {
        versions.push(await databaseVersion(env.services));
        for (const c of CASES) {
          // The baseline is measured right before its case, so both see the same machine load.
          log(`  ${database}: ${c.baseline} (baseline)`);
          const baseline = await baselineFigure(c.baseline);
          log(`  ${database}: ${c.name}`);
          const result = await measure(env.baseUrl, c.target(env));
          rows.push({ benchmark: c.name, database, result, baseline });
        }
      } finally {
        await env.close();
      }
    } finally {
      await fresh.drop().catch((error) => log(`warning: could not drop the bench database: ${error}`));
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  print(rows, machine, versions);
  if (process.env.SALUS_BENCH_JSON) {
    writeFileSync(
      process.env.SALUS_BENCH_JSON,
      `${JSON.stringify(
        {
          at: new Date().toISOString(),
          machine,
          versions,
          settings: { concurrency: CONCURRENCY, warmupMs: WARMUP_MS, durationMs: DURATION_MS },
          baselines: Object.fromEntries(baselineResults),
          rows,
        },
        null,
        2,
      )}\n`,
    );
  }
  if (rows.some((r) => r.result && r.result.errors > 0)) process.exitCode = 1;
}

function print(rows: Row[], machine: string[], versions: string[]) {
  const n = (v: number, digits = 0) => (Number.isFinite(v) ? v.toFixed(digits) : "–");
  const header = ["benchmark", "database", "req/s", "baseline req/s", "ratio", "p50 ms", "p99 ms", "errors"];
  const table = rows.map((r) =>
    r.result && r.baseline
      ? [
          r.benchmark,
          r.database,
          n(r.result.requestsPerSecond),
          n(r.baseline.requestsPerSecond),
          n(r.result.requestsPerSecond / r.baseline.requestsPerSecond, 3),
          n(r.result.p50, 2),
          n(r.result.p99, 2),
          String(r.result.errors),
        ]
      : [r.benchmark, r.database, r.skipped ?? "skipped", "", "", "", "", ""],
  );
  const right = new Set([2, 3, 4, 5, 6, 7]);
  // A skip message spans the numeric columns instead of widening the req/s column.
  const widths = header.map((h, c) =>
    Math.max(h.length, ...table.filter((row) => row[3] !== "").map((row) => row[c]!.length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, c) =>
        right.has(c) && cells[3] !== "" ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!),
      )
      .join("  ")
      .trimEnd();

  const out: string[] = [];
  out.push("", ...machine, ...versions, "");
  out.push(
    `${CONCURRENCY} keep-alive HTTP/1.1 requests in flight on 127.0.0.1, ${WARMUP_MS / 1000} s warm-up, ${DURATION_MS / 1000} s measured; load generator in a worker thread of the same process.`,
    "",
  );
  out.push(line(header), line(widths.map((w) => "─".repeat(w))));
  for (const row of table) out.push(line(row));
  out.push("");
  for (const [name, ms] of baselineResults) {
    const range = (pick: (m: Measurement) => number, digits: number) => {
      const values = ms.map(pick);
      const [lo, hi] = [Math.min(...values), Math.max(...values)];
      return lo === hi ? n(lo, digits) : `${n(lo, digits)}–${n(hi, digits)}`;
    };
    out.push(
      `Baseline "${name}": ${BASELINES.find((b) => b.name === name)?.description ?? ""} Measured ${ms.length}× (right before each case): ${range((m) => m.requestsPerSecond, 0)} req/s, p50 ${range((m) => m.p50, 2)} ms, p99 ${range((m) => m.p99, 2)} ms.`,
    );
  }
  out.push("ratio = req/s ÷ baseline req/s (higher is better; compare ratios between runs, not raw req/s).");
  for (const note of new Set(CASES.map((c) => c.note).filter(Boolean))) out.push(`Note: ${note}`);
  const failed = rows.filter((r) => r.result && r.result.errors > 0);
  for (const r of failed)
    out.push(
      `ERROR: ${r.benchmark} on ${r.database}: ${r.result!.errors} failed requests (${r.result!.firstError}).`,
    );
  process.stdout.write(`${out.join("\n")}\n`);
}

try {
  await main();
} finally {
  for (const server of baselineServers.values()) await server.close();
}

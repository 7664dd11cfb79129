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
// write the results as JSON), SALUS_BENCH_ONLY=WORDS (only the cases whose name contains one of the
// comma-separated words, e.g. `SALUS_BENCH_ONLY=GET,mixed`).
import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { cpus, platform, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { normalizeEmail } from "@salus/core";
import type { FlowPractitioner, FlowVisit } from "@salus/core/flow/index";
import { projectDay } from "@salus/core/flow/projection";
import { proposeReplans } from "@salus/core/flow/replan";
import { SimRandom, simulate } from "@salus/core/flow/simulator";
import { findSlots } from "@salus/core/scheduling/slots";
import { formatWallTime, localBoundary } from "@salus/core/scheduling/zoned-time";
import { cliActor } from "@salus/server/admin/organizations";
import { createToken } from "@salus/server/admin/tokens";
import { loadConfig } from "@salus/server/config";
import { type DialectName, openDatabase } from "@salus/server/db/connection";
import { migrateToLatest } from "@salus/server/db/run-migrations";
import { inTransaction } from "@salus/server/db/transaction";
import { seedDemo } from "@salus/server/demo/seed-demo";
import { createPatient } from "@salus/server/directory/patients";
import { buildApp } from "@salus/server/http/app";
import { systemClock } from "@salus/server/platform/clock";
import { makeServices, type Services } from "@salus/server/platform/services";
import { bookAppointment } from "@salus/server/scheduling/book-appointment";
import { createAppointmentType } from "@salus/server/scheduling/create-appointment-type";
import { loadSlotContext } from "@salus/server/scheduling/slot-context";
import Fastify from "fastify";
import { sql } from "kysely";
import { batch837BenchCase } from "./bench-837p.ts";
import { scrubBenchCase } from "./bench-scrub.ts";

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
const ONLY = (process.env.SALUS_BENCH_ONLY ?? "")
  .split(",")
  .map((w) => w.trim().toLowerCase())
  .filter(Boolean);
const selected = (name: string) => ONLY.length === 0 || ONLY.some((w) => name.toLowerCase().includes(w));

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
  /** What a server process of its own needs to serve the same database (bench-server.ts). */
  serverSpec: { databaseUrl: string; auditKey: string; encryptionKey: string; secretsFile: string };
}

interface HttpCase {
  name: string;
  baseline: string;
  /** A line printed under the table, saying what the figure includes. */
  note?: string;
  target(env: Env): Target;
}

/** A figure measured in-process (not HTTP load): its own value, unit and in-run baseline. */
interface RunResult {
  value: number;
  unit: string;
  baseline: number;
  baselineLabel: string;
  /** Lower is better (milliseconds) or higher is better (per second). */
  better: "lower" | "higher";
  extra?: string;
  /** Makes the run fail (e.g. a double booking found). */
  error?: string;
}
interface RunCase {
  name: string;
  note?: string;
  run(env: Env): Promise<RunResult>;
}

type BenchCase = HttpCase | RunCase;

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
  "Every patient read also writes a chained audit entry (hash-linked to the previous one, chain head " +
  "updated) that is durable before the answer is sent: the entries of concurrent reads are committed " +
  "together (audit/group-commit.ts). That, the bearer-token check (remembered per auth epoch, " +
  "auth/bearer.ts), the access decision and the row (one statement), the authorization guard, the " +
  "security headers and response validation are why it is slower than a bare route.";

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

// ---- Scheduling: slot finding and booking throughput (issue 3) ----------------------------------------
const DAY = 86_400_000;
/** `minutes` past local midnight in `zone` on the calendar date of `day` (an instant at 06:00Z of that date). */
function localInstant(day: number, minutes: number, zone: string): number {
  return localBoundary(new Date(day).toISOString().slice(0, 10), formatWallTime(minutes), zone);
}
async function locationZone(env: Env, locationId: string): Promise<string> {
  const row = await env.services.systemDb
    .selectFrom("locations")
    .select("time_zone")
    .where("id", "=", locationId)
    .executeTakeFirstOrThrow();
  return row.time_zone;
}
const BENCH_PRACTITIONERS = 20;
const SLOT_DAYS = 60;
const BOOKINGS = 400;

interface SchedulingFixture {
  typeId: string;
  locationId: string;
  practitioners: string[];
  /**
   * Bench patients with no other visits: practitioner n's visits go to patient n, so no patient is ever in
   * two visits at once; three per practitioner, so callers spreading visits of one time over the list
   * (the mixed load) find enough.
   */
  patients: string[];
  /** First local midnight (UTC, America/Chicago) of the 60 days searched. */
  from: number;
  /** Visits the fixture booked in those days. */
  booked: number;
}
const fixtures = new Map<Services, Promise<SchedulingFixture>>();

/**
 * 20 practitioners working Mon-Fri 08:00-12:00 and 13:00-17:00 at the demo's main clinic, booked at 13 of
 * their 16 half-hour visits a day (81%) over 60 days, written directly (a bulk fixture, not the use case).
 */
function schedulingFixture(env: Env): Promise<SchedulingFixture> {
  let f = fixtures.get(env.services);
  if (!f) {
    f = buildSchedulingFixture(env);
    fixtures.set(env.services, f);
  }
  return f;
}
async function buildSchedulingFixture(env: Env): Promise<SchedulingFixture> {
  const db = env.services.systemDb;
  const org = env.organizationId;
  const actor = cliActor(org);
  const at = new Date().toISOString();
  const location = await db
    .selectFrom("locations")
    .select("id")
    .where("organization_id", "=", org)
    .where("name", "=", "Riverside Main Clinic")
    .executeTakeFirstOrThrow();
  const type = await createAppointmentType(env.services, actor, {
    name: "Bench visit",
    durationMinutes: 30,
    roomRequired: false,
    stepMinutes: 30,
  });
  // Patients of their own, one per practitioner the rows below give visits to (demo practitioners
  // included: the type is open to all). The demo's patients have visits of their own these days, and
  // PostgreSQL refuses a patient in two visits at once (appointments_patient_no_overlap).
  const patients: string[] = [];
  for (let i = 0; i < 3 * BENCH_PRACTITIONERS; i++)
    patients.push(
      (
        await createPatient(env.services, actor, {
          givenName: "Bench",
          familyName: `Patient ${i}`,
          dateOfBirth: "1980-01-01",
          sex: "unknown",
        })
      ).id,
    );
  const practitioners = Array.from({ length: BENCH_PRACTITIONERS }, () => crypto.randomUUID());
  // Day 0 = tomorrow's local midnight in Chicago (UTC-6 or -5: 06:00Z is after midnight either way).
  let booked = 0;
  const from = Date.parse(`${new Date(Date.now() + DAY).toISOString().slice(0, 10)}T06:00:00Z`);
  await inTransaction(env.services.db, async (trx) => {
    await trx
      .insertInto("staff_members")
      .values(
        practitioners.map((id, i) => ({
          organization_id: org,
          id,
          kind: "practitioner" as const,
          given_name: "Bench",
          family_name: `Practitioner ${i}`,
          job_title: null,
          email: null,
          phone: null,
          npi: null,
          taxonomy: null,
          user_id: null,
          active: 1,
          created_at: at,
          updated_at: at,
        })),
      )
      .execute();
    await trx
      .insertInto("practitioner_licenses")
      .values(
        practitioners.map((id, i) => ({
          organization_id: org,
          id: crypto.randomUUID(),
          staff_id: id,
          state: "IL",
          number: `B-${i}`,
          expires_on: "2099-12-31",
          created_at: at,
        })),
      )
      .execute();
    const templates = practitioners.flatMap((id) =>
      [1, 2, 3, 4, 5].flatMap((weekday) =>
        [
          ["08:00", "12:00"],
          ["13:00", "17:00"],
        ].map(([start, end]) => ({
          organization_id: org,
          id: crypto.randomUUID(),
          resource_kind: "practitioner" as const,
          resource_id: id,
          location_id: location.id,
          weekday,
          start_time: start!,
          end_time: end!,
          effective_from: "2000-01-01",
          effective_to: null,
          created_at: at,
        })),
      ),
    );
    await trx.insertInto("availability_templates").values(templates).execute();
    // Read back what the core would offer (free slots), then take 13 of every 16 per practitioner-day.
    const ctx = await loadSlotContext(trx, actor, {
      appointmentTypeId: type.id,
      locationId: location.id,
      range: { start: from, end: from + SLOT_DAYS * DAY },
      now: from,
    });
    const slots = findSlots({ ...ctx.request, eachPractitioner: true });
    const rows = slots.filter((s) => Math.floor((s.start / (30 * 60_000)) % 16) % 16 < 13);
    const patientOf = new Map<string, string>(practitioners.map((p, n) => [p, patients[n]!]));
    for (const s of rows)
      if (!patientOf.has(s.practitionerId)) patientOf.set(s.practitionerId, patients[patientOf.size]!);
    booked = rows.length;
    for (let i = 0; i < rows.length; i += 400) {
      const chunk = rows.slice(i, i + 400).map((s) => ({ s, id: crypto.randomUUID() }));
      await trx
        .insertInto("appointments")
        .values(
          chunk.map(({ s, id }) =>
            appointmentRow(
              org,
              id,
              location.id,
              type.id,
              patientOf.get(s.practitionerId)!,
              s.practitionerId,
              s.start,
              s.end,
              at,
            ),
          ),
        )
        .execute();
      await trx
        .insertInto("appointment_resources")
        .values(chunk.map(({ s, id }) => holdRow(org, id, s.practitionerId, s.start, s.end)))
        .execute();
    }
  });
  // Fresh statistics for the bulk-loaded rows, so PostgreSQL plans the index scans it would use on a live
  // database (a sequential scan takes a relation-wide serializable read lock).
  if (env.services.db.dialect === "postgres") await sql`analyze`.execute(db);
  return { typeId: type.id, locationId: location.id, practitioners, patients, from, booked };
}

function appointmentRow(
  org: string,
  id: string,
  locationId: string,
  typeId: string,
  patientId: string,
  practitionerId: string,
  start: number,
  end: number,
  at: string,
) {
  return {
    organization_id: org,
    id,
    location_id: locationId,
    patient_id: patientId,
    appointment_type_id: typeId,
    practitioner_id: practitionerId,
    room_id: null,
    start_at: new Date(start).toISOString(),
    end_at: new Date(end).toISOString(),
    status: "booked" as const,
    overbooked: 0,
    series_id: null,
    series_index: null,
    rescheduled_from_id: null,
    note: null,
    created_by: null,
    cancelled_at: null,
    cancelled_by: null,
    cancel_reason: null,
    late_cancel: 0,
    version: 1,
    created_at: at,
    updated_at: at,
  };
}
function holdRow(org: string, id: string, practitionerId: string, start: number, end: number) {
  return {
    organization_id: org,
    appointment_id: id,
    resource_kind: "practitioner" as const,
    resource_id: practitionerId,
    busy_start: new Date(start).toISOString(),
    busy_end: new Date(end).toISOString(),
    active: 1,
    exclusive: 1,
  };
}

/** Active exclusive holds overlapping an earlier one of the same resource (double bookings). */
async function doubleBookings(services: Services, org: string): Promise<number> {
  const r = await sql<{ n: number | string }>`
    select count(*) as n from (
      select busy_start, max(busy_end) over (
        partition by resource_id order by busy_start, appointment_id
        rows between unbounded preceding and 1 preceding) as prev_end
      from appointment_resources
      where organization_id = ${org} and active = 1 and exclusive = 1) h
    where h.prev_end > h.busy_start`.execute(services.systemDb);
  return Number(r.rows[0]?.n ?? 0);
}

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs `n` tasks with at most CONCURRENCY in flight. */
async function pool(n: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, n) }, async () => {
      while (next < n) await task(next++);
    }),
  );
}

const SCHEDULING_CASES: RunCase[] = [
  {
    name: `slot finding, ${BENCH_PRACTITIONERS} practitioners × ${SLOT_DAYS} days, ~80% booked`,
    note: "Slot finding = loadSlotContext (types, practitioners, licenses, templates, exceptions, blocks, holds) plus the pure findSlots over every practitioner; baseline = only reading the same template, license and hold rows. Median of 5.",
    async run(env) {
      const f = await schedulingFixture(env);
      const actor = cliActor(env.organizationId);
      const range = { start: f.from, end: f.from + SLOT_DAYS * DAY };
      const times: number[] = [];
      const reads: number[] = [];
      let found = 0;
      for (let i = 0; i < 5; i++) {
        let t = performance.now();
        const ctx = await loadSlotContext(env.services.systemDb, actor, {
          appointmentTypeId: f.typeId,
          locationId: f.locationId,
          range,
          now: f.from,
        });
        found = findSlots({ ...ctx.request, eachPractitioner: true }).length;
        times.push(performance.now() - t);
        t = performance.now();
        const db = env.services.systemDb;
        await Promise.all([
          db
            .selectFrom("availability_templates")
            .selectAll()
            .where("organization_id", "=", env.organizationId)
            .where("resource_id", "in", f.practitioners)
            .execute(),
          db
            .selectFrom("practitioner_licenses")
            .selectAll()
            .where("organization_id", "=", env.organizationId)
            .where("staff_id", "in", f.practitioners)
            .execute(),
          db
            .selectFrom("appointment_resources")
            .selectAll()
            .where("organization_id", "=", env.organizationId)
            .where("resource_id", "in", f.practitioners)
            .where("busy_end", ">", new Date(range.start - DAY).toISOString())
            .where("busy_start", "<", new Date(range.end + DAY).toISOString())
            .execute(),
        ]);
        reads.push(performance.now() - t);
      }
      return {
        value: median(times),
        unit: "ms",
        baseline: median(reads),
        baselineLabel: "read rows only",
        better: "lower",
        extra: `${found} free slots, ${f.booked} booked (${((f.booked / (f.booked + found)) * 100).toFixed(0)}% booked)`,
      };
    },
  },
  {
    name: `booking throughput (${BOOKINGS} bookings through the use case)`,
    note: "Bookings through bookAppointment (load, check with the core, write appointment and holds, audit entry, one write transaction each), CONCURRENCY in flight; baseline = plain inserts of the same rows (appointment + hold, one transaction each) in the same run. Double bookings counted by SQL afterwards.",
    async run(env) {
      const f = await schedulingFixture(env);
      const actor = cliActor(env.organizationId);
      // Free half-hours beyond the booked 60 days: day 61 onwards, each practitioner's weekdays.
      const starts: { practitionerId: string; patientId: string; start: number }[] = [];
      for (let d = SLOT_DAYS + 1; starts.length < BOOKINGS; d++) {
        const day = f.from + d * DAY;
        const weekday = new Date(day).getUTCDay();
        if (weekday === 0 || weekday === 6) continue;
        for (const [n, p] of f.practitioners.entries())
          for (let k = 0; k < 6 && starts.length < BOOKINGS; k++)
            // `day` is 06:00Z = local midnight in Chicago in winter: 09:00-12:00 local.
            starts.push({
              practitionerId: p,
              patientId: f.patients[n]!,
              start: day + 9 * 3_600_000 + k * 30 * 60_000,
            });
      }
      let t = performance.now();
      let failed = 0;
      let firstError = "";
      await pool(starts.length, async (i) => {
        const s = starts[i]!;
        try {
          await bookAppointment(env.services, actor, {
            patientId: s.patientId,
            appointmentTypeId: f.typeId,
            locationId: f.locationId,
            practitionerId: s.practitionerId,
            when: { start: new Date(s.start).toISOString() },
          });
        } catch (error) {
          failed++;
          firstError ||= String(error);
        }
      });
      const bookingSeconds = (performance.now() - t) / 1000;
      const at = new Date().toISOString();
      t = performance.now();
      await pool(starts.length, async (i) => {
        const s = starts[i]!;
        const id = crypto.randomUUID();
        await inTransaction(env.services.db, async (trx) => {
          // Same rows, a year later (so they never collide with the bookings above).
          const start = s.start + 364 * DAY;
          await trx
            .insertInto("appointments")
            .values(
              appointmentRow(
                env.organizationId,
                id,
                f.locationId,
                f.typeId,
                s.patientId,
                s.practitionerId,
                start,
                start + 30 * 60_000,
                at,
              ),
            )
            .execute();
          await trx
            .insertInto("appointment_resources")
            .values(holdRow(env.organizationId, id, s.practitionerId, start, start + 30 * 60_000))
            .execute();
        });
      });
      const insertSeconds = (performance.now() - t) / 1000;
      const doubles = await doubleBookings(env.services, env.organizationId);
      return {
        value: (starts.length - failed) / bookingSeconds,
        unit: "bookings/s",
        baseline: starts.length / insertSeconds,
        baselineLabel: "plain inserts/s",
        better: "higher",
        extra: `${doubles} double bookings${failed ? `, ${failed} failed (${firstError.slice(0, 120)})` : ""}`,
        ...(doubles > 0 || failed > 0
          ? { error: `${doubles} double bookings, ${failed} failed bookings` }
          : {}),
      };
    },
  },
];

CASES.push(...SCHEDULING_CASES);

// ---- Clinic simulator (issue 4): simulated visits per second ----------------------------------------
const SIM_RUNS = 10_000;
const SIM_PATIENTS = 20;

CASES.push({
  name: `simulated visits per second (${SIM_RUNS} runs × ${SIM_PATIENTS} patients)`,
  note: "Simulator = core simulate(): Bailey-Welch, lognormal service (mean 15, CV 0.5), normal punctuality (-5 ± 10 min), no-show 0.1, grace-next-gap:10, with its intervals and percentiles; pure, no database (the same figure on every database row). Baseline = the same random draws (xoshiro128**: a coin, two normals per patient) summed in a plain loop without the event logic. Median of 5.",
  async run() {
    const options = {
      patients: SIM_PATIENTS,
      interval: 15,
      rule: { kind: "bailey-welch" as const },
      service: { kind: "lognormal" as const, mean: 15, cv: 0.5 },
      noShow: 0.1,
      punctuality: { kind: "normal" as const, mean: -5, sd: 10 },
      policy: { kind: "grace-next-gap" as const, graceMinutes: 10 },
      runs: SIM_RUNS,
      seed: 1,
    };
    const times: number[] = [];
    const baseTimes: number[] = [];
    let visits = 0;
    let sink = 0;
    for (let i = 0; i < 5; i++) {
      let t = performance.now();
      visits = simulate({ ...options, seed: i + 1 }).visits;
      times.push(performance.now() - t);
      t = performance.now();
      const rng = new SimRandom(i + 1);
      for (let k = 0; k < SIM_RUNS * SIM_PATIENTS; k++) sink += rng.uniform() + rng.normal() + rng.normal();
      baseTimes.push(performance.now() - t);
    }
    const booked = SIM_RUNS * SIM_PATIENTS;
    return {
      value: visits / (median(times) / 1000),
      unit: "visits/s",
      baseline: booked / (median(baseTimes) / 1000),
      baselineLabel: "patients' draws/s",
      better: "higher",
      extra: `${visits} visits of ${booked} booked in ${median(times).toFixed(1)} ms${Number.isFinite(sink) ? "" : " (?)"}`,
    };
  },
});

// ---- Day-of flow (issue 4): re-planning a 40-practitioner day ------------------------------------------
const REPLAN_PRACTITIONERS = 40;
const REPLAN_VISITS = 20;

CASES.push({
  name: `re-planning a ${REPLAN_PRACTITIONERS}-practitioner day (${REPLAN_VISITS} visits each)`,
  note: "Re-plan = core proposeReplans() for a patient 40 min late, 1 h into the day (one visit in progress per practitioner, the next patients waiting, every fifth practitioner with gaps): keep, next gap, serve waiting, the best 3 of up to ~500 candidate moves, offer a new time, each with its full projection and notices; pure, no database (the same figure on every database row). Baseline = projectDay() alone on the same day (the projection every proposal starts from). Median of 51.",
  async run() {
    const day0 = Date.UTC(2026, 2, 2, 14); // 08:00 in Chicago
    const now = day0 + 60 * 60_000;
    const visits: FlowVisit[] = [];
    const practitioners: FlowPractitioner[] = [];
    for (let p = 0; p < REPLAN_PRACTITIONERS; p++) {
      const id = `p${String(p).padStart(2, "0")}`;
      const types = p % 4 === 0 ? ["checkup"] : ["checkup", "vaccine"];
      practitioners.push({
        id,
        appointmentTypeIds: types,
        available: [{ start: day0, end: day0 + 480 * 60_000 }],
      });
      for (let i = 0; i < REPLAN_VISITS; i++) {
        const start = day0 + (i * 22 + (p % 3) * 5) * 60_000;
        const end = start + 20 * 60_000;
        const v: FlowVisit = {
          appointmentId: `${id}-${String(i).padStart(2, "0")}`,
          practitionerId: id,
          appointmentTypeId: i % 3 ? "checkup" : "vaccine",
          start,
          end,
          status: "booked",
        };
        if (end <= now)
          visits.push({
            ...v,
            status: "fulfilled",
            checkedInAt: start,
            withPractitionerAt: start,
            checkedOutAt: end,
          });
        else if (start <= now)
          visits.push({ ...v, status: "checked-in", checkedInAt: start, withPractitionerAt: start });
        else if (start < now + 30 * 60_000)
          visits.push({ ...v, status: "arrived", arrivedAt: now - 5 * 60_000 });
        // Every fifth practitioner has a cancelled visit in each hour: the gaps moves can use.
        else if (p % 5 === 1 && i % 3 === 2) visits.push({ ...v, status: "cancelled" });
        else visits.push(v);
      }
    }
    const late = visits.find((v) => v.appointmentId === "p07-05")!;
    const durations = {
      checkup: { meanMinutes: 23, samples: 200 },
      vaccine: { meanMinutes: 12, samples: 200 },
    };
    const policy = { graceMinutes: 10, notifyThresholdMinutes: 15, allowMove: true, allowOfferNewTime: true };
    const input = {
      now,
      visits,
      practitioners,
      durations,
      policy,
      zone: "America/Chicago",
      event: {
        kind: "late" as const,
        appointmentId: late.appointmentId,
        expectedArrival: late.start + 40 * 60_000,
      },
    };
    const times: number[] = [];
    const baseTimes: number[] = [];
    let proposals = 0;
    let projected = 0;
    // Warm-up, so the median measures optimised code rather than the first compilations.
    for (let i = 0; i < 5; i++) {
      proposeReplans(input);
      projectDay({ now, visits, durations });
    }
    for (let i = 0; i < 51; i++) {
      let t = performance.now();
      proposals = proposeReplans(input).proposals.length;
      times.push(performance.now() - t);
      t = performance.now();
      projected = projectDay({ now, visits, durations }).visits.length;
      baseTimes.push(performance.now() - t);
    }
    return {
      value: median(times),
      unit: "ms",
      baseline: median(baseTimes),
      baselineLabel: "ms projection",
      better: "lower",
      extra: `${proposals} proposals over ${projected} remaining visits`,
    };
  },
});

// ---- Claim scrubber (issue 13): scrubbing 10,000 claims per second beside reading them -------------
CASES.push(scrubBenchCase);

// ---- X12 837P (issue 13): claims per second for a 10,000-claim batch beside JSON of the same claims ---
CASES.push(batch837BenchCase);

// ---- Mixed load (issue 11): reads, searches, bookings and flow steps from 100 clients ------------------
const MIXED_CLIENTS = 100;
/** 60 s unless SALUS_BENCH_SECONDS is set (then that, so a quick run stays quick). */
const MIXED_MS = process.env.SALUS_BENCH_SECONDS ? DURATION_MS : 60_000;
const MIXED_RSS_LIMIT_MB = 250;
const MIXED_BOOKINGS = 4_000;
const MIXED_FIRST_DAY = 150;

CASES.push({
  name: `mixed load (${MIXED_CLIENTS} clients: reads, searches, bookings, flow steps)`,
  note:
    "Mixed load = 100 keep-alive clients for 60 s (SALUS_BENCH_SECONDS when set), each request in turn from a weighted cycle: " +
    "3 patient reads (API), 2 FHIR Patient reads, 2 patient searches (API q=, FHIR name=), 2 bookings through POST /api/appointments " +
    "(distinct free half-hours of the 20 bench practitioners from day 150 on, each used once), 1 flow step (arrived) on a demo visit " +
    "(each once); figure = p99 latency, baseline = p50. The server runs in a process of its own (scripts/bench-server.ts, same database); " +
    `server RSS = that process's resident memory, sampled every 100 ms; the run fails above ${MIXED_RSS_LIMIT_MB} MB or on any error.`,
  async run(env) {
    const f = await schedulingFixture(env);
    const db = env.services.systemDb;
    const zone = await locationZone(env, f.locationId);
    const bookings: { path: string; body: unknown }[] = [];
    for (let d = MIXED_FIRST_DAY; bookings.length < MIXED_BOOKINGS; d++) {
      const day = f.from + d * DAY;
      const weekday = new Date(day).getUTCDay();
      if (weekday === 0 || weekday === 6) continue;
      // 09:00-11:30 local in the clinic's zone (inside the 08:00-12:00 template), every practitioner.
      for (let k = 0; k < 6; k++)
        f.practitioners.forEach((practitionerId, p) => {
          bookings.push({
            path: "/api/appointments",
            body: {
              patientId: f.patients[(bookings.length + p) % f.patients.length]!,
              appointmentTypeId: f.typeId,
              locationId: f.locationId,
              practitionerId,
              when: { start: new Date(localInstant(day, 9 * 60 + k * 30, zone)).toISOString() },
            },
          });
        });
    }
    const visits = await db
      .selectFrom("appointments")
      .select(["id", "version"])
      .where("organization_id", "=", env.organizationId)
      .where("status", "=", "booked")
      .where("start_at", ">=", new Date(Date.now() - DAY).toISOString())
      .orderBy("start_at")
      .limit(5_000)
      .execute();
    const patients = await db
      .selectFrom("patients")
      .select(["id", "family_name"])
      .where("organization_id", "=", env.organizationId)
      .limit(50)
      .execute();
    const auth = { authorization: `Bearer ${env.token}` };
    const kinds = [
      {
        name: "patient read",
        weight: 3,
        method: "GET",
        once: false,
        items: patients.map((p) => ({ path: `/api/patients/${p.id}` })),
      },
      {
        name: "FHIR Patient read",
        weight: 2,
        method: "GET",
        once: false,
        items: patients.map((p) => ({ path: `/fhir/R4/Patient/${p.id}` })),
      },
      {
        name: "patient search",
        weight: 2,
        method: "GET",
        once: false,
        items: patients.flatMap((p) => [
          { path: `/api/patients?q=${encodeURIComponent(p.family_name.slice(0, 4))}&limit=20` },
          { path: `/fhir/R4/Patient?name=${encodeURIComponent(p.family_name.slice(0, 4))}&_count=20` },
        ]),
      },
      { name: "booking", weight: 2, method: "POST", once: true, items: bookings },
      {
        name: "flow step",
        weight: 1,
        method: "POST",
        once: true,
        items: visits.map((v) => ({
          path: `/api/appointments/${v.id}/flow`,
          body: { step: "arrived", version: Number(v.version) },
        })),
      },
    ];
    // The server under load runs in a process of its own (bench-server.ts), so its resident memory is
    // measured alone: the bench process also holds the load generator and every case's fixtures.
    const server = await startServerProcess(env);
    const idle = await server.rss();
    const rssBefore = idle.rss;
    let rss = rssBefore;
    let heap = "";
    let m: Measurement & {
      kinds: { name: string; requests: number; errors: number; firstError: string | null }[];
      used: Record<string, string | null>;
    };
    try {
      const worker = new Worker(new URL("./bench-mixed-load.mjs", import.meta.url), {
        workerData: {
          baseUrl: server.baseUrl,
          headers: auth,
          concurrency: MIXED_CLIENTS,
          warmupMs: WARMUP_MS,
          durationMs: MIXED_MS,
          kinds,
        },
      });
      m = await new Promise((resolve, reject) => {
        worker.once("message", resolve);
        worker.once("error", reject);
        worker.once("exit", (code) => {
          if (code !== 0) reject(new Error(`mixed load generator exited with ${code}`));
        });
      });
      const after = await server.rss();
      rss = after.maxRss;
      heap = `heap ${mb(idle.heapUsed)} MB used of ${mb(idle.heapTotal)} before, ${mb(after.heapUsed)} of ${mb(after.heapTotal)} after; external ${mb(after.external)} MB`;
    } finally {
      await server.close();
    }
    const rssMb = rss / 2 ** 20;
    const doubles = await doubleBookings(env.services, env.organizationId);
    const problems = [
      m.errors > 0 ? `${m.errors} failed requests (first: ${m.firstError})` : "",
      rssMb > MIXED_RSS_LIMIT_MB ? `server RSS ${rssMb.toFixed(0)} MB above ${MIXED_RSS_LIMIT_MB} MB` : "",
      doubles > 0 ? `${doubles} double bookings` : "",
    ].filter(Boolean);
    const byKind = m.kinds
      .map((k) => `${k.name} ${k.requests}${k.errors ? ` (${k.errors} errors)` : ""}`)
      .join(", ");
    return {
      value: m.p99,
      unit: "ms",
      baseline: m.p50,
      baselineLabel: "ms p50",
      better: "lower",
      extra: `p99 ${m.p99.toFixed(1)} ms, ${m.requestsPerSecond.toFixed(0)} req/s over ${MIXED_MS / 1000} s, ${m.errors} errors, server RSS max ${rssMb.toFixed(0)} MB (limit ${MIXED_RSS_LIMIT_MB}; ${(rssBefore / 2 ** 20).toFixed(0)} MB before the load; ${heap}); ${byKind}; once-only used: ${Object.entries(
        m.used,
      )
        .filter(([, v]) => v)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")}`,
      ...(problems.length ? { error: problems.join("; ") } : {}),
    };
  },
});

/** The Salus server of `env`'s database in a child process (scripts/bench-server.ts), with its memory. */
async function startServerProcess(env: Env): Promise<{
  baseUrl: string;
  rss(): Promise<{ rss: number; maxRss: number; heapUsed: number; heapTotal: number; external: number }>;
  close(): Promise<void>;
}> {
  const child = fork(
    fileURLToPath(new URL("../packages/cli/bin/run-ts.js", import.meta.url)),
    [fileURLToPath(new URL("./bench-server.ts", import.meta.url))],
    { env: { ...process.env, SALUS_BENCH_SERVER: JSON.stringify(env.serverSpec) }, stdio: "inherit" },
  );
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code) => reject(new Error(`bench server exited with ${code}`))),
  );
  exited.catch(() => {});
  const next = <T>() =>
    Promise.race([new Promise<T>((resolve) => child.once("message", (m) => resolve(m as T))), exited]);
  const { port } = await next<{ port: number }>();
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    rss() {
      const answer = next<{
        rss: number;
        maxRss: number;
        heapUsed: number;
        heapTotal: number;
        external: number;
      }>();
      child.send("rss");
      return answer;
    },
    async close() {
      const gone = new Promise((resolve) => child.once("exit", resolve));
      child.send("close");
      await gone;
    },
  };
}

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
  const secrets = { auditKey: randomBytes(32), encryptionKey: randomBytes(32) };
  const services = makeServices({
    db,
    secrets,
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
    serverSpec: {
      databaseUrl,
      auditKey: secrets.auditKey.toString("base64"),
      encryptionKey: secrets.encryptionKey.toString("base64"),
      secretsFile: config.secretsFile,
    },
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
  run?: RunResult;
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
    const r = await sql<{ v: string }>`select sqlite_version() as v`.execute(services.systemDb);
    return `SQLite ${r.rows[0]?.v}`;
  }
  const r = await sql<{ v: string }>`show server_version`.execute(services.systemDb);
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
          if (!selected(c.name)) continue;
          if ("run" in c) {
            log(`  ${database}: ${c.name}`);
            // A case that throws is reported as that case's error; the other cases still run.
            const run = await c.run(env).catch(
              (error): RunResult => ({
                value: Number.NaN,
                unit: "",
                baseline: Number.NaN,
                baselineLabel: "",
                better: "lower",
                error: `failed: ${error instanceof Error ? error.message : String(error)}`.slice(0, 500),
              }),
            );
            rows.push({ benchmark: c.name, database, result: null, baseline: null, run });
            continue;
          }
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
  if (rows.some((r) => (r.result && r.result.errors > 0) || r.run?.error)) process.exitCode = 1;
}

function print(allRows: Row[], machine: string[], versions: string[]) {
  let rows = allRows;
  const n = (v: number, digits = 0) => (Number.isFinite(v) ? v.toFixed(digits) : "–");
  const header = ["benchmark", "database", "req/s", "baseline req/s", "ratio", "p50 ms", "p99 ms", "errors"];
  const runRows = rows.filter(
    (r) => r.run || (r.skipped && CASES.some((c) => c.name === r.benchmark && "run" in c)),
  );
  rows = rows.filter((r) => !runRows.includes(r));
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
  if (runRows.length) {
    const head = ["benchmark (in-process)", "database", "figure", "baseline", "ratio", "detail"];
    const body = runRows.map((r) =>
      r.run
        ? [
            r.benchmark,
            r.database,
            `${n(r.run.value, r.run.unit === "ms" ? 1 : 0)} ${r.run.unit}`,
            `${n(r.run.baseline, r.run.unit === "ms" ? 1 : 0)} (${r.run.baselineLabel})`,
            n(r.run.value / r.run.baseline, 2),
            r.run.extra ?? "",
          ]
        : [r.benchmark, r.database, r.skipped ?? "skipped", "", "", ""],
    );
    const w = head.map((h, c) => Math.max(h.length, ...body.map((row) => row[c]!.length)));
    const fmt = (cells: string[]) =>
      cells
        .map((cell, c) => cell.padEnd(w[c]!))
        .join("  ")
        .trimEnd();
    out.push("", fmt(head), fmt(w.map((x) => "─".repeat(x))), ...body.map(fmt));
    out.push("ratio = figure ÷ baseline (ms: lower is better; per second: higher is better).");
  }
  for (const note of new Set(CASES.map((c) => c.note).filter(Boolean))) out.push(`Note: ${note}`);
  for (const r of allRows.filter((x) => x.run?.error))
    out.push(`ERROR: ${r.benchmark} on ${r.database}: ${r.run!.error}.`);
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

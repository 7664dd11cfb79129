import { instantToLocal, isoWeekday } from "@salus/core/scheduling/zoned-time";
import { cliActor } from "../admin/organizations.ts";
import { audited } from "../audit/audited.ts";
import type { AppointmentStatus } from "../db/schema.ts";
import type { VisitFlowTable } from "../db/schema-flow.ts";
import type { Trx } from "../db/transaction.ts";
import { trainModel } from "../flow/no-show-model.ts";
import type { Services } from "../platform/services.ts";

/**
 * The demo practice's day-of history, on top of seedScheduling's appointments:
 *
 * 1. Who came. Every past visit that seedScheduling marked fulfilled or no-show is decided again by a
 *    no-show rule with patterns a model can learn (about 10% overall): more for visits booked long ahead,
 *    for patients who missed before (a fifth of patients are "unreliable"), on Monday mornings, for
 *    18–39-year-olds and new patients; fewer for over-65s.
 * 2. How the day went. Each practitioner's day is replayed as a queue: arrival (most a few minutes early,
 *    some late), check-in, rooming, the practitioner (visit length lognormal around the booked length,
 *    so some run over), check-out; a late or long visit delays the next ones, so waits are realistic.
 * 3. Today. The same replay runs up to the seeding clock: visits already finished are fulfilled, the
 *    patient being seen is "with the practitioner", others wait in the lobby or a room, and later visits
 *    are still booked, so the board is in progress and "20 minutes late" gives a re-plan.
 * 4. The no-show risk model is trained on that history, so the manager's page and the board's risks work
 *    from the first start.
 *
 * Synthetic history is written in bulk inside one transaction with one audit entry summarising it (not
 * one entry per visit: these are not real accesses to patient data). Deterministic (seeded PRNG).
 */
const MINUTE = 60_000;
const DAY = 86_400_000;

function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FlowSeedSummary {
  pastVisits: number;
  noShows: number;
  withFlowTimes: number;
  today: Record<string, number>;
  modelExamples: number | null;
}

export async function seedFlow(services: Services, organizationId: string): Promise<FlowSeedSummary> {
  const rand = prng(20261215);
  const normal = () => {
    const u = Math.max(1e-9, rand());
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
  const org = organizationId;
  const db = services.systemDb;
  const now = services.clock().getTime();
  const at = new Date(now).toISOString();

  const zones = new Map(
    (
      await db
        .selectFrom("locations")
        .select(["id", "time_zone"])
        .where("organization_id", "=", org)
        .execute()
    ).map((l) => [l.id, l.time_zone]),
  );
  const dob = new Map(
    (
      await db
        .selectFrom("patients")
        .select(["id", "date_of_birth"])
        .where("organization_id", "=", org)
        .execute()
    ).map((p) => [p.id, p.date_of_birth]),
  );
  const rooms = await db
    .selectFrom("rooms")
    .select(["id", "location_id"])
    .where("organization_id", "=", org)
    .execute();
  const appts = await db
    .selectFrom("appointments")
    .select([
      "id",
      "patient_id",
      "practitioner_id",
      "location_id",
      "room_id",
      "start_at",
      "end_at",
      "status",
      "created_at",
    ])
    .where("organization_id", "=", org)
    // <= now: seedScheduling marks a visit starting exactly now as arrived.
    .where("start_at", "<=", new Date(now).toISOString())
    .orderBy("start_at")
    .orderBy("id")
    .execute();

  // 1. Who came: a rule with learnable patterns, walked in time order so earlier no-shows count.
  const unreliable = new Set([...dob.keys()].filter(() => rand() < 0.2));
  const missed = new Map<string, number>();
  const seen = new Set<string>();
  const status = new Map<string, AppointmentStatus>();
  for (const a of appts) {
    const start = Date.parse(a.start_at);
    const end = Date.parse(a.end_at);
    const decided = end <= now && (a.status === "fulfilled" || a.status === "noshow");
    const open = start <= now && end > now && (a.status === "arrived" || a.status === "checked-in");
    if (!decided && !open) continue;
    const zone = zones.get(a.location_id) ?? "America/Chicago";
    const local = instantToLocal(start, zone);
    const leadDays = Math.max(0, (start - Date.parse(a.created_at)) / DAY);
    const birth = dob.get(a.patient_id) ?? "1980-01-01";
    const age = Number(local.date.slice(0, 4)) - Number(birth.slice(0, 4));
    const prior = missed.get(a.patient_id) ?? 0;
    const z =
      -4.1 +
      0.42 * Math.log1p(leadDays) +
      0.55 * Math.min(3, prior) +
      (unreliable.has(a.patient_id) ? 1.1 : 0) +
      (isoWeekday(local.date) === 1 && local.minuteOfDay < 11 * 60 ? 0.7 : 0) +
      (age >= 18 && age < 40 ? 0.35 : age >= 65 ? -0.45 : 0) +
      (seen.has(a.patient_id) ? 0 : 0.3);
    const noShow = rand() < 1 / (1 + Math.exp(-z));
    // Today's not-yet-finished visits: a no-show is only known once the no-show rule's time has passed.
    const known = end <= now || start + 30 * MINUTE <= now;
    status.set(a.id, noShow && known ? "noshow" : "fulfilled");
    if (noShow && known) missed.set(a.patient_id, prior + 1);
    else seen.add(a.patient_id);
  }

  // 2 and 3. Replay each practitioner's day as a queue; cut at the seeding clock.
  const flowRows: VisitFlowTable[] = [];
  const finalStatus = new Map<string, AppointmentStatus>();
  const byDay = new Map<string, typeof appts>();
  for (const a of appts) {
    if (!status.has(a.id)) continue;
    const key = `${a.practitioner_id}|${instantToLocal(Date.parse(a.start_at), zones.get(a.location_id) ?? "UTC").date}`;
    byDay.set(key, [...(byDay.get(key) ?? []), a]);
  }
  const todayCounts: Record<string, number> = {};
  for (const list of byDay.values()) {
    let free = 0;
    for (const a of list) {
      const start = Date.parse(a.start_at);
      const booked = (Date.parse(a.end_at) - start) / MINUTE;
      if (status.get(a.id) === "noshow") {
        finalStatus.set(a.id, "noshow");
        continue;
      }
      const late = rand() < 0.12;
      const offset = late ? 5 + rand() * 20 : Math.max(-25, Math.min(5, -6 + normal() * 5));
      const arrived = start + Math.round(offset) * MINUTE;
      const checkedIn = arrived + Math.round(1 + rand() * 3) * MINUTE;
      const serviceStart = Math.max(checkedIn + 2 * MINUTE, start, free);
      const roomed = serviceStart - Math.round(rand() * 4) * MINUTE;
      const withPractitioner = Math.max(roomed + Math.round(2 + rand() * 6) * MINUTE, serviceStart);
      // Lognormal visit length, mean ≈ the booked length, coefficient of variation ≈ 0.35.
      const sigma = 0.34;
      const minutes = Math.max(5, booked * Math.exp(sigma * normal() - (sigma * sigma) / 2));
      const checkedOut = withPractitioner + Math.round(minutes) * MINUTE;
      free = checkedOut + Math.round(rand() * 2) * MINUTE;
      const t = (x: number) => (x <= now ? new Date(x).toISOString() : null);
      const roomId = a.room_id ?? rooms.find((r) => r.location_id === a.location_id)?.id ?? null;
      const row: VisitFlowTable = {
        organization_id: org,
        appointment_id: a.id,
        arrived_at: t(arrived),
        checked_in_at: t(checkedIn),
        roomed_at: roomId ? t(roomed) : null,
        room_id: roomId && roomed <= now ? roomId : null,
        with_practitioner_at: t(withPractitioner),
        checked_out_at: t(checkedOut),
        demographics_confirmed: checkedIn <= now ? 1 : 0,
        insurance_confirmed: checkedIn <= now ? 1 : 0,
        expected_arrival: null,
        planned_start: null,
        notified_start: null,
        updated_at: new Date(Math.min(now, checkedOut)).toISOString(),
      };
      const s: AppointmentStatus = row.checked_out_at
        ? "fulfilled"
        : row.checked_in_at
          ? "checked-in"
          : row.arrived_at
            ? "arrived"
            : "booked";
      finalStatus.set(a.id, s);
      if (Date.parse(a.end_at) > now - DAY) todayCounts[s] = (todayCounts[s] ?? 0) + 1;
      if (row.arrived_at) flowRows.push(row);
    }
  }

  const summary: FlowSeedSummary = {
    pastVisits: finalStatus.size,
    noShows: [...finalStatus.values()].filter((s) => s === "noshow").length,
    withFlowTimes: flowRows.length,
    today: todayCounts,
    modelExamples: null,
  };
  await audited(
    services,
    cliActor(org),
    { action: "demo.flow.seed", resourceType: "Appointment", detail: { ...summary } },
    async (trx) => {
      // Only rows whose status changes are written (and their holds only when a no-show is involved:
      // on PostgreSQL every hold re-activated is re-checked by the exclusion constraint).
      const original = new Map(appts.map((a) => [a.id, a.status]));
      const groups = new Map<AppointmentStatus, string[]>();
      for (const [id, s] of finalStatus) {
        if (original.get(id) === s) continue;
        const list = groups.get(s) ?? [];
        list.push(id);
        groups.set(s, list);
      }
      for (const [s, ids] of groups)
        for (let i = 0; i < ids.length; i += 500) {
          const chunk = ids.slice(i, i + 500);
          await trx
            .updateTable("appointments")
            .set({ status: s, updated_at: at })
            .where("organization_id", "=", org)
            .where("id", "in", chunk)
            .execute();
          // A no-show no longer holds its time; everything else that took place does.
          const flips = chunk.filter((id) => (original.get(id) === "noshow") !== (s === "noshow"));
          if (flips.length)
            await trx
              .updateTable("appointment_resources")
              .set({ active: s === "noshow" ? 0 : 1 })
              .where("organization_id", "=", org)
              .where("appointment_id", "in", flips)
              .execute();
        }
      await insertChunks(trx, "visit_flow", flowRows);
    },
  );
  try {
    summary.modelExamples = (await trainModel(services, cliActor(org))).examples;
  } catch {
    summary.modelExamples = null;
  }
  return summary;
}

async function insertChunks<T extends object>(trx: Trx, table: string, rows: readonly T[]): Promise<void> {
  // 300 rows of 14 columns stay well under SQLite's bound-parameter limit.
  for (let i = 0; i < rows.length; i += 300)
    await trx
      .insertInto(table as never)
      .values(rows.slice(i, i + 300) as never)
      .execute();
}

import { csvRow, DomainError, notFound } from "@salus/core";
import { expandAvailability } from "@salus/core/scheduling/availability";
import { clipIntervals, totalIntervalMs } from "@salus/core/scheduling/intervals";
import { addDays, daysBetween, instantToLocal, localDayBounds } from "@salus/core/scheduling/zoned-time";
import { inOrganizationSnapshot } from "../db/scoped.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import { loadAvailabilityInput } from "../scheduling/load-availability-input.ts";
import { loadFlowSettings } from "./flow-settings.ts";
import type { FlowReportRow } from "./schemas.ts";

export type { FlowReportRow };

const MINUTE = 60_000;
/** The longest range one report covers. */
export const MAX_REPORT_DAYS = 366;

/**
 * The flow report (docs/guide-reports.md states the definitions):
 *   visits       appointments that were due: fulfilled, no-show, or arrived/checked in (still in progress)
 *   wait         service start (roomed, else with the practitioner) − the later of arrival and appointment start
 *   cycle        checked out − arrival
 *   no-show rate no-shows / visits
 *   late rate    patients arriving more than the grace period after the start / patients with an arrival time
 *   utilisation  time with the practitioner (with-practitioner → checked out) / the practitioners' available hours
 * Means and the 90th percentile (nearest rank) are over the visits where both times were recorded.
 */

/** One due visit with its flow times (epoch ms), as the pure summary reads it. */
export interface ReportVisit {
  date: string;
  practitionerId: string;
  start: number;
  noShow: boolean;
  arrivedAt: number | null;
  serviceStartAt: number | null;
  withPractitionerAt: number | null;
  checkedOutAt: number | null;
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Nearest-rank percentile of a non-empty list. */
export function percentile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Summarises visits into report rows (pure): one row per group key, in key order. */
export function summariseVisits(
  visits: readonly ReportVisit[],
  keyOf: (v: ReportVisit) => string,
  labelOf: (key: string) => string,
  availableMs: (key: string) => number,
  graceMinutes: number,
): FlowReportRow[] {
  const groups = new Map<string, ReportVisit[]>();
  for (const v of visits) {
    const k = keyOf(v);
    const list = groups.get(k) ?? [];
    list.push(v);
    groups.set(k, list);
  }
  return [...groups.keys()].sort().map((key) => {
    const list = groups.get(key)!;
    const waits: number[] = [];
    const cycles: number[] = [];
    let arrivals = 0;
    let late = 0;
    let served = 0;
    for (const v of list) {
      if (v.arrivedAt !== null) {
        arrivals++;
        if (v.arrivedAt > v.start + graceMinutes * MINUTE) late++;
        if (v.serviceStartAt !== null)
          waits.push(Math.max(0, v.serviceStartAt - Math.max(v.arrivedAt, v.start)) / MINUTE);
        if (v.checkedOutAt !== null) cycles.push((v.checkedOutAt - v.arrivedAt) / MINUTE);
      }
      if (v.withPractitionerAt !== null && v.checkedOutAt !== null)
        served += Math.max(0, v.checkedOutAt - v.withPractitionerAt);
    }
    const available = availableMs(key);
    const mean = (xs: number[]) => (xs.length ? round(xs.reduce((s, x) => s + x, 0) / xs.length) : null);
    return {
      key,
      label: labelOf(key),
      visits: list.length,
      meanWaitMinutes: mean(waits),
      p90WaitMinutes: waits.length ? round(percentile(waits, 0.9)) : null,
      meanCycleMinutes: mean(cycles),
      noShowRate: list.length ? round(list.filter((v) => v.noShow).length / list.length, 4) : null,
      lateRate: arrivals ? round(late / arrivals, 4) : null,
      utilisation: available > 0 ? round(served / available, 4) : null,
    };
  });
}

export interface FlowReportQuery {
  locationId: string;
  from: string;
  to: string;
  groupBy: "day" | "practitioner";
}

const ms = (s: string | null) => (s ? Date.parse(s) : null);

/** Loads the due visits of a location between two local dates (inclusive) with their flow times. */
export async function loadReportVisits(
  trx: Trx,
  org: string,
  q: { locationId: string; from: string; to: string },
) {
  const loc = await trx
    .selectFrom("locations")
    .select(["id", "time_zone"])
    .where("organization_id", "=", org)
    .where("id", "=", q.locationId)
    .executeTakeFirst();
  if (!loc) throw notFound("location");
  if (q.to < q.from)
    throw new DomainError("invalid_request", "The report must end on or after its first day.", [
      { path: "to", message: "is before from" },
    ]);
  if (daysBetween(q.from, q.to) >= MAX_REPORT_DAYS)
    throw new DomainError("invalid_request", `A report covers at most ${MAX_REPORT_DAYS} days.`, [
      { path: "to", message: "is too far after from" },
    ]);
  const zone = loc.time_zone;
  const range = { start: localDayBounds(q.from, zone).start, end: localDayBounds(q.to, zone).end };
  const rows = await trx
    .selectFrom("appointments as a")
    .leftJoin("visit_flow as f", (j) =>
      j.onRef("f.organization_id", "=", "a.organization_id").onRef("f.appointment_id", "=", "a.id"),
    )
    .select([
      "a.id",
      "a.practitioner_id",
      "a.appointment_type_id",
      "a.start_at",
      "a.end_at",
      "a.status",
      "f.arrived_at",
      "f.checked_in_at",
      "f.roomed_at",
      "f.with_practitioner_at",
      "f.checked_out_at",
    ])
    .where("a.organization_id", "=", org)
    .where("a.location_id", "=", loc.id)
    .where("a.status", "in", ["fulfilled", "noshow", "arrived", "checked-in"])
    .where("a.start_at", ">=", new Date(range.start).toISOString())
    .where("a.start_at", "<", new Date(range.end).toISOString())
    .orderBy("a.start_at")
    .execute();
  const visits: ReportVisit[] = rows.map((r) => {
    const start = Date.parse(r.start_at);
    return {
      date: instantToLocal(start, zone).date,
      practitionerId: r.practitioner_id,
      start,
      noShow: r.status === "noshow",
      arrivedAt: ms(r.arrived_at) ?? ms(r.checked_in_at),
      serviceStartAt: ms(r.roomed_at) ?? ms(r.with_practitioner_at),
      withPractitionerAt: ms(r.with_practitioner_at),
      checkedOutAt: ms(r.checked_out_at),
    };
  });
  return { zone, range, visits, rows };
}

/** The flow report of a location over local dates [from, to], grouped by day or practitioner (no patient data). */
export async function flowReport(
  services: Services,
  actor: Actor,
  q: FlowReportQuery,
): Promise<FlowReportRow[]> {
  return inOrganizationSnapshot(services.db, actor.organizationId, async (trx) => {
    const org = actor.organizationId;
    const { zone, range, visits } = await loadReportVisits(trx, org, q);
    const settings = await loadFlowSettings(trx, org);
    const practitionerIds = [...new Set(visits.map((v) => v.practitionerId))];
    const staff = practitionerIds.length
      ? await trx
          .selectFrom("staff_members")
          .select(["id", "given_name", "family_name"])
          .where("organization_id", "=", org)
          .where("id", "in", practitionerIds)
          .execute()
      : [];
    const names = new Map(staff.map((s) => [s.id, `${s.given_name} ${s.family_name}`]));
    // Available hours per practitioner and local day, from their weekly templates and exceptions here.
    const expanded = expandAvailability(
      await loadAvailabilityInput(trx, org, { id: q.locationId, zone }, practitionerIds, range),
      range,
    );
    const availableBy = new Map<string, number>();
    for (let d = q.from; d <= q.to; d = addDays(d, 1)) {
      const day = localDayBounds(d, zone);
      for (const r of expanded) {
        if (r.resourceKind !== "practitioner") continue;
        const t = totalIntervalMs(clipIntervals(r.available, day));
        availableBy.set(`${d}|${r.resourceId}`, (availableBy.get(`${d}|${r.resourceId}`) ?? 0) + t);
      }
    }
    const sum = (pred: (key: string) => boolean) =>
      [...availableBy.entries()].filter(([k]) => pred(k)).reduce((s, [, v]) => s + v, 0);
    if (q.groupBy === "day")
      return summariseVisits(
        visits,
        (v) => v.date,
        (k) => k,
        (k) => sum((key) => key.startsWith(`${k}|`)),
        settings.graceMinutes,
      );
    return summariseVisits(
      visits,
      (v) => v.practitionerId,
      (k) => names.get(k) ?? k,
      (k) => sum((key) => key.endsWith(`|${k}`)),
      settings.graceMinutes,
    );
  });
}

export const REPORT_COLUMNS: (keyof FlowReportRow)[] = [
  "key",
  "label",
  "visits",
  "meanWaitMinutes",
  "p90WaitMinutes",
  "meanCycleMinutes",
  "noShowRate",
  "lateRate",
  "utilisation",
];

/** The report as CSV (formula-safe cells). */
export function flowReportCsv(rows: readonly FlowReportRow[]): string {
  return csvRow(REPORT_COLUMNS) + rows.map((r) => csvRow(REPORT_COLUMNS.map((c) => r[c]))).join("");
}

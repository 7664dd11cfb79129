import { DomainError } from "@salus/core";
import { suggestOverbooking } from "@salus/core/flow/overbooking";
import {
  type AppointmentRule,
  type LatePolicy,
  type Punctuality,
  parsePolicy,
  parsePunctuality,
  parseRule,
  parseService,
  type ServiceTime,
  type SessionSpec,
  SIM_LIMITS,
  type SimulationOptions,
  type SimulationResult,
  simulate,
  simulateDay,
  validateSimulation,
} from "@salus/core/flow/simulator";
import { addDays, daysBetween } from "@salus/core/scheduling/zoned-time";
import { inOrganizationSnapshot, organizationDb } from "../db/scoped.ts";
import type { Actor, Services } from "../platform/services.ts";
import { loadReportVisits } from "./flow-report.ts";
import { loadFlowSettings } from "./flow-settings.ts";
import type { BackTestPeriod, WhatIfAnswer, WhatIfInput, WhatIfRow } from "./schemas.ts";

const MINUTE = 60_000;

/** How far a back-test may miss the measured mean wait before the page warns. */
export const BACK_TEST_TOLERANCE = 0.2;

const r2 = (x: number) => Math.round(x * 100) / 100;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : 0;
};

/** One practitioner-day of the range, as booked and as it went (minutes from the first booked start). */
interface ReplaySession {
  date: string;
  times: number[];
  /** Who came (0) and who did not (1), per booked patient in time order. */
  noShow: number[];
  /**
   * Minutes late (− early) each patient who came was ready to be seen (checked in; arrived if not
   * recorded), 0 for the others and the unknown.
   */
  offsets: number[];
  /** Minutes between arriving and being ready that the flow report counts as waiting, per patient. */
  checkIn: number[];
  /** Minutes with the practitioner of each patient who came (null where not recorded). */
  service: (number | null)[];
  /** The flow report's wait of each patient, where both times were recorded (null otherwise). */
  measured: (number | null)[];
  length: number;
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);

/**
 * Replays sessions as they went (booked times, who came and when, each visit's own minutes with the
 * practitioner, or the observed mean where not recorded) with `changeover` minutes added to each visit:
 * the predicted wait of each patient whose wait was measured, per session. Deterministic, and a longer
 * changeover never predicts less waiting.
 */
function replay(sessions: readonly ReplaySession[], changeover: number, meanService: number): number[][] {
  const out: number[][] = [];
  for (let k = 0; k < sessions.length; k += 200) {
    const chunk = sessions.slice(k, k + 200);
    const specs: SessionSpec[] = chunk.map((x) => ({
      patients: x.times.length,
      interval: Math.max(1, Math.min(480, x.length / x.times.length)),
      rule: { kind: "times", minutes: x.times },
      service: {
        kind: "given",
        minutes: x.service.map((m) =>
          Math.min(SIM_LIMITS.maxMinutes, Math.max(0, (m ?? meanService) + changeover)),
        ),
      },
      noShow: x.noShow,
      punctuality: { kind: "given", minutes: x.offsets },
      policy: { kind: "fcfs" },
      sessionLength: Math.max(1, x.length),
    }));
    const day = simulateDay({ sessions: specs, runs: 1, seed: 1 });
    day.sessions.forEach((r, i) => {
      const x = chunk[i]!;
      out.push(x.measured.flatMap((m, j) => (m === null ? [] : [(r.waitByPatient[j] ?? 0) + x.checkIn[j]!])));
    });
  }
  return out;
}

/**
 * The manager's what-if: the practice's own data over [from, to] at a location run through the clinic
 * simulator under each appointment rule × late-arrival policy, with and without the overbooking the core
 * suggests. Same seed for every row (common random numbers), so differences between rows are the
 * policies', not the dice's. No patient data leaves.
 *
 * The basis is fitted on the practice's sessions (practitioner-days) of the range: service times are the
 * observed with-the-practitioner → checked-out minutes; arrival punctuality the observed minutes early or
 * late; the typical session keeps the practice's gaps (its booked span spread over its patients); and the
 * changeover (the practitioner's minutes between one check-out and the next patient, rooming included),
 * which no timestamp measures directly, is fitted so that replaying those sessions (their booked times,
 * who came and when) predicts the flow report's measured mean wait. The back-test then replays each recent
 * week on its own and shows measured against predicted, so the manager sees how far to trust the rows.
 */
export async function whatIf(services: Services, actor: Actor, input: WhatIfInput): Promise<WhatIfAnswer> {
  const runs = input.runs ?? 200;
  const seed = input.seed ?? 1;
  const { visits, rows } = await inOrganizationSnapshot(services.db, actor.organizationId, (trx) =>
    loadReportVisits(trx, actor.organizationId, input),
  );
  const settings = await loadFlowSettings(
    organizationDb(services.db, actor.organizationId),
    actor.organizationId,
  );
  const durations = visits
    .filter((v) => v.withPractitionerAt !== null && v.checkedOutAt !== null)
    .map((v) => (v.checkedOutAt! - v.withPractitionerAt!) / MINUTE)
    .filter((m) => m > 0 && m <= 24 * 60);
  if (durations.length < 10)
    throw new DomainError(
      "conflict",
      `Too few finished visits with flow times in that range to simulate (${durations.length}; at least 10).`,
    );
  const observedMean = mean(durations);
  const noShowRate = visits.filter((v) => v.noShow).length / visits.length;
  const offsets = visits
    .filter((v) => v.arrivedAt !== null)
    .map((v) => Math.max(-120, Math.min(240, (v.arrivedAt! - v.start) / MINUTE)));
  const pMean = mean(offsets);
  const pSd = offsets.length
    ? Math.sqrt(offsets.reduce((s, x) => s + (x - pMean) ** 2, 0) / Math.max(1, offsets.length - 1))
    : 0;

  // The sessions: practitioner-days whose every visit is decided (today's, still running, are left out).
  const byDay = new Map<string, number[]>();
  visits.forEach((v, i) => {
    const key = `${v.date}|${v.practitionerId}`;
    byDay.set(key, [...(byDay.get(key) ?? []), i]);
  });
  const sessions: ReplaySession[] = [];
  const readyAt = (i: number): number | null => {
    const r = rows[i]!;
    const t = r.checked_in_at ?? r.arrived_at;
    return t ? Math.max(Date.parse(t), visits[i]!.arrivedAt ?? 0) : null;
  };
  for (const [key, idx] of [...byDay.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (idx.some((i) => !visits[i]!.noShow && visits[i]!.checkedOutAt === null)) continue;
    const list = [...idx].sort((a, b) => visits[a]!.start - visits[b]!.start || a - b);
    const first = visits[list[0]!]!.start;
    const lastEnd = Math.max(...list.map((i) => Date.parse(rows[i]!.end_at)));
    sessions.push({
      date: key.slice(0, 10),
      times: list.map((i) => (visits[i]!.start - first) / MINUTE),
      noShow: list.map((i) => (visits[i]!.noShow ? 1 : 0)),
      offsets: list.map((i) => {
        const v = visits[i]!;
        const ready = readyAt(i);
        return v.noShow || ready === null
          ? 0
          : Math.max(-SIM_LIMITS.maxMinutes, Math.min(SIM_LIMITS.maxMinutes, (ready - v.start) / MINUTE));
      }),
      // The report counts from the later of arrival and the booked start; the simulator from the later
      // of readiness and the booked start: the difference is check-in time the report calls waiting.
      checkIn: list.map((i) => {
        const v = visits[i]!;
        const ready = readyAt(i);
        if (v.noShow || ready === null || v.arrivedAt === null) return 0;
        return (Math.max(ready, v.start) - Math.max(v.arrivedAt, v.start)) / MINUTE;
      }),
      service: list.map((i) => {
        const v = visits[i]!;
        if (v.noShow || v.withPractitionerAt === null || v.checkedOutAt === null) return null;
        const m = (v.checkedOutAt - v.withPractitionerAt) / MINUTE;
        return m > 0 && m <= 24 * 60 ? m : null;
      }),
      measured: list.map((i) => {
        const v = visits[i]!;
        return !v.noShow && v.arrivedAt !== null && v.serviceStartAt !== null
          ? Math.max(0, v.serviceStartAt - Math.max(v.arrivedAt, v.start)) / MINUTE
          : null;
      }),
      length: (lastEnd - first) / MINUTE,
    });
  }
  const measuredAll = sessions.flatMap((x) => x.measured.filter((m): m is number => m !== null));
  const measuredMean = mean(measuredAll);
  const sample = durations.slice(0, SIM_LIMITS.maxEmpirical);
  const withChangeover = (c: number) => sample.map((m) => Math.max(0.1, m + c));
  const predictedMean = (c: number, of: readonly ReplaySession[]) => mean(replay(of, c, observedMean).flat());

  // Fit the changeover by bisection on [−observed minimum, 60]: more changeover, more waiting.
  let changeover = 0;
  if (sessions.length && measuredAll.length) {
    let lo = -Math.min(...sample, observedMean);
    let hi = 60;
    if (predictedMean(lo, sessions) >= measuredMean) changeover = lo;
    else if (predictedMean(hi, sessions) <= measuredMean) changeover = hi;
    else {
      for (let step = 0; step < 16; step++) {
        const mid = (lo + hi) / 2;
        if (predictedMean(mid, sessions) < measuredMean) lo = mid;
        else hi = mid;
      }
      changeover = (lo + hi) / 2;
    }
  }
  const serviceList = withChangeover(changeover);
  const serviceMean = mean(serviceList);
  const sd = Math.sqrt(
    serviceList.reduce((s, x) => s + (x - serviceMean) ** 2, 0) / Math.max(1, serviceList.length - 1),
  );

  // The back-test: each recent week (7 days back from `to`) replayed on its own with the fitted basis.
  const periods: BackTestPeriod[] = [];
  const weeks = Math.ceil((daysBetween(input.from, input.to) + 1) / 7);
  const predictedBySession = replay(sessions, changeover, observedMean);
  for (let w = weeks - 1; w >= 0; w--) {
    const to = addDays(input.to, -7 * w);
    const fromRaw = addDays(to, -6);
    // The range's first week may be short: it starts on the range's first day (dates compare as text).
    const from = [fromRaw, input.from].sort().at(-1)!;
    const inWeek = sessions.map((x, k) => [x, k] as const).filter(([x]) => x.date >= from && x.date <= to);
    const measured = inWeek.flatMap(([x]) => x.measured.filter((m): m is number => m !== null));
    const predicted = inWeek.flatMap(([, k]) => predictedBySession[k]!);
    if (!measured.length) continue;
    const m = mean(measured);
    const p = mean(predicted);
    periods.push({
      from,
      to,
      sessions: inWeek.length,
      patients: measured.length,
      measuredMeanWait: r2(m),
      predictedMeanWait: r2(p),
      relativeError: m > 0 ? Math.round(((p - m) / m) * 1000) / 1000 : null,
    });
  }
  const predictedAll = mean(predictedBySession.flat());
  const errors = periods.map((x) => x.relativeError).filter((e): e is number => e !== null);
  const worst = errors.length ? Math.max(...errors.map(Math.abs)) : null;

  // The typical session: the median patients per practitioner-day over the median booked span.
  const patients = Math.max(2, Math.min(60, Math.round(median(sessions.map((x) => x.times.length)))));
  const interval = Math.max(
    5,
    Math.min(
      SIM_LIMITS.maxInterval,
      Math.round(
        median(sessions.map((x) => x.length / x.times.length)) ||
          median(rows.map((r) => (Date.parse(r.end_at) - Date.parse(r.start_at)) / MINUTE)),
      ),
    ),
  );
  const service: ServiceTime = { kind: "empirical", minutes: serviceList };
  const punctuality: Punctuality = offsets.length
    ? { kind: "empirical", minutes: offsets.slice(0, SIM_LIMITS.maxEmpirical) }
    : { kind: "none" };
  // Where the core's model finds a second patient most worth it.
  const suggestions = suggestOverbooking({
    slots: Array.from({ length: patients }, (_, i) => ({
      slotId: String(i),
      start: i * interval,
      end: (i + 1) * interval,
      noShowProbability: noShowRate,
    })),
    costs: {
      idleMinuteValue: settings.idleMinuteValueCents,
      waitMinuteCost: settings.waitMinuteCostCents,
      overtimeMinuteCost: settings.overtimeMinuteCostCents,
    },
    serviceMinutes: serviceMean,
    dayEnd: patients * interval,
  });
  // The model weighs one extra patient per session at a time: the row adds that one, in the best slot
  // (recommended or not, so the row shows what it would cost).
  const best = [...suggestions].sort((a, b) => b.netGain - a.netGain)[0];
  const extra = best ? [Number(best.slotId) * interval] : [];
  const rules: [string, AppointmentRule][] = [
    ["individual", { kind: "individual" }],
    ["bailey-welch", { kind: "bailey-welch" }],
    ["block:2", { kind: "block", size: 2 }],
  ];
  const policies: [string, LatePolicy][] = [
    ["fcfs", { kind: "fcfs" }],
    ["appointment-order", { kind: "appointment-order" }],
    ["earlier-of", { kind: "earlier-of" }],
    [
      `grace-next-gap:${settings.graceMinutes}`,
      { kind: "grace-next-gap", graceMinutes: settings.graceMinutes },
    ],
  ];
  const out: WhatIfRow[] = [];
  for (const [ruleName, rule] of rules)
    for (const [policyName, policy] of policies)
      for (const overbook of [[], extra]) {
        const options: SimulationOptions = {
          patients,
          interval,
          rule,
          service,
          noShow: noShowRate,
          punctuality,
          policy,
          runs,
          seed,
          ...(overbook.length ? { overbook } : {}),
        };
        const r = simulate(options);
        out.push({
          rule: ruleName,
          policy: policyName,
          overbook: overbook.length,
          meanWait: r2(r.meanWait),
          meanWaitCi: r.ci95.meanWait ? [r2(r.ci95.meanWait[0]), r2(r.ci95.meanWait[1])] : null,
          p90Wait: r2(r.p90Wait),
          idle: r2(r.idle),
          overtime: r2(r.overtime),
        });
      }
  return {
    basis: {
      visits: visits.length,
      meanServiceMinutes: r2(serviceMean),
      observedServiceMinutes: r2(observedMean),
      changeoverMinutes: r2(changeover),
      sessions: sessions.length,
      cv: r2(serviceMean > 0 ? sd / serviceMean : 0),
      noShowRate: Math.round(noShowRate * 10_000) / 10_000,
      punctuality: {
        meanMinutes: r2(pMean),
        sdMinutes: r2(pSd),
        lateShare: offsets.length
          ? Math.round((offsets.filter((o) => o > 0).length / offsets.length) * 10_000) / 10_000
          : 0,
        samples: offsets.length,
      },
      sessionPatients: patients,
      intervalMinutes: interval,
    },
    backTest: {
      periods,
      measuredMeanWait: r2(measuredMean),
      predictedMeanWait: r2(predictedAll),
      relativeError:
        measuredMean > 0 ? Math.round(((predictedAll - measuredMean) / measuredMean) * 1000) / 1000 : null,
      worstRelativeError: worst === null ? null : Math.round(worst * 1000) / 1000,
      tolerance: BACK_TEST_TOLERANCE,
      withinTolerance: worst !== null && worst <= BACK_TEST_TOLERANCE,
    },
    rows: out,
  };
}

/** The simulate command's options as the API takes them (the same text forms as `salus simulate`). */
export interface SimulateInput {
  patients: number;
  interval: number;
  rule: string;
  service: string;
  noShow: number;
  runs: number;
  seed: number;
  policy?: string | undefined;
  punctuality?: string | undefined;
  overbook?: number[] | undefined;
  sessionLength?: number | undefined;
}

/** Runs the clinic simulator with CLI-style options; bad values answer 400 naming the field. */
export function runSimulation(input: SimulateInput): SimulationResult {
  const options: SimulationOptions = {
    patients: input.patients,
    interval: input.interval,
    rule: parseRule(input.rule),
    service: parseService(input.service),
    noShow: input.noShow,
    runs: input.runs,
    seed: input.seed,
    ...(input.policy ? { policy: parsePolicy(input.policy) } : {}),
    ...(input.punctuality ? { punctuality: parsePunctuality(input.punctuality) } : {}),
    ...(input.overbook?.length ? { overbook: input.overbook } : {}),
    ...(input.sessionLength ? { sessionLength: input.sessionLength } : {}),
  };
  validateSimulation(options);
  return simulate(options);
}

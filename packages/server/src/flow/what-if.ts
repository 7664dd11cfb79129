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
  type SimulationOptions,
  type SimulationResult,
  simulate,
  validateSimulation,
} from "@salus/core/flow/simulator";
import { inSnapshot } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import { loadReportVisits } from "./flow-report.ts";
import { loadFlowSettings } from "./flow-settings.ts";

const MINUTE = 60_000;

export interface WhatIfInput {
  locationId: string;
  from: string;
  to: string;
  runs?: number | undefined;
  seed?: number | undefined;
}

export interface WhatIfRow {
  rule: string;
  policy: string;
  /** Extra patients double-booked per session (0: none). */
  overbook: number;
  meanWait: number;
  meanWaitCi: [number, number] | null;
  p90Wait: number;
  idle: number;
  overtime: number;
}

export interface WhatIfAnswer {
  basis: {
    visits: number;
    meanServiceMinutes: number;
    cv: number;
    noShowRate: number;
    punctuality: { meanMinutes: number; sdMinutes: number; lateShare: number; samples: number };
    sessionPatients: number;
    intervalMinutes: number;
  };
  rows: WhatIfRow[];
}

const r2 = (x: number) => Math.round(x * 100) / 100;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : 0;
};

/**
 * The manager's what-if: the practice's own data over [from, to] at a location (observed service
 * durations, no-show rate, punctuality, the typical session: median visits per practitioner-day at the
 * median booked length) run through the clinic simulator under each appointment rule × late-arrival
 * policy, with and without the overbooking the core suggests. Same seed for every row (common random
 * numbers), so differences between rows are the policies', not the dice's. No patient data leaves.
 */
export async function whatIf(services: Services, actor: Actor, input: WhatIfInput): Promise<WhatIfAnswer> {
  const runs = input.runs ?? 200;
  const seed = input.seed ?? 1;
  const { visits, rows } = await inSnapshot(services.db, (trx) =>
    loadReportVisits(trx, actor.organizationId, input),
  );
  const settings = await loadFlowSettings(services.db.kysely, actor.organizationId);
  const durations = visits
    .filter((v) => v.withPractitionerAt !== null && v.checkedOutAt !== null)
    .map((v) => (v.checkedOutAt! - v.withPractitionerAt!) / MINUTE)
    .filter((m) => m > 0 && m <= 24 * 60);
  if (durations.length < 10)
    throw new DomainError(
      "conflict",
      `Too few finished visits with flow times in that range to simulate (${durations.length}; at least 10).`,
    );
  const mean = durations.reduce((s, x) => s + x, 0) / durations.length;
  const sd = Math.sqrt(
    durations.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(1, durations.length - 1),
  );
  const noShowRate = visits.filter((v) => v.noShow).length / visits.length;
  const offsets = visits
    .filter((v) => v.arrivedAt !== null)
    .map((v) => Math.max(-120, Math.min(240, (v.arrivedAt! - v.start) / MINUTE)));
  const pMean = offsets.length ? offsets.reduce((s, x) => s + x, 0) / offsets.length : 0;
  const pSd = offsets.length
    ? Math.sqrt(offsets.reduce((s, x) => s + (x - pMean) ** 2, 0) / Math.max(1, offsets.length - 1))
    : 0;
  const perDay = new Map<string, number>();
  for (const v of visits)
    perDay.set(`${v.date}|${v.practitionerId}`, (perDay.get(`${v.date}|${v.practitionerId}`) ?? 0) + 1);
  const patients = Math.max(2, Math.min(60, Math.round(median([...perDay.values()]))));
  const interval = Math.max(
    5,
    Math.round(median(rows.map((r) => (Date.parse(r.end_at) - Date.parse(r.start_at)) / MINUTE))),
  );
  const service: ServiceTime = { kind: "empirical", minutes: durations.slice(0, 100_000) };
  const punctuality: Punctuality = offsets.length
    ? { kind: "empirical", minutes: offsets.slice(0, 100_000) }
    : { kind: "none" };
  // Where the core's one-step model finds a second patient worth it (the best slot, at least one).
  const suggestions = suggestOverbooking({
    slots: Array.from({ length: patients }, (_, i) => ({ slotId: String(i), noShowProbability: noShowRate })),
    costs: { idleMinuteValue: settings.idleMinuteValueCents, waitMinuteCost: settings.waitMinuteCostCents },
    serviceMinutes: mean,
  });
  let extra = suggestions.filter((s) => s.recommend).map((s) => Number(s.slotId) * interval);
  if (!extra.length) {
    const best = [...suggestions].sort((a, b) => b.netGain - a.netGain)[0];
    extra = best ? [Number(best.slotId) * interval] : [];
  }
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
      meanServiceMinutes: r2(mean),
      cv: r2(mean > 0 ? sd / mean : 0),
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

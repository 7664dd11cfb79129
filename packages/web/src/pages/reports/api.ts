// The reports API (packages/server/src/http/routes/flow-routes.ts): flow figures per day or practitioner,
// the no-show risk model's calibration, and the what-if comparison of scheduling policies.
import { api, buildQuery } from "../../api/client.ts";

export type GroupBy = "day" | "practitioner";

export interface FlowReportRow {
  key: string;
  label: string;
  visits: number;
  meanWaitMinutes: number | null;
  p90WaitMinutes: number | null;
  meanCycleMinutes: number | null;
  /** 0..1. */
  noShowRate: number | null;
  lateRate: number | null;
  utilisation: number | null;
}

export interface FlowReportQuery {
  locationId: string;
  from: string;
  to: string;
  groupBy: GroupBy;
}

export interface FlowReport {
  rows: FlowReportRow[];
}

export interface ReliabilityBin {
  decile: number;
  meanPredicted: number;
  observedRate: number;
  n: number;
}

export interface NoShowModel {
  trainedAt: string | null;
  examples: number;
  brier: number | null;
  baselineBrier: number | null;
  reliability: ReliabilityBin[];
  weights: { feature: string; weight: number }[];
}

export interface WhatIfRequest {
  locationId: string;
  from: string;
  to: string;
  runs?: number;
  seed?: number;
}

/** A confidence interval as the server gives it: `[low, high]`, `{ low, high }` or a ± half-width. */
export type Interval = [number, number] | { low: number; high: number } | { lo: number; hi: number } | number;

export interface WhatIfRow {
  rule: string;
  policy: string;
  overbook: boolean | number | string | null;
  meanWait: number;
  meanWaitCi: Interval | null;
  p90Wait: number;
  idle: number;
  overtime: number;
  idleCi?: Interval | null;
  overtimeCi?: Interval | null;
}

/** What the comparison was drawn from: the practice's own visits in the range. */
export interface WhatIfBasis {
  visits: number;
  meanServiceMinutes: number;
  cv: number;
  noShowRate: number;
  punctuality: { meanMinutes: number; sdMinutes: number; lateShare: number; samples: number };
  sessionPatients: number;
  intervalMinutes: number;
  /** Minutes with the practitioner alone, and the fitted changeover between patients. */
  observedServiceMinutes: number;
  changeoverMinutes: number;
  sessions: number;
}

/** One recent week replayed: measured against predicted mean wait. */
export interface BackTestPeriod {
  from: string;
  to: string;
  sessions: number;
  patients: number;
  measuredMeanWait: number;
  predictedMeanWait: number;
  relativeError: number | null;
}

export interface WhatIfBackTest {
  periods: BackTestPeriod[];
  measuredMeanWait: number;
  predictedMeanWait: number;
  relativeError: number | null;
  worstRelativeError: number | null;
  tolerance: number;
  withinTolerance: boolean;
}

export interface WhatIfResult {
  basis: Partial<WhatIfBasis>;
  backTest?: WhatIfBackTest;
  rows: WhatIfRow[];
}

/** The options of `salus simulate` (POST /api/reports/simulate). */
export interface SimulateRequest {
  patients: number;
  interval: number;
  /** `individual`, `bailey-welch` or `block:K`. */
  rule: string;
  /** `exp:MEAN` or `lognormal:MEAN:CV`. */
  service: string;
  noShow?: number;
  runs?: number;
  seed?: number;
}

type Ci = [number, number] | null;

export interface SimulateResult {
  meanWait: number;
  p50Wait: number;
  p90Wait: number;
  p95Wait: number;
  idle: number;
  overtime: number;
  ci95: { meanWait: Ci; p50Wait: Ci; p90Wait: Ci; p95Wait: Ci; idle: Ci; overtime: Ci };
  shows: number;
  booked: number;
  sessionLength: number;
  runs: number;
  seed: number;
  visits: number;
  waitByPatient: (number | null)[];
  appointmentTimes: number[];
}

/** The report's rows, whether the server wraps them (`{ rows }`) or not. */
function rowsOf(answer: FlowReport | FlowReportRow[]): FlowReport {
  return Array.isArray(answer) ? { rows: answer } : answer;
}

/** The CSV download address (a plain GET: the session cookie goes with it). */
export function flowReportCsvUrl(q: FlowReportQuery): string {
  return `/api/reports/flow${buildQuery({ ...q, format: "csv" })}`;
}

export const reports = {
  flow: async (q: FlowReportQuery, signal?: AbortSignal) =>
    rowsOf(await api<FlowReport | FlowReportRow[]>("/api/reports/flow", { query: { ...q }, signal })),
  noShowModel: (signal?: AbortSignal) => api<NoShowModel>("/api/reports/no-show-model", { signal }),
  retrainNoShowModel: () =>
    api<NoShowModel>("/api/reports/no-show-model/retrain", { method: "POST", body: {} }),
  whatIf: (body: WhatIfRequest) => api<WhatIfResult>("/api/reports/what-if", { method: "POST", body }),
  simulate: (body: SimulateRequest) => api<SimulateResult>("/api/reports/simulate", { method: "POST", body }),
};

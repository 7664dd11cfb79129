// The reports API (packages/server/src/flow/routes.ts; shapes in flow/schemas.ts): flow figures per day or practitioner,
// the no-show risk model's calibration, and the what-if comparison of scheduling policies.
import type {
  FlowReportView,
  NoShowModelView as NoShowModel,
  WhatIfRequest,
  WhatIfAnswer as WhatIfResult,
  WhatIfRow,
} from "@salus/server/flow/schemas";
import { api, buildQuery } from "../../api/client.ts";

export type GroupBy = "day" | "practitioner";

export type {
  BackTestPeriod,
  FlowReportRow,
  NoShowModelView as NoShowModel,
  WhatIfAnswer as WhatIfResult,
  WhatIfBasis,
  WhatIfRequest,
  WhatIfRow,
} from "@salus/server/flow/schemas";

export interface FlowReportQuery {
  locationId: string;
  from: string;
  to: string;
  groupBy: GroupBy;
}

export type FlowReport = FlowReportView;

/** A confidence interval as the server gives it: `[low, high]`. */
export type Interval = NonNullable<WhatIfRow["meanWaitCi"]>;

export type ReliabilityBin = NoShowModel["reliability"][number];

export type WhatIfBackTest = WhatIfResult["backTest"];

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

/** The CSV download address (a plain GET: the session cookie goes with it). */
export function flowReportCsvUrl(q: FlowReportQuery): string {
  return `/api/reports/flow${buildQuery({ ...q, format: "csv" })}`;
}

export const reports = {
  flow: async (q: FlowReportQuery, signal?: AbortSignal) =>
    api<FlowReport>("/api/reports/flow", { query: { ...q }, signal }),
  noShowModel: (signal?: AbortSignal) => api<NoShowModel>("/api/reports/no-show-model", { signal }),
  retrainNoShowModel: () =>
    api<NoShowModel>("/api/reports/no-show-model/retrain", { method: "POST", body: {} }),
  whatIf: (body: WhatIfRequest) => api<WhatIfResult>("/api/reports/what-if", { method: "POST", body }),
  simulate: (body: SimulateRequest) => api<SimulateResult>("/api/reports/simulate", { method: "POST", body }),
};

/**
 * No-show risk: an L2-regularised logistic regression learned from the practice's own history, with
 * the reasons behind each probability and the calibration a manager can check.
 *
 * Features (all computed from the appointment and what was known when it was booked or before the day):
 *   lead time            log(1 + days between booking and visit)
 *   earlier no-shows     count (capped at 5) and smoothed rate  noShows / (earlier appointments + 3)
 *   history              new patient (no earlier appointment), log(1 + earlier attended visits)
 *   recency              log(1 + days since the last attended visit), 0 for a new patient
 *   rescheduled          times this appointment was moved (capped at 3)
 *   appointment type     one-hot over the types seen at least `minTypeCount` times in training
 *   weekday, hour band   one-hot over the location's wall clock (hour bands: <10, 10–13, 13–16, ≥16)
 *   age band             one-hot: <18, 18–39, 40–64, ≥65, unknown (age at the visit's local date)
 * Features are standardised with the training mean and spread; the model is fitted by Newton's method
 * (IRLS) on the penalised log-likelihood (intercept not penalised): deterministic, a few iterations.
 *
 * Evaluation is by time: train on the older appointments, test on the newer ones (`splitByTime`), as the
 * model will be used on appointments that come after its training data. Shuffled splits would leak
 * the future (a patient's later no-shows) into training.
 */
import { instantToLocal } from "../scheduling/zoned-time.ts";
import { DomainError } from "../shared/domain-error.ts";

const DAY = 86_400_000;

/** What was known about the patient before this appointment. */
export interface NoShowHistory {
  /** Earlier appointments the patient attended. */
  priorVisits: number;
  /** Earlier appointments the patient did not come to. */
  priorNoShows: number;
  /** Local date of the last attended visit (YYYY-MM-DD), if any. */
  lastVisitDate?: string | null;
  /** How many times this appointment was rescheduled. */
  rescheduledCount?: number;
}

/** One appointment to score. */
export interface NoShowAppointment {
  appointmentTypeId: string;
  /** The type's name, for reasons in words (e.g. "New patient consult"); the id is never shown. */
  appointmentTypeName?: string | null;
  /** Scheduled start (epoch ms). */
  start: number;
  /** When it was booked (epoch ms). */
  bookedAt: number;
  /** IANA zone of the location (weekday and hour follow its wall clock). */
  zone: string;
  /** Plain date of birth YYYY-MM-DD, if known. */
  birthDate?: string | null;
  history: NoShowHistory;
}

/** A past appointment with its outcome. */
export interface NoShowExample extends NoShowAppointment {
  noShow: boolean;
}

export interface TrainOptions {
  /** L2 penalty on the standardised weights (default 1). */
  l2?: number;
  /** Newton iterations at most (default 50). */
  maxIterations?: number;
  /** Appointment types seen fewer times share the "other type" baseline (default 5). */
  minTypeCount?: number;
}

/** A trained model: plain JSON, to be stored and reused. */
export interface NoShowModel {
  version: 1;
  featureNames: string[];
  /** Which reason group each feature belongs to. */
  featureGroups: string[];
  means: number[];
  scales: number[];
  /** Weights on the standardised features. */
  weights: number[];
  intercept: number;
  types: string[];
  baseRate: number;
  trainedOn: number;
  l2: number;
  iterations: number;
}

export interface NoShowReason {
  /** Feature group: lead, no-shows, history, recency, rescheduled, type, weekday, hour, age. */
  feature: string;
  /** Plain words with the effect, e.g. "2 earlier no-shows (+18%)". */
  text: string;
  /** Change in probability against an average appointment, in probability points (0.18 = +18%). */
  effect: number;
}

export interface NoShowPrediction {
  probability: number;
  /** The largest contributions first (at most 3, each at least half a percentage point). */
  reasons: NoShowReason[];
}

export interface ReliabilityBin {
  decile: number;
  meanPredicted: number;
  observedRate: number;
  n: number;
}

export interface Calibration {
  n: number;
  /** Mean squared error of the probabilities (lower is better). */
  brier: number;
  /** Brier score of always predicting the base rate. */
  baselineBrier: number;
  baseRate: number;
  /** 1 − brier / baselineBrier: share of the baseline error removed (0 = no better than the base rate). */
  skill: number;
  /** Ten equal-count groups by predicted probability, lowest first (fewer when n < 10). */
  reliability: ReliabilityBin[];
}

const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const HOUR_BANDS = [
  "early morning (before 10:00)",
  "late morning (10:00–13:00)",
  "afternoon (13:00–16:00)",
  "late afternoon (from 16:00)",
];
const AGE_BANDS = ["under 18", "18–39", "40–64", "65 or older", "unknown age"];

/** Raw feature values and the facts they describe (for reasons). */
interface RawFeatures {
  values: number[];
  facts: Record<string, string>;
}

/** Whole years between a birth date and a local date, both YYYY-MM-DD. */
export function ageOn(birthDate: string, onDate: string): number {
  const [by, bm, bd] = birthDate.split("-").map(Number) as [number, number, number];
  const [y, m, d] = onDate.split("-").map(Number) as [number, number, number];
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

function featureLayout(types: readonly string[]): { names: string[]; groups: string[] } {
  const names = [
    "leadLogDays",
    "priorNoShows",
    "priorNoShowRate",
    "newPatient",
    "priorVisitsLog",
    "daysSinceLastLog",
    "rescheduled",
  ];
  const groups = ["lead", "no-shows", "no-shows", "history", "history", "recency", "rescheduled"];
  const add = (name: string, group: string) => {
    names.push(name);
    groups.push(group);
  };
  for (const t of types) add(`type=${t}`, "type");
  for (const w of WEEKDAYS) add(`weekday=${w}`, "weekday");
  for (let i = 0; i < HOUR_BANDS.length; i++) add(`hourBand=${i}`, "hour");
  for (let i = 0; i < AGE_BANDS.length; i++) add(`ageBand=${i}`, "age");
  return { names, groups };
}

function rawFeatures(a: NoShowAppointment, types: readonly string[]): RawFeatures {
  if (!Number.isFinite(a.start) || !Number.isFinite(a.bookedAt)) {
    throw new DomainError("invalid_request", "start and bookedAt must be instants (epoch ms).");
  }
  const local = instantToLocal(a.start, a.zone);
  const leadDays = Math.max(0, (a.start - a.bookedAt) / DAY);
  const noShows = Math.max(0, a.history.priorNoShows);
  const visits = Math.max(0, a.history.priorVisits);
  const appointments = noShows + visits;
  const last = a.history.lastVisitDate ?? null;
  const sinceLast = last ? Math.max(0, (Date.parse(local.date) - Date.parse(last)) / DAY) : 0;
  const rescheduled = Math.min(3, Math.max(0, a.history.rescheduledCount ?? 0));
  const values = [
    Math.log1p(leadDays),
    Math.min(5, noShows),
    noShows / (appointments + 3),
    appointments === 0 ? 1 : 0,
    Math.log1p(visits),
    Math.log1p(sinceLast),
    rescheduled,
  ];
  for (const t of types) values.push(a.appointmentTypeId === t ? 1 : 0);
  for (let w = 1; w <= 7; w++) values.push(local.weekday === w ? 1 : 0);
  const hour = local.minuteOfDay / 60;
  const hourBand = hour < 10 ? 0 : hour < 13 ? 1 : hour < 16 ? 2 : 3;
  for (let i = 0; i < 4; i++) values.push(hourBand === i ? 1 : 0);
  let ageBand = 4;
  if (a.birthDate) {
    const age = ageOn(a.birthDate, local.date);
    ageBand = age < 18 ? 0 : age < 40 ? 1 : age < 65 ? 2 : 3;
  }
  for (let i = 0; i < 5; i++) values.push(ageBand === i ? 1 : 0);
  const days = Math.round(leadDays);
  const facts: Record<string, string> = {
    lead: days === 0 ? "booked the same day" : `booked ${days} day${days === 1 ? "" : "s"} ahead`,
    "no-shows":
      noShows === 0 ? "no earlier no-shows" : `${noShows} earlier no-show${noShows === 1 ? "" : "s"}`,
    history: appointments === 0 ? "new patient" : `${visits} earlier visit${visits === 1 ? "" : "s"}`,
    recency: last ? `last visit ${Math.round(sinceLast)} days ago` : "no earlier visit",
    rescheduled:
      rescheduled === 0
        ? "never rescheduled"
        : `rescheduled ${rescheduled} time${rescheduled === 1 ? "" : "s"}`,
    type: !types.includes(a.appointmentTypeId)
      ? "a less common appointment type"
      : a.appointmentTypeName
        ? `appointment type "${a.appointmentTypeName}"`
        : "this appointment type",
    weekday: `on a ${WEEKDAYS[local.weekday - 1]}`,
    hour: `in the ${HOUR_BANDS[hourBand]}`,
    age: ageBand === 4 ? "age unknown" : `age ${AGE_BANDS[ageBand]}`,
  };
  return { values, facts };
}

/** The model's feature names and values for one appointment (raw, before standardisation). */
export function noShowFeatures(
  model: Pick<NoShowModel, "types">,
  appointment: NoShowAppointment,
): { names: string[]; values: number[] } {
  return { names: featureLayout(model.types).names, values: rawFeatures(appointment, model.types).values };
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** Trains the no-show model (L2-regularised logistic regression by Newton's method); deterministic. */
export function trainNoShowModel(
  examples: readonly NoShowExample[],
  options: TrainOptions = {},
): NoShowModel {
  if (examples.length === 0) throw new DomainError("invalid_request", "No past appointments to learn from.");
  const l2 = options.l2 ?? 1;
  const maxIterations = options.maxIterations ?? 50;
  const minTypeCount = options.minTypeCount ?? 5;
  const counts = new Map<string, number>();
  for (const e of examples) counts.set(e.appointmentTypeId, (counts.get(e.appointmentTypeId) ?? 0) + 1);
  const types = [...counts.entries()]
    .filter(([, n]) => n >= minTypeCount)
    .map(([t]) => t)
    .sort();
  const { names, groups } = featureLayout(types);
  const d = names.length;
  const n = examples.length;
  const X: Float64Array[] = examples.map((e) => Float64Array.from(rawFeatures(e, types).values));
  const y: number[] = examples.map((e) => (e.noShow ? 1 : 0));
  const means = new Array<number>(d).fill(0);
  const scales = new Array<number>(d).fill(1);
  for (let j = 0; j < d; j++) {
    let s = 0;
    for (const x of X) s += x[j]!;
    means[j] = s / n;
    let v = 0;
    for (const x of X) v += (x[j]! - means[j]!) ** 2;
    const sd = Math.sqrt(v / n);
    // A constant feature (e.g. a weekday never seen) keeps scale 1: its standardised value is 0 anyway.
    scales[j] = sd > 1e-9 ? sd : 1;
  }
  for (const x of X) for (let j = 0; j < d; j++) x[j] = (x[j]! - means[j]!) / scales[j]!;

  // Parameters: [intercept, w_1 … w_d].
  const p = d + 1;
  const beta = new Float64Array(p);
  const baseRate = y.reduce((a, b) => a + b, 0) / n;
  const clipped = Math.min(1 - 1e-6, Math.max(1e-6, baseRate));
  beta[0] = Math.log(clipped / (1 - clipped));
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    const grad = new Float64Array(p);
    const H = Array.from({ length: p }, () => new Float64Array(p));
    for (let i = 0; i < n; i++) {
      const x = X[i]!;
      let z = beta[0]!;
      for (let j = 0; j < d; j++) z += beta[j + 1]! * x[j]!;
      const mu = sigmoid(z);
      const r = y[i]! - mu;
      const w = Math.max(mu * (1 - mu), 1e-10);
      grad[0] = grad[0]! + r;
      H[0]![0] = H[0]![0]! + w;
      for (let j = 0; j < d; j++) {
        const xj = x[j]!;
        if (xj === 0) continue;
        grad[j + 1] = grad[j + 1]! + r * xj;
        const wx = w * xj;
        H[0]![j + 1] = H[0]![j + 1]! + wx;
        for (let k = j; k < d; k++) H[j + 1]![k + 1] = H[j + 1]![k + 1]! + wx * x[k]!;
      }
    }
    for (let j = 1; j < p; j++) {
      grad[j] = grad[j]! - l2 * beta[j]!;
      H[j]![j] = H[j]![j]! + l2;
      for (let k = 0; k < j; k++) H[j]![k] = H[k]![j]!;
    }
    const step = solve(H, grad);
    let maxStep = 0;
    for (let j = 0; j < p; j++) {
      beta[j] = beta[j]! + step[j]!;
      maxStep = Math.max(maxStep, Math.abs(step[j]!));
    }
    if (maxStep < 1e-8) {
      iterations++;
      break;
    }
  }
  return {
    version: 1,
    featureNames: names,
    featureGroups: groups,
    means,
    scales,
    weights: Array.from(beta.subarray(1)),
    intercept: beta[0]!,
    types,
    baseRate,
    trainedOn: n,
    l2,
    iterations,
  };
}

/** Solves H x = g for a symmetric positive definite H (Gaussian elimination with partial pivoting). */
function solve(H: Float64Array[], g: Float64Array): Float64Array {
  const n = g.length;
  const A = H.map((row, i) => {
    const r = new Float64Array(n + 1);
    r.set(row);
    r[n] = g[i]!;
    return r;
  });
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[piv]![c]!)) piv = r;
    [A[c], A[piv]] = [A[piv]!, A[c]!];
    const pivot = A[c]![c]!;
    if (Math.abs(pivot) < 1e-14) continue;
    for (let r = c + 1; r < n; r++) {
      const f = A[r]![c]! / pivot;
      if (f === 0) continue;
      for (let k = c; k <= n; k++) A[r]![k] = A[r]![k]! - f * A[c]![k]!;
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = A[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= A[r]![k]! * x[k]!;
    const pivot = A[r]![r]!;
    x[r] = Math.abs(pivot) < 1e-14 ? 0 : s / pivot;
  }
  return x;
}

/** The no-show probability of one appointment with its main reasons in plain words. */
export function predictNoShow(model: NoShowModel, appointment: NoShowAppointment): NoShowPrediction {
  const { values, facts } = rawFeatures(appointment, model.types);
  let z = model.intercept;
  const groupContribution = new Map<string, number>();
  for (let j = 0; j < values.length; j++) {
    // Standardised value: 0 = the training average, so a contribution is "against an average appointment".
    const c = (model.weights[j]! * (values[j]! - model.means[j]!)) / model.scales[j]!;
    z += c;
    const g = model.featureGroups[j]!;
    groupContribution.set(g, (groupContribution.get(g) ?? 0) + c);
  }
  const probability = sigmoid(z);
  const reasons: NoShowReason[] = [];
  for (const [group, c] of groupContribution) {
    const effect = probability - sigmoid(z - c);
    if (Math.abs(effect) < 0.005) continue;
    const pct = Math.round(effect * 100);
    const signed = pct === 0 ? (effect > 0 ? "+<1%" : "−<1%") : pct > 0 ? `+${pct}%` : `−${-pct}%`;
    reasons.push({ feature: group, text: `${facts[group]} (${signed})`, effect });
  }
  reasons.sort((a, b) => Math.abs(b.effect) - Math.abs(a.effect) || (a.feature < b.feature ? -1 : 1));
  return { probability, reasons: reasons.slice(0, 3) };
}

/** Brier score, base-rate baseline and reliability by decile of predicted probability. */
export function calibration(
  predictions: readonly number[],
  outcomes: readonly boolean[],
  options: { baseRate?: number } = {},
): Calibration {
  if (predictions.length !== outcomes.length) {
    throw new DomainError("invalid_request", "predictions and outcomes must have the same length.");
  }
  const n = predictions.length;
  if (n === 0) return { n, brier: 0, baselineBrier: 0, baseRate: 0, skill: 0, reliability: [] };
  const y: number[] = outcomes.map((o) => (o ? 1 : 0));
  const observedRate = y.reduce((a, b) => a + b, 0) / n;
  // The baseline predicts the rate the model would have known (the training base rate) when given;
  // otherwise the evaluated set's own rate, which flatters the baseline slightly.
  const baseRate = options.baseRate ?? observedRate;
  let brier = 0;
  let baselineBrier = 0;
  for (let i = 0; i < n; i++) {
    brier += (predictions[i]! - y[i]!) ** 2;
    baselineBrier += (baseRate - y[i]!) ** 2;
  }
  brier /= n;
  baselineBrier /= n;
  const order = predictions.map((_, i) => i).sort((a, b) => predictions[a]! - predictions[b]! || a - b);
  const bins = Math.min(10, n);
  const reliability: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) {
    const from = Math.floor((b * n) / bins);
    const to = Math.floor(((b + 1) * n) / bins);
    let sp = 0;
    let so = 0;
    for (let k = from; k < to; k++) {
      sp += predictions[order[k]!]!;
      so += y[order[k]!]!;
    }
    const m = to - from;
    reliability.push({ decile: b + 1, meanPredicted: m ? sp / m : 0, observedRate: m ? so / m : 0, n: m });
  }
  return {
    n,
    brier,
    baselineBrier,
    baseRate,
    skill: baselineBrier > 0 ? 1 - brier / baselineBrier : 0,
    reliability,
  };
}

/** A patient's earlier appointment, for `patientHistoryBefore`. */
export interface PastAppointment {
  start: number;
  /** Appointment status: "fulfilled" counts as a visit, "noshow" as a no-show, anything else is ignored. */
  status: string;
}

/**
 * What was known about a patient before `before` (epoch ms): attended visits and no-shows that started
 * earlier, and the local date of the last attended visit. Only earlier appointments count, so training
 * examples never see their own outcome or a later one.
 */
export function patientHistoryBefore(
  past: readonly PastAppointment[],
  before: number,
  zone: string,
): Omit<NoShowHistory, "rescheduledCount"> {
  let priorVisits = 0;
  let priorNoShows = 0;
  let last = Number.NEGATIVE_INFINITY;
  for (const a of past) {
    if (!(a.start < before)) continue;
    if (a.status === "fulfilled") {
      priorVisits++;
      last = Math.max(last, a.start);
    } else if (a.status === "noshow") priorNoShows++;
  }
  return {
    priorVisits,
    priorNoShows,
    lastVisitDate: Number.isFinite(last) ? instantToLocal(last, zone).date : null,
  };
}

/** Splits past appointments by time: the oldest `1 − testFraction` to train on, the newest to test on. */
export function splitByTime<T extends { start: number }>(
  examples: readonly T[],
  testFraction = 0.25,
): { train: T[]; test: T[] } {
  const sorted = [...examples].sort((a, b) => a.start - b.start);
  const cut = Math.round(sorted.length * (1 - testFraction));
  return { train: sorted.slice(0, cut), test: sorted.slice(cut) };
}

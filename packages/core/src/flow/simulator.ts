import { DomainError } from "../shared/domain-error.ts";
import { SimRandom } from "./sim-random.ts";
import {
  type LatePolicy,
  type SessionSpec,
  SIM_LIMITS,
  type SimulationOptions,
  validateRunsAndSeed,
  validateSession,
} from "./sim-spec.ts";
import {
  batchQuantiles,
  type Ci,
  finiteMeanCi,
  meanCi,
  pooledQuantiles,
  ratioCi,
  t975,
} from "./sim-stats.ts";

export * from "./sim-random.ts";
export * from "./sim-spec.ts";
export type { Ci } from "./sim-stats.ts";

/**
 * The clinic simulator: a discrete-event simulation of one practitioner's session, repeated `runs` times
 * from a seed. Pure and deterministic: the same options give the same result on any machine.
 *
 * Model. Booked patients have appointment times from the rule (plus any overbooked extras). In each run
 * every patient draws, in appointment order and always in this order, a show/no-show coin, a punctuality
 * offset and a service time, so two settings compared with the same seed see the same patients (common
 * random numbers: the difference between policies is much less noisy than each figure). The practitioner
 * is free from time 0, never idles while a patient is present, and never sees a patient before they
 * arrive (an early patient may be seen before their appointment time if the practitioner is free). When
 * free, they take the present patient first in the policy's order.
 *
 * Wait of a patient = start of their visit − the later of their arrival and their appointment time
 * (zero if seen before their appointment): time spent waiting that the practice caused, not the minutes a
 * patient chose to come early. With punctual patients it is the usual queueing wait (start − arrival).
 */

/** The outcome of `simulate`: minutes, each figure with its 95% confidence interval across runs. */
export interface SimulationResult {
  /** Waits of all patients who showed, summed over all runs, divided by the number who showed. */
  meanWait: number;
  /** Percentiles of the wait over all patients who showed (pooled; see percentileRuns). */
  p50Wait: number;
  p90Wait: number;
  p95Wait: number;
  /** Practitioner idle time until the later of the session end and the last visit's end, mean over runs. */
  idle: number;
  /** How far the last visit ends past the session end (0 if it does not), mean over runs. */
  overtime: number;
  /**
   * 95% intervals: meanWait by the delta method for a ratio of sums; idle and overtime as mean ± t·sd/√runs;
   * percentiles by batch means over up to 20 batches of whole runs. Cut at 0 below (nothing here is
   * negative). null with a single run.
   */
  ci95: {
    meanWait: Ci;
    p50Wait: Ci;
    p90Wait: Ci;
    p95Wait: Ci;
    idle: Ci;
    overtime: Ci;
  };
  /** Mean number of patients who showed per run. */
  shows: number;
  /** Patients booked per session, overbooked extras included. */
  booked: number;
  /** Session length in minutes (patients × interval unless given). */
  sessionLength: number;
  runs: number;
  seed: number;
  /** Simulated visits in total (patients who showed, over all runs). */
  visits: number;
  /** Runs whose waits the percentiles pool (all of them unless more than 2,097,152 visits). */
  percentileRuns: number;
  /** Mean wait of each booked patient in appointment order over the runs they showed (null if never). */
  waitByPatient: (number | null)[];
  /** Appointment time of each booked patient (minutes from the session start), in the same order. */
  appointmentTimes: number[];
}

/** Settings to compare; the first is the reference the others are measured against. */
export interface ComparisonOptions {
  variants: readonly { label: string; session: SessionSpec }[];
  runs: number;
  seed: number;
}

/** A difference (this setting − the reference), with its 95% interval; null interval when not computable. */
export interface Difference {
  value: number;
  ci: Ci;
}

export interface ComparisonRow {
  label: string;
  result: SimulationResult;
  /**
   * This setting minus the reference, run by run on the same simulated patients (same seed), so the
   * interval is that of the difference itself: much narrower than comparing two separate intervals.
   * Mean wait by the delta method on the paired ratios; idle and overtime as the mean paired difference;
   * p90 wait over the same batches of runs. All zero for the reference itself.
   */
  difference: { meanWait: Difference; p90Wait: Difference; idle: Difference; overtime: Difference };
}

/**
 * Simulates each setting with the same seed (so each meets the same patients) and reports each one's
 * figures and its paired difference from the first: "is the grace policy really better, and by how much".
 */
export function compareSessions(options: ComparisonOptions): ComparisonRow[] {
  const { variants, runs, seed } = options;
  if (!Array.isArray(variants) || variants.length === 0 || variants.length > SIM_LIMITS.maxVariants)
    throw new DomainError(
      "invalid_request",
      `A comparison needs from 1 to ${SIM_LIMITS.maxVariants} settings (got ${Array.isArray(variants) ? variants.length : "none"}).`,
      [{ path: "variants", message: `from 1 to ${SIM_LIMITS.maxVariants} settings` }],
    );
  variants.forEach((v, k) => {
    validateSession(v.session, `variants.${k}.session.`);
  });
  validateRunsAndSeed(runs, seed);
  const done = variants.map((v) => {
    const plan = compile(v.session);
    const raw = runSession(plan, runs, seed);
    // Before summarise: its pooled percentiles reorder the waits across batches.
    const p90 =
      raw.storedRuns >= 2 ? batchQuantiles(raw.waits, raw.runOffsets, raw.storedRuns, [0.9])[0]! : null;
    const result: SimulationResult = {
      ...summarise(raw, plan, seed),
      waitByPatient: Array.from(raw.posWait, (w, i) => (raw.posShows[i]! > 0 ? w / raw.posShows[i]! : null)),
      appointmentTimes: Array.from(plan.appt),
    };
    return { label: String(v.label), raw, result, p90 };
  });
  const ref = done[0]!;
  return done.map((d) => {
    const paired = (pick: (r: Raw) => Float64Array): Difference => {
      const diff = new Float64Array(runs);
      const a = pick(d.raw);
      const b = pick(ref.raw);
      for (let r = 0; r < runs; r++) diff[r] = a[r]! - b[r]!;
      const m = meanCi(diff, runs);
      return { value: m.mean, ci: m.ci };
    };
    let p90Wait: Difference = { value: d.result.p90Wait - ref.result.p90Wait, ci: null };
    if (d.p90 && ref.p90 && d.raw.storedRuns === ref.raw.storedRuns) {
      const diff = d.p90.map((x, b) => x - ref.p90![b]!);
      const m = finiteMeanCi(diff);
      if (m.ci) {
        const half = m.ci[1] - m.mean;
        p90Wait = { value: p90Wait.value, ci: [p90Wait.value - half, p90Wait.value + half] };
      }
    }
    return {
      label: d.label,
      result: d.result,
      difference: {
        meanWait: ratioDifference(d.raw, ref.raw, d.result.meanWait, ref.result.meanWait),
        p90Wait,
        idle: paired((r) => r.idle),
        overtime: paired((r) => r.overtime),
      },
    };
  });
}

/** Ra − Rb for two ratios of sums over the same runs, delta-method interval on the paired influences. */
function ratioDifference(a: Raw, b: Raw, ra: number, rb: number): Difference {
  const n = a.runs;
  let sa = 0;
  let sb = 0;
  for (let r = 0; r < n; r++) {
    sa += a.shows[r]!;
    sb += b.shows[r]!;
  }
  const value = ra - rb;
  if (n < 2 || sa === 0 || sb === 0) return { value, ci: null };
  const xa = sa / n;
  const xb = sb / n;
  let ss = 0;
  for (let r = 0; r < n; r++) {
    const e = (a.waitSum[r]! - ra * a.shows[r]!) / xa - (b.waitSum[r]! - rb * b.shows[r]!) / xb;
    ss += e * e;
  }
  const half = t975(n - 1) * Math.sqrt(ss / ((n - 1) * n));
  return { value, ci: [value - half, value + half] };
}

/** One run of a session in detail, e.g. to draw a sample day. Times in minutes from the session start. */
export interface SessionTrace {
  sessionLength: number;
  visits: {
    /** Position in appointment order (overbooked extras included). */
    patient: number;
    appointment: number;
    overbooked: boolean;
    showed: boolean;
    /** Null for a no-show. */
    arrival: number | null;
    start: number | null;
    end: number | null;
    wait: number | null;
  }[];
  idle: number;
  overtime: number;
  /** Total service time. */
  busy: number;
  /** End of the last visit (0 if nobody came). */
  lastEnd: number;
}

// Pooled waits kept for percentiles: 16 MiB of doubles at most.
const WAIT_STORE_CAP = 1 << 21;
// Added to a late patient's key under grace-next-gap so every on-time patient present goes first.
const LATE_OFFSET = 1e9;

const POLICY_CODE = { fcfs: 0, "appointment-order": 1, "earlier-of": 2, "grace-next-gap": 3 } as const;

/** A session compiled for the engine: typed arrays, distribution parameters worked out once. */
interface Plan {
  n: number;
  /** Booked patients (the first `booked` in draw order); the rest are overbooked extras. */
  booked: number;
  /** Positions (appointment order) in the order patients draw their random numbers: booked, then extras. */
  drawOrder: Int32Array;
  appt: Float64Array;
  noShow: Float64Array;
  overbooked: Uint8Array;
  session: number;
  serviceKind: 0 | 1 | 2 | 3 | 4; // exp, lognormal, fixed, empirical, given
  serviceMean: number;
  lnMu: number;
  lnSigma: number;
  serviceList: Float64Array;
  punctKind: 0 | 1 | 2 | 3; // none, normal, empirical, given
  punctMean: number;
  punctSd: number;
  punctList: Float64Array;
  policy: number;
  grace: number;
}

/** Appointment times of the booked patients under the rule, in appointment order. */
function ruleTimes(spec: SessionSpec): number[] {
  const { patients: n, interval: h, rule } = spec;
  const out = new Array<number>(n);
  for (let k = 0; k < n; k++) {
    switch (rule.kind) {
      case "individual":
        out[k] = k * h;
        break;
      case "bailey-welch":
        out[k] = Math.max(0, k - 1) * h;
        break;
      case "block":
        out[k] = Math.floor(k / rule.size) * rule.size * h;
        break;
      case "times":
        out[k] = rule.minutes[k]!;
        break;
    }
  }
  return out;
}

function compile(spec: SessionSpec): Plan {
  const base = ruleTimes(spec);
  const p = spec.noShow;
  const baseP = typeof p === "number" ? base.map(() => p) : [...p];
  const meanP = baseP.reduce((a, b) => a + b, 0) / baseP.length;
  const extraP = spec.overbookNoShow ?? meanP;
  const rows = base.map((t, i) => ({ t, p: baseP[i]!, extra: 0, i }));
  for (const t of spec.overbook ?? []) rows.push({ t, p: extraP, extra: 1, i: rows.length });
  // Appointment order; a booked patient comes before an extra booked at the same time (stable by i).
  rows.sort((a, b) => a.t - b.t || a.i - b.i);
  const n = rows.length;
  const drawOrder = new Int32Array(n);
  rows.forEach((r, position) => {
    drawOrder[r.i] = position;
  });
  const s = spec.service;
  const punct = spec.punctuality ?? { kind: "none" };
  const policy: LatePolicy = spec.policy ?? { kind: "fcfs" };
  // Lognormal from its mean m and coefficient of variation c: σ² = ln(1 + c²), μ = ln m − σ²/2, so that
  // E[X] = exp(μ + σ²/2) = m and sd/mean = √(exp(σ²) − 1) = c.
  const cv = s.kind === "lognormal" ? s.cv : 0;
  const sigma2 = Math.log(1 + cv * cv);
  const mean = s.kind === "empirical" || s.kind === "given" ? 0 : s.mean;
  return {
    n,
    booked: base.length,
    drawOrder,
    appt: Float64Array.from(rows, (r) => r.t),
    noShow: Float64Array.from(rows, (r) => r.p),
    overbooked: Uint8Array.from(rows, (r) => r.extra),
    session: spec.sessionLength ?? spec.patients * spec.interval,
    serviceKind:
      s.kind === "exp"
        ? 0
        : s.kind === "lognormal"
          ? 1
          : s.kind === "fixed"
            ? 2
            : s.kind === "empirical"
              ? 3
              : 4,
    serviceMean: mean,
    lnMu: mean > 0 ? Math.log(mean) - sigma2 / 2 : 0,
    lnSigma: Math.sqrt(sigma2),
    serviceList: Float64Array.from(s.kind === "empirical" || s.kind === "given" ? s.minutes : []),
    punctKind: punct.kind === "none" ? 0 : punct.kind === "normal" ? 1 : punct.kind === "empirical" ? 2 : 3,
    punctMean: punct.kind === "normal" ? punct.mean : 0,
    punctSd: punct.kind === "normal" ? punct.sd : 0,
    punctList: Float64Array.from(punct.kind === "empirical" || punct.kind === "given" ? punct.minutes : []),
    policy: POLICY_CODE[policy.kind],
    grace: policy.kind === "grace-next-gap" ? policy.graceMinutes : 0,
  };
}

/** Per-run figures and pooled waits of `runs` runs of one session. */
interface Raw {
  runs: number;
  waitSum: Float64Array;
  shows: Float64Array;
  idle: Float64Array;
  overtime: Float64Array;
  busy: Float64Array;
  lastEnd: Float64Array;
  waits: Float64Array;
  runOffsets: Int32Array;
  storedRuns: number;
  posWait: Float64Array;
  posShows: Float64Array;
  /** Of the last run: arrival (NaN if no-show), start and service of each patient. */
  arr: Float64Array;
  start: Float64Array;
  svc: Float64Array;
}

/**
 * The engine. All arrays are allocated once per call; a run allocates nothing. Present patients wait in a
 * binary heap ordered by the policy's key (ties: appointment order), so each visit costs O(log n).
 */
function runSession(plan: Plan, runs: number, seed: number, sessionIndex = 0): Raw {
  // Booked patients and overbooked extras draw from two streams, so extras never shift the booked
  // patients' numbers, in this run or the next (common random numbers for "overbook or not").
  const bookedRng = new SimRandom(seed, 2 * sessionIndex);
  const extraRng = new SimRandom(seed, 2 * sessionIndex + 1);
  const booked = plan.booked;
  const { n, drawOrder, appt, noShow, session, serviceKind, serviceMean, lnMu, lnSigma, serviceList } = plan;
  const { punctKind, punctMean, punctSd, punctList, policy, grace } = plan;
  const arr = new Float64Array(n);
  const svc = new Float64Array(n);
  const key = new Float64Array(n);
  const start = new Float64Array(n);
  const order = new Int32Array(n);
  const heap = new Int32Array(n);
  const raw: Raw = {
    runs,
    waitSum: new Float64Array(runs),
    shows: new Float64Array(runs),
    idle: new Float64Array(runs),
    overtime: new Float64Array(runs),
    busy: new Float64Array(runs),
    lastEnd: new Float64Array(runs),
    waits: new Float64Array(Math.min(WAIT_STORE_CAP, n * runs)),
    runOffsets: new Int32Array(runs + 1),
    storedRuns: 0,
    posWait: new Float64Array(n),
    posShows: new Float64Array(n),
    arr,
    start,
    svc,
  };
  const { waits, runOffsets, posWait, posShows } = raw;
  let stored = 0;
  let storing = true;
  const nList = serviceList.length;
  let givenMean = 0;
  for (let k = 0; k < nList; k++) givenMean += serviceList[k]! / nList;
  const nPunct = punctList.length;

  for (let r = 0; r < runs; r++) {
    // 1. Who comes, when, and for how long: three draws per patient, always, booked patients first and
    // overbooked extras last, so adding extras leaves the booked patients' draws unchanged.
    let m = 0;
    for (let k = 0; k < n; k++) {
      const i = drawOrder[k]!;
      const rng = k < booked ? bookedRng : extraRng;
      const shows = rng.uniform() >= noShow[i]!;
      let offset = 0;
      if (punctKind === 1) offset = punctMean + punctSd * rng.normal();
      else if (punctKind === 2) offset = punctList[rng.index(nPunct)]!;
      else if (punctKind === 3) offset = k < nPunct ? punctList[k]! : 0; // extras (k ≥ booked) on time
      let s: number;
      if (serviceKind === 0) s = rng.exponential(serviceMean);
      else if (serviceKind === 1) s = Math.exp(lnMu + lnSigma * rng.normal());
      else if (serviceKind === 2) s = serviceMean;
      else if (serviceKind === 3) s = serviceList[rng.index(nList)]!;
      else s = k < nList ? serviceList[k]! : givenMean; // given: extras (k ≥ booked) take the mean
      svc[i] = s;
      if (shows) {
        const a = appt[i]! + offset;
        arr[i] = a;
        // Insertion sort by arrival (ties: appointment order); nearly sorted already, so about O(n).
        let j = m - 1;
        while (j >= 0 && (arr[order[j]!]! > a || (arr[order[j]!]! === a && order[j]! > i))) {
          order[j + 1] = order[j]!;
          j--;
        }
        order[j + 1] = i;
        m++;
        const ap = appt[i]!;
        key[i] =
          policy === 0
            ? a
            : policy === 1
              ? ap
              : policy === 2
                ? Math.min(a, ap)
                : a - ap > grace
                  ? LATE_OFFSET + ap
                  : ap;
      } else {
        arr[i] = Number.NaN;
      }
      start[i] = Number.NaN;
    }

    // 2. The session: whenever the practitioner is free at t, admit arrivals up to t, take the best.
    let t = 0;
    let next = 0;
    let size = 0;
    let busy = 0;
    let waitSum = 0;
    const keepWaits = storing && stored + m <= waits.length;
    if (!keepWaits) storing = false;
    for (let served = 0; served < m; served++) {
      if (size === 0 && arr[order[next]!]! > t) t = arr[order[next]!]!; // idle until the next arrival
      while (next < m && arr[order[next]!]! <= t) {
        // heap push
        const p = order[next++]!;
        let c = size++;
        const kp = key[p]!;
        while (c > 0) {
          const parent = (c - 1) >> 1;
          const q = heap[parent]!;
          const kq = key[q]!;
          if (kq < kp || (kq === kp && q < p)) break;
          heap[c] = q;
          c = parent;
        }
        heap[c] = p;
      }
      // heap pop
      const i = heap[0]!;
      const last = heap[--size]!;
      if (size > 0) {
        const kl = key[last]!;
        let c = 0;
        for (;;) {
          let child = 2 * c + 1;
          if (child >= size) break;
          const right = child + 1;
          if (right < size) {
            const a = heap[child]!;
            const b = heap[right]!;
            const ka = key[a]!;
            const kb = key[b]!;
            if (kb < ka || (kb === ka && b < a)) child = right;
          }
          const q = heap[child]!;
          const kq = key[q]!;
          if (kl < kq || (kl === kq && last < q)) break;
          heap[c] = q;
          c = child;
        }
        heap[c] = last;
      }
      start[i] = t;
      const ready = Math.max(arr[i]!, appt[i]!);
      const w = t > ready ? t - ready : 0;
      waitSum += w;
      posWait[i]! += w;
      posShows[i]! += 1;
      if (keepWaits) waits[stored++] = w;
      const s = svc[i]!;
      t += s;
      busy += s;
    }
    // t is the end of the last visit (0 if nobody came: the practitioner never left the start).
    const span = Math.max(t, session);
    raw.waitSum[r] = waitSum;
    raw.shows[r] = m;
    raw.busy[r] = busy;
    raw.lastEnd[r] = t;
    raw.idle[r] = span - busy;
    raw.overtime[r] = t > session ? t - session : 0;
    if (keepWaits) {
      raw.storedRuns = r + 1;
      runOffsets[r + 1] = stored;
    }
  }
  return raw;
}

function summarise(
  raw: Raw,
  plan: Plan,
  seed: number,
  idleSum: Float64Array = raw.idle,
  overtimeSum: Float64Array = raw.overtime,
) {
  const { runs } = raw;
  const wait = ratioCi(raw.waitSum, raw.shows, runs);
  const idle = meanCi(idleSum, runs);
  const overtime = meanCi(overtimeSum, runs);
  const [p50, p90, p95] = pooledQuantiles(raw.waits, raw.runOffsets, raw.storedRuns, [0.5, 0.9, 0.95]);
  let visits = 0;
  for (let r = 0; r < runs; r++) visits += raw.shows[r]!;
  // Nobody showed in any run: no wait to report, and none suffered; say 0 rather than NaN for JSON.
  const orZero = (x: number) => (Number.isFinite(x) ? x : 0);
  // Waits, idle time and overtime are never negative: a symmetric interval is cut at 0.
  const cut = (c: Ci): Ci => (c ? [Math.max(0, c[0]), c[1]] : null);
  return {
    meanWait: orZero(wait.ratio),
    p50Wait: orZero(p50!.value),
    p90Wait: orZero(p90!.value),
    p95Wait: orZero(p95!.value),
    idle: idle.mean,
    overtime: overtime.mean,
    ci95: {
      meanWait: cut(wait.ci),
      p50Wait: p50!.ci,
      p90Wait: p90!.ci,
      p95Wait: p95!.ci,
      idle: cut(idle.ci),
      overtime: cut(overtime.ci),
    },
    shows: visits / runs,
    booked: plan.n,
    sessionLength: plan.session,
    runs,
    seed,
    visits,
    percentileRuns: raw.storedRuns,
  };
}

/** Simulates one session `runs` times from `seed` (see the model above); throws invalid_request on bad options. */
export function simulate(options: SimulationOptions): SimulationResult {
  validateSession(options);
  validateRunsAndSeed(options.runs, options.seed);
  const plan = compile(options);
  const raw = runSession(plan, options.runs, options.seed);
  return {
    ...summarise(raw, plan, options.seed),
    waitByPatient: Array.from(raw.posWait, (w, i) => (raw.posShows[i]! > 0 ? w / raw.posShows[i]! : null)),
    appointmentTimes: Array.from(plan.appt),
  };
}

/** A practice day: sessions of practitioners who share nothing, simulated together run by run. */
export interface DaySimulationOptions {
  sessions: readonly SessionSpec[];
  runs: number;
  seed: number;
}

/** The day's figures: waits pooled over every session; idle and overtime summed over sessions per run. */
export interface DaySimulationResult {
  meanWait: number;
  p50Wait: number;
  p90Wait: number;
  p95Wait: number;
  /** Total practitioner idle time of the day (sum over sessions), mean over runs. */
  idle: number;
  /** Total overtime of the day (sum over sessions), mean over runs. */
  overtime: number;
  ci95: SimulationResult["ci95"];
  /** Mean patients who showed per day. */
  shows: number;
  booked: number;
  runs: number;
  seed: number;
  visits: number;
  percentileRuns: number;
  /** Each session on its own (session k uses its own streams of the seed, so adding one changes no other). */
  sessions: SimulationResult[];
}

/** Simulates a day of independent sessions; session k draws from its own streams (2k, 2k+1) of `seed`. */
export function simulateDay(options: DaySimulationOptions): DaySimulationResult {
  const { sessions, runs, seed } = options;
  if (!Array.isArray(sessions) || sessions.length === 0 || sessions.length > SIM_LIMITS.maxSessions)
    throw new DomainError(
      "invalid_request",
      `A day needs from 1 to ${SIM_LIMITS.maxSessions} sessions (got ${Array.isArray(sessions) ? sessions.length : "none"}).`,
      [{ path: "sessions", message: "from 1 to 200 sessions" }],
    );
  sessions.forEach((s, k) => {
    validateSession(s, `sessions.${k}.`);
  });
  validateRunsAndSeed(runs, seed);
  const results: SimulationResult[] = [];
  const raws: Raw[] = [];
  const plans: Plan[] = [];
  sessions.forEach((spec, k) => {
    const plan = compile(spec);
    const raw = runSession(plan, runs, seed, k);
    plans.push(plan);
    raws.push(raw);
    results.push({
      ...summarise(raw, plan, seed),
      waitByPatient: Array.from(raw.posWait, (w, i) => (raw.posShows[i]! > 0 ? w / raw.posShows[i]! : null)),
      appointmentTimes: Array.from(plan.appt),
    });
  });
  // Day totals per run, then the same summaries; waits pooled across sessions over the runs all kept.
  const day: Raw = {
    ...raws[0]!,
    waitSum: new Float64Array(runs),
    shows: new Float64Array(runs),
    idle: new Float64Array(runs),
    overtime: new Float64Array(runs),
  };
  const storedRuns = Math.min(...raws.map((r) => r.storedRuns));
  const total = raws.reduce((a, r) => a + r.runOffsets[storedRuns]!, 0);
  const waits = new Float64Array(total);
  const runOffsets = new Int32Array(storedRuns + 1);
  let at = 0;
  for (let r = 0; r < runs; r++) {
    for (const raw of raws) {
      day.waitSum[r]! += raw.waitSum[r]!;
      day.shows[r]! += raw.shows[r]!;
      day.idle[r]! += raw.idle[r]!;
      day.overtime[r]! += raw.overtime[r]!;
      if (r < storedRuns) {
        const from = raw.runOffsets[r]!;
        const to = raw.runOffsets[r + 1]!;
        waits.set(raw.waits.subarray(from, to), at);
        at += to - from;
      }
    }
    if (r < storedRuns) runOffsets[r + 1] = at;
  }
  day.waits = waits;
  day.runOffsets = runOffsets;
  day.storedRuns = storedRuns;
  const booked = plans.reduce((a, p) => a + p.n, 0);
  const { sessionLength: _ignored, ...summary } = summarise(day, { ...plans[0]!, n: booked }, seed);
  return { ...summary, sessions: results };
}

/** One run of a session in detail (the first run of `simulate` with the same seed). */
export function traceSession(spec: SessionSpec, seed: number): SessionTrace {
  validateSession(spec);
  validateRunsAndSeed(1, seed);
  const plan = compile(spec);
  const raw = runSession(plan, 1, seed);
  const visits = Array.from({ length: plan.n }, (_, i) => {
    const showed = !Number.isNaN(raw.arr[i]!);
    const start = showed ? raw.start[i]! : null;
    const ready = Math.max(raw.arr[i]!, plan.appt[i]!);
    return {
      patient: i,
      appointment: plan.appt[i]!,
      overbooked: plan.overbooked[i] === 1,
      showed,
      arrival: showed ? raw.arr[i]! : null,
      start,
      end: start === null ? null : start + raw.svc[i]!,
      wait: start === null ? null : Math.max(0, start - ready),
    };
  });
  return {
    sessionLength: plan.session,
    visits,
    idle: raw.idle[0]!,
    overtime: raw.overtime[0]!,
    busy: raw.busy[0]!,
    lastEnd: raw.lastEnd[0]!,
  };
}

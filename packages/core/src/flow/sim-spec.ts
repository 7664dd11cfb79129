import { DomainError } from "../shared/domain-error.ts";

/**
 * What a simulated session is made of, the short text forms the CLI and the what-if page accept
 * (`block:2`, `lognormal:15:0.5`, `normal:-5:10`, `grace-next-gap:10`), and their validation. Every bad
 * value throws DomainError("invalid_request") with a message a person can act on and the field's path.
 */

/** How appointment times are laid out over the session (minutes from its start). */
export type AppointmentRule =
  /** One patient every interval: 0, I, 2I, … */
  | { kind: "individual" }
  /** Bailey–Welch: two patients at 0, then one per interval: 0, 0, I, 2I, … */
  | { kind: "bailey-welch" }
  /** K patients at the start of each block of K intervals: 0 (×K), K·I (×K), … */
  | { kind: "block"; size: number }
  /** The practice's own template or bookings: one time per patient, minutes from the session start. */
  | { kind: "times"; minutes: readonly number[] };

/** How long a visit takes, in minutes. */
export type ServiceTime =
  | { kind: "exp"; mean: number }
  /** Lognormal with this mean and coefficient of variation (sd / mean). */
  | { kind: "lognormal"; mean: number; cv: number }
  | { kind: "fixed"; mean: number }
  /** Observed durations, resampled with replacement. */
  | { kind: "empirical"; minutes: readonly number[] }
  /**
   * Known durations, one per booked patient in booking order (as for `noShow`): a past session replayed
   * as it went; overbooked extras take the mean of the list.
   */
  | { kind: "given"; minutes: readonly number[] };

/** Minutes early (negative) or late (positive) relative to the appointment time. */
export type Punctuality =
  | { kind: "none" }
  | { kind: "normal"; mean: number; sd: number }
  /** Observed minutes early (−) or late (+), resampled with replacement. */
  | { kind: "empirical"; minutes: readonly number[] }
  /**
   * Known offsets, one per booked patient in booking order (as for `noShow`), e.g. today's actual
   * arrivals replayed, or a test's scenario; overbooked extras are on time.
   */
  | { kind: "given"; minutes: readonly number[] };

/** Whom the practitioner sees next among the patients present when they become free. */
export type LatePolicy =
  /** In order of arrival. */
  | { kind: "fcfs" }
  /** Earliest appointment first. */
  | { kind: "appointment-order" }
  /** Earliest of appointment time and arrival time first. */
  | { kind: "earlier-of" }
  /**
   * A patient more than `graceMinutes` late is seen after everyone present who is on time (at the next
   * gap); on-time patients by appointment order, then late ones by appointment order.
   */
  | { kind: "grace-next-gap"; graceMinutes: number };

/** One session of one practitioner (no sharing between sessions). */
export interface SessionSpec {
  /** Booked patients, 1..1000. */
  patients: number;
  /** Minutes between appointments (0 < interval ≤ 480). */
  interval: number;
  rule: AppointmentRule;
  service: ServiceTime;
  /**
   * No-show probability: one for everyone, or one per booked patient in booking order (the order of
   * `rule.minutes` for a `times` rule, which need not be sorted; appointment order for the others).
   */
  noShow: number | readonly number[];
  /** Default: always on time. */
  punctuality?: Punctuality;
  /** Default: first come, first served. */
  policy?: LatePolicy;
  /** Extra patients double-booked at these times (minutes from the session start, within the session). */
  overbook?: readonly number[];
  /** No-show probability of each overbooked patient (default: the mean no-show probability). */
  overbookNoShow?: number;
  /** Session length in minutes (default: patients × interval). */
  sessionLength?: number;
}

/** The simulation of one session, `runs` times, from `seed`. */
export interface SimulationOptions extends SessionSpec {
  /** Independent repetitions, 1..100000. */
  runs: number;
  /** Integer 0..4294967295; the same seed gives the same result. */
  seed: number;
}

export const SIM_LIMITS = {
  maxPatients: 1000,
  maxInterval: 480,
  maxRuns: 100_000,
  maxOverbook: 1000,
  maxSessions: 200,
  /** Settings compared side by side by compareSessions. */
  maxVariants: 24,
  /** Longest service time or punctuality magnitude accepted in an empirical list or parameter (minutes). */
  maxMinutes: 24 * 60,
  maxSeed: 4294967295,
  /** Empirical lists longer than this are refused (they are resampled, a sample of this size is plenty). */
  maxEmpirical: 100_000,
} as const;

const bad = (path: string, message: string): never => {
  throw new DomainError("invalid_request", message, [{ path, message }]);
};

const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const shown = (v: unknown): string => (typeof v === "number" && Number.isNaN(v) ? "not a number" : String(v));

function wholeIn(path: string, label: string, v: unknown, lo: number, hi: number): number {
  if (!isNum(v) || !Number.isInteger(v) || v < lo || v > hi)
    bad(path, `${label} must be a whole number from ${lo} to ${hi} (got ${shown(v)}).`);
  return v as number;
}

function probability(path: string, label: string, v: unknown): number {
  if (!isNum(v) || v < 0 || v > 1) bad(path, `${label} must be a probability from 0 to 1 (got ${shown(v)}).`);
  return v as number;
}

function positive(path: string, label: string, v: unknown, hi: number = SIM_LIMITS.maxMinutes): number {
  if (!isNum(v) || v <= 0 || v > hi)
    bad(path, `${label} must be a number of minutes above 0 and at most ${hi} (got ${shown(v)}).`);
  return v as number;
}

function minutesList(path: string, label: string, v: unknown, lo: number, hi: number): readonly number[] {
  if (!Array.isArray(v) || v.length === 0) return bad(path, `${label} must list at least one value.`);
  if (v.length > SIM_LIMITS.maxEmpirical)
    bad(path, `${label} may list at most ${SIM_LIMITS.maxEmpirical} values (got ${v.length}).`);
  v.forEach((x, i) => {
    if (!isNum(x) || x < lo || x > hi)
      bad(
        `${path}.${i}`,
        `${label} must be numbers from ${lo} to ${hi} minutes (value ${i + 1} is ${shown(x)}).`,
      );
  });
  return v as readonly number[];
}

/** Checks every field of a session; throws DomainError("invalid_request") naming the first bad one. */
export function validateSession(spec: SessionSpec, prefix = ""): void {
  const p = (name: string) => `${prefix}${name}`;
  if (typeof spec !== "object" || spec === null) bad(p("session"), "A session must be an object.");
  const n = wholeIn(p("patients"), "patients", spec.patients, 1, SIM_LIMITS.maxPatients);
  if (!isNum(spec.interval) || spec.interval <= 0 || spec.interval > SIM_LIMITS.maxInterval)
    bad(
      p("interval"),
      `interval must be a number of minutes above 0 and at most ${SIM_LIMITS.maxInterval} (got ${shown(spec.interval)}).`,
    );
  const session = spec.sessionLength ?? n * spec.interval;
  if (spec.sessionLength !== undefined)
    positive(p("sessionLength"), "sessionLength", spec.sessionLength, 7 * 24 * 60);

  const rule = spec.rule;
  switch (rule?.kind) {
    case "individual":
    case "bailey-welch":
      break;
    case "block":
      wholeIn(p("rule.size"), "block size K", rule.size, 1, SIM_LIMITS.maxPatients);
      break;
    case "times": {
      const times = minutesList(p("rule.minutes"), "appointment times", rule.minutes, 0, session);
      if (times.length !== n)
        bad(
          p("rule.minutes"),
          `appointment times must list one time per patient (${n}), got ${times.length}.`,
        );
      break;
    }
    default:
      bad(p("rule"), "rule must be individual, bailey-welch, block:K or a list of appointment times.");
  }

  const service = spec.service;
  switch (service?.kind) {
    case "exp":
    case "fixed":
      positive(p("service.mean"), "mean service time", service.mean);
      break;
    case "lognormal":
      positive(p("service.mean"), "mean service time", service.mean);
      if (!isNum(service.cv) || service.cv < 0 || service.cv > 10)
        bad(p("service.cv"), `coefficient of variation must be from 0 to 10 (got ${shown(service.cv)}).`);
      break;
    case "empirical": {
      const xs = minutesList(
        p("service.minutes"),
        "observed durations",
        service.minutes,
        0,
        SIM_LIMITS.maxMinutes,
      );
      if (!xs.some((x) => x > 0)) bad(p("service.minutes"), "observed durations must not all be 0.");
      break;
    }
    case "given": {
      const xs = minutesList(p("service.minutes"), "durations", service.minutes, 0, SIM_LIMITS.maxMinutes);
      if (xs.length !== n)
        bad(p("service.minutes"), `durations must list one value per patient (${n}), got ${xs.length}.`);
      break;
    }
    default:
      bad(
        p("service"),
        "service must be exp:MEAN, lognormal:MEAN:CV, fixed:MEAN or a list of observed durations.",
      );
  }

  if (typeof spec.noShow === "number" || !Array.isArray(spec.noShow))
    probability(p("noShow"), "no-show", spec.noShow);
  else {
    if (spec.noShow.length !== n)
      bad(p("noShow"), `no-show probabilities must list one per patient (${n}), got ${spec.noShow.length}.`);
    spec.noShow.forEach((x, i) => {
      probability(`${p("noShow")}.${i}`, `no-show of patient ${i + 1}`, x);
    });
  }

  const punct = spec.punctuality ?? { kind: "none" };
  switch (punct.kind) {
    case "none":
      break;
    case "normal":
      if (!isNum(punct.mean) || Math.abs(punct.mean) > SIM_LIMITS.maxMinutes)
        bad(
          p("punctuality.mean"),
          `mean lateness must be minutes from −${SIM_LIMITS.maxMinutes} to ${SIM_LIMITS.maxMinutes}.`,
        );
      if (!isNum(punct.sd) || punct.sd < 0 || punct.sd > SIM_LIMITS.maxMinutes)
        bad(
          p("punctuality.sd"),
          `lateness standard deviation must be from 0 to ${SIM_LIMITS.maxMinutes} minutes.`,
        );
      break;
    case "empirical":
      minutesList(
        p("punctuality.minutes"),
        "observed lateness",
        punct.minutes,
        -SIM_LIMITS.maxMinutes,
        SIM_LIMITS.maxMinutes,
      );
      break;
    case "given": {
      const xs = minutesList(
        p("punctuality.minutes"),
        "lateness",
        punct.minutes,
        -SIM_LIMITS.maxMinutes,
        SIM_LIMITS.maxMinutes,
      );
      if (xs.length !== n)
        bad(p("punctuality.minutes"), `lateness must list one value per patient (${n}), got ${xs.length}.`);
      break;
    }
    default:
      bad(
        p("punctuality"),
        "punctuality must be none, normal:MEAN:SD, a list of observed minutes late, or one given lateness per patient.",
      );
  }

  const policy = spec.policy ?? { kind: "fcfs" };
  switch (policy.kind) {
    case "fcfs":
    case "appointment-order":
    case "earlier-of":
      break;
    case "grace-next-gap":
      if (
        !isNum(policy.graceMinutes) ||
        policy.graceMinutes < 0 ||
        policy.graceMinutes > SIM_LIMITS.maxMinutes
      )
        bad(p("policy.graceMinutes"), `grace must be from 0 to ${SIM_LIMITS.maxMinutes} minutes.`);
      break;
    default:
      bad(p("policy"), "policy must be fcfs, appointment-order, earlier-of or grace-next-gap:G.");
  }

  if (spec.overbook !== undefined) {
    if (!Array.isArray(spec.overbook)) bad(p("overbook"), "overbook must be a list of appointment times.");
    if (spec.overbook.length > SIM_LIMITS.maxOverbook)
      bad(p("overbook"), `at most ${SIM_LIMITS.maxOverbook} overbooked patients.`);
    spec.overbook.forEach((x, i) => {
      if (!isNum(x) || x < 0 || x >= session)
        bad(
          `${p("overbook")}.${i}`,
          `an overbooked time must be within the session, from 0 to under ${session} minutes (got ${shown(x)}).`,
        );
    });
  }
  if (spec.overbookNoShow !== undefined)
    probability(p("overbookNoShow"), "overbooked no-show", spec.overbookNoShow);
}

/** Checks runs and seed as well as the session. */
export function validateSimulation(options: SimulationOptions): void {
  validateSession(options);
  validateRunsAndSeed(options.runs, options.seed);
}

export function validateRunsAndSeed(runs: unknown, seed: unknown): void {
  wholeIn("runs", "runs", runs, 1, SIM_LIMITS.maxRuns);
  wholeIn("seed", "seed", seed, 0, SIM_LIMITS.maxSeed);
}

// ---- Text forms (CLI flags, query strings) -----------------------------------------------------------

/** A decimal number written plainly ("15", "-5", "0.5"); anything else (hex, "", "1e3x") is NaN. */
function num(text: string | undefined): number {
  const t = (text ?? "").trim();
  return /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(t) ? Number(t) : Number.NaN;
}

function list(text: string): number[] {
  return text.split(",").map(num);
}

function parts(text: string, path: string, forms: string): { head: string; args: string[] } {
  if (typeof text !== "string" || text.trim() === "") bad(path, `${path} is empty; use ${forms}.`);
  const [head, ...args] = text.trim().split(":");
  return { head: head!.toLowerCase(), args };
}

function arity(path: string, args: string[], n: number, forms: string, text: string): void {
  if (args.length !== n) bad(path, `${path} "${text}" is not one of ${forms}.`);
}

const RULE_FORMS = "individual, bailey-welch, block:K, times:T1,T2,…";
/** `individual`, `bailey-welch`, `block:K`, or `times:0,0,15,30` (minutes from the session start). */
export function parseRule(text: string): AppointmentRule {
  const { head, args } = parts(text, "rule", RULE_FORMS);
  if (head === "individual" || head === "bailey-welch") {
    arity("rule", args, 0, RULE_FORMS, text);
    return { kind: head };
  }
  if (head === "block") {
    arity("rule", args, 1, RULE_FORMS, text);
    return { kind: "block", size: num(args[0]) };
  }
  if (head === "times") {
    arity("rule", args, 1, RULE_FORMS, text);
    return { kind: "times", minutes: list(args[0]!) };
  }
  return bad("rule", `rule "${text}" is not one of ${RULE_FORMS}.`);
}

const SERVICE_FORMS = "exp:MEAN, lognormal:MEAN:CV, fixed:MEAN, empirical:M1,M2,…";
/** `exp:MEAN`, `lognormal:MEAN:CV`, `fixed:MEAN` or `empirical:12,15,22` (minutes). */
export function parseService(text: string): ServiceTime {
  const { head, args } = parts(text, "service", SERVICE_FORMS);
  if (head === "exp" || head === "fixed") {
    arity("service", args, 1, SERVICE_FORMS, text);
    return { kind: head, mean: num(args[0]) };
  }
  if (head === "lognormal") {
    arity("service", args, 2, SERVICE_FORMS, text);
    return { kind: "lognormal", mean: num(args[0]), cv: num(args[1]) };
  }
  if (head === "empirical") {
    arity("service", args, 1, SERVICE_FORMS, text);
    return { kind: "empirical", minutes: list(args[0]!) };
  }
  return bad("service", `service "${text}" is not one of ${SERVICE_FORMS}.`);
}

const PUNCTUALITY_FORMS = "none, normal:MEAN:SD, empirical:M1,M2,… (minutes late, negative = early)";
/** `none`, `normal:MEAN:SD` or `empirical:-10,-5,0,20` (minutes late; negative = early). */
export function parsePunctuality(text: string): Punctuality {
  const { head, args } = parts(text, "punctuality", PUNCTUALITY_FORMS);
  if (head === "none") {
    arity("punctuality", args, 0, PUNCTUALITY_FORMS, text);
    return { kind: "none" };
  }
  if (head === "normal") {
    arity("punctuality", args, 2, PUNCTUALITY_FORMS, text);
    return { kind: "normal", mean: num(args[0]), sd: num(args[1]) };
  }
  if (head === "empirical") {
    arity("punctuality", args, 1, PUNCTUALITY_FORMS, text);
    return { kind: "empirical", minutes: list(args[0]!) };
  }
  return bad("punctuality", `punctuality "${text}" is not one of ${PUNCTUALITY_FORMS}.`);
}

const POLICY_FORMS = "fcfs, appointment-order, earlier-of, grace-next-gap:G";
/** `fcfs`, `appointment-order`, `earlier-of` or `grace-next-gap:G` (G minutes of grace). */
export function parsePolicy(text: string): LatePolicy {
  const { head, args } = parts(text, "policy", POLICY_FORMS);
  if (head === "fcfs" || head === "appointment-order" || head === "earlier-of") {
    arity("policy", args, 0, POLICY_FORMS, text);
    return { kind: head };
  }
  if (head === "grace-next-gap") {
    arity("policy", args, 1, POLICY_FORMS, text);
    return { kind: "grace-next-gap", graceMinutes: num(args[0]) };
  }
  return bad("policy", `policy "${text}" is not one of ${POLICY_FORMS}.`);
}

/** `0.1` (everyone) or `0.1,0.3,…` (one per patient in appointment order). */
export function parseNoShow(text: string): number | number[] {
  const xs = list(String(text ?? ""));
  return xs.length === 1 ? xs[0]! : xs;
}

/** `30,90` → overbooked patients at minutes 30 and 90. */
export function parseMinutesList(text: string): number[] {
  return String(text ?? "").trim() === "" ? [] : list(text);
}

/** A whole number written plainly, or NaN (so validation names the field). */
export function parseWhole(text: string): number {
  const n = num(text);
  return Number.isInteger(n) ? n : Number.NaN;
}

/** A plain decimal number, or NaN. */
export const parseNumber = num;

/** Short text of each setting, for tables and JSON (`block:2`, `lognormal:15:0.5`). */
export function describeRule(r: AppointmentRule): string {
  return r.kind === "block" ? `block:${r.size}` : r.kind === "times" ? `times(${r.minutes.length})` : r.kind;
}
export function describeService(s: ServiceTime): string {
  if (s.kind === "lognormal") return `lognormal:${s.mean}:${s.cv}`;
  if (s.kind === "empirical") return `empirical(${s.minutes.length})`;
  if (s.kind === "given") return `given(${s.minutes.length})`;
  return `${s.kind}:${s.mean}`;
}
export function describePunctuality(p: Punctuality): string {
  if (p.kind === "normal") return `normal:${p.mean}:${p.sd}`;
  if (p.kind === "empirical") return `empirical(${p.minutes.length})`;
  if (p.kind === "given") return `given(${p.minutes.length})`;
  return "none";
}
export function describePolicy(p: LatePolicy): string {
  return p.kind === "grace-next-gap" ? `grace-next-gap:${p.graceMinutes}` : p.kind;
}

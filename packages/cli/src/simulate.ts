import {
  type ComparisonRow,
  compareSessions,
  type Difference,
  describePolicy,
  describePunctuality,
  describeRule,
  describeService,
  parseMinutesList,
  parseNoShow,
  parseNumber,
  parsePolicy,
  parsePunctuality,
  parseRule,
  parseService,
  parseWhole,
  type SimulationOptions,
  type SimulationResult,
  simulate,
} from "@salus/core/flow/simulator";
import { DomainError } from "@salus/core/shared/domain-error";

/** The flags of `salus simulate`, as commander hands them over (strings; --json a boolean). */
export interface SimulateFlags {
  patients?: string;
  interval?: string;
  rule?: string;
  service?: string;
  noShow?: string;
  runs?: string;
  seed?: string;
  policy?: string;
  punctuality?: string;
  overbook?: string;
  overbookNoShow?: string;
  sessionLength?: string;
  json?: boolean;
}

export const SIMULATE_DEFAULTS = {
  rule: "individual",
  noShow: "0",
  runs: "1000",
  seed: "1",
  policy: "fcfs",
  punctuality: "none",
} as const;

/** Turns the flags into simulator options; bad text throws the core's DomainError naming the flag. */
export function simulationOptions(flags: SimulateFlags): SimulationOptions {
  const f = { ...SIMULATE_DEFAULTS, ...flags };
  const required = (name: string, value: string | undefined) => {
    if (value === undefined || value.trim() === "")
      throw new DomainError("invalid_request", `--${name} is required.`, [
        { path: name, message: "required" },
      ]);
    return value;
  };
  const options: SimulationOptions = {
    patients: parseWhole(required("patients", f.patients)),
    interval: parseNumber(required("interval", f.interval)),
    rule: parseRule(f.rule),
    service: parseService(required("service", f.service)),
    noShow: parseNoShow(f.noShow),
    punctuality: parsePunctuality(f.punctuality),
    policy: parsePolicy(f.policy),
    runs: parseWhole(f.runs),
    seed: parseWhole(f.seed),
  };
  if (f.overbook !== undefined) options.overbook = parseMinutesList(f.overbook);
  if (f.overbookNoShow !== undefined) options.overbookNoShow = parseNumber(f.overbookNoShow);
  if (f.sessionLength !== undefined) options.sessionLength = parseNumber(f.sessionLength);
  return options;
}

// Field paths in the core's messages are option names; say them as the flags the user typed.
const FLAG: Record<string, string> = {
  patients: "--patients",
  interval: "--interval",
  rule: "--rule",
  service: "--service",
  noShow: "--no-show",
  punctuality: "--punctuality",
  policy: "--policy",
  runs: "--runs",
  seed: "--seed",
  overbook: "--overbook",
  overbookNoShow: "--overbook-no-show",
  sessionLength: "--session-length",
};
const flagOf = (path: string) => FLAG[path.split(".")[0]!] ?? path;

const fmt = (x: number) => x.toFixed(2);
const ci = (c: readonly [number, number] | null) => (c ? `${fmt(c[0])} – ${fmt(c[1])}` : "(one run: none)");

/** The readable table printed without --json. */
export function formatTable(options: SimulationOptions, r: SimulationResult): string {
  const noShow =
    typeof options.noShow === "number" ? String(options.noShow) : `per patient (${options.noShow.length})`;
  const rows: [string, number, string][] = [
    ["mean wait", r.meanWait, ci(r.ci95.meanWait)],
    ["median wait (p50)", r.p50Wait, ci(r.ci95.p50Wait)],
    ["p90 wait", r.p90Wait, ci(r.ci95.p90Wait)],
    ["p95 wait", r.p95Wait, ci(r.ci95.p95Wait)],
    ["practitioner idle", r.idle, ci(r.ci95.idle)],
    ["overtime", r.overtime, ci(r.ci95.overtime)],
  ];
  const w = Math.max(...rows.map(([, v]) => fmt(v).length), 7);
  const lines = [
    `${r.runs} simulated sessions of ${r.sessionLength} minutes, ${r.booked} booked, seed ${r.seed}`,
    `rule ${describeRule(options.rule)} · service ${describeService(options.service)} · no-show ${noShow} · punctuality ${describePunctuality(options.punctuality ?? { kind: "none" })} · policy ${describePolicy(options.policy ?? { kind: "fcfs" })}${options.overbook?.length ? ` · overbooked at ${options.overbook.join(", ")}` : ""}`,
    "",
    `${"minutes".padEnd(18)}  ${"value".padStart(w)}  95% confidence interval`,
    ...rows.map(([name, v, c]) => `${name.padEnd(18)}  ${fmt(v).padStart(w)}  ${c}`),
    "",
    `Patients seen per session: ${r.shows.toFixed(2)} (${r.visits} visits simulated).`,
  ];
  if (r.percentileRuns < r.runs)
    lines.push(`Percentiles pool the first ${r.percentileRuns} runs (memory cap of 2,097,152 waits).`);
  return `${lines.join("\n")}\n`;
}

const settingsOf = (options: SimulationOptions) => ({
  patients: options.patients,
  interval: options.interval,
  rule: describeRule(options.rule),
  service: describeService(options.service),
  noShow: options.noShow,
  punctuality: describePunctuality(options.punctuality ?? { kind: "none" }),
  policy: describePolicy(options.policy ?? { kind: "fcfs" }),
  overbook: options.overbook ?? [],
});

const signed = (x: number) => {
  const text = Math.abs(x).toFixed(2);
  return Number(text) === 0 ? "0.00" : `${x > 0 ? "+" : "−"}${text}`;
};
const delta = (d: Difference) =>
  d.ci ? `${signed(d.value)} (${signed(d.ci[0])} to ${signed(d.ci[1])})` : signed(d.value);

/** The table printed for `--policy A,B,…`: each policy, and its paired difference from the first. */
export function formatComparison(options: SimulationOptions, rows: ComparisonRow[]): string {
  const first = rows[0]!.result;
  const cells = rows.map((r, k) => [
    r.label,
    `${fmt(r.result.meanWait)} (${ci(r.result.ci95.meanWait)})`,
    `${fmt(r.result.p90Wait)} (${ci(r.result.ci95.p90Wait)})`,
    fmt(r.result.idle),
    fmt(r.result.overtime),
    k === 0 ? "—" : delta(r.difference.meanWait),
    k === 0 ? "—" : delta(r.difference.p90Wait),
  ]);
  const head = [
    "policy",
    "mean wait",
    "p90 wait",
    "idle",
    "overtime",
    `Δ mean wait vs ${rows[0]!.label}`,
    "Δ p90 wait",
  ];
  const widths = head.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c]!.length)));
  const line = (row: string[]) =>
    row
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join("  ")
      .trimEnd();
  const settings = settingsOf(options);
  return `${[
    `${first.runs} simulated sessions of ${first.sessionLength} minutes per policy, the same patients for each, ${first.booked} booked, seed ${first.seed}`,
    `rule ${settings.rule} · service ${settings.service} · no-show ${typeof options.noShow === "number" ? options.noShow : `per patient (${options.noShow.length})`} · punctuality ${settings.punctuality}`,
    "",
    line(head),
    ...cells.map(line),
    "",
    "Minutes, with 95% confidence intervals; each Δ is paired run by run on the same patients.",
  ].join("\n")}\n`;
}

/**
 * `salus simulate`: runs the core simulator (no database) and prints JSON (--json) or a table. Several
 * policies (`--policy fcfs,grace-next-gap:10`) are compared on the same simulated patients. Bad arguments:
 * one line on standard error and exit code 2, never a stack trace.
 */
export function runSimulate(
  flags: SimulateFlags,
  out: (text: string) => void = (t) => process.stdout.write(t),
  err: (text: string) => void = (t) => process.stderr.write(t),
): number {
  const policies = (flags.policy ?? SIMULATE_DEFAULTS.policy).split(",").map((p) => p.trim());
  let options: SimulationOptions;
  let result: SimulationResult | undefined;
  let rows: ComparisonRow[] | undefined;
  try {
    options = simulationOptions({ ...flags, policy: policies[0] });
    if (policies.length > 1) {
      const variants = policies.map((p) => {
        const policy = parsePolicy(p);
        return { label: describePolicy(policy), session: { ...options, policy } };
      });
      rows = compareSessions({ variants, runs: options.runs, seed: options.seed });
    } else {
      result = simulate(options);
    }
  } catch (error) {
    if (error instanceof DomainError) {
      const path = error.details[0]?.path.replace(/^variants\.\d+\.session\./, "");
      err(`salus simulate: ${path ? `${flagOf(path)}: ` : ""}${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (rows) {
    out(
      flags.json
        ? `${JSON.stringify({ comparison: rows, settings: { ...settingsOf(options), policy: rows.map((r) => r.label) } })}\n`
        : formatComparison(options, rows),
    );
    return 0;
  }
  out(
    flags.json
      ? `${JSON.stringify({ ...result!, settings: settingsOf(options) })}\n`
      : formatTable(options, result!),
  );
  return 0;
}

// Prints the Markdown tables of docs/simulation.md: appointment rules × late-arrival policies, and
// overbooking the riskiest slot, on simulated days; then the simulator against queueing theory.
//
//   node packages/cli/bin/run-ts.js scripts/simulate-policies.ts [RUNS] [SEED]
//
// Every row uses the same seed, so every setting meets the same patients (same no-shows, lateness and
// visit lengths): differences between rows are not luck of the draw.
import {
  type Ci,
  compareSessions,
  type Difference,
  describePolicy,
  describeRule,
  type LatePolicy,
  type SessionSpec,
  type SimulationResult,
  simulate,
} from "@salus/core/flow/simulator";

const RUNS = Number(process.argv[2] ?? 20_000);
const SEED = Number(process.argv[3] ?? 20261127);

const BASE: Omit<SessionSpec, "rule" | "noShow"> = {
  patients: 20,
  interval: 15,
  service: { kind: "lognormal", mean: 15, cv: 0.5 },
  punctuality: { kind: "normal", mean: -5, sd: 10 },
};
const RULES: SessionSpec["rule"][] = [
  { kind: "individual" },
  { kind: "bailey-welch" },
  { kind: "block", size: 2 },
];
const POLICIES: LatePolicy[] = [
  { kind: "fcfs" },
  { kind: "appointment-order" },
  { kind: "earlier-of" },
  { kind: "grace-next-gap", graceMinutes: 10 },
];

const f1 = (x: number) => x.toFixed(1);
const withCi = (x: number, ci: Ci) => (ci ? `${f1(x)} (${f1(ci[0])}–${f1(ci[1])})` : f1(x));
const row = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;
const figures = (r: SimulationResult) => [
  withCi(r.meanWait, r.ci95.meanWait),
  withCi(r.p90Wait, r.ci95.p90Wait),
  withCi(r.idle, r.ci95.idle),
  withCi(r.overtime, r.ci95.overtime),
];
const signed = (x: number) => {
  const text = Math.abs(x).toFixed(2);
  return Number(text) === 0 ? "0.00" : `${x > 0 ? "+" : "−"}${text}`;
};
const delta = (d: Difference) =>
  d.ci ? `${signed(d.value)} (${signed(d.ci[0])} to ${signed(d.ci[1])})` : signed(d.value);
const out: string[] = [];
const say = (line = "") => out.push(line);

say(
  `Settings: ${BASE.patients} patients booked every ${BASE.interval} minutes (a ${BASE.patients * BASE.interval}-minute session), visits lognormal with mean 15 and CV 0.5, arrivals normal with mean −5 (early) and SD 10 minutes; ${RUNS} simulated sessions per row, seed ${SEED}. Minutes, with 95% confidence intervals.`,
);

for (const noShow of [0.1, 0.2]) {
  say();
  say(`#### No-show ${noShow}`);
  say();
  say(
    row([
      "rule",
      "policy",
      "mean wait",
      "p90 wait",
      "idle",
      "overtime",
      "Δ mean wait vs fcfs",
      "Δ p90 wait vs fcfs",
    ]),
  );
  say(row(["---", "---", "---:", "---:", "---:", "---:", "---:", "---:"]));
  for (const rule of RULES) {
    const rows = compareSessions({
      variants: POLICIES.map((policy) => ({
        label: describePolicy(policy),
        session: { ...BASE, rule, policy, noShow },
      })),
      runs: RUNS,
      seed: SEED,
    });
    for (const [k, r] of rows.entries())
      say(
        row([
          describeRule(rule),
          r.label,
          ...figures(r.result),
          k === 0 ? "—" : delta(r.difference.meanWait),
          k === 0 ? "—" : delta(r.difference.p90Wait),
        ]),
      );
  }
}

// Overbooking: per-patient no-show risks (most low, a few high, as a risk model would give), one extra
// patient double-booked at the riskiest slot, compared with none, for two rules and two policies.
const RISK = [
  0.05, 0.08, 0.1, 0.06, 0.45, 0.07, 0.1, 0.05, 0.12, 0.3, 0.06, 0.08, 0.05, 0.1, 0.35, 0.07, 0.06, 0.09,
  0.08, 0.1,
];
const riskiest = RISK.indexOf(Math.max(...RISK));
const meanRisk = RISK.reduce((a, b) => a + b, 0) / RISK.length;
say();
say("#### Overbooking the riskiest slot");
say();
say(
  `Per-patient no-show risks (mean ${meanRisk.toFixed(3)}): ${RISK.join(", ")}. The riskiest is patient ${riskiest + 1} (${RISK[riskiest]}); the extra patient is booked at that patient's time, with the mean risk. Same seed and settings as above otherwise.`,
);
say();
say(
  row([
    "rule",
    "policy",
    "overbooking",
    "seen per session",
    "mean wait",
    "p90 wait",
    "idle",
    "overtime",
    "Δ mean wait",
    "Δ idle",
    "Δ overtime",
  ]),
);
say(row(["---", "---", "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:"]));
for (const rule of [{ kind: "bailey-welch" }, { kind: "individual" }] as SessionSpec["rule"][])
  for (const policy of [{ kind: "fcfs" }, { kind: "earlier-of" }] as LatePolicy[]) {
    const session: SessionSpec = { ...BASE, rule, policy, noShow: RISK };
    const at = simulate({ ...session, runs: 1, seed: SEED }).appointmentTimes[riskiest]!;
    const [plain, over] = compareSessions({
      variants: [
        { label: "none", session },
        { label: `+1 at minute ${at}`, session: { ...session, overbook: [at], overbookNoShow: meanRisk } },
      ],
      runs: RUNS,
      seed: SEED,
    });
    for (const [k, r] of [plain!, over!].entries())
      say(
        row([
          describeRule(rule),
          describePolicy(policy),
          r.label,
          r.result.shows.toFixed(2),
          ...figures(r.result),
          k === 0 ? "—" : delta(r.difference.meanWait),
          k === 0 ? "—" : delta(r.difference.idle),
          k === 0 ? "—" : delta(r.difference.overtime),
        ]),
      );
  }

// Theory: the same checks as packages/core/src/flow/simulator.test.ts, with the figures.
say();
say("#### Against queueing theory (exponential service, mean 1, punctual, no no-shows)");
say();
say(row(["case", "simulated", "exact", "wrong formula (must be far)"]));
say(row(["---", "---:", "---:", "---:"]));
for (const h of [0.25, 0.5, 1, 2, 3]) {
  const r = simulate({
    patients: 2,
    interval: h,
    rule: { kind: "times", minutes: [0, h] },
    service: { kind: "exp", mean: 1 },
    noShow: 0,
    runs: 100_000,
    seed: 20261127 + Math.round(h * 100),
  });
  const se = Math.sqrt((2 * Math.exp(-h) - Math.exp(-2 * h)) / 100_000);
  say(
    row([
      `two patients at 0 and ${h}: wait of the second`,
      `${r.waitByPatient[1]!.toFixed(4)} ± ${(1.96 * se).toFixed(4)}`,
      `e^(−h) = ${Math.exp(-h).toFixed(4)}`,
      `e^(−2h) = ${Math.exp(-2 * h).toFixed(4)}`,
    ]),
  );
}
for (const a of [1.25, 1.5, 2]) {
  let sigma = 0;
  for (let k = 0; k < 10_000; k++) sigma = Math.exp(-a * (1 - sigma));
  const samples: number[] = [];
  for (let k = 0; k < 600; k++) {
    const r = simulate({
      patients: 1000,
      interval: a,
      rule: { kind: "individual" },
      service: { kind: "exp", mean: 1 },
      noShow: 0,
      runs: 1,
      seed: 4000 + k,
    });
    const tail = r.waitByPatient.slice(200) as number[];
    samples.push(tail.reduce((x, y) => x + y, 0) / tail.length);
  }
  const mean = samples.reduce((x, y) => x + y, 0) / samples.length;
  const sd = Math.sqrt(samples.reduce((x, y) => x + (y - mean) ** 2, 0) / (samples.length - 1));
  const rho = 1 / a;
  say(
    row([
      `one patient every ${a} (D/M/1), patients 201–1000`,
      `${mean.toFixed(4)} ± ${((1.96 * sd) / Math.sqrt(samples.length)).toFixed(4)}`,
      `σ/(1−σ) = ${(sigma / (1 - sigma)).toFixed(4)} (σ = ${sigma.toFixed(4)})`,
      `M/M/1 ρ/(1−ρ) = ${(rho / (1 - rho)).toFixed(4)}`,
    ]),
  );
}

process.stdout.write(`${out.join("\n")}\n`);

#!/usr/bin/env node
// `npm test`: every check the project has, in order, stopping at the first failure.
//
//   lint and format (Biome) → type-check (tsc) → unit tests (twice, in two time zones) → database tests on
//   SQLite (then the time-sensitive files again in a second time zone) → database tests on PostgreSQL →
//   web build and browser tests.
//
// PostgreSQL runs when SALUS_TEST_DATABASE_URL is set (the tests create their own databases from it);
// the browser tests run when /usr/bin/chromium exists. Either may be skipped locally, never under CI=true.
//
// `node scripts/test.mjs unit db-sqlite` runs only the named steps; `--list` prints the step names.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const ci = process.env.CI === "true" || process.env.CI === "1";
const pgUrl = process.env.SALUS_TEST_DATABASE_URL || undefined;
const chromium = "/usr/bin/chromium";
/** A locally installed tool (`--no`: never download a missing one). */
const npx = (...args) => ["npx", "--no", "--", ...args];

/**
 * The database tests whose outcome depends on wall time, zones or dates (scheduling, the day's flow,
 * reminders and messages, records with dates of service, disclosures and exports, FHIR scheduling). The
 * second-time-zone pass runs only these: the rest (auth, audit, backup, tenancy) reads no local time, and
 * running them twice would cost CI minutes for nothing.
 */
const TIME_SENSITIVE_DB_TESTS = [
  "packages/server/src/scheduling/",
  "packages/server/src/flow/",
  "packages/server/src/messaging/",
  "packages/server/src/privacy/",
  "packages/server/src/clinical/",
  "packages/server/src/codes/",
  "packages/server/src/export/",
  "packages/server/src/demo/",
  "packages/server/src/fhir/fhir-scheduling.int.test.ts",
  "packages/cli/src/simulate.int.test.ts",
];

/**
 * Each step: a name, a title, and either commands to run or a reason to skip (`skip`), which is an
 * error under CI (`required`). Commands run one after another in this process's environment plus `env`,
 * minus the variables in `unset` (the db project runs on SQLite only without SALUS_TEST_DATABASE_URL).
 */
const steps = [
  {
    name: "lint",
    title: "Lint and format (biome check)",
    commands: [npx("biome", "check", ".")],
    hint: "Formatting and import order are fixed by `npx biome check --write .`; lint findings need an edit.",
  },
  {
    name: "typecheck",
    title: "Type-check (tsc --noEmit)",
    commands: [npx("tsc", "-p", "tsconfig.json", "--noEmit")],
  },
  {
    name: "unit",
    title: "Unit tests",
    commands: [npx("vitest", "run", "--project", "unit", "--passWithNoTests")],
  },
  {
    name: "unit-tz",
    title: "Unit tests, TZ=Pacific/Honolulu (time-zone independence)",
    env: { TZ: "Pacific/Honolulu" },
    commands: [npx("vitest", "run", "--project", "unit", "--passWithNoTests")],
  },
  {
    name: "db-sqlite",
    title: "Database tests on SQLite",
    unset: ["SALUS_TEST_DATABASE_URL"],
    commands: [npx("vitest", "run", "--project", "db", "--passWithNoTests")],
  },
  {
    name: "db-sqlite-tz",
    title: "Database tests on SQLite, TZ=Australia/Lord_Howe (time-zone independence, time-sensitive files)",
    env: { TZ: "Australia/Lord_Howe" },
    unset: ["SALUS_TEST_DATABASE_URL"],
    commands: [npx("vitest", "run", "--project", "db", "--passWithNoTests", ...TIME_SENSITIVE_DB_TESTS)],
  },
  {
    name: "db-postgres",
    title: "Database tests on PostgreSQL",
    skip: pgUrl ? null : "SALUS_TEST_DATABASE_URL is not set",
    required: "CI requires SALUS_TEST_DATABASE_URL",
    env: { SALUS_TEST_DATABASE_URL: pgUrl },
    commands: [npx("vitest", "run", "--project", "db", "--passWithNoTests")],
  },
  {
    name: "e2e",
    title: "Web build and browser tests (Playwright)",
    skip: existsSync(chromium) ? null : `${chromium} does not exist`,
    required: `CI requires ${chromium} for the browser tests`,
    commands: [
      ["npm", "run", "build:web"],
      npx("playwright", "test", "-c", "packages/web/playwright.config.ts", "--pass-with-no-tests"),
    ],
  },
];

const args = process.argv.slice(2);
if (args.includes("--list")) {
  for (const s of steps) console.log(`${s.name.padEnd(14)} ${s.title}`);
  process.exit(0);
}
const unknown = args.filter((a) => !steps.some((s) => s.name === a));
if (unknown.length > 0) {
  console.error(`Unknown step(s): ${unknown.join(", ")}. Steps: ${steps.map((s) => s.name).join(", ")}`);
  process.exit(2);
}
const selected = args.length > 0 ? steps.filter((s) => args.includes(s.name)) : steps;

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code, text) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
const bold = (t) => paint("1", t);
const red = (t) => paint("31", t);
const green = (t) => paint("32", t);
const yellow = (t) => paint("33", t);

let child = null;
let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    interrupted = true;
    // The child shares the terminal's process group for Ctrl-C; forward SIGTERM (or a second signal).
    if (child && signal === "SIGTERM") child.kill("SIGTERM");
  });
}

/** Runs one command with inherited output; resolves to its exit code (a signal counts as failure). */
function run(command, env) {
  return new Promise((resolve) => {
    child = spawn(command[0], command.slice(1), { cwd: root, env, stdio: "inherit" });
    child.on("error", (error) => {
      console.error(red(`Could not start ${command[0]}: ${error.message}`));
      resolve(127);
    });
    child.on("exit", (code, signal) => {
      child = null;
      resolve(code ?? (signal ? 128 + (signal === "SIGINT" ? 2 : 15) : 1));
    });
  });
}

const results = [];
const started = Date.now();
let exitCode = 0;

console.log(bold(`Salus checks: ${selected.length} step(s)${ci ? " (CI=true)" : ""}`));
for (const [i, step] of selected.entries()) {
  console.log(`\n${bold(`━━━ [${i + 1}/${selected.length}] ${step.title} ━━━`)}`);
  if (step.skip) {
    if (ci) {
      console.error(red(`✗ ${step.required} (${step.skip}).`));
      results.push({ step, status: "FAILED", ms: 0, note: step.required });
      exitCode = 1;
      break;
    }
    console.log(yellow(`– skipped: ${step.skip}.`));
    results.push({ step, status: "skipped", ms: 0, note: step.skip });
    continue;
  }
  const env = { ...process.env, ...(step.env ?? {}) };
  for (const name of step.unset ?? []) delete env[name];
  const t0 = Date.now();
  let code = 0;
  for (const command of step.commands) {
    console.log(paint("2", `$ ${step.env?.TZ ? `TZ=${step.env.TZ} ` : ""}${command.join(" ")}`));
    code = await run(command, env);
    if (code !== 0 || interrupted) break;
  }
  const ms = Date.now() - t0;
  if (code !== 0 || interrupted) {
    const note = interrupted ? "interrupted" : `exit code ${code}`;
    console.error(red(`✗ ${step.title}: ${note}`));
    if (step.hint && !interrupted) console.error(step.hint);
    results.push({ step, status: "FAILED", ms, note });
    exitCode = interrupted ? 130 : code;
    break;
  }
  console.log(green(`✓ ${step.title} (${(ms / 1000).toFixed(1)} s)`));
  results.push({ step, status: "passed", ms, note: "" });
}
for (const step of selected.slice(results.length)) {
  results.push({ step, status: "not run", ms: 0, note: "" });
}

const seconds = (ms) => (ms === 0 ? "" : `${(ms / 1000).toFixed(1)} s`);
const rows = results.map((r) => [r.step.name, r.status, seconds(r.ms), r.note]);
const header = ["step", "result", "time", "note"];
const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
const line = (cells) =>
  cells
    .map((cell, c) => (c === 2 ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
    .join("  ")
    .trimEnd();
console.log(`\n${bold("Summary")}`);
console.log(line(header));
console.log(line(widths.map((w) => "─".repeat(w))));
for (const [i, r] of rows.entries()) {
  const text = line(r);
  const status = results[i].status;
  console.log(status === "FAILED" ? red(text) : status === "passed" ? green(text) : yellow(text));
}
const skipped = results.filter((r) => r.status === "skipped").length;
const verdict =
  exitCode !== 0
    ? red("FAILED")
    : skipped > 0
      ? yellow(`Passed, but ${skipped} step(s) skipped`)
      : green("All steps passed");
console.log(`\n${verdict} in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
process.exit(exitCode);

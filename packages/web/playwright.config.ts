import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "@playwright/test";

// End-to-end tests of the web app against a real Salus server on port 3100 with a fresh SQLite
// database and the demo practice (SALUS_E2E_URL points the tests at another server instead).
const repositoryRoot = fileURLToPath(new URL("../..", import.meta.url));
const external = process.env.SALUS_E2E_URL;
// SALUS_E2E_PORT lets two checkouts (or two people) run the suite on one machine at once.
const port = process.env.SALUS_E2E_PORT ?? "3100";
const baseURL = external ?? `http://127.0.0.1:${port}`;

function scratchDirectory(): string {
  // The config is evaluated by the runner and by each worker: share one directory between them.
  if (!process.env.SALUS_E2E_TMP) {
    process.env.SALUS_E2E_TMP = join(tmpdir(), `salus-e2e-${process.pid}-${randomBytes(4).toString("hex")}`);
  }
  mkdirSync(process.env.SALUS_E2E_TMP, { recursive: true });
  return process.env.SALUS_E2E_TMP;
}

const tmp = external ? "" : scratchDirectory();

/** The calendar date now in `timeZone` (undefined: this machine's zone). */
function dateIn(timeZone: string | undefined, now: number): string {
  return new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(new Date(now));
}

/**
 * The demo practice's zone for this run: one where it is now a weekday morning (09:00 to 11:00 if any
 * zone has it), so the day's board has visits still to come whatever time the suite runs. Its clinics open
 * 08:00 to 17:00 on weekdays. Chosen once by the runner and handed to its workers through the environment.
 */
function demoTimeZone(now = Date.now()): string {
  if (process.env.SALUS_E2E_DEMO_TIME_ZONE) return process.env.SALUS_E2E_DEMO_TIME_ZONE;
  const weekday = new Set(["Mon", "Tue", "Wed", "Thu", "Fri"]);
  let best: { zone: string; score: number } | null = null;
  for (const zone of Intl.supportedValuesOf("timeZone")) {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat("en-US", {
        timeZone: zone,
        weekday: "short",
        hour: "numeric",
        minute: "numeric",
        hourCycle: "h23",
      })
        .formatToParts(new Date(now))
        .map((p) => [p.type, p.value]),
    );
    const minutes = Number(parts.hour) * 60 + Number(parts.minute);
    // Distance from 10:00 local; a weekend day counts as far away as can be, and a date other than the
    // browser's (which runs in this machine's zone: pages default date fields to its today) almost as far.
    const score =
      Math.abs(minutes - 600) +
      (weekday.has(parts.weekday ?? "") ? 0 : 10_000) +
      (dateIn(zone, now) === dateIn(undefined, now) ? 0 : 5_000);
    if (!best || score < best.score) best = { zone, score };
  }
  process.env.SALUS_E2E_DEMO_TIME_ZONE = best?.zone ?? "America/Chicago";
  return process.env.SALUS_E2E_DEMO_TIME_ZONE;
}

export default defineConfig({
  testDir: "./e2e",
  outputDir: "./test-results",
  fullyParallel: false,
  workers: 1,
  // Under CI a failed test runs once more and, if it passes, is reported as flaky in the list (not
  // hidden): two specs stalled once in a CI-like run here (a dropdown that did not open, a sign-in page
  // not drawn within 60 s) and passed on every run since; a test that fails twice still fails the run.
  retries: process.env.CI ? 1 : 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-quic",
        "--no-first-run",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: external
    ? undefined
    : {
        command: "node packages/cli/bin/salus.js serve --demo-if-empty",
        cwd: repositoryRoot,
        url: `http://127.0.0.1:${port}/healthz`,
        timeout: 120_000,
        reuseExistingServer: false,
        stdout: "ignore",
        stderr: "pipe",
        env: {
          PORT: port,
          SALUS_DATABASE_URL: `sqlite:${join(tmp, "e2e.db")}`,
          SALUS_DEMO_PASSWORD: "demo-password-for-tests-only",
          SALUS_DEMO_TIME_ZONE: demoTimeZone(),
          SALUS_SECRETS_FILE: join(tmp, "e2e.keys"),
        },
      },
});

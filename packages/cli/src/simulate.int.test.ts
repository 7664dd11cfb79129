import { describe, expect, it } from "vitest";
import { type CliEnv, runSalus } from "./testing/cli-harness.ts";

// `salus simulate` through the real binary: it needs no database, so the URL below is never opened.
const env: CliEnv = { databaseUrl: "sqlite:/nonexistent/never-opened.db", secretsFile: "/nonexistent/keys" };
const CONTRACT = [
  "simulate",
  "--patients",
  "20",
  "--interval",
  "15",
  "--rule",
  "block:2",
  "--service",
  "exp:15",
  "--no-show",
  "0.2",
  "--runs",
  "500",
  "--seed",
  "7",
];

describe("salus simulate (binary)", () => {
  it("prints the JSON contract, the same for the same seed, and --no-show is the no-show probability", async () => {
    const a = await runSalus([...CONTRACT, "--json"], env);
    expect(a.stderr).toBe("");
    expect(a.code).toBe(0);
    const out = JSON.parse(a.stdout);
    for (const k of ["meanWait", "idle", "overtime", "p90Wait"]) expect(typeof out[k]).toBe("number");
    expect(out.settings.noShow).toBe(0.2);
    // 20 booked, 20% no-shows: about 16 come (binomial sd over 500 runs ≈ 0.08).
    expect(out.shows).toBeGreaterThan(15.6);
    expect(out.shows).toBeLessThan(16.4);
    const b = await runSalus([...CONTRACT, "--json"], env);
    expect(b.stdout).toBe(a.stdout);
  });

  it("bad arguments: a clear one-line message, exit code 2, no stack trace", async () => {
    const r = await runSalus([...CONTRACT, "--no-show", "2"], env);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("salus simulate: --no-show: no-show must be a probability from 0 to 1 (got 2).\n");
    const missing = await runSalus(["simulate", "--patients", "5", "--interval", "10"], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("salus simulate: --service: --service is required.\n");
  });

  it("is listed in salus --help", async () => {
    const r = await runSalus(["--help"], env);
    expect(r.stdout).toContain("simulate");
  });
});

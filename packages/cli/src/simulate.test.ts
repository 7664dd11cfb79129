import { simulate } from "@salus/core/flow/simulator";
import { describe, expect, it } from "vitest";
import { runSimulate, type SimulateFlags, simulationOptions } from "./simulate.ts";

const run = (flags: SimulateFlags) => {
  let stdout = "";
  let stderr = "";
  const code = runSimulate(
    flags,
    (t) => {
      stdout += t;
    },
    (t) => {
      stderr += t;
    },
  );
  return { code, stdout, stderr };
};

const CONTRACT: SimulateFlags = {
  patients: "20",
  interval: "15",
  rule: "bailey-welch",
  service: "lognormal:15:0.5",
  noShow: "0.1",
  runs: "2000",
  seed: "42",
  json: true,
};

describe("salus simulate (in process)", () => {
  it("--json prints the issue's contract: meanWait, idle, overtime in minutes, with intervals and the settings", () => {
    const { code, stdout, stderr } = run(CONTRACT);
    expect(code).toBe(0);
    expect(stderr).toBe("");
    const out = JSON.parse(stdout);
    const direct = simulate({
      patients: 20,
      interval: 15,
      rule: { kind: "bailey-welch" },
      service: { kind: "lognormal", mean: 15, cv: 0.5 },
      noShow: 0.1,
      punctuality: { kind: "none" },
      policy: { kind: "fcfs" },
      runs: 2000,
      seed: 42,
    });
    expect(out.meanWait).toBe(direct.meanWait);
    expect(out.idle).toBe(direct.idle);
    expect(out.overtime).toBe(direct.overtime);
    expect(out.ci95.meanWait).toEqual(direct.ci95.meanWait);
    expect(out.sessionLength).toBe(300);
    expect(out).toMatchObject({ runs: 2000, seed: 42, booked: 20 });
    expect(out.settings).toMatchObject({ rule: "bailey-welch", service: "lognormal:15:0.5", policy: "fcfs" });
  });

  it("without --json prints a table of the same figures", () => {
    const { code, stdout } = run({ ...CONTRACT, json: false });
    expect(code).toBe(0);
    const json = JSON.parse(run(CONTRACT).stdout);
    expect(stdout).toContain("2000 simulated sessions of 300 minutes, 20 booked, seed 42");
    expect(stdout).toMatch(new RegExp(`mean wait\\s+${json.meanWait.toFixed(2)}\\s`));
    expect(stdout).toMatch(new RegExp(`overtime\\s+${json.overtime.toFixed(2)}\\s`));
    expect(stdout).toContain("95% confidence interval");
  });

  it("reads --policy, --punctuality, --overbook and per-patient no-shows", () => {
    const options = simulationOptions({
      patients: "3",
      interval: "20",
      service: "exp:15",
      noShow: "0.1,0.2,0.3",
      policy: "grace-next-gap:10",
      punctuality: "normal:-5:10",
      overbook: "0,40",
      overbookNoShow: "0.5",
    });
    expect(options).toMatchObject({
      noShow: [0.1, 0.2, 0.3],
      policy: { kind: "grace-next-gap", graceMinutes: 10 },
      punctuality: { kind: "normal", mean: -5, sd: 10 },
      overbook: [0, 40],
      overbookNoShow: 0.5,
      runs: 1000,
      seed: 1,
    });
  });

  it.each([
    [{ patients: "0" }, "--patients: patients must be a whole number from 1 to 1000 (got 0)."],
    [{ patients: "abc" }, "--patients: patients must be a whole number from 1 to 1000 (got not a number)."],
    [
      { interval: "-5" },
      "--interval: interval must be a number of minutes above 0 and at most 480 (got -5).",
    ],
    [{ runs: "100001" }, "--runs: runs must be a whole number from 1 to 100000 (got 100001)."],
    [{ noShow: "1.5" }, "--no-show: no-show must be a probability from 0 to 1 (got 1.5)."],
    [{ rule: "block:0" }, "--rule: block size K must be a whole number from 1 to 1000 (got 0)."],
    [{ service: "lognormal:15" }, '--service: service "lognormal:15" is not one of'],
    [{ policy: "lifo" }, '--policy: policy "lifo" is not one of'],
    [{ service: undefined }, "--service: --service is required."],
  ] as [SimulateFlags, string][])("bad arguments %j: one line on stderr, exit code 2", (patch, message) => {
    const { code, stdout, stderr } = run({ ...CONTRACT, ...patch });
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr.startsWith(`salus simulate: ${message}`)).toBe(true);
    expect(stderr.trimEnd().split("\n")).toHaveLength(1);
  });

  it("--policy A,B,… compares the policies on the same patients, each with its paired difference from the first", () => {
    const flags = { ...CONTRACT, punctuality: "normal:-5:10", policy: "fcfs,grace-next-gap:10" };
    const json = JSON.parse(run(flags).stdout);
    expect(json.comparison.map((r: { label: string }) => r.label)).toEqual(["fcfs", "grace-next-gap:10"]);
    expect(json.settings.policy).toEqual(["fcfs", "grace-next-gap:10"]);
    const alone = JSON.parse(run({ ...flags, policy: "grace-next-gap:10" }).stdout);
    expect(json.comparison[1].result.meanWait).toBe(alone.meanWait);
    expect(json.comparison[1].difference.p90Wait.value).toBeCloseTo(
      alone.p90Wait - json.comparison[0].result.p90Wait,
      9,
    );
    const table = run({ ...flags, json: false });
    expect(table.code).toBe(0);
    expect(table.stdout).toContain("the same patients for each");
    expect(table.stdout).toMatch(/grace-next-gap:10 .* [−+]?\d+\.\d\d \(/);
    const bad = run({ ...flags, policy: "fcfs,lifo" });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^salus simulate: --policy: policy "lifo" is not one of/);
  });
});

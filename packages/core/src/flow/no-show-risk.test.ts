import { describe, expect, it } from "vitest";
import { instantToLocal } from "../scheduling/zoned-time.ts";
import {
  ageOn,
  calibration,
  type NoShowAppointment,
  type NoShowExample,
  noShowFeatures,
  patientHistoryBefore,
  predictNoShow,
  splitByTime,
  trainNoShowModel,
} from "./no-show-risk.ts";

const DAY = 86_400_000;
const HOUR = 3_600_000;
const ZONE = "America/Chicago";
const START = Date.UTC(2025, 0, 6, 14); // Monday 2025-01-06 08:00 in Chicago

/** Small seeded PRNG (mulberry32), so the synthetic practice is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** The known model the synthetic outcomes are drawn from (raw, unstandardised features). */
function trueLogit(a: NoShowAppointment): number {
  const local = instantToLocal(a.start, a.zone);
  const lead = (a.start - a.bookedAt) / DAY;
  const age = a.birthDate ? ageOn(a.birthDate, local.date) : 50;
  return (
    -2.4 +
    0.4 * Math.log1p(lead) +
    0.45 * Math.min(5, a.history.priorNoShows) -
    0.25 * Math.log1p(a.history.priorVisits) +
    (a.appointmentTypeId === "consult" ? 0.7 : a.appointmentTypeId === "vaccine" ? -0.4 : 0) +
    (local.weekday === 1 ? 0.3 : 0) +
    (age >= 18 && age < 40 ? 0.35 : 0)
  );
}

function syntheticPractice(
  n: number,
  seed: number,
  outcome: (a: NoShowAppointment, r: () => number) => boolean,
) {
  const r = prng(seed);
  const out: Array<NoShowExample & { trueP: number }> = [];
  for (let i = 0; i < n; i++) {
    const day = Math.floor(r() * 364);
    const start = START + day * DAY + Math.floor(r() * 10) * HOUR;
    const lead = Math.floor(r() ** 2 * 90);
    const priorVisits = Math.floor(r() * 11);
    const priorNoShows = r() < 0.6 ? 0 : Math.floor(r() * 5);
    const year = 1940 + Math.floor(r() * 80);
    const a: NoShowAppointment = {
      appointmentTypeId: ["checkup", "consult", "vaccine"][Math.floor(r() * 3)]!,
      start,
      bookedAt: start - lead * DAY - Math.floor(r() * 8) * HOUR,
      zone: ZONE,
      birthDate: `${year}-${String(1 + Math.floor(r() * 12)).padStart(2, "0")}-15`,
      history: {
        priorVisits,
        priorNoShows,
        lastVisitDate: priorVisits > 0 ? "2024-12-01" : null,
        rescheduledCount: r() < 0.1 ? 1 : 0,
      },
    };
    out.push({ ...a, noShow: outcome(a, r), trueP: sigmoid(trueLogit(a)) });
  }
  return out;
}

describe("no-show model on a synthetic practice with a known model", () => {
  const data = syntheticPractice(8000, 42, (a, r) => r() < sigmoid(trueLogit(a)));
  const { train, test } = splitByTime(data, 0.25);
  const model = trainNoShowModel(train);

  it("splits by time: every training appointment is older than every test appointment", () => {
    expect(train.length).toBe(6000);
    expect(Math.max(...train.map((e) => e.start))).toBeLessThanOrEqual(Math.min(...test.map((e) => e.start)));
  });

  it("recovers the sign and size of the coefficients", () => {
    const raw = (name: string) => {
      const j = model.featureNames.indexOf(name);
      return model.weights[j]! / model.scales[j]!;
    };
    expect(raw("leadLogDays")).toBeGreaterThan(0.25);
    expect(raw("leadLogDays")).toBeLessThan(0.55);
    // The consult–vaccine contrast is 1.1 in the true model; one-hot weights share the intercept.
    expect(raw("type=consult") - raw("type=vaccine")).toBeGreaterThan(0.8);
    expect(raw("type=consult") - raw("type=vaccine")).toBeLessThan(1.4);
    expect(raw("weekday=Monday")).toBeGreaterThan(0);
    expect(raw("ageBand=1")).toBeGreaterThan(0);
    // Earlier no-shows: count and rate share the effect, so compare the effect itself.
    const base: NoShowAppointment = {
      appointmentTypeId: "checkup",
      start: START + 100 * DAY + 30 * HOUR,
      bookedAt: START + 90 * DAY,
      zone: ZONE,
      birthDate: "1970-06-15",
      history: { priorVisits: 5, priorNoShows: 0, lastVisitDate: "2024-12-01" },
    };
    const two = { ...base, history: { ...base.history, priorNoShows: 2 } };
    const modelRatio = predictNoShow(model, two).probability - predictNoShow(model, base).probability;
    const trueRatio = sigmoid(trueLogit(two)) - sigmoid(trueLogit(base));
    expect(Math.abs(modelRatio - trueRatio)).toBeLessThan(0.04);
  });

  it("predicts the true probabilities of the newer appointments closely", () => {
    let err = 0;
    for (const e of test) err += Math.abs(predictNoShow(model, e).probability - e.trueP);
    expect(err / test.length).toBeLessThan(0.03);
  });

  it("beats the base-rate Brier score and is calibrated by decile", () => {
    const predictions = test.map((e) => predictNoShow(model, e).probability);
    const cal = calibration(
      predictions,
      test.map((e) => e.noShow),
      { baseRate: model.baseRate },
    );
    expect(cal.n).toBe(2000);
    expect(cal.brier).toBeLessThan(cal.baselineBrier);
    expect(cal.skill).toBeGreaterThan(0.04);
    expect(cal.reliability).toHaveLength(10);
    expect(cal.reliability.map((b) => b.n)).toEqual(new Array(10).fill(200));
    // Deciles rise and sit on the diagonal: each observed rate within 4 standard errors of the mean
    // prediction (the outcomes are coin flips: decile 9 of this seed is 0.39 observed for 0.49 true), and
    // each mean prediction within 0.035 of the mean true probability of the same appointments.
    const order = predictions.map((_, i) => i).sort((a, b) => predictions[a]! - predictions[b]! || a - b);
    cal.reliability.forEach((b, k) => {
      if (k > 0) expect(b.meanPredicted).toBeGreaterThanOrEqual(cal.reliability[k - 1]!.meanPredicted);
      const se = Math.sqrt((b.meanPredicted * (1 - b.meanPredicted)) / b.n);
      expect(Math.abs(b.meanPredicted - b.observedRate)).toBeLessThan(4 * se);
      const truth = order.slice(k * 200, (k + 1) * 200).reduce((sum, i) => sum + test[i]!.trueP, 0) / 200;
      expect(Math.abs(b.meanPredicted - truth)).toBeLessThan(0.035);
    });
  });

  it("gives reasons in plain words with their effect", () => {
    const risky: NoShowAppointment = {
      appointmentTypeId: "consult",
      start: START + 300 * DAY + 2 * HOUR,
      bookedAt: START + 240 * DAY,
      zone: ZONE,
      birthDate: "1995-03-01",
      history: { priorVisits: 1, priorNoShows: 3, lastVisitDate: "2025-06-01" },
    };
    const p = predictNoShow(model, risky);
    expect(p.probability).toBeGreaterThan(0.4);
    expect(p.reasons.length).toBeGreaterThan(0);
    expect(p.reasons.length).toBeLessThanOrEqual(3);
    expect(p.reasons[0]!.text).toMatch(/^3 earlier no-shows \(\+\d+%\)$/);
    expect(p.reasons[0]!.effect).toBeGreaterThan(0.1);
    for (let i = 1; i < p.reasons.length; i++) {
      expect(Math.abs(p.reasons[i]!.effect)).toBeLessThanOrEqual(Math.abs(p.reasons[i - 1]!.effect));
    }
  });

  it("is deterministic and stores as plain JSON", () => {
    const again = trainNoShowModel(train);
    expect(again).toEqual(model);
    expect(JSON.parse(JSON.stringify(model))).toEqual(model);
    expect(model.iterations).toBeLessThan(20);
  });
});

describe("no-show model on pure noise", () => {
  it("does not beat the base rate by much", () => {
    const data = syntheticPractice(4000, 7, (_, r) => r() < 0.15);
    const { train, test } = splitByTime(data, 0.25);
    const model = trainNoShowModel(train);
    const cal = calibration(
      test.map((e) => predictNoShow(model, e).probability),
      test.map((e) => e.noShow),
      { baseRate: model.baseRate },
    );
    expect(cal.skill).toBeLessThan(0.02);
    // And it does not invent strong reasons: every probability stays near the base rate.
    for (const e of test.slice(0, 200))
      expect(Math.abs(predictNoShow(model, e).probability - 0.15)).toBeLessThan(0.1);
  });
});

describe("features", () => {
  it("reads weekday and hour on the location's wall clock, whatever the machine's zone", () => {
    // 2025-03-10 00:30 UTC is Sunday 19:30 in Chicago (CDT since the day before).
    const a: NoShowAppointment = {
      appointmentTypeId: "checkup",
      start: Date.UTC(2025, 2, 10, 0, 30),
      bookedAt: Date.UTC(2025, 2, 3),
      zone: ZONE,
      birthDate: null,
      history: { priorVisits: 0, priorNoShows: 0 },
    };
    const f = noShowFeatures({ types: ["checkup"] }, a);
    const value = (name: string) => f.values[f.names.indexOf(name)];
    expect(value("weekday=Sunday")).toBe(1);
    expect(value("hourBand=3")).toBe(1);
    expect(value("ageBand=4")).toBe(1); // unknown
    expect(value("newPatient")).toBe(1);
    expect(value("type=checkup")).toBe(1);
    expect(value("leadLogDays")).toBeCloseTo(Math.log1p(7 + 0.5 / 24), 6);
  });

  it("computes the age at the visit's local date from a plain birth date", () => {
    expect(ageOn("2000-03-10", "2025-03-09")).toBe(24);
    expect(ageOn("2000-03-10", "2025-03-10")).toBe(25);
    expect(ageOn("2004-02-29", "2025-02-28")).toBe(20);
    expect(ageOn("2004-02-29", "2025-03-01")).toBe(21);
  });

  it("builds a patient's history from earlier appointments only", () => {
    const past = [
      { start: Date.UTC(2025, 0, 10, 3), status: "fulfilled" }, // 2025-01-09 21:00 in Chicago
      { start: Date.UTC(2025, 1, 1, 15), status: "noshow" },
      { start: Date.UTC(2025, 1, 2, 15), status: "cancelled" },
      { start: Date.UTC(2025, 2, 1, 15), status: "fulfilled" }, // the appointment itself: not counted
      { start: Date.UTC(2025, 3, 1, 15), status: "noshow" }, // later: not counted
    ];
    expect(patientHistoryBefore(past, Date.UTC(2025, 2, 1, 15), ZONE)).toEqual({
      priorVisits: 1,
      priorNoShows: 1,
      lastVisitDate: "2025-01-09",
    });
    expect(patientHistoryBefore([], 0, ZONE)).toEqual({
      priorVisits: 0,
      priorNoShows: 0,
      lastVisitDate: null,
    });
  });

  it("names the appointment type by its name, never its id", () => {
    const data = syntheticPractice(600, 3, (a, r) => r() < (a.appointmentTypeId === "consult" ? 0.6 : 0.05));
    const model = trainNoShowModel(data);
    const a: NoShowAppointment = {
      ...data[0]!,
      appointmentTypeId: "consult",
      appointmentTypeName: "New patient consult",
    };
    const reasons = predictNoShow(model, a).reasons.map((r) => r.text);
    expect(reasons.some((t) => t.startsWith('appointment type "New patient consult" (+'))).toBe(true);
    const unnamed = predictNoShow(model, { ...a, appointmentTypeName: null }).reasons.map((r) => r.text);
    expect(unnamed.some((t) => t.startsWith("this appointment type (+"))).toBe(true);
    expect(unnamed.join(" ")).not.toContain("consult");
  });

  it("stays finite when the history has no no-shows at all, or only one appointment", () => {
    const none = syntheticPractice(300, 11, () => false);
    const model = trainNoShowModel(none);
    const p = predictNoShow(model, none[0]!).probability;
    expect(Number.isFinite(p)).toBe(true);
    expect(p).toBeLessThan(0.01);
    expect(model.weights.every(Number.isFinite)).toBe(true);
    const one = trainNoShowModel(syntheticPractice(1, 12, () => true));
    expect(predictNoShow(one, none[1]!).probability).toBeGreaterThan(0.99);
  });

  it("refuses an empty history and mismatched calibration input", () => {
    expect(() => trainNoShowModel([])).toThrow("No past appointments to learn from.");
    expect(() => calibration([0.1], [])).toThrow(/same length/);
    expect(calibration([], [])).toMatchObject({ n: 0, reliability: [] });
  });
});

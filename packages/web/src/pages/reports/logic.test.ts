import { describe, expect, it } from "vitest";
import type { WhatIfRow } from "./api.ts";
import {
  backTestInWords,
  basisInWords,
  bestWhatIfRow,
  brierInWords,
  ciBounds,
  defaultRange,
  formatMin,
  formatRate,
  formatWithCi,
  reliabilityPoints,
  signedPercent,
  sortedWeights,
  whatIfChartData,
  whatIfLabel,
} from "./logic.ts";

function row(over: Partial<WhatIfRow>): WhatIfRow {
  return {
    rule: "individual",
    policy: "next-gap",
    overbook: 0,
    meanWait: 10,
    meanWaitCi: null,
    p90Wait: 20,
    idle: 5,
    overtime: 3,
    ...over,
  };
}

describe("formats", () => {
  it("shows rates as whole percentages and minutes with one decimal, a dash when unknown", () => {
    expect(formatRate(0.125)).toBe("13%");
    expect(formatRate(0)).toBe("0%");
    expect(formatRate(null)).toBe("—");
    expect(formatMin(12.34)).toBe("12.3 min");
    expect(formatMin(null)).toBe("—");
    expect(formatMin(Number.NaN)).toBe("—");
  });
});

describe("confidence intervals", () => {
  it("reads the interval's bounds, none when the server gave none or a bound is not a number", () => {
    expect(ciBounds(10, [8, 12.5])).toEqual([8, 12.5]);
    expect(ciBounds(10, null)).toBeNull();
    expect(ciBounds(10, [Number.NaN, 12])).toBeNull();
  });

  it("writes the mean with its interval", () => {
    expect(formatWithCi(12.34, [10.11, 14.56])).toBe("12.3 min (95% CI 10.1–14.6)");
    expect(formatWithCi(12.34, null)).toBe("12.3 min");
  });

  it("turns the interval into the error bar's distances below and above the mean", () => {
    const [data] = whatIfChartData([row({ meanWait: 10, meanWaitCi: [8, 13] })]);
    expect(data!.meanWaitError).toEqual([2, 3]);
    expect(whatIfChartData([row({ meanWaitCi: null })])[0]!.meanWaitError).toEqual([0, 0]);
  });
});

describe("Brier score in words", () => {
  it("says how much better than always guessing the average rate", () => {
    expect(brierInWords({ brier: 0.12, baselineBrier: 0.15, examples: 500 })).toBe(
      "Brier score 0.120 (0 is perfect; lower is better) against 0.150 for always guessing the practice's overall no-show rate: the model's predictions are 20% better than that guess.",
    );
  });

  it("warns when the model is worse than the guess, and says when it is not trained", () => {
    expect(brierInWords({ brier: 0.2, baselineBrier: 0.15, examples: 10 })).toMatch(
      /33% worse .* do not rely on it/,
    );
    expect(brierInWords({ brier: 0.15, baselineBrier: 0.15, examples: 10 })).toMatch(
      /no better than that guess/,
    );
    expect(brierInWords({ brier: null, baselineBrier: null, examples: 0 })).toMatch(/not been trained/);
  });
});

describe("reliability and weights", () => {
  it("gives decile points in percent, in order, without empty deciles", () => {
    expect(
      reliabilityPoints({
        reliability: [
          { decile: 2, meanPredicted: 0.1234, observedRate: 0.2, n: 40 },
          { decile: 1, meanPredicted: 0.05, observedRate: 0.025, n: 40 },
          { decile: 3, meanPredicted: 0.3, observedRate: 0, n: 0 },
        ],
      }),
    ).toEqual([
      { decile: 1, predicted: 5, observed: 2.5, n: 40 },
      { decile: 2, predicted: 12.3, observed: 20, n: 40 },
    ]);
  });

  it("orders weights by strength whatever their sign", () => {
    expect(
      sortedWeights([
        { feature: "lead time", weight: 0.2 },
        { feature: "prior no-shows", weight: 1.1 },
        { feature: "morning", weight: -0.5 },
      ]).map((w) => w.feature),
    ).toEqual(["prior no-shows", "morning", "lead time"]);
  });
});

describe("what-if", () => {
  it("labels a row by rule, policy and overbooking", () => {
    expect(whatIfLabel(row({}))).toBe("individual · next-gap");
    expect(whatIfLabel(row({ overbook: 1 }))).toBe("individual · next-gap · overbook 1");
    expect(whatIfLabel(row({ overbook: 2 }))).toBe("individual · next-gap · overbook 2");
  });

  it("points at the least mean wait, ties broken by overtime", () => {
    const a = row({ rule: "a", meanWait: 8, overtime: 10 });
    const b = row({ rule: "b", meanWait: 8, overtime: 2 });
    const c = row({ rule: "c", meanWait: 9, overtime: 0 });
    expect(bestWhatIfRow([a, b, c])?.rule).toBe("b");
    expect(bestWhatIfRow([])).toBeNull();
  });
});

describe("defaultRange", () => {
  it("is the 30 days ending yesterday, across a month end and a DST change", () => {
    expect(defaultRange("2026-11-27")).toEqual({ from: "2026-10-28", to: "2026-11-26" });
    expect(defaultRange("2026-03-01")).toEqual({ from: "2026-01-30", to: "2026-02-28" });
  });
});

describe("backTestInWords", () => {
  const bt = { periods: [{}], measuredMeanWait: 4.44, predictedMeanWait: 4.5, tolerance: 0.2 };
  it("says measured against predicted, and warns when a week is off by more than the tolerance", () => {
    expect(backTestInWords({ ...bt, worstRelativeError: 0.16, withinTolerance: true })).toEqual({
      text: "Replaying the practice's own sessions predicts 4.5 min of mean wait; the flow report measured 4.4 min. Every week is within 20% (the worst week off by 16%).",
      warn: false,
    });
    const off = backTestInWords({ ...bt, worstRelativeError: 0.35, withinTolerance: false });
    expect(off.warn).toBe(true);
    expect(off.text).toMatch(
      /off by more than 20% \(the worst week off by 35%\): read the comparison with care/,
    );
    expect(
      backTestInWords({ ...bt, periods: [], worstRelativeError: null, withinTolerance: false }).warn,
    ).toBe(true);
    expect(signedPercent(0.123)).toBe("+12%");
    expect(signedPercent(-0.05)).toBe("−5%");
    expect(signedPercent(null)).toBe("—");
  });
});

describe("basisInWords", () => {
  it("says what the comparison was drawn from", () => {
    expect(
      basisInWords({
        visits: 1234,
        meanServiceMinutes: 18.25,
        cv: 0.456,
        noShowRate: 0.07,
        punctuality: { meanMinutes: -2.5, sdMinutes: 6, lateShare: 0.2, samples: 900 },
        sessionPatients: 12,
        intervalMinutes: 20,
      }),
    ).toBe(
      "Based on 1,234 past visits; each visit takes the practitioner 18.3 min on average (coefficient of variation 0.46); 7% no-shows; patients arrive 2.5 min early on average (20% late); sessions of 12 patients, one every 20 min (the practice's gaps included).",
    );
  });

  it("skips what is missing, and punctuality without samples", () => {
    expect(
      basisInWords({ visits: 3, punctuality: { meanMinutes: 0, sdMinutes: 0, lateShare: 0, samples: 0 } }),
    ).toBe("Based on 3 past visits.");
    expect(basisInWords({})).toBe("");
  });
});

describe("waitCurve", () => {
  it("pairs each patient's mean wait with their appointment time, leaving out patients who never came", async () => {
    const { waitCurve } = await import("./SimulatePanel.tsx");
    expect(waitCurve({ appointmentTimes: [0, 20, 40], waitByPatient: [0, 3.125, null] })).toEqual([
      { minute: 0, patient: 1, wait: 0 },
      { minute: 20, patient: 2, wait: 3.1 },
    ]);
  });
});

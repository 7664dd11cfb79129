// Pure pieces of the reports pages: number formats, confidence intervals, the Brier score in plain words,
// and the shapes the charts draw.
import type { Interval, NoShowModel, WhatIfBasis, WhatIfRow } from "./api.ts";

/** A rate 0..1 as a percentage (`12.5%` → `13%`), or a dash when unknown. */
export function formatRate(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return "—";
  return `${Math.round(rate * 100)}%`;
}

/** Minutes with one decimal (`12.34` → `12.3 min`), or a dash when unknown. */
export function formatMin(minutes: number | null | undefined): string {
  if (minutes === null || minutes === undefined || !Number.isFinite(minutes)) return "—";
  return `${minutes.toFixed(1)} min`;
}

/** A confidence interval's bounds, or null when the server gave none (too few runs). */
export function ciBounds(_mean: number, interval: Interval | null | undefined): [number, number] | null {
  if (interval === null || interval === undefined) return null;
  return Number.isFinite(interval[0]) && Number.isFinite(interval[1]) ? [interval[0], interval[1]] : null;
}

/** `12.3 min (95% CI 10.1–14.6)`. */
export function formatWithCi(mean: number, interval: Interval | null | undefined): string {
  const bounds = ciBounds(mean, interval);
  if (!bounds) return formatMin(mean);
  return `${formatMin(mean)} (95% CI ${bounds[0].toFixed(1)}–${bounds[1].toFixed(1)})`;
}

/**
 * The Brier score against the baseline, in words a manager can read: the baseline always predicts the
 * practice's overall no-show rate, so beating it means the model tells risky visits from safe ones.
 */
export function brierInWords(model: Pick<NoShowModel, "brier" | "baselineBrier" | "examples">): string {
  const { brier, baselineBrier } = model;
  if (brier === null || baselineBrier === null) {
    return "The model has not been trained yet: it needs the practice's past visits and their outcomes.";
  }
  const b = brier.toFixed(3);
  const base = baselineBrier.toFixed(3);
  const head = `Brier score ${b} (0 is perfect; lower is better) against ${base} for always guessing the practice's overall no-show rate`;
  if (baselineBrier <= 0) return `${head}.`;
  const gain = (baselineBrier - brier) / baselineBrier;
  const pct = Math.round(Math.abs(gain) * 100);
  if (gain >= 0.01) return `${head}: the model's predictions are ${pct}% better than that guess.`;
  if (gain > -0.01) return `${head}: the model is no better than that guess yet.`;
  return `${head}: the model is ${pct}% worse than that guess, so do not rely on it until it is retrained on more history.`;
}

/** Reliability bins as chart points (percentages), in decile order; empty bins are left out. */
export function reliabilityPoints(model: Pick<NoShowModel, "reliability">) {
  return [...model.reliability]
    .filter((bin) => bin.n > 0)
    .sort((a, b) => a.decile - b.decile)
    .map((bin) => ({
      decile: bin.decile,
      predicted: round1(bin.meanPredicted * 100),
      observed: round1(bin.observedRate * 100),
      n: bin.n,
    }));
}

/** Weights by how much they move the prediction (largest magnitude first). */
export function sortedWeights(weights: NoShowModel["weights"]): NoShowModel["weights"] {
  return [...weights].sort(
    (a, b) => Math.abs(b.weight) - Math.abs(a.weight) || a.feature.localeCompare(b.feature),
  );
}

/** What one what-if row compares: `bailey-welch · next-gap · overbook`. */
export function whatIfLabel(row: Pick<WhatIfRow, "rule" | "policy" | "overbook">): string {
  const overbook = row.overbook > 0 ? ` · overbook ${row.overbook}` : "";
  return `${row.rule} · ${row.policy}${overbook}`;
}

/** Chart rows: the three figures per rule × policy, with the mean wait's error bar as `[below, above]`. */
export function whatIfChartData(rows: readonly WhatIfRow[]) {
  return rows.map((row) => {
    const bounds = ciBounds(row.meanWait, row.meanWaitCi);
    return {
      label: whatIfLabel(row),
      meanWait: round1(row.meanWait),
      meanWaitError: bounds ? [round1(row.meanWait - bounds[0]), round1(bounds[1] - row.meanWait)] : [0, 0],
      idle: round1(row.idle),
      overtime: round1(row.overtime),
    };
  });
}

/** The row with the least mean wait (ties: least overtime), to point the reader at it. */
export function bestWhatIfRow(rows: readonly WhatIfRow[]): WhatIfRow | null {
  let best: WhatIfRow | null = null;
  for (const row of rows) {
    if (
      !best ||
      row.meanWait < best.meanWait ||
      (row.meanWait === best.meanWait && row.overtime < best.overtime)
    ) {
      best = row;
    }
  }
  return best;
}

/** The default report range: the 30 days ending yesterday (today's visits are not finished). */
export function defaultRange(today: string): { from: string; to: string } {
  const day = (offset: number) =>
    new Date(Date.parse(`${today}T12:00:00Z`) + offset * 86_400_000).toISOString().slice(0, 10);
  return { from: day(-30), to: day(-1) };
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/** The what-if's basis in one sentence (parts the server left out are skipped). */
export function basisInWords(basis: Partial<WhatIfBasis>): string {
  const parts: string[] = [];
  if (basis.visits !== undefined) parts.push(`${basis.visits.toLocaleString("en-US")} past visits`);
  if (basis.meanServiceMinutes !== undefined) {
    const cv = basis.cv !== undefined ? ` (coefficient of variation ${basis.cv.toFixed(2)})` : "";
    const split =
      basis.observedServiceMinutes !== undefined && basis.changeoverMinutes !== undefined
        ? `: ${basis.observedServiceMinutes.toFixed(1)} with the practitioner and ${basis.changeoverMinutes.toFixed(1)} between patients, fitted on ${basis.sessions ?? "the"} sessions`
        : "";
    parts.push(
      `each visit takes the practitioner ${basis.meanServiceMinutes.toFixed(1)} min on average${split}${cv}`,
    );
  }
  if (basis.noShowRate !== undefined) parts.push(`${formatRate(basis.noShowRate)} no-shows`);
  const p = basis.punctuality;
  if (p && p.samples > 0) {
    const when =
      p.meanMinutes >= 0
        ? `${p.meanMinutes.toFixed(1)} min late`
        : `${(-p.meanMinutes).toFixed(1)} min early`;
    parts.push(`patients arrive ${when} on average (${formatRate(p.lateShare)} late)`);
  }
  if (basis.sessionPatients !== undefined && basis.intervalMinutes !== undefined) {
    parts.push(
      `sessions of ${basis.sessionPatients} patients, one every ${basis.intervalMinutes} min (the practice's gaps included)`,
    );
  }
  return parts.length ? `Based on ${parts.join("; ")}.` : "";
}

/** A relative error as a signed percentage (`0.123` → `+12%`, `-0.05` → `−5%`). */
export function signedPercent(x: number | null): string {
  if (x === null) return "—";
  const p = Math.round(x * 100);
  return p > 0 ? `+${p}%` : p < 0 ? `−${-p}%` : "0%";
}

/** The back-test in one sentence, and whether the page should warn (a week missed by more than the tolerance). */
export function backTestInWords(bt: {
  periods: readonly unknown[];
  measuredMeanWait: number;
  predictedMeanWait: number;
  worstRelativeError: number | null;
  tolerance: number;
  withinTolerance: boolean;
}): { text: string; warn: boolean } {
  if (bt.periods.length === 0)
    return {
      text: "No finished sessions with flow times in this range to check the basis against.",
      warn: true,
    };
  const tol = Math.round(bt.tolerance * 100);
  const worst =
    bt.worstRelativeError === null
      ? ""
      : ` (the worst week off by ${Math.round(bt.worstRelativeError * 100)}%)`;
  const head = `Replaying the practice's own sessions predicts ${bt.predictedMeanWait.toFixed(1)} min of mean wait; the flow report measured ${bt.measuredMeanWait.toFixed(1)} min`;
  return bt.withinTolerance
    ? { text: `${head}. Every week is within ${tol}%${worst}.`, warn: false }
    : {
        text: `${head}, but at least one week is off by more than ${tol}%${worst}: read the comparison with care.`,
        warn: true,
      };
}

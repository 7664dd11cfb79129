/**
 * Summaries for the simulator: confidence intervals and percentiles. Every interval is a 95% two-sided
 * Student-t interval (for many runs the t quantile is 1.96, i.e. mean ± 1.96·sd/√n).
 */

/** A 95% confidence interval [low, high], or null when one run cannot give one. */
export type Ci = readonly [number, number] | null;

// t quantiles at 0.975 for 1..30 degrees of freedom.
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** Student t 0.975 quantile for `df` degrees of freedom (table to 30, Cornish–Fisher expansion above). */
export function t975(df: number): number {
  if (df < 1) return Number.NaN;
  if (df <= 30) return T975[Math.floor(df) - 1]!;
  const z = 1.959963984540054;
  const z3 = z * z * z;
  return z + (z3 + z) / (4 * df) + (5 * z3 * z * z + 16 * z3 + 3 * z) / (96 * df * df);
}

/** Mean and 95% t interval of per-run values `xs[0..n)`. */
export function meanCi(xs: Float64Array, n: number): { mean: number; ci: Ci } {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += xs[i]!;
  const mean = sum / n;
  if (n < 2) return { mean, ci: null };
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = xs[i]! - mean;
    ss += d * d;
  }
  const half = (t975(n - 1) * Math.sqrt(ss / (n - 1))) / Math.sqrt(n);
  return { mean, ci: [mean - half, mean + half] };
}

/**
 * Ratio of sums Σy/Σx over runs (e.g. total wait over total patients who showed) with a 95% interval by
 * the delta method: var(R) ≈ Σ(y − R·x)² / ((n−1)·n·x̄²). Runs with x = 0 still count (they add nothing to
 * either sum), which is what "summed over all runs, divided by the number who showed" means.
 */
export function ratioCi(y: Float64Array, x: Float64Array, n: number): { ratio: number; ci: Ci } {
  let sy = 0;
  let sx = 0;
  for (let i = 0; i < n; i++) {
    sy += y[i]!;
    sx += x[i]!;
  }
  if (sx === 0) return { ratio: Number.NaN, ci: null };
  const ratio = sy / sx;
  if (n < 2) return { ratio, ci: null };
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = y[i]! - ratio * x[i]!;
    ss += d * d;
  }
  const xbar = sx / n;
  const half = (t975(n - 1) * Math.sqrt(ss / ((n - 1) * n))) / xbar;
  return { ratio, ci: [ratio - half, ratio + half] };
}

/** Quantile q of sorted values (linear interpolation between order statistics, "type 7"). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * Rearranges a[lo..hi] so that a[k] holds the value it would have if sorted, with nothing larger before
 * it and nothing smaller after. Quickselect with a three-way partition: waits are often exactly 0, and a
 * two-way partition degrades to quadratic time on many equal values.
 */
function select(a: Float64Array, lo: number, hi: number, k: number): void {
  while (hi > lo) {
    const x = a[lo]!;
    const y = a[(lo + hi) >> 1]!;
    const z = a[hi]!;
    const pivot = Math.max(Math.min(x, y), Math.min(Math.max(x, y), z)); // median of three
    let lt = lo;
    let gt = hi;
    let i = lo;
    while (i <= gt) {
      const v = a[i]!;
      if (v < pivot) {
        a[i] = a[lt]!;
        a[lt] = v;
        lt++;
        i++;
      } else if (v > pivot) {
        a[i] = a[gt]!;
        a[gt] = v;
        gt--;
      } else i++;
    }
    if (k < lt) hi = lt - 1;
    else if (k > gt) lo = gt + 1;
    else return;
  }
}

/**
 * The same quantiles as quantileSorted on the sorted values, by selection in O(n) instead of sorting
 * (sorting a million waits cost more than simulating them). Reorders `a`; `qs` ascending.
 */
export function quantilesInPlace(a: Float64Array, qs: readonly number[]): number[] {
  const n = a.length;
  if (n === 0) return qs.map(() => Number.NaN);
  let from = 0;
  return qs.map((q) => {
    const h = (n - 1) * q;
    const k = Math.floor(h);
    select(a, from, n - 1, k);
    from = k;
    if (k + 1 >= n || h === k) return a[k]!;
    // The next order statistic is the smallest value after position k.
    let next = a[k + 1]!;
    for (let i = k + 2; i < n; i++) if (a[i]! < next) next = a[i]!;
    return a[k]! + (h - k) * (next - a[k]!);
  });
}

/** Number of batches of whole runs used for percentile intervals. */
export const BATCHES = 20;

/**
 * Quantiles `qs` within each of min(20, storedRuns) consecutive batches of whole runs (NaN for a batch in
 * which nobody came). Reorders `waits` within each batch only.
 */
export function batchQuantiles(
  waits: Float64Array,
  runOffsets: Int32Array,
  storedRuns: number,
  qs: readonly number[],
): Float64Array[] {
  const batches = Math.min(BATCHES, storedRuns);
  const per = qs.map(() => new Float64Array(batches).fill(Number.NaN));
  for (let b = 0; b < batches; b++) {
    const from = runOffsets[Math.floor((b * storedRuns) / batches)]!;
    const to = runOffsets[Math.floor(((b + 1) * storedRuns) / batches)]!;
    if (to === from) continue;
    quantilesInPlace(waits.subarray(from, to), qs).forEach((v, k) => {
      per[k]![b] = v;
    });
  }
  return per;
}

/** Mean and 95% t interval of the finite values (batches where somebody came). */
export function finiteMeanCi(xs: Float64Array): { mean: number; ci: Ci } {
  const kept = xs.filter((x) => Number.isFinite(x));
  return kept.length === 0 ? { mean: Number.NaN, ci: null } : meanCi(kept, kept.length);
}

/**
 * Pooled quantiles of waits stored run after run, with a 95% interval by batch means: the runs are split
 * into up to 20 consecutive batches, the quantile is computed in each, and the interval is the pooled
 * estimate ± t·sd(batch quantiles)/√batches. Waits of one run are correlated (a late start delays everyone
 * after), so a plain order-statistic interval over all patients would be too narrow; batches of whole runs
 * are independent. Reorders `waits` (within each batch first, so the batches stay whole), copying nothing:
 * a million waits are 8 MB.
 */
export function pooledQuantiles(
  waits: Float64Array,
  runOffsets: Int32Array,
  storedRuns: number,
  qs: readonly number[],
): { value: number; ci: Ci }[] {
  const total = runOffsets[storedRuns]!;
  const per = total > 0 && storedRuns >= 2 ? batchQuantiles(waits, runOffsets, storedRuns, qs) : null;
  const values = quantilesInPlace(waits.subarray(0, total), qs);
  return values.map((value, k) => {
    if (!per) return { value, ci: null };
    const { mean, ci } = finiteMeanCi(per[k]!);
    if (!ci) return { value, ci: null };
    const half = ci[1] - mean;
    return { value, ci: [Math.max(0, value - half), value + half] as const };
  });
}

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { meanCi, pooledQuantiles, quantileSorted, quantilesInPlace, ratioCi, t975 } from "./sim-stats.ts";

describe("simulator statistics", () => {
  it("t quantiles: table values, and 1.96 in the limit", () => {
    expect(t975(1)).toBe(12.706);
    expect(t975(10)).toBe(2.228);
    expect(t975(30)).toBe(2.042);
    expect(t975(60)).toBeCloseTo(2.0003, 3);
    expect(t975(120)).toBeCloseTo(1.9799, 3);
    expect(t975(1e9)).toBeCloseTo(1.96, 3);
  });

  it("mean ± t·sd/√n", () => {
    const xs = Float64Array.from([1, 2, 3, 4, 5]);
    const { mean, ci } = meanCi(xs, 5);
    expect(mean).toBe(3);
    const half = (2.776 * Math.sqrt(2.5)) / Math.sqrt(5);
    expect(ci![0]).toBeCloseTo(3 - half, 12);
    expect(ci![1]).toBeCloseTo(3 + half, 12);
    expect(meanCi(xs, 1).ci).toBeNull();
  });

  it("ratio of sums with a delta-method interval", () => {
    const y = Float64Array.from([10, 0, 30]);
    const x = Float64Array.from([2, 0, 4]);
    const { ratio, ci } = ratioCi(y, x, 3);
    expect(ratio).toBe(40 / 6);
    // residuals y − R·x: 10 − 13.33, 0, 30 − 26.67; x̄ = 2.
    const r = [10 - (40 / 6) * 2, 0, 30 - (40 / 6) * 4];
    const half = (4.303 * Math.sqrt(r.reduce((a, b) => a + b * b, 0) / (2 * 3))) / 2;
    expect(ci![1] - ratio).toBeCloseTo(half, 12);
    expect(ratioCi(Float64Array.from([0]), Float64Array.from([0]), 1).ratio).toBeNaN();
  });

  it("quantiles interpolate between order statistics", () => {
    expect(quantileSorted([0, 10], 0.5)).toBe(5);
    expect(quantileSorted([1, 2, 3, 4, 5], 0.9)).toBeCloseTo(4.6, 12);
    expect(quantileSorted([], 0.5)).toBeNaN();
  });

  it("pooled quantiles with batch intervals over whole runs", () => {
    // 40 runs of 3 waits each: 0, 1, 2 (+ run index / 100).
    const waits = new Float64Array(120);
    const offsets = new Int32Array(41);
    for (let r = 0; r < 40; r++) {
      for (let k = 0; k < 3; k++) waits[3 * r + k] = k + r / 100;
      offsets[r + 1] = 3 * (r + 1);
    }
    const [median] = pooledQuantiles(waits, offsets, 40, [0.5]);
    expect(median!.value).toBeCloseTo(1.195, 9);
    expect(median!.ci![0]).toBeLessThan(median!.value);
    expect(median!.ci![1]).toBeGreaterThan(median!.value);
    expect(pooledQuantiles(waits, offsets, 1, [0.5])[0]!.ci).toBeNull();
  });
});

describe("quantiles by selection", () => {
  it("equal those of the sorted values, with many ties and any order", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.constant(0),
            fc.integer({ min: 0, max: 5 }),
            fc.double({ min: 0, max: 100, noNaN: true }),
          ),
          {
            minLength: 1,
            maxLength: 300,
          },
        ),
        (xs) => {
          const qs = [0, 0.5, 0.9, 0.95, 1];
          const sorted = [...xs].sort((a, b) => a - b);
          const got = quantilesInPlace(Float64Array.from(xs), qs);
          qs.forEach((q, k) => {
            expect(got[k]).toBeCloseTo(quantileSorted(sorted, q), 9);
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});

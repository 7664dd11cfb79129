import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  clipIntervals,
  coveredAtLeast,
  intersectIntervals,
  intervalContains,
  intervalsOverlap,
  mergeIntervals,
  normalizedContains,
  normalizedOverlaps,
  subtractIntervals,
  type TimeInterval,
  totalIntervalMs,
} from "./intervals.ts";

const iv = (start: number, end: number): TimeInterval => ({ start, end });

// Small integer endpoints make collisions (touching, equal, nested) frequent, which is where bugs live.
const arbInterval = fc
  .tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 20 }))
  .map(([s, len]) => iv(s, s + len));
const arbList = fc.array(arbInterval, { maxLength: 12 });

/** The set of integer instants covered, as a brute-force oracle. */
function points(list: readonly TimeInterval[]): Set<number> {
  const out = new Set<number>();
  for (const i of list) for (let t = i.start; t < i.end; t++) out.add(t);
  return out;
}
const sortedPoints = (list: readonly TimeInterval[]) => [...points(list)].sort((a, b) => a - b);

function isNormalized(list: readonly TimeInterval[]): boolean {
  return list.every((i, k) => i.start < i.end && (k === 0 || list[k - 1]!.end < i.start));
}

describe("mergeIntervals", () => {
  it("merges overlapping and touching intervals, drops empty and inverted ones", () => {
    expect(mergeIntervals([iv(5, 7), iv(1, 2), iv(2, 3), iv(6, 9), iv(4, 4), iv(12, 10)])).toEqual([
      iv(1, 3),
      iv(5, 9),
    ]);
  });

  it("does not alias its input", () => {
    const input = [iv(1, 2), iv(2, 3)];
    const out = mergeIntervals(input);
    out[0]!.end = 99;
    expect(input).toEqual([iv(1, 2), iv(2, 3)]);
  });

  it("is idempotent, sorted, disjoint and covers the same instants", () => {
    fc.assert(
      fc.property(arbList, (list) => {
        const m = mergeIntervals(list);
        expect(isNormalized(m)).toBe(true);
        expect(mergeIntervals(m)).toEqual(m);
        expect(sortedPoints(m)).toEqual(sortedPoints(list));
      }),
    );
  });
});

describe("intersect and subtract", () => {
  it("subtracts a hole from the middle and trims the edges", () => {
    expect(subtractIntervals([iv(0, 10)], [iv(3, 5), iv(-1, 1), iv(9, 20)])).toEqual([iv(1, 3), iv(5, 9)]);
    expect(subtractIntervals([iv(0, 10), iv(20, 30)], [iv(5, 25)])).toEqual([iv(0, 5), iv(25, 30)]);
    expect(subtractIntervals([iv(0, 10)], [])).toEqual([iv(0, 10)]);
    expect(subtractIntervals([], [iv(0, 10)])).toEqual([]);
  });

  it("intersects lists piece by piece", () => {
    expect(intersectIntervals([iv(0, 10), iv(20, 30)], [iv(5, 25), iv(28, 40)])).toEqual([
      iv(5, 10),
      iv(20, 25),
      iv(28, 30),
    ]);
    expect(intersectIntervals([iv(0, 2)], [iv(2, 4)])).toEqual([]);
  });

  it("match the set operations on instants", () => {
    fc.assert(
      fc.property(arbList, arbList, (a, b) => {
        const pa = points(a);
        const pb = points(b);
        const inter = intersectIntervals(a, b);
        const diff = subtractIntervals(a, b);
        expect(isNormalized(inter)).toBe(true);
        expect(isNormalized(diff)).toBe(true);
        expect(sortedPoints(inter)).toEqual([...pa].filter((t) => pb.has(t)).sort((x, y) => x - y));
        expect(sortedPoints(diff)).toEqual([...pa].filter((t) => !pb.has(t)).sort((x, y) => x - y));
      }),
    );
  });

  it("subtract(a, b) misses b entirely, and with a ∩ b rebuilds a", () => {
    fc.assert(
      fc.property(arbList, arbList, (a, b) => {
        const diff = subtractIntervals(a, b);
        expect(intersectIntervals(diff, b)).toEqual([]);
        expect(mergeIntervals([...diff, ...intersectIntervals(a, b)])).toEqual(mergeIntervals(a));
      }),
    );
  });

  it("clips to a range", () => {
    expect(clipIntervals([iv(0, 10), iv(15, 30)], iv(5, 20))).toEqual([iv(5, 10), iv(15, 20)]);
  });
});

describe("overlap and containment", () => {
  it("treats adjacent intervals as not overlapping", () => {
    expect(intervalsOverlap(iv(1, 2), iv(2, 3))).toBe(false);
    expect(intervalsOverlap(iv(2, 3), iv(1, 2))).toBe(false);
    expect(intervalsOverlap(iv(1, 3), iv(2, 4))).toBe(true);
    expect(intervalsOverlap(iv(1, 10), iv(4, 5))).toBe(true);
  });

  it("never lets an empty interval overlap or be contained", () => {
    expect(intervalsOverlap(iv(5, 5), iv(0, 10))).toBe(false);
    expect(intervalContains(iv(0, 10), iv(5, 5))).toBe(false);
    expect(intervalContains(iv(0, 10), iv(0, 10))).toBe(true);
    expect(intervalContains(iv(0, 10), iv(9, 11))).toBe(false);
  });

  it("agree with the instant sets", () => {
    fc.assert(
      fc.property(arbInterval, arbInterval, (a, b) => {
        const pb = points([b]);
        expect(intervalsOverlap(a, b)).toBe([...points([a])].some((t) => pb.has(t)));
      }),
    );
  });

  it("binary-search lookups agree with a linear scan", () => {
    fc.assert(
      fc.property(arbList, arbInterval, (list, span) => {
        const sorted = mergeIntervals(list);
        expect(normalizedOverlaps(sorted, span)).toBe(sorted.some((i) => intervalsOverlap(i, span)));
        expect(normalizedContains(sorted, span)).toBe(sorted.some((i) => intervalContains(i, span)));
      }),
    );
  });
});

describe("totalIntervalMs", () => {
  it("counts overlapping parts once", () => {
    expect(totalIntervalMs([iv(0, 10), iv(5, 15), iv(20, 21)])).toBe(16);
    expect(totalIntervalMs([])).toBe(0);
  });
});

describe("coveredAtLeast", () => {
  it("finds where bookings stack", () => {
    const list = [iv(0, 10), iv(5, 15), iv(8, 12), iv(15, 20)];
    expect(coveredAtLeast(list, 1)).toEqual([iv(0, 20)]);
    expect(coveredAtLeast(list, 2)).toEqual([iv(5, 12)]);
    expect(coveredAtLeast(list, 3)).toEqual([iv(8, 10)]);
    expect(coveredAtLeast(list, 4)).toEqual([]);
  });

  it("does not stack touching intervals", () => {
    expect(coveredAtLeast([iv(0, 5), iv(5, 10)], 2)).toEqual([]);
  });

  it("refuses a depth below one", () => {
    expect(() => coveredAtLeast([], 0)).toThrow(RangeError);
  });

  it("matches a per-instant count", () => {
    fc.assert(
      fc.property(arbList, fc.integer({ min: 1, max: 4 }), (list, depth) => {
        const expected: number[] = [];
        for (let t = 0; t < 100; t++) {
          if (list.filter((i) => i.start <= t && t < i.end).length >= depth) expected.push(t);
        }
        expect(sortedPoints(coveredAtLeast(list, depth))).toEqual(expected);
      }),
    );
  });
});

/**
 * Half-open time intervals `[start, end)` in epoch milliseconds, and the small algebra scheduling is built
 * on. Half-open so that back-to-back visits (9:00–9:30 and 9:30–10:00) touch without overlapping.
 * Functions that take lists accept them unsorted and overlapping; every list they return is normalized:
 * sorted by start, disjoint, non-adjacent, without empty intervals.
 */

/** A half-open interval `[start, end)` of instants in epoch milliseconds. */
export interface TimeInterval {
  start: number;
  end: number;
}

/** True when the interval holds at least one instant (`start < end`, both finite). */
export function isNonEmptyInterval(i: TimeInterval): boolean {
  return Number.isFinite(i.start) && Number.isFinite(i.end) && i.start < i.end;
}

/** Sorts, drops empty intervals and merges overlapping or touching ones into a normalized list. */
export function mergeIntervals(list: readonly TimeInterval[]): TimeInterval[] {
  // Empty or inverted input (end <= start) is dropped, so a typo cannot become a huge negative span.
  const sorted = list.filter(isNonEmptyInterval).sort((a, b) => a.start - b.start || a.end - b.end);
  const out: TimeInterval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    // `<=` merges touching intervals too, so [1,2) and [2,3) become [1,3): normalized lists stay unique.
    if (last && i.start <= last.end) last.end = Math.max(last.end, i.end);
    else out.push({ start: i.start, end: i.end });
  }
  return out;
}

/** The instants that lie in both lists. */
export function intersectIntervals(a: readonly TimeInterval[], b: readonly TimeInterval[]): TimeInterval[] {
  const x = mergeIntervals(a);
  const y = mergeIntervals(b);
  const out: TimeInterval[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    const p = x[i]!;
    const q = y[j]!;
    const start = Math.max(p.start, q.start);
    const end = Math.min(p.end, q.end);
    if (start < end) out.push({ start, end });
    // Advance whichever ends first; the other may still meet the next interval.
    if (p.end < q.end) i++;
    else j++;
  }
  return out;
}

/** The instants of `a` that are not in `b`. */
export function subtractIntervals(a: readonly TimeInterval[], b: readonly TimeInterval[]): TimeInterval[] {
  const x = mergeIntervals(a);
  const y = mergeIntervals(b);
  const out: TimeInterval[] = [];
  let j = 0;
  for (const p of x) {
    let cursor = p.start;
    // Skip cuts that end before this piece starts; they cannot touch later pieces either (both sorted).
    while (j < y.length && y[j]!.end <= cursor) j++;
    let k = j;
    while (k < y.length && y[k]!.start < p.end) {
      const q = y[k]!;
      if (q.start > cursor) out.push({ start: cursor, end: q.start });
      cursor = Math.max(cursor, q.end);
      k++;
    }
    if (cursor < p.end) out.push({ start: cursor, end: p.end });
  }
  return out;
}

/** True when the two intervals share at least one instant (touching intervals do not overlap). */
export function intervalsOverlap(a: TimeInterval, b: TimeInterval): boolean {
  return a.start < b.end && b.start < a.end && isNonEmptyInterval(a) && isNonEmptyInterval(b);
}

/** True when `inner` lies wholly inside `outer` (an empty `inner` is never contained, so it never books). */
export function intervalContains(outer: TimeInterval, inner: TimeInterval): boolean {
  return isNonEmptyInterval(inner) && outer.start <= inner.start && inner.end <= outer.end;
}

/** Total milliseconds covered by the list, counting overlapping parts once. */
export function totalIntervalMs(list: readonly TimeInterval[]): number {
  return mergeIntervals(list).reduce((sum, i) => sum + (i.end - i.start), 0);
}

/** Restricts every interval of the list to `range`. */
export function clipIntervals(list: readonly TimeInterval[], range: TimeInterval): TimeInterval[] {
  return intersectIntervals(list, [range]);
}

/**
 * The instants covered by at least `depth` intervals of the list (depth 1 = the merged union). Used for
 * overbooking: with a policy of two patients at once, a practitioner is full only where two bookings
 * already overlap.
 */
export function coveredAtLeast(list: readonly TimeInterval[], depth: number): TimeInterval[] {
  if (!Number.isInteger(depth) || depth < 1) throw new RangeError("depth must be a positive integer");
  const events: Array<[number, number]> = [];
  for (const i of list) {
    if (!isNonEmptyInterval(i)) continue;
    events.push([i.start, 1], [i.end, -1]);
  }
  // Ends before starts at the same instant: touching bookings never count as stacked.
  events.sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  const out: TimeInterval[] = [];
  let level = 0;
  let openedAt = 0;
  for (const [at, delta] of events) {
    const before = level;
    level += delta;
    if (before < depth && level >= depth) openedAt = at;
    else if (before >= depth && level < depth && openedAt < at) out.push({ start: openedAt, end: at });
  }
  return mergeIntervals(out);
}

/**
 * Index of the first interval of a normalized list whose end is after `t` (list.length if none): the
 * only interval that can contain `t` or start after it. Binary search, so slot finding over months of
 * bookings stays fast.
 */
export function firstEndingAfter(sorted: readonly TimeInterval[], t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]!.end <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** True when `[start, end)` lies inside one interval of a normalized list. */
export function normalizedContains(sorted: readonly TimeInterval[], span: TimeInterval): boolean {
  const i = sorted[firstEndingAfter(sorted, span.start)];
  return i !== undefined && intervalContains(i, span);
}

/** True when `[start, end)` shares an instant with some interval of a normalized list. */
export function normalizedOverlaps(sorted: readonly TimeInterval[], span: TimeInterval): boolean {
  if (!isNonEmptyInterval(span)) return false;
  const i = sorted[firstEndingAfter(sorted, span.start)];
  return i !== undefined && i.start < span.end;
}

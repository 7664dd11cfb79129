// Pure pieces of the calendar: where blocks go in a column, which local minutes are open, and how a
// pointer position becomes a time and a column. All times here are wall-clock minutes of one local day.
import type {
  BlockView as AvailabilityBlock,
  ExceptionView as AvailabilityException,
  TemplateView as AvailabilityTemplate,
} from "@salus/server/scheduling/schemas";
import { dayBounds, isoWeekday, parseWallTime, zonedParts } from "../../lib/zoned.ts";

export interface Interval {
  start: number;
  end: number;
}

export interface Placed {
  /** 0-based lane of the block inside its group of overlapping blocks. */
  lane: number;
  /** How many lanes that group needs (the block's width is 1/lanes of the column). */
  lanes: number;
}

/**
 * Side-by-side layout of the blocks of one column: blocks that overlap (an overbooked practitioner, or a
 * room view) share the width; a block takes the first free lane, and every block of an overlapping group
 * gets the same lane count.
 */
export function layoutLanes<T extends { id: string; start: number; end: number }>(
  items: readonly T[],
): Map<string, Placed> {
  const sorted = [...items].sort((a, b) => a.start - b.start || b.end - a.end || a.id.localeCompare(b.id));
  const out = new Map<string, Placed>();
  let group: { id: string; lane: number }[] = [];
  let laneEnds: number[] = [];
  let groupEnd = Number.NEGATIVE_INFINITY;
  const flush = () => {
    for (const g of group) out.set(g.id, { lane: g.lane, lanes: laneEnds.length });
    group = [];
    laneEnds = [];
  };
  for (const item of sorted) {
    if (item.start >= groupEnd) {
      flush();
      groupEnd = Number.NEGATIVE_INFINITY;
    }
    let lane = laneEnds.findIndex((end) => end <= item.start);
    if (lane === -1) {
      lane = laneEnds.length;
      laneEnds.push(item.end);
    } else {
      laneEnds[lane] = item.end;
    }
    group.push({ id: item.id, lane });
    groupEnd = Math.max(groupEnd, item.end);
  }
  flush();
  return out;
}

/** Sorted, merged intervals. */
export function normalize(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals.filter((i) => i.end > i.start).sort((a, b) => a.start - b.start);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i.start <= last.end) last.end = Math.max(last.end, i.end);
    else out.push({ ...i });
  }
  return out;
}

/** `a` minus every interval of `b`. */
export function subtract(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  let current = normalize(a);
  for (const cut of b) {
    current = current.flatMap((i) => {
      if (cut.end <= i.start || cut.start >= i.end) return [i];
      const parts: Interval[] = [];
      if (cut.start > i.start) parts.push({ start: i.start, end: cut.start });
      if (cut.end < i.end) parts.push({ start: cut.end, end: i.end });
      return parts;
    });
  }
  return current;
}

/** An instant range clipped to a local day, as local minutes (handles ranges that start or end on other days). */
export function instantRangeToMinutes(
  start: number,
  end: number,
  date: string,
  timeZone: string,
): Interval | null {
  const day = dayBounds(date, timeZone);
  const s = Math.max(start, day.start);
  const e = Math.min(end, day.end);
  if (e <= s) return null;
  const sp = zonedParts(s, timeZone);
  const ep = zonedParts(e, timeZone);
  return { start: sp.minutes, end: ep.date === date ? ep.minutes : 24 * 60 };
}

export interface OpenTimeInput {
  date: string;
  timeZone: string;
  locationId: string;
  resourceKind: "practitioner" | "room";
  resourceId: string;
  templates: readonly AvailabilityTemplate[];
  exceptions: readonly AvailabilityException[];
  blocks: readonly AvailabilityBlock[];
}

/**
 * The local minutes a resource is open on a date: its weekly windows in effect that day, plus extra
 * hours, minus days off and location closures, minus blocked time.
 */
export function openTime(input: OpenTimeInput): Interval[] {
  const { date, locationId, resourceId } = input;
  const weekday = isoWeekday(date);
  const windows = input.templates
    .filter(
      (t) =>
        t.resourceId === resourceId &&
        t.locationId === locationId &&
        t.weekday === weekday &&
        t.effectiveFrom <= date &&
        (t.effectiveTo === null || t.effectiveTo >= date),
    )
    .map((t) => ({ start: parseWallTime(t.start), end: parseWallTime(t.end) }));
  const wholeDay = { start: 0, end: 24 * 60 };
  const window = (e: AvailabilityException): Interval =>
    e.start && e.end ? { start: parseWallTime(e.start), end: parseWallTime(e.end) } : wholeDay;
  const todays = input.exceptions.filter((e) => e.date === date && e.locationId === locationId);
  for (const e of todays) if (e.kind === "extra" && e.resourceId === resourceId) windows.push(window(e));
  const closed = todays
    .filter(
      (e) =>
        (e.kind === "closure" && (e.resourceId === null || e.resourceId === resourceId)) ||
        (e.kind === "unavailable" && e.resourceId === resourceId),
    )
    .map(window);
  const blocked = input.blocks
    .filter((b) => b.resourceId === resourceId)
    .map((b) => instantRangeToMinutes(Date.parse(b.start), Date.parse(b.end), date, input.timeZone))
    .filter((i): i is Interval => i !== null);
  return subtract(normalize(windows), [...closed, ...blocked]);
}

export interface GridMetrics {
  /** First minute shown (local). */
  startMinute: number;
  /** Last minute shown. */
  endMinute: number;
  pxPerMinute: number;
  /** Snap for dragging and clicking, in minutes. */
  step: number;
}

/** A vertical offset inside a column → the local minute it stands for, snapped to the grid step. */
export function offsetToMinutes(offsetY: number, m: GridMetrics, durationMinutes = 0): number {
  const raw = m.startMinute + offsetY / m.pxPerMinute;
  const snapped = Math.round(raw / m.step) * m.step;
  const latest = Math.max(m.startMinute, m.endMinute - durationMinutes);
  return Math.min(Math.max(snapped, m.startMinute), latest);
}

/** A local minute → its vertical offset in a column. */
export function minutesToOffset(minutes: number, m: GridMetrics): number {
  return (minutes - m.startMinute) * m.pxPerMinute;
}

/** Which column a horizontal position falls in (null outside), given each column's left edge and width. */
export function columnAt(x: number, columns: readonly { left: number; width: number }[]): number | null {
  const index = columns.findIndex((c) => x >= c.left && x < c.left + c.width);
  return index === -1 ? null : index;
}

/**
 * Where a block dragged by (dx, dy) pixels lands: its new start minute snapped to the step, and the
 * column under the pointer. Null when dropped outside every column or where it started.
 */
export function dropTarget(args: {
  startMinute: number;
  durationMinutes: number;
  dy: number;
  pointerX: number;
  fromColumn: number;
  columns: readonly { left: number; width: number }[];
  metrics: GridMetrics;
}): { column: number; minutes: number } | null {
  const column = columnAt(args.pointerX, args.columns);
  if (column === null) return null;
  const offset = minutesToOffset(args.startMinute, args.metrics) + args.dy;
  const minutes = offsetToMinutes(offset, args.metrics, args.durationMinutes);
  if (column === args.fromColumn && minutes === args.startMinute) return null;
  return { column, minutes };
}

/** The hours to show: the open and booked time of every column, widened to whole hours (7–19 when empty). */
export function visibleRange(intervals: readonly Interval[]): { startMinute: number; endMinute: number } {
  if (intervals.length === 0) return { startMinute: 7 * 60, endMinute: 19 * 60 };
  const start = Math.min(...intervals.map((i) => i.start));
  const end = Math.max(...intervals.map((i) => i.end));
  return {
    startMinute: Math.max(0, Math.floor(start / 60) * 60),
    endMinute: Math.min(24 * 60, Math.ceil(end / 60) * 60),
  };
}

/** Keyboard moves between appointment blocks: up/down within a column, left/right to the nearest in the next column. */
export function nextFocus(
  columns: readonly (readonly { id: string; start: number }[])[],
  current: string,
  key: "ArrowUp" | "ArrowDown" | "ArrowLeft" | "ArrowRight",
): string | null {
  const sorted = columns.map((c) => [...c].sort((a, b) => a.start - b.start || a.id.localeCompare(b.id)));
  const col = sorted.findIndex((c) => c.some((b) => b.id === current));
  if (col === -1) return null;
  const column = sorted[col]!;
  const index = column.findIndex((b) => b.id === current);
  if (key === "ArrowUp") return column[index - 1]?.id ?? null;
  if (key === "ArrowDown") return column[index + 1]?.id ?? null;
  const start = column[index]!.start;
  const step = key === "ArrowLeft" ? -1 : 1;
  for (let c = col + step; c >= 0 && c < sorted.length; c += step) {
    const candidates = sorted[c]!;
    if (candidates.length === 0) continue;
    let best = candidates[0]!;
    for (const b of candidates) if (Math.abs(b.start - start) < Math.abs(best.start - start)) best = b;
    return best.id;
  }
  return null;
}

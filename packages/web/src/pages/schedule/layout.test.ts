import type {
  BlockView as AvailabilityBlock,
  ExceptionView as AvailabilityException,
  TemplateView as AvailabilityTemplate,
} from "@salus/server/scheduling/schemas";
import { describe, expect, it } from "vitest";
import {
  columnAt,
  dropTarget,
  type GridMetrics,
  instantRangeToMinutes,
  layoutLanes,
  nextFocus,
  offsetToMinutes,
  openTime,
  subtract,
  visibleRange,
} from "./layout.ts";

const CHI = "America/Chicago";

describe("layoutLanes: blocks into columns", () => {
  it("gives non-overlapping blocks the full width", () => {
    const lanes = layoutLanes([
      { id: "a", start: 540, end: 560 },
      { id: "b", start: 560, end: 580 },
    ]);
    expect(lanes.get("a")).toEqual({ lane: 0, lanes: 1 });
    expect(lanes.get("b")).toEqual({ lane: 0, lanes: 1 });
  });

  it("puts overlapping (overbooked) blocks side by side and reuses a freed lane", () => {
    const lanes = layoutLanes([
      { id: "a", start: 540, end: 600 },
      { id: "b", start: 550, end: 570 },
      { id: "c", start: 575, end: 590 },
      { id: "d", start: 620, end: 640 },
    ]);
    expect(lanes.get("a")).toEqual({ lane: 0, lanes: 2 });
    expect(lanes.get("b")).toEqual({ lane: 1, lanes: 2 });
    expect(lanes.get("c")).toEqual({ lane: 1, lanes: 2 });
    expect(lanes.get("d")).toEqual({ lane: 0, lanes: 1 });
  });

  it("uses three lanes when three overlap", () => {
    const lanes = layoutLanes([
      { id: "a", start: 0, end: 30 },
      { id: "b", start: 0, end: 30 },
      { id: "c", start: 10, end: 20 },
    ]);
    expect([...lanes.values()].map((p) => p.lanes)).toEqual([3, 3, 3]);
    expect(new Set([...lanes.values()].map((p) => p.lane)).size).toBe(3);
  });
});

describe("drag-to-time conversion", () => {
  const m: GridMetrics = { startMinute: 7 * 60, endMinute: 19 * 60, pxPerMinute: 1.4, step: 5 };

  it("turns an offset into a local minute snapped to the step, inside the grid", () => {
    expect(offsetToMinutes(0, m)).toBe(420);
    expect(offsetToMinutes(60 * 1.4, m)).toBe(480);
    expect(offsetToMinutes(63 * 1.4, m)).toBe(485);
    expect(offsetToMinutes(-50, m)).toBe(420);
    expect(offsetToMinutes(99_999, m, 30)).toBe(19 * 60 - 30);
  });

  it("finds the column under the pointer", () => {
    const cols = [
      { left: 64, width: 100 },
      { left: 164, width: 100 },
    ];
    expect(columnAt(10, cols)).toBeNull();
    expect(columnAt(64, cols)).toBe(0);
    expect(columnAt(200, cols)).toBe(1);
    expect(columnAt(264, cols)).toBeNull();
  });

  it("moves a block by the dragged distance, to the column under the pointer", () => {
    const columns = [
      { left: 0, width: 100 },
      { left: 100, width: 100 },
    ];
    const base = { startMinute: 540, durationMinutes: 20, fromColumn: 0, columns, metrics: m };
    expect(dropTarget({ ...base, dy: 30 * 1.4, pointerX: 50 })).toEqual({ column: 0, minutes: 570 });
    expect(dropTarget({ ...base, dy: -12 * 1.4, pointerX: 150 })).toEqual({ column: 1, minutes: 530 });
    // Back where it started, or outside every column: nothing to do.
    expect(dropTarget({ ...base, dy: 1, pointerX: 50 })).toBeNull();
    expect(dropTarget({ ...base, dy: 100, pointerX: 500 })).toBeNull();
  });
});

describe("availability shading", () => {
  const template = (over: Partial<AvailabilityTemplate>): AvailabilityTemplate => ({
    id: "t",
    resourceKind: "practitioner",
    resourceId: "p1",
    locationId: "L",
    weekday: 5,
    start: "08:00",
    end: "12:00",
    effectiveFrom: "2026-01-01",
    effectiveTo: null,
    ...over,
  });
  const base = { timeZone: CHI, locationId: "L", resourceKind: "practitioner" as const, resourceId: "p1" };

  it("opens the weekly windows in effect that weekday", () => {
    const templates = [
      template({}),
      template({ id: "t2", start: "13:00", end: "17:00" }),
      template({ id: "t3", weekday: 4 }),
      template({ id: "t4", resourceId: "p2" }),
      template({ id: "t5", effectiveTo: "2026-11-01", start: "18:00", end: "20:00" }),
    ];
    expect(openTime({ ...base, date: "2026-11-27", templates, exceptions: [], blocks: [] })).toEqual([
      { start: 480, end: 720 },
      { start: 780, end: 1020 },
    ]);
  });

  it("closes for a holiday, a day off and blocked time; adds extra hours", () => {
    const templates = [template({})];
    const exception = (over: Partial<AvailabilityException>): AvailabilityException => ({
      id: "e",
      kind: "closure",
      resourceKind: null,
      resourceId: null,
      locationId: "L",
      date: "2026-11-27",
      start: null,
      end: null,
      reason: null,
      ...over,
    });
    expect(
      openTime({ ...base, date: "2026-11-27", templates, exceptions: [exception({})], blocks: [] }),
    ).toEqual([]);
    const extra = exception({
      kind: "extra",
      resourceKind: "practitioner",
      resourceId: "p1",
      start: "17:00",
      end: "19:00",
    });
    const off = exception({
      kind: "unavailable",
      resourceKind: "practitioner",
      resourceId: "p1",
      start: "08:00",
      end: "09:00",
    });
    const block: AvailabilityBlock = {
      id: "b",
      resourceKind: "practitioner",
      resourceId: "p1",
      start: "2026-11-27T16:00:00Z", // 10:00 CST
      end: "2026-11-27T16:30:00Z",
      reason: "meeting",
    };
    expect(
      openTime({ ...base, date: "2026-11-27", templates, exceptions: [extra, off], blocks: [block] }),
    ).toEqual([
      { start: 540, end: 600 },
      { start: 630, end: 720 },
      { start: 1020, end: 1140 },
    ]);
  });

  it("subtracts intervals", () => {
    expect(
      subtract(
        [{ start: 0, end: 100 }],
        [
          { start: 20, end: 30 },
          { start: 90, end: 200 },
        ],
      ),
    ).toEqual([
      { start: 0, end: 20 },
      { start: 30, end: 90 },
    ]);
  });

  it("clips an instant range to the local day", () => {
    expect(
      instantRangeToMinutes(
        Date.parse("2026-11-27T15:00:00Z"),
        Date.parse("2026-11-27T15:20:00Z"),
        "2026-11-27",
        CHI,
      ),
    ).toEqual({
      start: 540,
      end: 560,
    });
    expect(
      instantRangeToMinutes(
        Date.parse("2026-11-28T05:00:00Z"),
        Date.parse("2026-11-28T07:00:00Z"),
        "2026-11-27",
        CHI,
      ),
    ).toEqual({
      start: 23 * 60,
      end: 24 * 60,
    });
    expect(
      instantRangeToMinutes(
        Date.parse("2026-11-26T15:00:00Z"),
        Date.parse("2026-11-26T16:00:00Z"),
        "2026-11-27",
        CHI,
      ),
    ).toBeNull();
  });

  it("shows whole hours around the open and booked time", () => {
    expect(visibleRange([])).toEqual({ startMinute: 420, endMinute: 1140 });
    expect(
      visibleRange([
        { start: 490, end: 700 },
        { start: 800, end: 1001 },
      ]),
    ).toEqual({ startMinute: 480, endMinute: 1020 });
  });
});

describe("keyboard moves between blocks", () => {
  const columns = [
    [
      { id: "a1", start: 540 },
      { id: "a2", start: 600 },
    ],
    [],
    [
      { id: "c1", start: 480 },
      { id: "c2", start: 590 },
    ],
  ];
  it("goes up and down a column and across to the nearest start, skipping empty columns", () => {
    expect(nextFocus(columns, "a1", "ArrowDown")).toBe("a2");
    expect(nextFocus(columns, "a2", "ArrowDown")).toBeNull();
    expect(nextFocus(columns, "a2", "ArrowUp")).toBe("a1");
    expect(nextFocus(columns, "a2", "ArrowRight")).toBe("c2");
    expect(nextFocus(columns, "c1", "ArrowLeft")).toBe("a1");
    expect(nextFocus(columns, "a1", "ArrowLeft")).toBeNull();
  });
});

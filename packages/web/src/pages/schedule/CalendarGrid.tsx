import { Badge, Text, UnstyledButton } from "@mantine/core";
import type { AppointmentView as Appointment } from "@salus/server/scheduling/schemas";
import { type KeyboardEvent, type PointerEvent, useEffect, useRef, useState } from "react";
import { formatRange, wallTimeLabel, zoneAbbreviation, zonedParts } from "../../lib/zoned.ts";
import {
  dropTarget,
  type GridMetrics,
  type Interval,
  instantRangeToMinutes,
  layoutLanes,
  minutesToOffset,
  nextFocus,
} from "./layout.ts";
import { isMovable, type ScheduleRefs, STATUS_COLOR, STATUS_LABEL } from "./shared.ts";

export interface CalendarColumn {
  key: string;
  label: string;
  sublabel?: string | undefined;
  date: string;
  /** The practitioner a click on open time books with (practitioner columns and the week view). */
  practitionerId: string | null;
  /** The room a drop into this column moves to (room columns). */
  roomId?: string | null | undefined;
  open: Interval[];
  appointments: Appointment[];
}

export interface MoveTarget {
  column: CalendarColumn;
  minutes: number;
}

interface Drag {
  id: string;
  pointerId: number;
  x0: number;
  y0: number;
  dx: number;
  dy: number;
  moved: boolean;
}

const DRAG_THRESHOLD = 5;

/**
 * The calendar body: a time gutter and one column per practitioner, room or day. Open time is white,
 * closed time hatched grey; appointments are buttons (Tab and the arrow keys move between them, Enter
 * opens one); a booked block can be dragged to another time or column.
 */
export function CalendarGrid({
  columns,
  refs,
  metrics,
  now,
  canWrite,
  onOpen,
  onBookAt,
  onMove,
}: {
  columns: CalendarColumn[];
  refs: ScheduleRefs;
  metrics: GridMetrics;
  now: number;
  canWrite: boolean;
  onOpen: (appointment: Appointment) => void;
  onBookAt: (column: CalendarColumn, minutes: number) => void;
  onMove: (appointment: Appointment, target: MoveTarget) => Promise<boolean>;
}) {
  const gridRef = useRef<HTMLDivElement>(null);
  const columnRefs = useRef<(HTMLDivElement | null)[]>([]);
  const [drag, setDrag] = useState<Drag | null>(null);
  const [pending, setPending] = useState<{ id: string; column: number; minutes: number } | null>(null);
  const suppressClick = useRef(false);
  const height = (metrics.endMinute - metrics.startMinute) * metrics.pxPerMinute;
  const tz = refs.timeZone;

  const placed = columns.map((column) => {
    const items = column.appointments
      .map((a) => {
        const range = instantRangeToMinutes(Date.parse(a.start), Date.parse(a.end), column.date, tz);
        return range ? { id: a.id, appointment: a, ...range } : null;
      })
      .filter((x): x is NonNullable<typeof x> => x !== null);
    return { items, lanes: layoutLanes(items) };
  });

  const focusOrder = placed.map((c) => c.items.map((i) => ({ id: i.id, start: i.start })));

  const focusAppointment = (id: string) => {
    gridRef.current?.querySelector<HTMLElement>(`[data-appointment-id="${id}"]`)?.focus();
  };

  const onKeyDown = (event: KeyboardEvent, id: string) => {
    if (!["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"].includes(event.key)) return;
    const next = nextFocus(focusOrder, id, event.key as "ArrowUp");
    event.preventDefault();
    if (next) focusAppointment(next);
  };

  const columnRects = () =>
    columnRefs.current.map((el) => {
      const r = el?.getBoundingClientRect();
      return { left: r?.left ?? 0, width: r?.width ?? 0 };
    });

  const onPointerDown = (event: PointerEvent, appointment: Appointment) => {
    if (!canWrite || !isMovable(appointment.status) || event.button !== 0 || pending) return;
    (event.currentTarget as HTMLElement).setPointerCapture?.(event.pointerId);
    setDrag({
      id: appointment.id,
      pointerId: event.pointerId,
      x0: event.clientX,
      y0: event.clientY,
      dx: 0,
      dy: 0,
      moved: false,
    });
  };

  const onPointerMove = (event: PointerEvent) => {
    if (!drag || event.pointerId !== drag.pointerId) return;
    const dx = event.clientX - drag.x0;
    const dy = event.clientY - drag.y0;
    const moved = drag.moved || Math.hypot(dx, dy) > DRAG_THRESHOLD;
    setDrag({ ...drag, dx, dy, moved });
  };

  const onPointerUp = async (
    event: PointerEvent,
    appointment: Appointment,
    fromColumn: number,
    start: number,
  ) => {
    if (!drag || event.pointerId !== drag.pointerId) return;
    setDrag(null);
    if (!drag.moved) return;
    suppressClick.current = true;
    const duration = Math.round((Date.parse(appointment.end) - Date.parse(appointment.start)) / 60_000);
    const target = dropTarget({
      startMinute: start,
      durationMinutes: duration,
      dy: event.clientY - drag.y0,
      pointerX: event.clientX,
      fromColumn,
      columns: columnRects(),
      metrics,
    });
    if (!target) return;
    const column = columns[target.column];
    if (!column) return;
    setPending({ id: appointment.id, column: target.column, minutes: target.minutes });
    try {
      await onMove(appointment, { column, minutes: target.minutes });
    } finally {
      // Moved: the refreshed list places it; refused: it snaps back to where it was.
      setPending(null);
    }
  };

  const onColumnClick = (event: React.MouseEvent<HTMLDivElement>, column: CalendarColumn) => {
    if (!canWrite || event.target !== event.currentTarget) {
      if (!(event.target as HTMLElement).dataset.open) return;
    }
    const rect = event.currentTarget.getBoundingClientRect();
    const offset = event.clientY - rect.top;
    const minutes =
      metrics.startMinute + Math.floor(offset / metrics.pxPerMinute / metrics.step) * metrics.step;
    if (!column.open.some((i) => minutes >= i.start && minutes < i.end)) return;
    onBookAt(column, minutes);
  };

  const hours: number[] = [];
  for (let m = metrics.startMinute; m < metrics.endMinute; m += 60) hours.push(m);
  const nowParts = zonedParts(now, tz);

  return (
    <div className="salus-cal" ref={gridRef} style={{ ["--cal-cols" as string]: String(columns.length) }}>
      <div className="salus-cal-head">
        <div className="salus-cal-corner">
          <Text size="xs" c="dimmed">
            {zoneAbbreviation(now, tz)}
          </Text>
        </div>
        {columns.map((column) => (
          <div key={column.key} className="salus-cal-colhead">
            <Text size="sm" fw={600} truncate>
              {column.label}
            </Text>
            {column.sublabel ? (
              <Text size="xs" c="dimmed" truncate>
                {column.sublabel}
              </Text>
            ) : null}
          </div>
        ))}
      </div>
      <div className="salus-cal-body" style={{ height }}>
        <div className="salus-cal-gutter" aria-hidden="true">
          {hours.map((m) => (
            <div key={m} className="salus-cal-hour" style={{ top: minutesToOffset(m, metrics) }}>
              {wallTimeLabel(m)}
            </div>
          ))}
        </div>
        {columns.map((column, ci) => (
          // biome-ignore lint/a11y/noStaticElementInteractions: pointer shortcut; the slot finder is the keyboard path
          // biome-ignore lint/a11y/useKeyWithClickEvents: pointer shortcut; the slot finder is the keyboard path
          <div
            key={column.key}
            ref={(el) => {
              columnRefs.current[ci] = el;
            }}
            className="salus-cal-col"
            data-testid={`column-${column.label}`}
            onClick={(e) => onColumnClick(e, column)}
            style={{ ["--cal-hour" as string]: `${metrics.pxPerMinute * 60}px` }}
          >
            {column.open.map((i) => (
              <div
                key={`${i.start}-${i.end}`}
                className="salus-cal-open"
                data-open="true"
                title={`Open ${wallTimeLabel(i.start)} – ${wallTimeLabel(i.end)}`}
                style={{
                  top: minutesToOffset(Math.max(i.start, metrics.startMinute), metrics),
                  height:
                    (Math.min(i.end, metrics.endMinute) - Math.max(i.start, metrics.startMinute)) *
                    metrics.pxPerMinute,
                }}
              />
            ))}
            {column.date === nowParts.date &&
            nowParts.minutes >= metrics.startMinute &&
            nowParts.minutes <= metrics.endMinute ? (
              <div
                className="salus-cal-now"
                style={{ top: minutesToOffset(nowParts.minutes, metrics) }}
                role="presentation"
                data-testid="now-line"
              />
            ) : null}
            {placed[ci]!.items.map((item) => {
              const a = item.appointment;
              const lane = placed[ci]!.lanes.get(a.id) ?? { lane: 0, lanes: 1 };
              const dragging = drag?.id === a.id && drag.moved ? drag : null;
              const moving = pending?.id === a.id ? pending : null;
              let top = minutesToOffset(item.start, metrics);
              let translateX = 0;
              if (dragging) {
                top += dragging.dy;
                translateX = dragging.dx;
              } else if (moving) {
                top = minutesToOffset(moving.minutes, metrics);
                translateX = moving.column === ci ? 0 : columnOffset(columnRects(), ci, moving.column);
              }
              const blockHeight = Math.max((item.end - item.start) * metrics.pxPerMinute, 18);
              const color = STATUS_COLOR[a.status];
              const typeName = refs.typeName(a.appointmentTypeId);
              const label = [
                a.patientName,
                typeName,
                formatRange(a.start, a.end, tz),
                STATUS_LABEL[a.status],
                a.overbooked ? "overbooked" : null,
                a.lateCancel ? "late cancellation" : null,
              ]
                .filter(Boolean)
                .join(", ");
              return (
                <UnstyledButton
                  key={a.id}
                  data-appointment-id={a.id}
                  className="salus-cal-block"
                  data-status={a.status}
                  data-overbooked={a.overbooked || undefined}
                  data-dragging={dragging || moving ? true : undefined}
                  aria-label={label}
                  title={label}
                  onClick={() => {
                    if (suppressClick.current) {
                      suppressClick.current = false;
                      return;
                    }
                    onOpen(a);
                  }}
                  onKeyDown={(e) => onKeyDown(e, a.id)}
                  onPointerDown={(e) => onPointerDown(e, a)}
                  onPointerMove={onPointerMove}
                  onPointerUp={(e) => void onPointerUp(e, a, ci, item.start)}
                  onPointerCancel={() => setDrag(null)}
                  style={{
                    top,
                    height: blockHeight,
                    left: `calc(${(lane.lane / lane.lanes) * 100}% + 2px)`,
                    width: `calc(${100 / lane.lanes}% - 4px)`,
                    transform: translateX ? `translateX(${translateX}px)` : undefined,
                    background: `var(--mantine-color-${color}-1)`,
                    borderLeftColor: refs.typeColor(a.appointmentTypeId),
                    cursor: canWrite && isMovable(a.status) ? "grab" : "pointer",
                  }}
                >
                  <span className="salus-cal-block-name">{a.patientName}</span>
                  <span className="salus-cal-block-meta">
                    {typeName} · {STATUS_LABEL[a.status]}
                  </span>
                  {a.overbooked || a.lateCancel ? (
                    <span className="salus-cal-block-flags">
                      {a.overbooked ? (
                        <Badge size="xs" color="red" variant="filled" radius="sm">
                          Overbooked
                        </Badge>
                      ) : null}
                      {a.lateCancel ? (
                        <Badge size="xs" color="orange" variant="filled" radius="sm">
                          Late cancel
                        </Badge>
                      ) : null}
                    </span>
                  ) : null}
                  {dragging ? <DragHint drag={dragging} start={item.start} metrics={metrics} /> : null}
                </UnstyledButton>
              );
            })}
          </div>
        ))}
      </div>
    </div>
  );
}

function DragHint({ drag, start, metrics }: { drag: Drag; start: number; metrics: GridMetrics }) {
  const offset = minutesToOffset(start, metrics) + drag.dy;
  const minutes =
    Math.round((metrics.startMinute + offset / metrics.pxPerMinute) / metrics.step) * metrics.step;
  return (
    <span className="salus-cal-drag-hint">→ {wallTimeLabel(Math.max(metrics.startMinute, minutes))}</span>
  );
}

function columnOffset(rects: { left: number }[], from: number, to: number): number {
  return (rects[to]?.left ?? 0) - (rects[from]?.left ?? 0);
}

/** Keeps `now` ticking every minute for the "now" line. */
export function useNow(intervalMs = 60_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

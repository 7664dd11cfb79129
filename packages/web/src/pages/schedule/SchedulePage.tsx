import {
  ActionIcon,
  Button,
  Grid,
  Group,
  Paper,
  SegmentedControl,
  Select,
  Stack,
  Switch,
  Tabs,
  Text,
  TextInput,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import type { AppointmentView as Appointment, SlotView as Slot } from "@salus/server/scheduling/schemas";
import { useQuery } from "@tanstack/react-query";
import { useMemo, useRef, useState } from "react";
import { ApiError } from "../../api/client.ts";
import { locations, rooms, scheduling, staff } from "../../api/endpoints.ts";
import { can, P } from "../../auth/permissions.ts";
import { useCurrentSession } from "../../auth/session.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { LoadError, Loading } from "../../components/QueryState.tsx";
import { useUrlParams } from "../../components/useUrlState.ts";
import {
  addDays,
  dayBounds,
  formatDateTimeZoned,
  formatLongDate,
  formatShortDate,
  startOfWeek,
  todayIn,
  wallTime,
  zoneAbbreviation,
} from "../../lib/zoned.ts";
import { AppointmentDrawer } from "./AppointmentDrawer.tsx";
import { BookingDialog, type BookingDraft } from "./BookingDialog.tsx";
import { type CalendarColumn, CalendarGrid, type MoveTarget, useNow } from "./CalendarGrid.tsx";
import {
  type GridMetrics,
  type Interval,
  instantRangeToMinutes,
  normalize,
  openTime,
  visibleRange,
} from "./layout.ts";
import { openFromSlots } from "./open-for-type.ts";
import { SlotFinder } from "./SlotFinder.tsx";
import {
  practitionerLabel,
  type ScheduleRefs,
  STATUS_COLOR,
  STATUS_LABEL,
  useRefreshSchedule,
} from "./shared.ts";
import { WaitlistPanel } from "./WaitlistPanel.tsx";

const PX_PER_MINUTE = 1.4;
const STEP = 5;

type View = "day" | "week";
type By = "practitioner" | "room";

export function SchedulePage() {
  const session = useCurrentSession();
  const canWrite = can(session.permissions, P.scheduleWrite);
  const [params, setParam] = useUrlParams();

  const locs = useQuery({
    queryKey: ["locations", { limit: 200 }],
    queryFn: ({ signal }) => locations.list({ limit: 200 }, signal),
  });
  const practitioners = useQuery({
    queryKey: ["staff", { kind: "practitioner", limit: 200 }],
    queryFn: ({ signal }) => staff.list({ kind: "practitioner", limit: 200 }, signal),
  });
  const types = useQuery({
    queryKey: ["appointment-types"],
    queryFn: ({ signal }) => scheduling.types(signal),
  });
  const settings = useQuery({
    queryKey: ["scheduling-settings"],
    queryFn: ({ signal }) => scheduling.settings(signal),
  });

  const activeLocations = (locs.data?.items ?? []).filter((l) => l.active);
  const location = activeLocations.find((l) => l.id === params.get("location")) ?? activeLocations[0];

  if (locs.isPending || practitioners.isPending || types.isPending)
    return <Loading label="Opening the schedule…" />;
  const failed = [locs, practitioners, types].find((q) => q.isError);
  if (failed) return <LoadError error={failed.error} onRetry={() => void failed.refetch()} />;
  if (!location) {
    return (
      <>
        <PageHeader title="Schedule" />
        <Text c="dimmed">Add a location first: the schedule is kept per location.</Text>
      </>
    );
  }
  return (
    <ScheduleView
      key={location.id}
      refsBase={{
        location,
        locations: activeLocations,
        types: types.data?.items ?? [],
        practitioners: (practitioners.data?.items ?? []).filter((p) => p.active),
      }}
      settings={settings.data}
      canWrite={canWrite}
      params={params}
      setParam={setParam}
    />
  );
}

function ScheduleView({
  refsBase,
  settings,
  canWrite,
  params,
  setParam,
}: {
  refsBase: {
    location: ScheduleRefs["location"];
    locations: ScheduleRefs["location"][];
    types: ScheduleRefs["types"];
    practitioners: ScheduleRefs["practitioners"];
  };
  settings: Parameters<typeof AppointmentDrawer>[0]["settings"];
  canWrite: boolean;
  params: URLSearchParams;
  setParam: (changes: Record<string, string | null>) => void;
}) {
  const { location } = refsBase;
  const tz = location.timeZone;
  const now = useNow();
  const today = todayIn(tz, now);
  const date = /^\d{4}-\d{2}-\d{2}$/.test(params.get("date") ?? "") ? params.get("date")! : today;
  const view: View = params.get("view") === "week" ? "week" : "day";
  const by: By = params.get("by") === "room" ? "room" : "practitioner";
  const showCancelled = params.get("cancelled") === "1";
  // The visit type the open time is shown for: white is then time that can really be booked for it.
  const openType = refsBase.types.find((t) => t.active && t.id === params.get("type")) ?? null;
  const refresh = useRefreshSchedule();

  const roomList = useQuery({
    queryKey: ["rooms", { locationId: location.id, limit: 200 }],
    queryFn: ({ signal }) => rooms.list({ locationId: location.id, limit: 200 }, signal),
  });
  const templates = useQuery({
    queryKey: ["availability-templates", location.id],
    queryFn: ({ signal }) => scheduling.templates(location.id, signal),
  });

  const refs: ScheduleRefs = useMemo(() => {
    const typeById = new Map(refsBase.types.map((t) => [t.id, t]));
    const practitionerById = new Map(refsBase.practitioners.map((p) => [p.id, p]));
    const locationRooms = (roomList.data?.items ?? []).filter((r) => r.locationId === location.id);
    const roomById = new Map(locationRooms.map((r) => [r.id, r]));
    return {
      location,
      timeZone: tz,
      types: refsBase.types,
      typeName: (id) => typeById.get(id)?.name ?? "Visit",
      typeColor: (id) => typeById.get(id)?.color ?? "#64748b",
      practitioners: refsBase.practitioners,
      practitionerName: (id) => {
        const p = id ? practitionerById.get(id) : undefined;
        return p ? practitionerLabel(p) : "Practitioner";
      },
      rooms: locationRooms,
      roomName: (id) => (id ? (roomById.get(id)?.name ?? "Room") : "No room"),
    };
  }, [refsBase, roomList.data, location, tz]);

  // Practitioners who work here (a weekly window at this location), in name order.
  const localPractitioners = useMemo(() => {
    const here = new Set(
      (templates.data?.items ?? []).filter((t) => t.resourceKind === "practitioner").map((t) => t.resourceId),
    );
    return refsBase.practitioners
      .filter((p) => here.has(p.id))
      .sort((a, b) => a.familyName.localeCompare(b.familyName) || a.givenName.localeCompare(b.givenName));
  }, [templates.data, refsBase.practitioners]);
  const weekPractitioner =
    localPractitioners.find((p) => p.id === params.get("practitioner"))?.id ??
    localPractitioners[0]?.id ??
    null;

  const days = view === "week" ? Array.from({ length: 7 }, (_, i) => addDays(startOfWeek(date), i)) : [date];
  const rangeFrom = new Date(dayBounds(days[0]!, tz).start).toISOString();
  const rangeTo = new Date(dayBounds(days[days.length - 1]!, tz).end).toISOString();

  const appointments = useQuery({
    queryKey: [
      "appointments",
      {
        locationId: location.id,
        from: rangeFrom,
        to: rangeTo,
        practitionerId: view === "week" ? weekPractitioner : null,
      },
    ],
    enabled: view === "day" || weekPractitioner !== null,
    queryFn: ({ signal }) =>
      scheduling.appointments(
        {
          locationId: location.id,
          from: rangeFrom,
          to: rangeTo,
          ...(view === "week" && weekPractitioner ? { practitionerId: weekPractitioner } : {}),
        },
        signal,
      ),
    refetchInterval: 60_000,
  });
  const exceptions = useQuery({
    queryKey: ["availability-exceptions", location.id, days[0], days[days.length - 1]],
    queryFn: ({ signal }) =>
      scheduling.exceptions({ locationId: location.id, from: days[0]!, to: days[days.length - 1]! }, signal),
  });
  const blocks = useQuery({
    queryKey: ["availability-blocks", rangeFrom, rangeTo],
    queryFn: ({ signal }) => scheduling.blocks({ from: rangeFrom, to: rangeTo }, signal),
  });

  const typeSlots = useQuery({
    queryKey: [
      "slots",
      "open-time",
      { typeId: openType?.id, locationId: location.id, from: rangeFrom, to: rangeTo, week: view === "week" },
    ],
    enabled: openType !== null && (view === "day" || weekPractitioner !== null),
    queryFn: ({ signal }) =>
      scheduling.slots(
        {
          appointmentTypeId: openType!.id,
          locationId: location.id,
          from: rangeFrom,
          to: rangeTo,
          eachPractitioner: true,
          limit: 1000,
          ...(view === "week" && weekPractitioner ? { practitionerId: weekPractitioner } : {}),
        },
        signal,
      ),
    refetchInterval: 60_000,
  });
  const typeOpen = (day: string, match: (s: Slot) => boolean): Interval[] =>
    openFromSlots(typeSlots.data?.items ?? [], day, tz, match);

  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [draft, setDraft] = useState<BookingDraft | null>(null);
  const [rescheduling, setRescheduling] = useState<Appointment | null>(null);
  const [tab, setTab] = useState<string | null>("finder");
  const sideRef = useRef<HTMLDivElement>(null);

  const visible = (appointments.data?.items ?? []).filter(
    (a) => showCancelled || !(a.status === "cancelled" || a.status === "entered-in-error"),
  );
  const selectedFromList = (appointments.data?.items ?? []).find((a) => a.id === selectedId);
  const selected = useQuery({
    queryKey: ["appointment", selectedId],
    enabled: selectedId !== null,
    queryFn: ({ signal }) => scheduling.appointment(selectedId!, signal),
    ...(selectedFromList ? { placeholderData: selectedFromList } : {}),
  });

  const avail = {
    timeZone: tz,
    locationId: location.id,
    templates: templates.data?.items ?? [],
    exceptions: exceptions.data?.items ?? [],
    blocks: blocks.data?.items ?? [],
  };
  const practitionerOpen = (id: string, day: string) =>
    openType
      ? typeOpen(day, (s) => s.practitionerId === id)
      : openTime({ ...avail, date: day, resourceKind: "practitioner", resourceId: id });
  const onDay = (a: Appointment, day: string) =>
    instantRangeToMinutes(Date.parse(a.start), Date.parse(a.end), day, tz) !== null;

  let columns: CalendarColumn[];
  if (view === "week") {
    columns = days.map((day) => ({
      key: day,
      label: formatShortDate(day),
      sublabel: day === today ? "Today" : undefined,
      date: day,
      practitionerId: weekPractitioner,
      open: weekPractitioner ? practitionerOpen(weekPractitioner, day) : [],
      appointments: visible.filter((a) => a.practitionerId === weekPractitioner && onDay(a, day)),
    }));
  } else if (by === "practitioner") {
    const ids = [...localPractitioners.map((p) => p.id)];
    for (const a of visible) if (!ids.includes(a.practitionerId)) ids.push(a.practitionerId);
    columns = ids.map((id) => ({
      key: id,
      label: refs.practitionerName(id),
      date,
      practitionerId: id,
      open: practitionerOpen(id, date),
      appointments: visible.filter((a) => a.practitionerId === id),
    }));
  } else {
    // Rooms without weekly windows of their own are open whenever a practitioner here is.
    const anyPractitioner = normalize(localPractitioners.flatMap((p) => practitionerOpen(p.id, date)));
    const hasOwn = new Set(avail.templates.filter((t) => t.resourceKind === "room").map((t) => t.resourceId));
    columns = refs.rooms
      .filter((r) => r.active)
      .map((room) => ({
        key: room.id,
        label: room.name,
        date,
        practitionerId: null,
        roomId: room.id,
        open: openType
          ? typeOpen(date, (s) => s.roomId === room.id)
          : hasOwn.has(room.id)
            ? openTime({ ...avail, date, resourceKind: "room", resourceId: room.id })
            : anyPractitioner,
        appointments: visible.filter((a) => a.roomId === room.id),
      }));
    const roomless = visible.filter((a) => a.roomId === null || !refs.rooms.some((r) => r.id === a.roomId));
    if (roomless.length) {
      columns.push({
        key: "no-room",
        label: "No room",
        date,
        practitionerId: null,
        roomId: null,
        open: [],
        appointments: roomless,
      });
    }
  }

  const spans: Interval[] = columns.flatMap((c) => [
    ...c.open,
    ...c.appointments
      .map((a) => instantRangeToMinutes(Date.parse(a.start), Date.parse(a.end), c.date, tz))
      .filter((i): i is Interval => i !== null),
  ]);
  const range = visibleRange(spans);
  const metrics: GridMetrics = { ...range, pxPerMinute: PX_PER_MINUTE, step: STEP };

  const startReschedule = (a: Appointment) => {
    setRescheduling(a);
    setSelectedId(null);
    setTab("finder");
    requestAnimationFrame(() => sideRef.current?.scrollIntoView({ behavior: "smooth", block: "start" }));
  };

  const move = async (
    a: Appointment,
    body: Parameters<typeof scheduling.reschedule>[1],
  ): Promise<boolean> => {
    try {
      const moved = await scheduling.reschedule(a.id, { ...body, expectedVersion: a.version });
      notifications.show({
        color: "teal",
        title: "Rescheduled",
        message: `${moved.patientName}: ${formatDateTimeZoned(moved.start, tz)} with ${refs.practitionerName(moved.practitionerId)}`,
      });
      await refresh();
      return true;
    } catch (e) {
      notifications.show({
        color: e instanceof ApiError && e.status === 409 ? "orange" : "red",
        title: "Not moved",
        message: e instanceof Error ? e.message : String(e),
        autoClose: 10_000,
      });
      await refresh();
      return false;
    }
  };

  const onMove = (a: Appointment, target: MoveTarget) =>
    move(a, {
      when: { localDate: target.column.date, localTime: wallTime(target.minutes) },
      ...(target.column.practitionerId && target.column.practitionerId !== a.practitionerId
        ? { practitionerId: target.column.practitionerId }
        : {}),
      ...(target.column.roomId !== undefined &&
      target.column.roomId !== null &&
      target.column.roomId !== a.roomId
        ? { roomId: target.column.roomId }
        : {}),
    });

  const onPickSlot = async (slot: Slot, appointmentTypeId: string) => {
    if (rescheduling) {
      const ok = await move(rescheduling, {
        when: { start: slot.start },
        practitionerId: slot.practitionerId,
        roomId: slot.roomId,
        equipmentIds: slot.equipmentIds,
      });
      if (ok) {
        setRescheduling(null);
        setParam({ date: todayIn(tz, Date.parse(slot.start)) });
      }
      return;
    }
    setDraft({
      appointmentTypeId,
      practitionerId: slot.practitionerId,
      roomId: slot.roomId,
      equipmentIds: slot.equipmentIds,
      when: { start: slot.start },
    });
  };

  const onBookAt = (column: CalendarColumn, minutes: number) => {
    const practitionerId = column.practitionerId;
    if (!practitionerId) {
      notifications.show({
        color: "blue",
        title: "Choose a practitioner",
        message: "In the room view, use the slot finder to book.",
      });
      return;
    }
    setDraft({
      appointmentTypeId: openType?.id ?? null,
      practitionerId,
      when: { localDate: column.date, localTime: wallTime(minutes) },
    });
  };

  const step = view === "week" ? 7 : 1;
  const title =
    view === "week"
      ? `Week of ${formatLongDate(days[0]!)}`
      : `${formatLongDate(date)}${date === today ? " (today)" : ""}`;
  const loadingGrid = appointments.isPending && (view === "day" || weekPractitioner !== null);
  const gridError = [appointments, templates, roomList].find((q) => q.isError);

  return (
    <>
      <PageHeader
        title="Schedule"
        description={`${location.name} · times in the clinic's zone (${location.timeZone}, ${zoneAbbreviation(now, tz)})`}
      />
      <Paper withBorder p="sm" mb="md">
        <Group gap="sm" align="flex-end" wrap="wrap">
          <Select
            label="Location"
            data={refsBase.locations.map((l) => ({ value: l.id, label: l.name }))}
            value={location.id}
            onChange={(v) => v && setParam({ location: v, practitioner: null })}
            allowDeselect={false}
            w={220}
          />
          <Group gap={4} align="flex-end">
            <ActionIcon
              variant="default"
              size="lg"
              aria-label={view === "week" ? "Previous week" : "Previous day"}
              onClick={() => setParam({ date: addDays(date, -step) })}
            >
              ‹
            </ActionIcon>
            <Button variant="default" onClick={() => setParam({ date: null })}>
              Today
            </Button>
            <ActionIcon
              variant="default"
              size="lg"
              aria-label={view === "week" ? "Next week" : "Next day"}
              onClick={() => setParam({ date: addDays(date, step) })}
            >
              ›
            </ActionIcon>
          </Group>
          <TextInput
            type="date"
            label="Date"
            value={date}
            onChange={(e) => e.currentTarget.value && setParam({ date: e.currentTarget.value })}
            w={160}
          />
          <Stack gap={2}>
            <Text size="sm" fw={500} id="view-label">
              View
            </Text>
            <SegmentedControl
              aria-labelledby="view-label"
              value={view}
              onChange={(v) => setParam({ view: v === "week" ? "week" : null })}
              data={[
                { value: "day", label: "Day" },
                { value: "week", label: "Week" },
              ]}
            />
          </Stack>
          {view === "day" ? (
            <Stack gap={2}>
              <Text size="sm" fw={500} id="columns-label">
                Columns
              </Text>
              <SegmentedControl
                aria-labelledby="columns-label"
                value={by}
                onChange={(v) => setParam({ by: v === "room" ? "room" : null })}
                data={[
                  { value: "practitioner", label: "Practitioners" },
                  { value: "room", label: "Rooms" },
                ]}
              />
            </Stack>
          ) : (
            <Select
              label="Practitioner"
              data={localPractitioners.map((p) => ({ value: p.id, label: practitionerLabel(p) }))}
              value={weekPractitioner}
              onChange={(v) => v && setParam({ practitioner: v })}
              allowDeselect={false}
              w={220}
            />
          )}
          <Select
            label="Open time for"
            description="White is bookable time for this visit type (rooms and equipment included)"
            placeholder="Practitioners' hours"
            data={refsBase.types.filter((t) => t.active).map((t) => ({ value: t.id, label: t.name }))}
            value={openType?.id ?? null}
            onChange={(v) => setParam({ type: v })}
            clearable
            w={240}
          />
          <Switch
            label="Show cancelled"
            checked={showCancelled}
            onChange={(e) => setParam({ cancelled: e.currentTarget.checked ? "1" : null })}
            mb={8}
          />
        </Group>
      </Paper>
      <Grid gap="md">
        <Grid.Col span={{ base: 12, lg: 8 }}>
          <Stack gap="xs">
            <Group justify="space-between" wrap="wrap">
              <Text fw={600} component="h2" m={0} size="lg">
                {title}
              </Text>
              <Legend />
            </Group>
            {gridError ? (
              <LoadError error={gridError.error} onRetry={() => void gridError.refetch()} />
            ) : loadingGrid || templates.isPending ? (
              <Loading label="Loading appointments…" />
            ) : columns.length === 0 ? (
              <Text c="dimmed">No practitioner or room has hours at {location.name}.</Text>
            ) : (
              <section aria-label={`Calendar, ${title}`}>
                <CalendarGrid
                  columns={columns}
                  refs={refs}
                  metrics={metrics}
                  now={now}
                  canWrite={canWrite}
                  onOpen={(a) => setSelectedId(a.id)}
                  onBookAt={onBookAt}
                  onMove={onMove}
                />
              </section>
            )}
            <Text size="xs" c="dimmed">
              Tab or the arrow keys move between appointments; Enter opens one. Click open (white) time to
              book
              {view === "day" ? ", drag a booked visit to move it" : ""}.
            </Text>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 4 }}>
          <Paper withBorder p="sm" ref={sideRef}>
            <Tabs value={tab} onChange={setTab} keepMounted={false}>
              <Tabs.List grow mb="sm">
                <Tabs.Tab value="finder">Find a slot</Tabs.Tab>
                <Tabs.Tab value="waitlist">Waitlist</Tabs.Tab>
              </Tabs.List>
              <Tabs.Panel value="finder">
                <SlotFinder
                  refs={refs}
                  fromDate={date.localeCompare(today) < 0 ? today : date}
                  rescheduling={rescheduling}
                  onPick={(slot, typeId) => void onPickSlot(slot, typeId)}
                  onCancelReschedule={() => setRescheduling(null)}
                />
              </Tabs.Panel>
              <Tabs.Panel value="waitlist">
                <WaitlistPanel refs={refs} canWrite={canWrite} today={today} />
              </Tabs.Panel>
            </Tabs>
          </Paper>
        </Grid.Col>
      </Grid>
      <AppointmentDrawer
        appointment={selectedId ? (selected.data ?? selectedFromList ?? null) : null}
        refs={refs}
        settings={settings}
        canWrite={canWrite}
        now={now}
        onClose={() => setSelectedId(null)}
        onReschedule={startReschedule}
      />
      <BookingDialog
        draft={draft}
        refs={refs}
        onClose={() => setDraft(null)}
        onBooked={(a) => setParam({ date: todayIn(tz, Date.parse(a.start)) })}
      />
    </>
  );
}

function Legend() {
  const statuses = ["booked", "arrived", "checked-in", "fulfilled", "noshow"] as const;
  return (
    <Group gap="sm" wrap="wrap" aria-label="Legend">
      <Group gap={4}>
        <span className="salus-cal-legend-swatch" style={{ background: "var(--mantine-color-white)" }} />
        <Text size="xs">Open</Text>
      </Group>
      <Group gap={4}>
        <span
          className="salus-cal-legend-swatch"
          style={{
            backgroundColor: "var(--mantine-color-gray-1)",
            backgroundImage:
              "repeating-linear-gradient(-45deg, transparent 0 3px, var(--mantine-color-gray-4) 3px 4px)",
          }}
        />
        <Text size="xs">Closed</Text>
      </Group>
      {statuses.map((s) => (
        <Group gap={4} key={s}>
          <span
            className="salus-cal-legend-swatch"
            style={{ background: `var(--mantine-color-${STATUS_COLOR[s]}-1)` }}
          />
          <Text size="xs">{STATUS_LABEL[s]}</Text>
        </Group>
      ))}
    </Group>
  );
}

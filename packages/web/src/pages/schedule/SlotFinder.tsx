import { Alert, Button, Group, Select, SimpleGrid, Stack, Text, TextInput, Title } from "@mantine/core";
import type { AppointmentView as Appointment, SlotView as Slot } from "@salus/server/scheduling/schemas";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { scheduling } from "../../api/endpoints.ts";
import { LoadError, Loading } from "../../components/QueryState.tsx";
import {
  addDays,
  dayBounds,
  formatLongDate,
  formatTime,
  zoneAbbreviation,
  zonedParts,
} from "../../lib/zoned.ts";
import type { ScheduleRefs } from "./shared.ts";

const ANY = "any";
const MAX_DAYS = 62;

/** Groups slots by their local date at the location. */
export function groupSlotsByDate(
  slots: readonly Slot[],
  timeZone: string,
): { date: string; slots: Slot[] }[] {
  const groups = new Map<string, Slot[]>();
  for (const slot of slots) {
    const date = zonedParts(Date.parse(slot.start), timeZone).date;
    groups.set(date, [...(groups.get(date) ?? []), slot]);
  }
  return [...groups.entries()].map(([date, items]) => ({ date, slots: items }));
}

/**
 * Open times for a visit type from GET /api/slots: one practitioner or any, over a date range (local
 * dates at the location). Picking a time books it, or moves the appointment being rescheduled.
 */
export function SlotFinder({
  refs,
  fromDate,
  rescheduling,
  onPick,
  onCancelReschedule,
}: {
  refs: ScheduleRefs;
  fromDate: string;
  rescheduling: Appointment | null;
  onPick: (slot: Slot, appointmentTypeId: string) => void;
  onCancelReschedule: () => void;
}) {
  const activeTypes = refs.types.filter((t) => t.active);
  const [typeId, setTypeId] = useState<string | null>(activeTypes[0]?.id ?? null);
  const [practitioner, setPractitioner] = useState<string>(ANY);
  const [from, setFrom] = useState(fromDate);
  const [to, setTo] = useState(addDays(fromDate, 6));
  const [search, setSearch] = useState<{
    typeId: string;
    practitioner: string;
    from: string;
    to: string;
  } | null>(null);

  useEffect(() => {
    if (rescheduling) {
      setTypeId(rescheduling.appointmentTypeId);
      setPractitioner(rescheduling.practitionerId);
      setSearch(null);
    }
  }, [rescheduling]);

  const rangeError =
    from && to && to < from
      ? "The last day must be on or after the first."
      : from && to && addDays(from, MAX_DAYS - 1) < to
        ? `Search at most ${MAX_DAYS} days at a time.`
        : null;

  const slots = useQuery({
    queryKey: ["slots", refs.location.id, search],
    enabled: search !== null,
    queryFn: ({ signal }) => {
      const s = search!;
      return scheduling.slots(
        {
          appointmentTypeId: s.typeId,
          locationId: refs.location.id,
          ...(s.practitioner === ANY ? {} : { practitionerId: s.practitioner }),
          from: new Date(dayBounds(s.from, refs.timeZone).start).toISOString(),
          to: new Date(dayBounds(s.to, refs.timeZone).end).toISOString(),
          limit: 200,
        },
        signal,
      );
    },
  });

  const tz = refs.timeZone;
  return (
    <Stack gap="sm">
      <Title order={2} size="h4">
        {rescheduling ? "Find a new time" : "Find a slot"}
      </Title>
      {rescheduling ? (
        <Alert color="blue" variant="light" title={`Rescheduling ${rescheduling.patientName}`}>
          <Stack gap={6} align="flex-start">
            <Text size="sm">Pick a new time below; the visit moves in one step.</Text>
            <Button size="xs" variant="default" onClick={onCancelReschedule}>
              Stop rescheduling
            </Button>
          </Stack>
        </Alert>
      ) : null}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!typeId || !from || !to || rangeError) return;
          setSearch({ typeId, practitioner, from, to });
        }}
      >
        <Stack gap="xs">
          <Select
            label="Visit type"
            data={activeTypes.map((t) => ({ value: t.id, label: `${t.name} (${t.durationMinutes} min)` }))}
            value={typeId}
            onChange={setTypeId}
            allowDeselect={false}
            disabled={rescheduling !== null}
          />
          <Select
            label="Practitioner"
            data={[
              { value: ANY, label: "Any practitioner" },
              ...refs.practitioners.map((p) => ({ value: p.id, label: refs.practitionerName(p.id) })),
            ]}
            value={practitioner}
            onChange={(v) => setPractitioner(v ?? ANY)}
            allowDeselect={false}
          />
          <SimpleGrid cols={2} spacing="xs">
            <TextInput
              type="date"
              label="From"
              value={from}
              onChange={(e) => setFrom(e.currentTarget.value)}
              required
            />
            <TextInput
              type="date"
              label="To"
              value={to}
              onChange={(e) => setTo(e.currentTarget.value)}
              required
              error={rangeError}
            />
          </SimpleGrid>
          <Button type="submit" disabled={!typeId || rangeError !== null}>
            Find open times
          </Button>
        </Stack>
      </form>
      {search === null ? null : slots.isPending ? (
        <Loading label="Finding open times…" />
      ) : slots.isError ? (
        <LoadError error={slots.error} onRetry={() => void slots.refetch()} />
      ) : slots.data.items.length === 0 ? (
        <Text size="sm" c="dimmed" role="status">
          No open time in that range. Try more days or any practitioner.
        </Text>
      ) : (
        <Stack gap="sm" aria-label="Open times" role="region">
          <Text size="xs" c="dimmed">
            {slots.data.items.length} open time{slots.data.items.length === 1 ? "" : "s"}, in{" "}
            {refs.location.name}’s time ({zoneAbbreviation(slots.data.items[0]!.start, tz)})
          </Text>
          {groupSlotsByDate(slots.data.items, tz).map((group) => (
            <Stack key={group.date} gap={4}>
              <Text size="sm" fw={600}>
                {formatLongDate(group.date)}
              </Text>
              <Group gap={6}>
                {group.slots.map((slot) => (
                  <Button
                    key={`${slot.start}-${slot.practitionerId}`}
                    size="compact-sm"
                    variant="light"
                    onClick={() => onPick(slot, search.typeId)}
                    aria-label={`${formatTime(slot.start, tz)} ${zoneAbbreviation(slot.start, tz)} on ${formatLongDate(group.date)} with ${refs.practitionerName(slot.practitionerId)}`}
                  >
                    {formatTime(slot.start, tz)}
                    {search.practitioner === ANY
                      ? ` · ${refs.practitionerName(slot.practitionerId).split(" ").slice(-1)[0]}`
                      : ""}
                  </Button>
                ))}
              </Group>
            </Stack>
          ))}
        </Stack>
      )}
    </Stack>
  );
}

import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  Modal,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import type { PatientView as Patient } from "@salus/server/directory/schemas";
import type { WaitlistEntryView as WaitlistEntry } from "@salus/server/scheduling/schemas";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { ApiError } from "../../api/client.ts";
import { scheduling } from "../../api/endpoints.ts";
import { FormError } from "../../components/FormError.tsx";
import { LoadError, Loading } from "../../components/QueryState.tsx";
import { useServerErrors } from "../../components/useServerErrors.ts";
import { formatDate } from "../../lib/format.ts";
import { addDays, formatDateTimeZoned, formatTimeZoned } from "../../lib/zoned.ts";
import { PatientPicker } from "./PatientPicker.tsx";
import { type ScheduleRefs, useRefreshSchedule } from "./shared.ts";

const WEEKDAY = ["", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const ANY = "any";

/** The entry's wishes in words: `Nov 27 – Dec 26, 2026 · Tue, Thu · 08:00–12:00`. */
export function describeWindow(
  entry: Pick<WaitlistEntry, "earliestDate" | "latestDate" | "weekdays" | "timeFrom" | "timeTo">,
): string {
  const parts = [`${formatDate(entry.earliestDate)} – ${formatDate(entry.latestDate)}`];
  if (entry.weekdays.length) parts.push(entry.weekdays.map((d) => WEEKDAY[d]).join(", "));
  if (entry.timeFrom || entry.timeTo)
    parts.push(`${entry.timeFrom ?? "any time"}–${entry.timeTo ?? "close"}`);
  return parts.join(" · ");
}

/** Waiting patients at the location and their open offers; accept books the offered time (first wins). */
export function WaitlistPanel({
  refs,
  canWrite,
  today,
}: {
  refs: ScheduleRefs;
  canWrite: boolean;
  today: string;
}) {
  const [adding, setAdding] = useState(false);
  const [offerError, setOfferError] = useState<string | null>(null);
  const refresh = useRefreshSchedule();
  const list = useQuery({ queryKey: ["waitlist"], queryFn: ({ signal }) => scheduling.waitlist(signal) });

  const accept = useMutation({
    mutationFn: (offerId: string) => scheduling.acceptOffer(offerId),
    onSuccess: async (a) => {
      setOfferError(null);
      notifications.show({
        color: "teal",
        title: "Offer accepted",
        message: `${a.patientName} is booked for ${formatDateTimeZoned(a.start, refs.timeZone)}.`,
      });
      await refresh();
    },
    onError: async (e) => {
      setOfferError(e instanceof Error ? e.message : String(e));
      if (e instanceof ApiError && e.status === 409) await refresh();
    },
  });
  const decline = useMutation({
    mutationFn: (offerId: string) => scheduling.declineOffer(offerId),
    onSuccess: async () => {
      setOfferError(null);
      await refresh();
    },
    onError: async (e) => {
      setOfferError(e instanceof Error ? e.message : String(e));
      await refresh();
    },
  });

  const entries = (list.data?.items ?? []).filter(
    (e) => e.locationId === refs.location.id && (e.status === "waiting" || e.status === "offered"),
  );
  const tz = refs.timeZone;
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Title order={2} size="h4">
          Waitlist
        </Title>
        {canWrite ? (
          <Button size="xs" onClick={() => setAdding(true)}>
            Add to waitlist
          </Button>
        ) : null}
      </Group>
      {offerError ? (
        <Alert
          color="orange"
          role="alert"
          title="Offer not accepted"
          withCloseButton
          onClose={() => setOfferError(null)}
        >
          {offerError}
        </Alert>
      ) : null}
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <LoadError error={list.error} onRetry={() => void list.refetch()} />
      ) : entries.length === 0 ? (
        <Text size="sm" c="dimmed">
          Nobody is waiting at {refs.location.name}.
        </Text>
      ) : (
        <Stack
          gap="xs"
          component="ul"
          p={0}
          m={0}
          style={{ listStyle: "none" }}
          aria-label="Waiting patients"
        >
          {entries.map((entry) => {
            const open = entry.offers.filter((o) => o.status === "open");
            return (
              <Card
                key={entry.id}
                withBorder
                padding="xs"
                component="li"
                data-testid="waitlist-entry"
                data-entry-id={entry.id}
              >
                <Group justify="space-between" wrap="nowrap" align="flex-start">
                  <Stack gap={0} miw={0}>
                    <Text fw={600} size="sm">
                      {entry.patientName}
                    </Text>
                    <Text size="xs">
                      {refs.typeName(entry.appointmentTypeId)}
                      {entry.practitionerId
                        ? ` · ${refs.practitionerName(entry.practitionerId)}`
                        : " · any practitioner"}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {describeWindow(entry)} · priority {entry.priority}
                    </Text>
                  </Stack>
                  <Badge color={entry.status === "offered" ? "grape" : "gray"} variant="light">
                    {entry.status === "offered" ? "Offered" : "Waiting"}
                  </Badge>
                </Group>
                {open.map((offer) => (
                  <Group
                    key={offer.id}
                    mt={6}
                    gap="xs"
                    justify="space-between"
                    data-testid="waitlist-offer"
                    data-offer-id={offer.id}
                  >
                    <Text size="xs">
                      Offer #{offer.rank}: <strong>{formatDateTimeZoned(offer.start, tz)}</strong> with{" "}
                      {refs.practitionerName(offer.practitionerId)}; held for them until{" "}
                      {formatTimeZoned(offer.expiresAt, tz)}
                    </Text>
                    {canWrite ? (
                      <Group gap={4}>
                        <Button
                          size="compact-xs"
                          onClick={() => accept.mutate(offer.id)}
                          loading={accept.isPending && accept.variables === offer.id}
                          aria-label={`Accept offer for ${entry.patientName}`}
                        >
                          Accept
                        </Button>
                        <Button
                          size="compact-xs"
                          variant="default"
                          onClick={() => decline.mutate(offer.id)}
                          loading={decline.isPending && decline.variables === offer.id}
                          aria-label={`Decline offer for ${entry.patientName}`}
                        >
                          Decline
                        </Button>
                      </Group>
                    ) : null}
                  </Group>
                ))}
              </Card>
            );
          })}
        </Stack>
      )}
      <AddToWaitlist opened={adding} refs={refs} today={today} onClose={() => setAdding(false)} />
    </Stack>
  );
}

function AddToWaitlist({
  opened,
  refs,
  today,
  onClose,
}: {
  opened: boolean;
  refs: ScheduleRefs;
  today: string;
  onClose: () => void;
}) {
  const [patient, setPatient] = useState<Patient | null>(null);
  const [typeId, setTypeId] = useState<string | null>(null);
  const [practitioner, setPractitioner] = useState(ANY);
  const [earliest, setEarliest] = useState(today);
  const [latest, setLatest] = useState(addDays(today, 28));
  const [priority, setPriority] = useState<number | string>(0);
  const [note, setNote] = useState("");
  // Optional time of day the patient can come (location's wall time); empty = any time.
  const [timeFrom, setTimeFrom] = useState("");
  const [timeTo, setTimeTo] = useState("");
  const errors = useServerErrors([
    "timeFrom",
    "timeTo",
    "patientId",
    "appointmentTypeId",
    "earliestDate",
    "latestDate",
    "priority",
  ]);
  const refresh = useRefreshSchedule();

  const add = useMutation({
    mutationFn: () =>
      scheduling.addToWaitlist({
        patientId: patient!.id,
        appointmentTypeId: typeId!,
        locationId: refs.location.id,
        practitionerId: practitioner === ANY ? null : practitioner,
        earliestDate: earliest,
        latestDate: latest,
        ...(timeFrom ? { timeFrom } : {}),
        ...(timeTo ? { timeTo } : {}),
        // As typed: an empty field is refused by the server with a message, not sent as 0.
        priority: priority as number,
        ...(note.trim() ? { note: note.trim() } : {}),
      }),
    onSuccess: async (entry) => {
      notifications.show({ color: "teal", title: "Added to the waitlist", message: entry.patientName });
      setPatient(null);
      setNote("");
      errors.clear();
      await refresh();
      onClose();
    },
    onError: errors.set,
  });

  return (
    <Modal opened={opened} onClose={onClose} title="Add to the waitlist" size="lg">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (patient && typeId) add.mutate();
        }}
      >
        <Stack>
          <FormError message={errors.form} />
          <PatientPicker value={patient} onChange={setPatient} error={errors.fields.patientId} />
          <Select
            label="Visit type"
            required
            data={refs.types.filter((t) => t.active).map((t) => ({ value: t.id, label: t.name }))}
            value={typeId}
            onChange={setTypeId}
            error={errors.fields.appointmentTypeId}
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
          <SimpleGrid cols={2}>
            <TextInput
              type="date"
              label="Earliest day"
              required
              value={earliest}
              onChange={(e) => setEarliest(e.currentTarget.value)}
              error={errors.fields.earliestDate}
            />
            <TextInput
              type="date"
              label="Latest day"
              required
              value={latest}
              onChange={(e) => setLatest(e.currentTarget.value)}
              error={errors.fields.latestDate}
            />
          </SimpleGrid>
          <SimpleGrid cols={2}>
            <TextInput
              type="time"
              label="From time (optional)"
              description="Earliest start the patient can come, clinic time"
              value={timeFrom}
              onChange={(e) => setTimeFrom(e.currentTarget.value)}
              error={errors.fields.timeFrom}
            />
            <TextInput
              type="time"
              label="To time (optional)"
              description="When the visit must be over"
              value={timeTo}
              onChange={(e) => setTimeTo(e.currentTarget.value)}
              error={errors.fields.timeTo}
            />
          </SimpleGrid>
          <Text size="sm" c="dimmed">
            If a matching time is already free, it is offered to the patient at once and held for them.
          </Text>
          <NumberInput
            label="Priority"
            description="0 (normal) to 10 (most urgent); higher priority is offered freed time first"
            min={0}
            max={10}
            value={priority}
            onChange={setPriority}
            error={errors.fields.priority}
          />
          <Textarea
            label="Note (optional)"
            value={note}
            onChange={(e) => setNote(e.currentTarget.value)}
            maxLength={500}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Close
            </Button>
            <Button type="submit" loading={add.isPending} disabled={!patient || !typeId}>
              Add to waitlist
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

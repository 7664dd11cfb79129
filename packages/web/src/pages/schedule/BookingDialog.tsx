import { Alert, Button, Group, Modal, Select, Stack, Text, Textarea } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import type { PatientView as Patient } from "@salus/server/directory/schemas";
import type { AppointmentView as Appointment, When } from "@salus/server/scheduling/schemas";
import { useMutation } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { ApiError } from "../../api/client.ts";
import { scheduling } from "../../api/endpoints.ts";
import {
  formatDateTimeZoned,
  formatLongDate,
  localToInstant,
  wallTimeLabel,
  zoneAbbreviation,
} from "../../lib/zoned.ts";
import { PatientPicker } from "./PatientPicker.tsx";
import { type ScheduleRefs, useRefreshSchedule } from "./shared.ts";

/** What the dialog books: a slot from the finder (an instant) or an open cell (a local date and time). */
export interface BookingDraft {
  appointmentTypeId: string | null;
  practitionerId: string;
  roomId?: string | null | undefined;
  equipmentIds?: string[] | undefined;
  when: When;
}

export function describeWhen(when: When, timeZone: string): string {
  if ("start" in when) return formatDateTimeZoned(when.start, timeZone);
  const minutes = Number(when.localTime.slice(0, 2)) * 60 + Number(when.localTime.slice(3, 5));
  const instant = localToInstant(when.localDate, minutes, timeZone);
  const zone = instant === null ? "" : ` ${zoneAbbreviation(instant, timeZone)}`;
  return `${formatLongDate(when.localDate)}, ${wallTimeLabel(minutes)}${zone}`;
}

/** Books a patient (POST /api/appointments). A 409 shows the server's message and refreshes the schedule. */
export function BookingDialog({
  draft,
  refs,
  onClose,
  onBooked,
}: {
  draft: BookingDraft | null;
  refs: ScheduleRefs;
  onClose: () => void;
  onBooked?: (appointment: Appointment) => void;
}) {
  const [patient, setPatient] = useState<Patient | null>(null);
  const [typeId, setTypeId] = useState<string | null>(null);
  const [note, setNote] = useState("");
  const [error, setError] = useState<{
    message: string;
    conflict: boolean;
    /** The patient has another visit then: staff may book anyway, explicitly (issue 10, item 3). */
    patientOverlap: boolean;
  } | null>(null);
  const refresh = useRefreshSchedule();

  useEffect(() => {
    if (draft) {
      setPatient(null);
      setTypeId(draft.appointmentTypeId);
      setNote("");
      setError(null);
    }
  }, [draft]);

  const book = useMutation({
    mutationFn: (override: { allowPatientOverlap?: boolean } = {}) => {
      if (!draft || !patient || !typeId) throw new Error("Choose a patient and a visit type.");
      return scheduling.book({
        patientId: patient.id,
        appointmentTypeId: typeId,
        locationId: refs.location.id,
        practitionerId: draft.practitionerId,
        ...(draft.roomId !== undefined ? { roomId: draft.roomId } : {}),
        ...(draft.equipmentIds !== undefined ? { equipmentIds: draft.equipmentIds } : {}),
        when: draft.when,
        ...(note.trim() ? { note: note.trim() } : {}),
        ...(override.allowPatientOverlap ? { allowPatientOverlap: true } : {}),
      });
    },
    onSuccess: async (appointment) => {
      notifications.show({
        color: "teal",
        title: "Booked",
        message: `${appointment.patientName}, ${formatDateTimeZoned(appointment.start, refs.timeZone)}`,
      });
      await refresh();
      onBooked?.(appointment);
      onClose();
    },
    onError: async (e) => {
      const patientOverlap = e instanceof ApiError && e.code === "patient_overlap";
      const conflict = e instanceof ApiError && e.status === 409 && !patientOverlap;
      setError({ message: e instanceof Error ? e.message : String(e), conflict, patientOverlap });
      if (conflict) await refresh();
    },
  });

  const fixedType = draft?.appointmentTypeId !== null && draft?.appointmentTypeId !== undefined;
  return (
    <Modal opened={draft !== null} onClose={onClose} title="Book an appointment" size="lg">
      {draft ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            book.mutate({});
          }}
        >
          <Stack>
            <Text size="sm">
              <strong>{describeWhen(draft.when, refs.timeZone)}</strong> with{" "}
              <strong>{refs.practitionerName(draft.practitionerId)}</strong> at {refs.location.name}
              {draft.roomId ? ` · ${refs.roomName(draft.roomId)}` : ""}
            </Text>
            <Select
              label="Visit type"
              data={refs.types
                .filter((t) => t.active)
                .map((t) => ({ value: t.id, label: `${t.name} (${t.durationMinutes} min)` }))}
              value={typeId}
              onChange={setTypeId}
              disabled={fixedType}
              required
              allowDeselect={false}
            />
            <PatientPicker value={patient} onChange={setPatient} />
            <Textarea
              label="Note (optional)"
              value={note}
              onChange={(e) => setNote(e.currentTarget.value)}
              maxLength={1000}
              autosize
              minRows={2}
            />
            {error?.patientOverlap ? (
              <Alert color="orange" role="alert" title="The patient already has a visit then">
                <Stack gap="xs">
                  <Text size="sm">{error.message}</Text>
                  <Text size="sm">
                    Book anyway only if the patient is really to be seen in both visits at once; the audit
                    trail records that you chose to.
                  </Text>
                  <Group>
                    <Button
                      size="xs"
                      color="orange"
                      variant="light"
                      loading={book.isPending}
                      onClick={() => book.mutate({ allowPatientOverlap: true })}
                    >
                      Book anyway (overlapping visits)
                    </Button>
                  </Group>
                </Stack>
              </Alert>
            ) : error ? (
              <Alert
                color={error.conflict ? "orange" : "red"}
                role="alert"
                title={error.conflict ? "That time is no longer free" : "Not booked"}
              >
                {error.message}
                {error.conflict
                  ? " The schedule and the open times have been refreshed; choose another time."
                  : ""}
              </Alert>
            ) : null}
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose} disabled={book.isPending}>
                Close
              </Button>
              <Button type="submit" loading={book.isPending} disabled={!patient || !typeId}>
                Book
              </Button>
            </Group>
          </Stack>
        </form>
      ) : null}
    </Modal>
  );
}

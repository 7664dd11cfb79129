import {
  Alert,
  Badge,
  Button,
  Divider,
  Drawer,
  Group,
  SegmentedControl,
  Stack,
  Text,
  Textarea,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { formatMoney } from "@salus/core/shared/money";
import type {
  AppointmentView as Appointment,
  AppointmentStatus,
  CancelledBy,
  SchedulingSettings,
} from "@salus/server/scheduling/schemas";
import { useMutation } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Link } from "react-router-dom";
import { ApiError } from "../../api/client.ts";
import { scheduling } from "../../api/endpoints.ts";
import { can, P } from "../../auth/permissions.ts";
import { useCurrentSession } from "../../auth/session.ts";
import { ConfirmDialog } from "../../components/ConfirmDialog.tsx";
import { Field } from "../../components/Field.tsx";
import { formatDateTimeZoned, formatLongDate, formatRange, todayIn, zonedParts } from "../../lib/zoned.ts";
import { AppointmentResponses } from "./AppointmentResponses.tsx";
import { isMovable, type ScheduleRefs, STATUS_COLOR, STATUS_LABEL, useRefreshSchedule } from "./shared.ts";

const STATUS_ACTIONS: { status: AppointmentStatus; label: string; from: AppointmentStatus[] }[] = [
  { status: "arrived", label: "Arrived", from: ["booked", "pending"] },
  { status: "checked-in", label: "Checked in", from: ["booked", "pending", "arrived"] },
  { status: "fulfilled", label: "Fulfilled", from: ["arrived", "checked-in"] },
  { status: "noshow", label: "No-show", from: ["booked", "pending"] },
];

/** Status changes that cannot be taken back from the front desk: each asks for confirmation first. */
const CONFIRM_TEXT: Partial<Record<AppointmentStatus, { title: string; body: string; label: string }>> = {
  noshow: {
    title: "Mark as no-show?",
    body: "The visit's time is released (offered to the waitlist) and a no-show fee may be recorded. If it was a mistake, use Undo no-show.",
    label: "Mark no-show",
  },
  fulfilled: {
    title: "Check out (fulfilled)?",
    body: "The visit is recorded as done. This cannot be taken back here.",
    label: "Check out",
  },
};

/** Whether cancelling at `now` is late under the practice's policy (within lateCancelHours of the start). */
export function isLateCancel(start: string, now: number, lateCancelHours: number): boolean {
  return Date.parse(start) - now < lateCancelHours * 3_600_000;
}

export function AppointmentDrawer({
  appointment,
  refs,
  settings,
  canWrite,
  now,
  onClose,
  onReschedule,
}: {
  appointment: Appointment | null;
  refs: ScheduleRefs;
  settings: SchedulingSettings | undefined;
  canWrite: boolean;
  now: number;
  onClose: () => void;
  onReschedule: (appointment: Appointment) => void;
}) {
  const refresh = useRefreshSchedule();
  const canSeeFlow = can(useCurrentSession().permissions, P.flowRead);
  const [cancelling, setCancelling] = useState(false);
  const [reason, setReason] = useState("");
  const [by, setBy] = useState<CancelledBy>("patient");
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<AppointmentStatus | null>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: reset when another appointment opens
  useEffect(() => {
    setCancelling(false);
    setReason("");
    setBy("patient");
    setError(null);
    setConfirming(null);
  }, [appointment?.id]);

  const onFail = async (e: unknown) => {
    setError(e instanceof Error ? e.message : String(e));
    if (e instanceof ApiError && e.status === 409) await refresh();
  };

  const status = useMutation({
    mutationFn: (next: AppointmentStatus) =>
      scheduling.setStatus(appointment!.id, next, appointment!.version),
    onSuccess: async (a) => {
      notifications.show({
        color: "teal",
        title: "Status changed",
        message: `${a.patientName}: ${STATUS_LABEL[a.status]}`,
      });
      setError(null);
      setConfirming(null);
      await refresh();
    },
    onError: async (e) => {
      setConfirming(null);
      await onFail(e);
    },
  });

  const undoNoShow = useMutation({
    mutationFn: () =>
      scheduling.undoNoShow(appointment!.id, {
        reason: "Marked no-show by mistake",
        expectedVersion: appointment!.version,
      }),
    onSuccess: async (r) => {
      notifications.show({
        color: "teal",
        title: "No-show undone",
        message: `${r.appointment.patientName} is booked again${r.reversedFee ? `; the no-show fee of ${formatMoney(r.reversedFee.amountCents)} was reversed` : ""}.`,
      });
      setError(null);
      setConfirming(null);
      await refresh();
    },
    onError: async (e) => {
      setConfirming(null);
      await onFail(e);
    },
  });

  const cancel = useMutation({
    mutationFn: () =>
      scheduling.cancel(appointment!.id, {
        reason: reason.trim(),
        cancelledBy: by,
        expectedVersion: appointment!.version,
      }),
    onSuccess: async (a) => {
      notifications.show({
        color: a.lateCancel ? "orange" : "teal",
        title: a.lateCancel ? "Cancelled (late cancellation)" : "Cancelled",
        message: `${a.patientName}, ${formatDateTimeZoned(a.start, refs.timeZone)}. Any waitlist offers for the freed time are in the waitlist panel.`,
        autoClose: 8000,
      });
      setCancelling(false);
      setError(null);
      await refresh();
    },
    onError: onFail,
  });

  const a = appointment;
  const tz = refs.timeZone;
  const late = a && settings ? isLateCancel(a.start, now, settings.lateCancelHours) : false;
  return (
    <Drawer
      opened={a !== null}
      onClose={onClose}
      position="right"
      size="md"
      title={a ? <Text fw={700}>{a.patientName}</Text> : null}
      closeButtonProps={{ "aria-label": "Close details" }}
    >
      {a ? (
        <Stack gap="md">
          <Group gap="xs">
            <Badge color={STATUS_COLOR[a.status]} variant="light" size="lg">
              {STATUS_LABEL[a.status]}
            </Badge>
            {a.overbooked ? (
              <Badge color="red" variant="filled">
                Overbooked
              </Badge>
            ) : null}
            {a.lateCancel ? (
              <Badge color="orange" variant="filled">
                Late cancellation
              </Badge>
            ) : null}
          </Group>
          <Stack gap="sm" component="dl" m={0}>
            <Field label="When">
              {formatLongDate(zonedParts(Date.parse(a.start), tz).date)}, {formatRange(a.start, a.end, tz)}
            </Field>
            <Field label="Visit type">{refs.typeName(a.appointmentTypeId)}</Field>
            <Field label="Practitioner">{refs.practitionerName(a.practitionerId)}</Field>
            <Field label="Room">{a.roomId ? refs.roomName(a.roomId) : null}</Field>
            <Field label="Location">{refs.location.name}</Field>
            <Field label="Patient">
              <Link to={`/patients/${a.patientId}`}>{a.patientName}</Link>
            </Field>
            {canSeeFlow && zonedParts(Date.parse(a.start), tz).date === todayIn(tz, now) ? (
              <Field label="Today">
                <Link to={`/flow?location=${encodeURIComponent(refs.location.id)}`}>Open the flow board</Link>
              </Field>
            ) : null}
            {a.note ? <Field label="Note">{a.note}</Field> : null}
            <AppointmentResponses appointmentId={a.id} version={a.version} timeZone={tz} />
            {a.status === "cancelled" ? (
              <Field label="Cancelled">
                {a.cancelledAt ? formatDateTimeZoned(a.cancelledAt, tz) : ""}
                {a.cancelReason ? ` — ${a.cancelReason}` : ""}
                {a.lateCancel ? " (late)" : " (not late)"}
              </Field>
            ) : null}
          </Stack>
          {error ? (
            <Alert color="red" role="alert" title="Not changed">
              {error}
            </Alert>
          ) : null}
          {canWrite ? (
            <>
              <ConfirmDialog
                opened={confirming !== null}
                title={
                  confirming === "booked"
                    ? "Undo this no-show?"
                    : (CONFIRM_TEXT[confirming ?? "booked"]?.title ?? "")
                }
                confirmLabel={
                  confirming === "booked"
                    ? "Undo no-show"
                    : (CONFIRM_TEXT[confirming ?? "booked"]?.label ?? "")
                }
                danger={confirming === "noshow"}
                loading={status.isPending || undoNoShow.isPending}
                onCancel={() => setConfirming(null)}
                onConfirm={() =>
                  confirming === "booked" ? undoNoShow.mutate() : confirming && status.mutate(confirming)
                }
              >
                {confirming === "booked"
                  ? "The visit is booked again if its time is still free, and any no-show fee recorded for it is reversed. The audit trail records the undo."
                  : `${a.patientName}, ${formatRange(a.start, a.end, tz)}. ${CONFIRM_TEXT[confirming ?? "booked"]?.body ?? ""}`}
              </ConfirmDialog>
              <Divider label="Status" labelPosition="left" />
              <Group gap="xs">
                {STATUS_ACTIONS.filter((s) => s.from.includes(a.status)).map((s) => (
                  <Button
                    key={s.status}
                    size="xs"
                    variant="light"
                    color={STATUS_COLOR[s.status]}
                    loading={status.isPending && status.variables === s.status}
                    onClick={() =>
                      CONFIRM_TEXT[s.status] ? setConfirming(s.status) : status.mutate(s.status)
                    }
                  >
                    {s.label}
                  </Button>
                ))}
                {a.status === "noshow" ? (
                  <Button size="xs" variant="light" onClick={() => setConfirming("booked")}>
                    Undo no-show
                  </Button>
                ) : null}
                {a.status !== "noshow" && STATUS_ACTIONS.every((s) => !s.from.includes(a.status)) ? (
                  <Text size="sm" c="dimmed">
                    No status change from {STATUS_LABEL[a.status].toLowerCase()}.
                  </Text>
                ) : null}
              </Group>
              {isMovable(a.status) ? (
                <>
                  <Divider label="Change" labelPosition="left" />
                  <Group gap="xs">
                    <Button variant="default" onClick={() => onReschedule(a)}>
                      Reschedule
                    </Button>
                    <Button
                      variant="light"
                      color="red"
                      onClick={() => setCancelling(true)}
                      disabled={cancelling}
                    >
                      Cancel appointment
                    </Button>
                  </Group>
                  <Text size="xs" c="dimmed">
                    You can also drag the block to another time or column in the day view.
                  </Text>
                </>
              ) : null}
              {cancelling ? (
                <form
                  onSubmit={(e) => {
                    e.preventDefault();
                    if (reason.trim()) cancel.mutate();
                  }}
                >
                  <Stack gap="xs">
                    <Text size="sm" fw={600} id="cancelled-by-label">
                      Who asked to cancel?
                    </Text>
                    <SegmentedControl
                      aria-labelledby="cancelled-by-label"
                      value={by}
                      onChange={(v) => setBy(v as CancelledBy)}
                      data={[
                        { value: "patient", label: "Patient" },
                        { value: "practice", label: "Practice" },
                        { value: "practitioner", label: "Practitioner" },
                      ]}
                    />
                    <Textarea
                      label="Reason"
                      required
                      value={reason}
                      onChange={(e) => setReason(e.currentTarget.value)}
                      maxLength={500}
                      autosize
                      minRows={2}
                    />
                    {settings ? (
                      <Alert color={late ? "orange" : "gray"} variant="light">
                        {late
                          ? `This is a late cancellation: less than ${settings.lateCancelHours} h before the visit.`
                          : `Not late: more than ${settings.lateCancelHours} h before the visit.`}
                      </Alert>
                    ) : null}
                    <Group justify="flex-end">
                      <Button
                        variant="default"
                        onClick={() => setCancelling(false)}
                        disabled={cancel.isPending}
                      >
                        Keep appointment
                      </Button>
                      <Button type="submit" color="red" loading={cancel.isPending} disabled={!reason.trim()}>
                        Confirm cancellation
                      </Button>
                    </Group>
                  </Stack>
                </form>
              ) : null}
            </>
          ) : null}
        </Stack>
      ) : null}
    </Drawer>
  );
}

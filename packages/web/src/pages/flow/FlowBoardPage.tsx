import {
  Badge,
  Box,
  Button,
  Group,
  Paper,
  Select,
  Stack,
  Text,
  TextInput,
  Title,
  useMatches,
  VisuallyHidden,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import type { LocationView as Location } from "@salus/server/directory/schemas";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useMemo, useState } from "react";
import { Link } from "react-router-dom";
import { ApiError } from "../../api/client.ts";
import { locations, rooms } from "../../api/endpoints.ts";
import { can, P } from "../../auth/permissions.ts";
import { useCurrentSession } from "../../auth/session.ts";
import { ConfirmDialog } from "../../components/ConfirmDialog.tsx";
import { PageHeader } from "../../components/PageHeader.tsx";
import { errorMessage, LoadError, Loading } from "../../components/QueryState.tsx";
import { useUrlParams } from "../../components/useUrlState.ts";
import { formatLongDate, formatTime, todayIn, zoneAbbreviation } from "../../lib/zoned.ts";
import { useNow } from "../schedule/CalendarGrid.tsx";
import {
  type BoardVisit,
  boardKey,
  type FlowBoard,
  type FlowStepRequest,
  flow,
  type Proposal,
  type ProposalsResponse,
} from "./api.ts";
import { COLUMNS, columnOf, formatMinutes, type NextAction, sortVisits } from "./logic.ts";
import { OverbookingPanel } from "./OverbookingPanel.tsx";
import { ProposalsDialog } from "./ProposalsDialog.tsx";
import { CheckInDialog, LateDialog, RoomDialog } from "./StepDialogs.tsx";
import { useBoardStream } from "./useBoardStream.ts";
import { VisitCard } from "./VisitCard.tsx";

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The live flow board of one location and day: who waits where, for how long, and the next step. */
export function FlowBoardPage() {
  const [params, setParam] = useUrlParams();
  const locs = useQuery({
    queryKey: ["locations", { limit: 200 }],
    queryFn: ({ signal }) => locations.list({ limit: 200 }, signal),
  });
  const active = (locs.data?.items ?? []).filter((l) => l.active);
  const location = active.find((l) => l.id === params.get("location")) ?? active[0];

  if (locs.isPending) return <Loading label="Opening the flow board…" />;
  if (locs.isError) return <LoadError error={locs.error} onRetry={() => void locs.refetch()} />;
  if (!location) {
    return (
      <>
        <PageHeader title="Flow board" />
        <Text c="dimmed">Add a location first: the flow board is kept per location.</Text>
      </>
    );
  }
  return (
    <BoardView key={location.id} location={location} locations={active} params={params} setParam={setParam} />
  );
}

type Plan = {
  title: string;
  /** What asked for the proposals, so they can be asked for again after a 409. */
  origin:
    | { kind: "late"; appointmentId: string; minutesLate: number }
    | { kind: "overrun"; appointmentId: string }
    | { kind: "replan" };
  response: ProposalsResponse | null;
  notice: string | null;
  error: string | null;
};

function BoardView({
  location,
  locations: all,
  params,
  setParam,
}: {
  location: Location;
  locations: Location[];
  params: URLSearchParams;
  setParam: (changes: Record<string, string | null>) => void;
}) {
  const session = useCurrentSession();
  const canAct = can(session.permissions, P.scheduleWrite);
  const canManage = can(session.permissions, P.schedulingManage);
  const canSeeSchedule = can(session.permissions, P.scheduleRead) || canAct;
  const queryClient = useQueryClient();
  const now = useNow(15_000);
  const today = todayIn(location.timeZone, now);
  const date = DATE.test(params.get("date") ?? "") ? params.get("date")! : today;
  const practitionerFilter = params.get("practitioner");
  const q = useMemo(() => ({ locationId: location.id, date }), [location.id, date]);
  const stream = useBoardStream(q);
  // Most cards wait in the first column: on a wide screen it gets twice the room of the others.
  const gridColumns = useMatches({
    base: "minmax(0, 1fr)",
    xs: "repeat(2, minmax(0, 1fr))",
    md: "repeat(3, minmax(0, 1fr))",
    lg: "minmax(0, 2fr) repeat(4, minmax(0, 1fr))",
  });

  const board = useQuery({
    queryKey: boardKey(q),
    queryFn: ({ signal }) => flow.board(q, signal),
    refetchInterval: stream.pollMs,
  });
  const roomList = useQuery({
    queryKey: ["rooms", { locationId: location.id, limit: 200 }],
    queryFn: ({ signal }) => rooms.list({ locationId: location.id, limit: 200 }, signal),
  });
  const locationRooms = (roomList.data?.items ?? []).filter((r) => r.active && r.locationId === location.id);
  const refreshBoard = useCallback(
    () => queryClient.invalidateQueries({ queryKey: boardKey(q) }),
    [queryClient, q],
  );

  const tz = board.data?.timeZone ?? location.timeZone;
  const names = useMemo(
    () => new Map((board.data?.practitioners ?? []).map((p) => [p.id, p.name])),
    [board.data],
  );
  const practitionerName = useCallback((id: string) => names.get(id) ?? "Practitioner", [names]);

  // ---- flow steps ------------------------------------------------------------------------------
  const [checkIn, setCheckIn] = useState<BoardVisit | null>(null);
  // Checking out cannot be taken back from the board: it asks first (issue 10, item 4).
  const [checkingOut, setCheckingOut] = useState<BoardVisit | null>(null);
  const [rooming, setRooming] = useState<BoardVisit | null>(null);
  const [stepError, setStepError] = useState<string | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);
  const step = useMutation({
    mutationFn: ({ visit, body }: { visit: BoardVisit; body: Omit<FlowStepRequest, "version"> }) =>
      flow.step(visit.appointmentId, { ...body, version: visit.version }),
    onMutate: ({ visit }) => {
      setBusyId(visit.appointmentId);
      setStepError(null);
    },
    onSuccess: async (_answer, { visit, body }) => {
      notifications.show({
        color: "teal",
        title: "Updated",
        message: `${visit.patientName}: ${stepWords(body.step)}`,
        autoClose: 3000,
      });
      setCheckIn(null);
      setRooming(null);
      await refreshBoard();
    },
    onError: async (error, { visit }) => {
      const message = errorMessage(error);
      if (checkIn || rooming) setStepError(message);
      else
        notifications.show({
          color: "red",
          title: `Not updated: ${visit.patientName}`,
          message,
          autoClose: 8000,
        });
      // Someone else moved first (or the step is out of order): show the board as it is now.
      if (error instanceof ApiError && error.status === 409) await refreshBoard();
    },
    onSettled: () => setBusyId(null),
  });
  const onNext = (visit: BoardVisit, action: NextAction) => {
    setStepError(null);
    if (action.needs === "confirmations") setCheckIn(visit);
    else if (action.needs === "room") setRooming(visit);
    else if (action.step === "checked-out") setCheckingOut(visit);
    else step.mutate({ visit, body: { step: action.step } });
  };

  // ---- late arrivals and re-plans -------------------------------------------------------------------
  const [lateVisit, setLateVisit] = useState<BoardVisit | null>(null);
  const [lateError, setLateError] = useState<string | null>(null);
  const [plan, setPlan] = useState<Plan | null>(null);
  const askProposals = useMutation({
    mutationFn: (origin: Plan["origin"]) =>
      origin.kind === "late"
        ? flow.late({ appointmentId: origin.appointmentId, minutesLate: origin.minutesLate })
        : origin.kind === "overrun"
          ? flow.replan({ ...q, overrun: { appointmentId: origin.appointmentId } })
          : flow.replan(q),
    onSuccess: (response) => {
      setLateVisit(null);
      setPlan((current) => (current ? { ...current, response, error: null } : current));
      void refreshBoard();
    },
    onError: (error) => {
      if (lateVisit) {
        // Still on the "Late…" dialog: the message goes there and no proposals dialog opens.
        setLateError(errorMessage(error));
        setPlan(null);
        return;
      }
      setPlan((current) => (current ? { ...current, error: errorMessage(error) } : current));
    },
  });
  const openPlan = (title: string, origin: Plan["origin"]) => {
    setPlan({ title, origin, response: null, notice: null, error: null });
    askProposals.mutate(origin);
  };
  const accept = useMutation({
    mutationFn: (proposal: Proposal) => flow.accept(proposal.id),
    onSuccess: async (_answer, proposal) => {
      const told = proposal.notify.length;
      notifications.show({
        color: "teal",
        title: "Re-plan accepted",
        message:
          told === 0
            ? proposal.title
            : `${proposal.title}. ${told === 1 ? "1 patient is" : `${told} patients are`} told the new time.`,
        autoClose: 6000,
      });
      setPlan(null);
      await refreshBoard();
    },
    onError: (error) => {
      const dayChanged =
        error instanceof ApiError &&
        error.status === 409 &&
        error.details.some((d) => ApiError.fieldOf(d) === "dayVersion");
      if (dayChanged && plan) {
        // The day changed since these proposals were made: say so and show fresh ones.
        setPlan({
          ...plan,
          response: null,
          error: null,
          notice: `${error.message} Here are fresh proposals.`,
        });
        askProposals.mutate(plan.origin);
        void refreshBoard();
        return;
      }
      // Any other refusal (a booking rule, already accepted): the server's own words, proposals kept.
      setPlan((current) => (current ? { ...current, error: errorMessage(error) } : current));
      if (error instanceof ApiError && error.status === 409) void refreshBoard();
    },
  });

  const visits = (board.data?.visits ?? []).filter(
    (v) => !practitionerFilter || v.practitionerId === practitionerFilter,
  );
  const byColumn = new Map(COLUMNS.map((c) => [c.id, [] as BoardVisit[]]));
  for (const visit of visits) byColumn.get(columnOf(visit))!.push(visit);

  return (
    <>
      <PageHeader
        title="Flow board"
        description={`${location.name} · ${formatLongDate(date)} · times in ${zoneAbbreviation(Date.parse(`${date}T12:00:00Z`), tz)}`}
        actions={
          <>
            {canManage ? (
              <Button component={Link} to="/flow/settings" variant="default">
                Flow settings
              </Button>
            ) : null}
            {canAct ? (
              <Button
                variant="light"
                onClick={() => openPlan("Re-plan the day", { kind: "replan" })}
                disabled={!board.data}
              >
                Re-plan day
              </Button>
            ) : null}
          </>
        }
      />
      <Group gap="sm" mb="md" align="flex-end" wrap="wrap">
        <Select
          label="Location"
          data={all.map((l) => ({ value: l.id, label: l.name }))}
          value={location.id}
          onChange={(v) => v && setParam({ location: v, practitioner: null })}
          allowDeselect={false}
          w={220}
        />
        <TextInput
          type="date"
          label="Date"
          value={date}
          onChange={(e) => e.currentTarget.value && setParam({ date: e.currentTarget.value })}
          w={160}
        />
        {date !== today ? (
          <Button variant="subtle" onClick={() => setParam({ date: null })}>
            Today
          </Button>
        ) : null}
        <Select
          label="Practitioner"
          data={[
            { value: "", label: "All practitioners" },
            ...(board.data?.practitioners ?? []).map((p) => ({ value: p.id, label: p.name })),
          ]}
          value={practitionerFilter ?? ""}
          onChange={(v) => setParam({ practitioner: v || null })}
          allowDeselect={false}
          w={220}
        />
        <Badge
          variant="dot"
          color={stream.state === "live" ? "teal" : stream.state === "down" ? "orange" : "gray"}
          data-testid="stream-state"
          title={
            stream.state === "live"
              ? "Changes appear as they happen."
              : "The live connection is down: the board refreshes every 30 seconds."
          }
        >
          {stream.state === "live"
            ? "Live"
            : stream.state === "down"
              ? "Refreshing every 30 s"
              : "Connecting…"}
        </Badge>
      </Group>

      {board.isPending ? <Loading label="Loading the board…" /> : null}
      {board.isError ? <LoadError error={board.error} onRetry={() => void board.refetch()} /> : null}
      {board.data ? (
        <Stack gap="md">
          <PractitionerStrip board={board.data} filter={practitionerFilter} />
          {board.data.visits.length === 0 ? (
            <Text c="dimmed">No visits at this location on this day.</Text>
          ) : null}
          <Box
            style={{ display: "grid", gridTemplateColumns: gridColumns, gap: "var(--mantine-spacing-sm)" }}
            className="salus-flow-board"
          >
            {COLUMNS.map((column) => {
              const cards = sortVisits(byColumn.get(column.id) ?? []);
              const headingId = `flow-col-${column.id}`;
              return (
                <Paper
                  key={column.id}
                  withBorder
                  p="xs"
                  component="section"
                  aria-labelledby={headingId}
                  data-column={column.id}
                  bg="gray.0"
                >
                  <Group justify="space-between" mb="xs" wrap="nowrap" gap={4}>
                    <Title order={2} size="h5" id={headingId}>
                      {column.label}
                    </Title>
                    <Text size="sm" c="dimmed" fw={700}>
                      {cards.length}
                      <VisuallyHidden> visits</VisuallyHidden>
                    </Text>
                  </Group>
                  <Stack gap="xs">
                    {cards.map((visit) => (
                      <VisitCard
                        key={visit.appointmentId}
                        visit={visit}
                        now={now}
                        thresholds={board.data.thresholds}
                        timeZone={tz}
                        practitionerName={practitionerName(visit.practitionerId)}
                        canAct={canAct}
                        busy={busyId === visit.appointmentId}
                        onNext={onNext}
                        onOverrun={(v) =>
                          openPlan(`${v.patientName}: visit running over`, {
                            kind: "overrun",
                            appointmentId: v.appointmentId,
                          })
                        }
                        onLate={(v) => {
                          setLateError(null);
                          setLateVisit(v);
                        }}
                      />
                    ))}
                  </Stack>
                </Paper>
              );
            })}
          </Box>
          {canSeeSchedule ? (
            <OverbookingPanel
              q={q}
              dayVersion={board.data.dayVersion}
              timeZone={tz}
              practitionerName={practitionerName}
            />
          ) : null}
          <Text size="xs" c="dimmed">
            Waits turn orange at {formatMinutes(board.data.thresholds.waitWarnMinutes)} and red at{" "}
            {formatMinutes(board.data.thresholds.waitAlertMinutes)} (marked ⚠ and ‼).
          </Text>
        </Stack>
      ) : null}

      <ConfirmDialog
        opened={checkingOut !== null}
        title="Check out?"
        confirmLabel="Check out"
        loading={step.isPending}
        onCancel={() => setCheckingOut(null)}
        onConfirm={() => {
          if (checkingOut) step.mutate({ visit: checkingOut, body: { step: "checked-out" } });
          setCheckingOut(null);
        }}
      >
        {checkingOut
          ? `${checkingOut.patientName}: the visit is recorded as done. This cannot be taken back.`
          : ""}
      </ConfirmDialog>
      <CheckInDialog
        visit={checkIn}
        busy={step.isPending}
        error={stepError}
        onClose={() => setCheckIn(null)}
        onConfirm={(confirmed) =>
          checkIn && step.mutate({ visit: checkIn, body: { step: "checked-in", ...confirmed } })
        }
      />
      <RoomDialog
        visit={rooming}
        rooms={locationRooms}
        busy={step.isPending}
        error={stepError}
        onClose={() => setRooming(null)}
        onConfirm={(roomId) => rooming && step.mutate({ visit: rooming, body: { step: "roomed", roomId } })}
      />
      <LateDialog
        visit={lateVisit}
        busy={askProposals.isPending}
        error={lateError}
        onClose={() => setLateVisit(null)}
        onConfirm={(minutesLate) =>
          lateVisit &&
          openPlan(`${lateVisit.patientName}: ${formatMinutes(minutesLate)} late`, {
            kind: "late",
            appointmentId: lateVisit.appointmentId,
            minutesLate,
          })
        }
      />
      <ProposalsDialog
        opened={
          plan !== null && (plan.response !== null || plan.origin.kind !== "late" || plan.notice !== null)
        }
        title={plan?.title ?? ""}
        response={plan?.response ?? null}
        loading={askProposals.isPending}
        error={plan?.error ?? null}
        notice={plan?.notice ?? null}
        acceptingId={accept.isPending ? (accept.variables?.id ?? null) : null}
        timeZone={tz}
        practitionerName={practitionerName}
        onAccept={(proposal) => accept.mutate(proposal)}
        onClose={() => setPlan(null)}
      />
    </>
  );
}

function stepWords(step: FlowStepRequest["step"]): string {
  return {
    arrived: "arrived",
    "checked-in": "checked in",
    roomed: "roomed",
    "with-practitioner": "with the practitioner",
    "checked-out": "checked out",
  }[step];
}

function PractitionerStrip({ board, filter }: { board: FlowBoard; filter: string | null }) {
  const shown = board.practitioners.filter((p) => !filter || p.id === filter);
  if (shown.length === 0) return null;
  return (
    <Group gap="xs" wrap="wrap" aria-label="Practitioners' day">
      {shown.map((p) => (
        <Paper key={p.id} withBorder px="sm" py={4} data-practitioner-id={p.id}>
          <Text size="sm" fw={600} span>
            {p.name}
          </Text>
          <Text size="sm" c="dimmed" span>
            {" "}
            · ends {p.expectedEndOfDay ? formatTime(p.expectedEndOfDay, board.timeZone) : "—"}
          </Text>
          {p.overtimeMinutes > 0 ? (
            <Badge ml={6} size="sm" color="orange" variant="light">
              {formatMinutes(p.overtimeMinutes)} over
            </Badge>
          ) : null}
        </Paper>
      ))}
    </Group>
  );
}

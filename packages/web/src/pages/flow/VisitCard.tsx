import { Badge, Button, Card, Group, Popover, Stack, Text, UnstyledButton } from "@mantine/core";
import { formatTime } from "../../lib/zoned.ts";
import type { BoardVisit, NoShowRisk, WaitThresholds } from "./api.ts";
import {
  canMarkLate,
  canReportOverrun,
  formatMinutes,
  type NextAction,
  nextAction,
  otherActions,
  percent,
  riskLevel,
  WAIT_LEVEL_STYLE,
  waitedMinutes,
  waitLabel,
  waitLevel,
} from "./logic.ts";

const RISK_COLOR = { low: "gray", medium: "yellow", high: "red" } as const;

const STEP_LABEL: Record<string, string> = {
  arrived: "Arrived",
  "checked-in": "Checked in",
  roomed: "Roomed",
  "with-practitioner": "With practitioner",
  "checked-out": "Checked out",
};

/** One visit on the flow board: who, when, how long they wait, and the next step in one click. */
export function VisitCard({
  visit,
  now,
  thresholds,
  timeZone,
  practitionerName,
  canAct,
  busy,
  onNext,
  onLate,
  onOverrun,
}: {
  visit: BoardVisit;
  now: number;
  thresholds: WaitThresholds;
  timeZone: string;
  practitionerName: string;
  canAct: boolean;
  busy: boolean;
  onNext: (visit: BoardVisit, action: NextAction) => void;
  onLate: (visit: BoardVisit) => void;
  onOverrun?: (visit: BoardVisit) => void;
}) {
  const waited = waitedMinutes(visit, now);
  const level = waitLevel(waited, thresholds);
  const style = WAIT_LEVEL_STYLE[level];
  const action = nextAction(visit);
  const others = otherActions(visit);
  const overrun = onOverrun !== undefined && canReportOverrun(visit);
  const time = formatTime(visit.start, timeZone);
  const expectedMoved =
    visit.expectedStart !== null &&
    Math.abs(Date.parse(visit.expectedStart) - Date.parse(visit.start)) >= 60_000;
  const stepLabel =
    visit.status === "noshow" ? "No-show" : visit.flowStep ? STEP_LABEL[visit.flowStep] : null;
  return (
    <Card
      withBorder
      padding="xs"
      component="article"
      aria-label={`${visit.patientName}, ${time}, ${visit.typeName}`}
      data-appointment-id={visit.appointmentId}
      data-wait-level={level}
      style={
        level === "ok"
          ? undefined
          : { borderColor: `var(--mantine-color-${style.color}-6)`, borderLeftWidth: 5 }
      }
    >
      <Stack gap={4}>
        <Text fw={700} size="sm" lh={1.2}>
          {visit.patientName}
        </Text>
        <Text size="xs" c="dimmed">
          {time} · {visit.typeName} · {practitionerName}
        </Text>
        <Group gap={4}>
          {visit.noShowRisk ? <RiskBadge risk={visit.noShowRisk} patient={visit.patientName} /> : null}
          {stepLabel ? (
            <Badge size="sm" variant="light" color={visit.status === "noshow" ? "red" : "blue"}>
              {stepLabel}
              {visit.roomName && visit.flowStep !== "checked-out" ? ` · ${visit.roomName}` : ""}
            </Badge>
          ) : null}
          {visit.lateMinutes !== null && visit.lateMinutes > 0 ? (
            <Badge size="sm" variant="light" color="grape">
              Late {formatMinutes(visit.lateMinutes)}
            </Badge>
          ) : null}
        </Group>
        {waited !== null && visit.waitingSince !== null ? (
          <Text size="sm" fw={level === "ok" ? 500 : 700} c={level === "ok" ? undefined : `${style.color}.8`}>
            <span aria-hidden="true">{style.icon} </span>
            {waitLabel(waited, level)}
          </Text>
        ) : null}
        {expectedMoved && visit.flowStep !== "checked-out" && visit.flowStep !== "with-practitioner" ? (
          <Text size="xs">Expected start {formatTime(visit.expectedStart!, timeZone)}</Text>
        ) : null}
        {canAct && (action || others.length > 0 || overrun || canMarkLate(visit)) ? (
          <Group gap={4} mt={2}>
            {action ? (
              <Button
                size="compact-sm"
                onClick={() => onNext(visit, action)}
                loading={busy}
                aria-label={`${action.label}: ${visit.patientName}`}
              >
                {action.label}
                {action.needs === "none" ? "" : "…"}
              </Button>
            ) : null}
            {others.map((other) => (
              <Button
                key={other.step}
                size="compact-sm"
                variant="light"
                onClick={() => onNext(visit, other)}
                disabled={busy}
                aria-label={`${other.label}: ${visit.patientName}`}
              >
                {other.label}
                {other.needs === "none" ? "" : "…"}
              </Button>
            ))}
            {overrun ? (
              <Button
                size="compact-sm"
                variant="default"
                onClick={() => onOverrun?.(visit)}
                disabled={busy}
                aria-label={`Running over: ${visit.patientName}`}
              >
                Running over
              </Button>
            ) : null}
            {canMarkLate(visit) ? (
              <Button
                size="compact-sm"
                variant="default"
                onClick={() => onLate(visit)}
                disabled={busy}
                aria-label={`Late: ${visit.patientName}`}
              >
                Late…
              </Button>
            ) : null}
          </Group>
        ) : null}
      </Stack>
    </Card>
  );
}

function RiskBadge({ risk, patient }: { risk: NoShowRisk; patient: string }) {
  const level = riskLevel(risk.probability);
  return (
    <Popover width={260} position="bottom-end" withArrow shadow="md">
      <Popover.Target>
        <UnstyledButton aria-label={`No-show risk ${percent(risk.probability)} for ${patient}: show reasons`}>
          <Badge size="sm" color={RISK_COLOR[level]} variant={level === "low" ? "outline" : "light"}>
            No-show {percent(risk.probability)}
          </Badge>
        </UnstyledButton>
      </Popover.Target>
      <Popover.Dropdown>
        <Text size="sm" fw={700}>
          No-show risk {percent(risk.probability)} ({level})
        </Text>
        {risk.reasons.length > 0 ? (
          <ul style={{ margin: "4px 0 0", paddingLeft: 18 }}>
            {risk.reasons.map((reason) => (
              <li key={reason}>
                <Text size="sm">{reason}</Text>
              </li>
            ))}
          </ul>
        ) : (
          <Text size="sm">No single reason stands out.</Text>
        )}
      </Popover.Dropdown>
    </Popover>
  );
}

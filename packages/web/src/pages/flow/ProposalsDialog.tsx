import { Alert, Badge, Button, Card, Group, List, Modal, Stack, Text } from "@mantine/core";
import { formatTime } from "../../lib/zoned.ts";
import type { Proposal, ProposalsResponse } from "./api.ts";
import { describeChange, describeMetrics, describeScore, orderProposals } from "./logic.ts";

/**
 * The re-plan dialog: Salus's proposals for the rest of the day, recommended first, each with what moves,
 * its figures and who will be told a new time. One click accepts.
 */
export function ProposalsDialog({
  opened,
  title,
  response,
  loading,
  error,
  notice,
  acceptingId,
  timeZone,
  practitionerName,
  onAccept,
  onClose,
}: {
  opened: boolean;
  title: string;
  response: ProposalsResponse | null;
  loading: boolean;
  error: string | null;
  /** Shown above the proposals, e.g. "The day changed: here are fresh proposals". */
  notice: string | null;
  acceptingId: string | null;
  timeZone: string;
  practitionerName: (id: string) => string;
  onAccept: (proposal: Proposal) => void;
  onClose: () => void;
}) {
  const proposals = response ? orderProposals(response.proposals) : [];
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={title}
      size="lg"
      closeButtonProps={{ "aria-label": "Close" }}
    >
      <Stack gap="sm">
        {notice ? (
          <Alert color="yellow" role="status" variant="light">
            {notice}
          </Alert>
        ) : null}
        {error ? (
          <Alert color="red" role="alert" variant="light">
            {error}
          </Alert>
        ) : null}
        {loading ? (
          <Text c="dimmed" size="sm" role="status">
            Working out proposals…
          </Text>
        ) : null}
        {!loading && response && proposals.length === 0 ? (
          <Text size="sm">Nothing needs to move: the day still works as planned.</Text>
        ) : null}
        {proposals.map((proposal) => (
          <ProposalCard
            key={proposal.id}
            proposal={proposal}
            timeZone={timeZone}
            practitionerName={practitionerName}
            accepting={acceptingId === proposal.id}
            disabled={acceptingId !== null || loading}
            onAccept={() => onAccept(proposal)}
          />
        ))}
      </Stack>
    </Modal>
  );
}

function ProposalCard({
  proposal,
  timeZone,
  practitionerName,
  accepting,
  disabled,
  onAccept,
}: {
  proposal: Proposal;
  timeZone: string;
  practitionerName: (id: string) => string;
  accepting: boolean;
  disabled: boolean;
  onAccept: () => void;
}) {
  const headingId = `proposal-${proposal.id}`;
  return (
    <Card
      withBorder
      padding="sm"
      component="section"
      aria-labelledby={headingId}
      data-proposal-id={proposal.id}
      data-kind={proposal.kind}
      style={
        proposal.recommended ? { borderColor: "var(--mantine-color-teal-6)", borderWidth: 2 } : undefined
      }
    >
      <Stack gap={6}>
        <Group justify="space-between" wrap="nowrap" align="flex-start">
          <Text fw={700} id={headingId} component="h3" m={0} size="md">
            {proposal.title}
          </Text>
          {proposal.recommended ? (
            <Badge color="teal" variant="filled">
              Recommended
            </Badge>
          ) : null}
        </Group>
        <Text size="sm">{proposal.explanation}</Text>
        {proposal.changes.length > 0 ? (
          <div>
            <Text size="xs" fw={700} c="dimmed" tt="uppercase">
              Changes
            </Text>
            <List size="sm" spacing={2}>
              {proposal.changes.map((change) => (
                <List.Item key={change.appointmentId}>
                  {describeChange(change, timeZone, practitionerName)}
                </List.Item>
              ))}
            </List>
          </div>
        ) : (
          <Text size="sm" c="dimmed">
            No visit moves.
          </Text>
        )}
        <Text size="sm" c="dimmed">
          {describeMetrics(proposal.metrics)}
        </Text>
        {describeScore(proposal) ? (
          <Text size="sm" c="dimmed" data-testid="proposal-score">
            {describeScore(proposal)}
          </Text>
        ) : null}
        {proposal.notify.length > 0 ? (
          <div>
            <Text size="xs" fw={700} c="dimmed" tt="uppercase">
              Will be told the new time
            </Text>
            <List size="sm" spacing={2}>
              {proposal.notify.map((n) => (
                <List.Item key={n.appointmentId}>
                  {n.patientName}: {formatTime(n.oldExpectedStart, timeZone)} →{" "}
                  {n.newExpectedStart ? formatTime(n.newExpectedStart, timeZone) : "a new time to be agreed"}
                  {n.reason === "moved" && n.practitionerId
                    ? ` with ${practitionerName(n.practitionerId)}`
                    : n.reason === "earlier"
                      ? " (earlier than they were told)"
                      : ""}
                </List.Item>
              ))}
            </List>
          </div>
        ) : (
          <Text size="sm" c="dimmed">
            Nobody needs to be told a new time.
          </Text>
        )}
        <Group justify="flex-end">
          <Button
            onClick={onAccept}
            loading={accepting}
            disabled={disabled && !accepting}
            aria-label={`Accept: ${proposal.title}`}
          >
            Accept
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

import {
  Anchor,
  Badge,
  Button,
  EmptyState,
  Group,
  List,
  Modal,
  Radio,
  SegmentedControl,
  Spoiler,
  Stack,
  Table,
  Text,
  Textarea,
} from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router-dom";
import { FormError } from "../../components/FormError.tsx";
import { notifySuccess } from "../../components/notify.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { LoadError, Loading } from "../../components/QueryState.tsx";
import { useServerErrors } from "../../components/useServerErrors.ts";
import { formatDateTime, personName } from "../../lib/format.ts";
import { RecordText } from "../patients/chart/NotesPanel.tsx";
import {
  type BreakGlassActivity,
  type BreakGlassQueueItem,
  breakGlass,
} from "../patients/chart/recordsApi.ts";

/** The privacy officer's review queue: every emergency access, with its reason, until reviewed. */
export function BreakGlassQueuePage() {
  const [status, setStatus] = useState<"pending" | "reviewed">("pending");
  const [reviewing, setReviewing] = useState<BreakGlassQueueItem | null>(null);
  const query = useQuery({
    queryKey: ["break-glass", "queue", status],
    queryFn: ({ signal }) => breakGlass.list(status, signal),
  });
  return (
    <>
      <PageHeader
        title="Emergency access review"
        description="Each use of break-glass, with the reason given and everything read or written under it. Review whether it was appropriate. Visits and encounters written under emergency access give the clinician no lasting access to the patient."
      />
      <SegmentedControl
        mb="md"
        value={status}
        onChange={(v) => setStatus(v as "pending" | "reviewed")}
        data={[
          { value: "pending", label: "To review" },
          { value: "reviewed", label: "Reviewed" },
        ]}
      />
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <LoadError error={query.error} onRetry={() => void query.refetch()} />
      ) : query.data.items.length === 0 ? (
        <EmptyState py="xl" title={status === "pending" ? "Nothing to review" : "No reviews yet"} />
      ) : (
        <Table.ScrollContainer minWidth={1080}>
          <Table striped verticalSpacing="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Opened</Table.Th>
                <Table.Th scope="col">By</Table.Th>
                <Table.Th scope="col">Patient</Table.Th>
                <Table.Th scope="col">Reason</Table.Th>
                <Table.Th scope="col">Until</Table.Th>
                <Table.Th scope="col">Done under it</Table.Th>
                <Table.Th scope="col">{status === "pending" ? "Review" : "Outcome"}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {query.data.items.map((g) => (
                <Table.Tr key={g.id}>
                  <Table.Td>{formatDateTime(g.openedAt)}</Table.Td>
                  <Table.Td>
                    {g.user.displayName}
                    <Text size="xs" c="dimmed">
                      {g.user.email}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Anchor component={Link} to={`/patients/${g.patientId}?tab=privacy`} size="sm">
                      {personName(g.patient)}
                    </Anchor>
                    <Text size="xs" c="dimmed" ff="monospace">
                      {g.patient.mrn}
                    </Text>
                  </Table.Td>
                  <Table.Td maw={320}>
                    <RecordText>{g.reason}</RecordText>
                  </Table.Td>
                  <Table.Td>{formatDateTime(g.expiresAt)}</Table.Td>
                  <Table.Td maw={360}>
                    <Spoiler maxHeight={140} showLabel="Show all" hideLabel="Show less">
                      <ActivityList items={g.activity} truncated={g.activityTruncated} />
                    </Spoiler>
                  </Table.Td>
                  <Table.Td>
                    {status === "pending" ? (
                      <Button size="xs" onClick={() => setReviewing(g)}>
                        Review
                      </Button>
                    ) : (
                      <Stack gap={2}>
                        <Badge color={g.reviewOutcome === "appropriate" ? "teal" : "red"} variant="light">
                          {g.reviewOutcome}
                        </Badge>
                        {g.reviewNote ? <RecordText>{g.reviewNote}</RecordText> : null}
                        <Text size="xs" c="dimmed">
                          {formatDateTime(g.reviewedAt)}
                        </Text>
                      </Stack>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Modal opened={reviewing !== null} onClose={() => setReviewing(null)} title="Review emergency access">
        {reviewing ? <ReviewForm grant={reviewing} onDone={() => setReviewing(null)} /> : null}
      </Modal>
    </>
  );
}

function ReviewForm({ grant, onDone }: { grant: BreakGlassQueueItem; onDone: () => void }) {
  const queryClient = useQueryClient();
  const [outcome, setOutcome] = useState<"appropriate" | "inappropriate">("appropriate");
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const errors = useServerErrors(["outcome", "note"]);
  return (
    <Stack>
      <Text size="sm">
        {grant.user.displayName} opened the chart of {personName(grant.patient)} on{" "}
        {formatDateTime(grant.openedAt)}.
      </Text>
      <RecordText>{`Reason given: ${grant.reason ?? ""}`}</RecordText>
      <Text size="sm" fw={600}>
        Done under this access
      </Text>
      <ActivityList items={grant.activity} truncated={grant.activityTruncated} />
      <FormError message={errors.form} />
      <Radio.Group label="Outcome" value={outcome} onChange={(v) => setOutcome(v as typeof outcome)}>
        <Group mt={4}>
          <Radio value="appropriate" label="Appropriate" />
          <Radio value="inappropriate" label="Inappropriate" />
        </Group>
      </Radio.Group>
      <Textarea
        label="Review note"
        autosize
        minRows={2}
        value={note}
        error={errors.fields.note}
        onChange={(e) => setNote(e.currentTarget.value)}
        required={outcome === "inappropriate"}
      />
      <Group justify="flex-end">
        <Button variant="default" onClick={onDone} disabled={busy}>
          Cancel
        </Button>
        <Button
          loading={busy}
          onClick={async () => {
            setBusy(true);
            errors.clear();
            try {
              await breakGlass.review(grant.id, { outcome, note: note.trim() || null });
              await queryClient.invalidateQueries({ queryKey: ["break-glass"] });
              notifySuccess("Review recorded.");
              onDone();
            } catch (error) {
              errors.set(error);
              setBusy(false);
            }
          }}
        >
          Record review
        </Button>
      </Group>
    </Stack>
  );
}

/**
 * What was read and written under one grant, oldest first, in the server's plain words. Writes (a visit
 * booked, an encounter recorded) are marked; a link appears only where the reviewer may open that part
 * of the chart.
 */
function ActivityList({ items, truncated }: { items: BreakGlassActivity[]; truncated: boolean }) {
  if (items.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        Nothing recorded under it.
      </Text>
    );
  }
  const written = items.filter((a) => a.wrote && a.outcome === "success").length;
  return (
    <Stack gap={4}>
      <Text size="xs" c="dimmed">
        {items.length} {items.length === 1 ? "action" : "actions"}, {written}{" "}
        {written === 1 ? "write" : "writes"}
      </Text>
      <List size="sm" spacing={2} aria-label="Done under emergency access">
        {items.map((a, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: entries have no id of their own; the list never reorders.
          <List.Item key={i}>
            <Text span size="xs" c="dimmed">
              {formatDateTime(a.at)}{" "}
            </Text>
            {a.wrote ? (
              <Badge size="xs" color="orange" variant="light" mr={4}>
                wrote
              </Badge>
            ) : null}
            {a.open ? (
              <Anchor component={Link} to={`/patients/${a.open.patientId}?tab=${a.open.tab}`} size="sm">
                {a.text}
              </Anchor>
            ) : (
              <Text span size="sm">
                {a.text}
              </Text>
            )}
          </List.Item>
        ))}
      </List>
      {truncated ? (
        <Text size="xs" c="dimmed">
          More happened than this list shows; the audit trail has every entry.
        </Text>
      ) : null}
    </Stack>
  );
}

import {
  Anchor,
  Badge,
  Button,
  EmptyState,
  Group,
  Modal,
  Radio,
  SegmentedControl,
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
import { type BreakGlassQueueItem, breakGlass } from "../patients/chart/recordsApi.ts";

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
        description="Each use of break-glass, with the reason given. Review whether it was appropriate; the access report of the patient shows what was opened."
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
        <Table.ScrollContainer minWidth={860}>
          <Table striped verticalSpacing="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Opened</Table.Th>
                <Table.Th scope="col">By</Table.Th>
                <Table.Th scope="col">Patient</Table.Th>
                <Table.Th scope="col">Reason</Table.Th>
                <Table.Th scope="col">Until</Table.Th>
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

import { Anchor, Badge, Button, Group, List, Radio, Stack, Text, Textarea } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router-dom";
import { FormError } from "../../components/FormError.tsx";
import { PageHeader } from "../../components/PageHeader.tsx";
import { type ReviewAction, type ReviewColumn, ReviewQueue } from "../../components/ReviewQueue.tsx";
import { useSubmit } from "../../components/useSubmit.ts";
import { urlParam, useUrlState } from "../../components/useUrlState.ts";
import { formatDateTime, personName } from "../../lib/format.ts";
import { RecordText } from "../patients/chart/NotesPanel.tsx";
import {
  type BreakGlassActivity,
  type BreakGlassQueueItem,
  breakGlass,
} from "../patients/chart/recordsApi.ts";

type QueueStatus = "pending" | "reviewed";

const STATUSES = [
  { value: "pending", label: "To review" },
  { value: "reviewed", label: "Reviewed" },
] as const;

// The filter lives in the address, so Back from a chart opened from the queue returns to the same list.
const URL_STATE = {
  status: urlParam.oneOf<QueueStatus>(
    STATUSES.map((s) => s.value),
    "pending",
  ),
};

const COLUMNS: ReviewColumn<BreakGlassQueueItem>[] = [
  { header: "Opened", cell: (g) => formatDateTime(g.openedAt) },
  {
    header: "By",
    cell: (g) => (
      <>
        {g.user.displayName}
        <Text size="xs" c="dimmed">
          {g.user.email}
        </Text>
      </>
    ),
  },
  {
    header: "Patient",
    cell: (g) => (
      <>
        <Anchor component={Link} to={`/patients/${g.patientId}?tab=privacy`} size="sm">
          {personName(g.patient)}
        </Anchor>
        <Text size="xs" c="dimmed" ff="monospace">
          {g.patient.mrn}
        </Text>
      </>
    ),
  },
  { header: "Reason", maw: 320, cell: (g) => <RecordText>{g.reason}</RecordText> },
  { header: "Until", cell: (g) => formatDateTime(g.expiresAt) },
];

const ACTIONS: ReviewAction<BreakGlassQueueItem>[] = [
  {
    label: "Review",
    title: "Review emergency access",
    form: (grant, close) => <ReviewForm grant={grant} onDone={close} />,
  },
];

/** The privacy officer's review queue: every emergency access, with its reason, until reviewed. */
export function BreakGlassQueuePage() {
  const [{ status }, setUrl] = useUrlState(URL_STATE);
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
      <ReviewQueue
        label="Emergency access to review"
        query={query}
        itemKey={(g) => g.id}
        itemName={(g) => `${g.user.displayName} on ${personName(g.patient)}`}
        filters={[
          {
            label: "Status",
            value: status,
            options: STATUSES,
            onChange: (value) => setUrl({ status: value as QueueStatus }),
          },
        ]}
        columns={COLUMNS}
        details={{
          header: "Done under it",
          render: (g) => <ActivityList items={g.activity} truncated={g.activityTruncated} />,
        }}
        awaiting={(g) => g.reviewedAt === null}
        actions={ACTIONS}
        decisionHeader={status === "pending" ? "Review" : "Outcome"}
        outcome={(g) => (
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
        empty={status === "pending" ? "Nothing to review" : "No reviews yet"}
        noun={["use of emergency access", "uses of emergency access"]}
        minWidth={1080}
      />
    </>
  );
}

function ReviewForm({ grant, onDone }: { grant: BreakGlassQueueItem; onDone: () => void }) {
  const [outcome, setOutcome] = useState<"appropriate" | "inappropriate">("appropriate");
  const [note, setNote] = useState("");
  const submit = useSubmit({
    action: () => breakGlass.review(grant.id, { outcome, note: note.trim() || null }),
    fields: ["outcome", "note"],
    invalidate: [["break-glass"]],
    success: "Review recorded.",
    onSuccess: onDone,
  });
  return (
    <form onSubmit={submit.onSubmit()} aria-label="Emergency access review" noValidate>
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
        <FormError message={submit.errors.form} />
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
          error={submit.errors.fields.note}
          onChange={(e) => setNote(e.currentTarget.value)}
          required={outcome === "inappropriate"}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone} disabled={submit.pending}>
            Cancel
          </Button>
          <Button type="submit" loading={submit.pending}>
            Record review
          </Button>
        </Group>
      </Stack>
    </form>
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

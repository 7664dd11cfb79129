import { Anchor, Button, Group, Radio, Stack, Text, Textarea } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router-dom";
import { FormError } from "../../components/FormError.tsx";
import { PageHeader } from "../../components/PageHeader.tsx";
import { type ReviewAction, type ReviewColumn, ReviewQueue } from "../../components/ReviewQueue.tsx";
import { useSubmit } from "../../components/useSubmit.ts";
import { urlParam, useUrlState } from "../../components/useUrlState.ts";
import { formatDate } from "../../lib/format.ts";
import { RecordText } from "../patients/chart/NotesPanel.tsx";
import { type Amendment, type AmendmentStatus, privacy } from "./api.ts";
import { AmendmentBadge } from "./PatientPrivacyTab.tsx";

const STATUSES = [
  { value: "pending", label: "Pending" },
  { value: "accepted", label: "Accepted" },
  { value: "denied", label: "Denied" },
] as const;

// The status filter lives in the address, so Back from a patient's chart returns to the same list.
const URL_STATE = {
  status: urlParam.oneOf<AmendmentStatus>(
    STATUSES.map((s) => s.value),
    "pending",
  ),
};

const COLUMNS: ReviewColumn<Amendment>[] = [
  { header: "Received", cell: (a) => formatDate(a.receivedOn) },
  {
    header: "Due",
    cell: (a) => (
      <Text span size="sm" c={a.overdue ? "red" : undefined}>
        {formatDate(a.dueOn)}
        {a.overdue ? " (overdue)" : ""}
      </Text>
    ),
  },
  {
    header: "Patient",
    cell: (a) => (
      <Anchor component={Link} to={`/patients/${a.patientId}?tab=privacy`} size="sm">
        {a.patientName ?? a.patientId}
      </Anchor>
    ),
  },
  { header: "Part of the record", cell: (a) => a.section },
  {
    header: "Requested change",
    maw: 360,
    cell: (a) => (
      <>
        <RecordText>{a.requestedChange}</RecordText>
        <Text size="xs" c="dimmed">
          Why: {a.reason}
        </Text>
      </>
    ),
  },
];

const ACTIONS: ReviewAction<Amendment>[] = [
  {
    label: "Decide",
    title: "Decide on the amendment",
    form: (amendment, close) => <DecideForm amendment={amendment} onDone={close} />,
  },
];

/** Amendment requests (45 CFR 164.526): answer within 60 days; accept (linked to the record) or deny with a reason. */
export function AmendmentsPage() {
  const [{ status }, setUrl] = useUrlState(URL_STATE);
  const query = useQuery({
    queryKey: ["amendments", status],
    queryFn: ({ signal }) => privacy.amendments(status, signal),
  });
  return (
    <>
      <PageHeader
        title="Amendment requests"
        description="Patients' requests to change their record. Each must be answered within 60 days."
      />
      <ReviewQueue
        label="Amendment requests"
        query={query}
        itemKey={(a) => a.id}
        itemName={(a) => `${a.patientName ?? a.patientId}, ${a.section}`}
        filters={[
          {
            label: "Status",
            value: status,
            options: STATUSES,
            onChange: (value) => setUrl({ status: value as AmendmentStatus }),
          },
        ]}
        columns={COLUMNS}
        awaiting={(a) => a.status === "pending"}
        actions={ACTIONS}
        decisionHeader="Status"
        outcome={(a) => (
          <Stack gap={2}>
            <AmendmentBadge status={a.status} />
            {a.decisionNote ? <RecordText>{a.decisionNote}</RecordText> : null}
          </Stack>
        )}
        empty="No requests"
        noun={["request", "requests"]}
      />
    </>
  );
}

function DecideForm({ amendment, onDone }: { amendment: Amendment; onDone: () => void }) {
  const [decision, setDecision] = useState<"accepted" | "denied">("accepted");
  const [note, setNote] = useState("");
  const submit = useSubmit({
    action: () => privacy.decideAmendment(amendment.id, { outcome: decision, note: note.trim() || null }),
    fields: ["decision", "note"],
    invalidate: [["amendments"]],
    success: "Decision recorded.",
    onSuccess: onDone,
  });
  return (
    <form onSubmit={submit.onSubmit()} aria-label="Amendment decision" noValidate>
      <Stack>
        <RecordText>{amendment.requestedChange}</RecordText>
        <FormError message={submit.errors.form} />
        <Radio.Group label="Decision" value={decision} onChange={(v) => setDecision(v as typeof decision)}>
          <Group mt={4}>
            <Radio value="accepted" label="Accept (amend the record and tell the people who need to know)" />
            <Radio value="denied" label="Deny (the patient may file a statement of disagreement)" />
          </Group>
        </Radio.Group>
        <Textarea
          label={decision === "denied" ? "Reason for the denial" : "Note"}
          required={decision === "denied"}
          autosize
          minRows={2}
          value={note}
          error={submit.errors.fields.note}
          onChange={(e) => setNote(e.currentTarget.value)}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone} disabled={submit.pending}>
            Cancel
          </Button>
          <Button type="submit" loading={submit.pending}>
            Record decision
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

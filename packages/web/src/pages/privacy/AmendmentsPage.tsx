import {
  Anchor,
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
import { formatDate } from "../../lib/format.ts";
import { RecordText } from "../patients/chart/NotesPanel.tsx";
import { type Amendment, type AmendmentStatus, privacy } from "./api.ts";
import { AmendmentBadge } from "./PatientPrivacyTab.tsx";

/** Amendment requests (45 CFR 164.526): answer within 60 days; accept (linked to the record) or deny with a reason. */
export function AmendmentsPage() {
  const [status, setStatus] = useState<AmendmentStatus>("pending");
  const [deciding, setDeciding] = useState<Amendment | null>(null);
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
      <SegmentedControl
        mb="md"
        value={status}
        onChange={(v) => setStatus(v as AmendmentStatus)}
        data={[
          { value: "pending", label: "Pending" },
          { value: "accepted", label: "Accepted" },
          { value: "denied", label: "Denied" },
        ]}
      />
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <LoadError error={query.error} onRetry={() => void query.refetch()} />
      ) : query.data.items.length === 0 ? (
        <EmptyState py="xl" title="No requests" />
      ) : (
        <Table.ScrollContainer minWidth={860}>
          <Table striped verticalSpacing="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Received</Table.Th>
                <Table.Th scope="col">Due</Table.Th>
                <Table.Th scope="col">Patient</Table.Th>
                <Table.Th scope="col">Part of the record</Table.Th>
                <Table.Th scope="col">Requested change</Table.Th>
                <Table.Th scope="col">Status</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {query.data.items.map((a) => (
                <Table.Tr key={a.id}>
                  <Table.Td>{formatDate(a.receivedOn)}</Table.Td>
                  <Table.Td c={a.overdue ? "red" : undefined}>{formatDate(a.dueOn)}</Table.Td>
                  <Table.Td>
                    <Anchor component={Link} to={`/patients/${a.patientId}?tab=privacy`} size="sm">
                      {a.patientName ?? a.patientId}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{a.section}</Table.Td>
                  <Table.Td maw={360}>
                    <RecordText>{a.requestedChange}</RecordText>
                    <Text size="xs" c="dimmed">
                      Why: {a.reason}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    {a.status === "pending" ? (
                      <Button size="xs" onClick={() => setDeciding(a)}>
                        Decide
                      </Button>
                    ) : (
                      <Stack gap={2}>
                        <AmendmentBadge status={a.status} />
                        {a.decisionNote ? <RecordText>{a.decisionNote}</RecordText> : null}
                      </Stack>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Modal opened={deciding !== null} onClose={() => setDeciding(null)} title="Decide on the amendment">
        {deciding ? <DecideForm amendment={deciding} onDone={() => setDeciding(null)} /> : null}
      </Modal>
    </>
  );
}

function DecideForm({ amendment, onDone }: { amendment: Amendment; onDone: () => void }) {
  const queryClient = useQueryClient();
  const [decision, setDecision] = useState<"accepted" | "denied">("accepted");
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const errors = useServerErrors(["decision", "note"]);
  return (
    <Stack>
      <RecordText>{amendment.requestedChange}</RecordText>
      <FormError message={errors.form} />
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
        error={errors.fields.note}
        onChange={(e) => setNote(e.currentTarget.value)}
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
              await privacy.decideAmendment(amendment.id, { outcome: decision, note: note.trim() || null });
              await queryClient.invalidateQueries({ queryKey: ["amendments"] });
              notifySuccess("Decision recorded.");
              onDone();
            } catch (error) {
              errors.set(error);
              setBusy(false);
            }
          }}
        >
          Record decision
        </Button>
      </Group>
    </Stack>
  );
}

import {
  Anchor,
  Badge,
  Button,
  FileInput,
  Group,
  List,
  Paper,
  Stack,
  Table,
  Text,
  Title,
} from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Link } from "react-router-dom";
import { can, P } from "../../../auth/permissions.ts";
import { useCurrentSession } from "../../../auth/session.ts";
import { FormError } from "../../../components/FormError.tsx";
import { PageHeader } from "../../../components/PageHeader.tsx";
import { LoadError, Loading } from "../../../components/QueryState.tsx";
import { useSubmit } from "../../../components/useSubmit.ts";
import { formatDateTime } from "../../../lib/format.ts";
import { type AcknowledgementView, batches, batchKeys, type ImportAckView } from "./api.ts";

const OUTCOME_WORDS: Record<AcknowledgementView["claims"][number]["outcome"], string> = {
  moved: "status updated",
  unchanged: "no change",
  "not-found": "no such claim",
  "not-movable": "left as is (its status does not allow it)",
};

function VerdictBadge({ verdict }: { verdict: string }) {
  const color = verdict === "accepted" ? "teal" : verdict === "rejected" ? "red" : "yellow";
  return (
    <Badge color={color} variant="light">
      {verdict.replace(/-/g, " ")}
    </Badge>
  );
}

/** What one imported file said, claim by claim. */
function AckResult({ ack }: { ack: ImportAckView | AcknowledgementView }) {
  return (
    <Stack gap="xs">
      <Group gap="xs">
        <Text fw={600}>
          {ack.kind}
          {ack.batchInterchangeControlNumber ? ` for batch ${ack.batchInterchangeControlNumber}` : ""}
        </Text>
        <VerdictBadge verdict={ack.verdict} />
        <Text size="sm">
          {ack.accepted} accepted, {ack.rejected} rejected
        </Text>
      </Group>
      {ack.claims.length ? (
        <Table aria-label={`Claims in the ${ack.kind}`}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Claim</Table.Th>
              <Table.Th>Verdict</Table.Th>
              <Table.Th>What Salus did</Table.Th>
              <Table.Th>Reason</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {ack.claims.map((c) => (
              <Table.Tr key={`${c.patientControlNumber}-${c.verdict}-${c.claimId ?? ""}`}>
                <Table.Td>{c.patientControlNumber}</Table.Td>
                <Table.Td>
                  <VerdictBadge verdict={c.verdict} />
                </Table.Td>
                <Table.Td>{OUTCOME_WORDS[c.outcome]}</Table.Td>
                <Table.Td>{c.reasons.join("; ") || "—"}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : null}
      {ack.warnings.length ? (
        <List size="sm" c="dimmed">
          {ack.warnings.map((w) => (
            <List.Item key={w}>{w}</List.Item>
          ))}
        </List>
      ) : null}
    </Stack>
  );
}

/**
 * Acknowledgement import: the biller picks the 999 or 277CA file the clearinghouse sent back; Salus reads
 * it whole (a broken file is refused naming the segment, nothing changes), updates the claims and puts
 * rejections on the worklist. The same file twice changes nothing.
 */
export function AcknowledgementsPage() {
  const session = useCurrentSession();
  const mayWrite = can(session.permissions, P.billingWrite);
  const list = useQuery({
    queryKey: batchKeys.acks,
    queryFn: ({ signal }) => batches.acknowledgements(signal),
  });
  const [file, setFile] = useState<File | null>(null);
  const [result, setResult] = useState<ImportAckView | null>(null);
  const upload = useSubmit({
    action: async (f: File) => batches.importAck(await f.text(), f.name.slice(0, 200)),
    invalidate: [batchKeys.acks, batchKeys.batches, ["billing", "rejections"]],
    success: (r) =>
      r.duplicate
        ? `This ${r.kind} was already imported; nothing changed.`
        : `${r.kind} imported: ${r.accepted} accepted, ${r.rejected} rejected.`,
    onSuccess: (r) => {
      setResult(r);
      setFile(null);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (file) void upload.run(file);
  };

  return (
    <>
      <PageHeader
        title="Acknowledgements"
        description="Import the 999 and 277CA files the clearinghouse and payers send back for your batches."
      />
      <Stack gap="lg">
        {mayWrite ? (
          <Paper withBorder p="lg" component="form" onSubmit={submit} aria-label="Import an acknowledgement">
            <Stack gap="sm">
              <FileInput
                label="Acknowledgement file (999 or 277CA)"
                placeholder="Choose a file"
                value={file}
                onChange={setFile}
                clearable
              />
              <FormError message={upload.errors.form} />
              <Group>
                <Button type="submit" loading={upload.pending} disabled={!file}>
                  Import
                </Button>
              </Group>
            </Stack>
          </Paper>
        ) : null}
        {result ? (
          <Paper withBorder p="lg" role="status" aria-label="Import result">
            {result.duplicate ? (
              <Text mb="sm">
                This file was already imported on {formatDateTime(result.importedAt)}; nothing changed.
              </Text>
            ) : null}
            <AckResult ack={result} />
            {result.rejected > 0 ? (
              <Text mt="sm">
                Rejected claims are on the{" "}
                <Anchor component={Link} to="/billing/rejections">
                  rejection worklist
                </Anchor>
                .
              </Text>
            ) : null}
          </Paper>
        ) : null}
        <Paper withBorder p="lg">
          <Title order={2} size="h4">
            Imported files
          </Title>
          {list.isPending ? (
            <Loading />
          ) : list.isError ? (
            <LoadError error={list.error} onRetry={() => list.refetch()} />
          ) : list.data.items.length === 0 ? (
            <Text mt="xs" c="dimmed">
              Nothing imported yet.
            </Text>
          ) : (
            <Stack mt="sm" gap="lg">
              {list.data.items.map((a) => (
                <div key={a.id}>
                  <Text size="sm" c="dimmed">
                    {formatDateTime(a.importedAt)}
                  </Text>
                  <AckResult ack={a} />
                </div>
              ))}
            </Stack>
          )}
        </Paper>
      </Stack>
    </>
  );
}

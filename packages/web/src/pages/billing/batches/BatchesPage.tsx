import { Anchor, Badge, Button, Group, List, Paper, Stack, Table, Text, Title } from "@mantine/core";
import { formatMoney } from "@salus/core/shared/money";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { ApiError } from "../../../api/client.ts";
import { can, P } from "../../../auth/permissions.ts";
import { useCurrentSession } from "../../../auth/session.ts";
import { FormError } from "../../../components/FormError.tsx";
import { PageHeader } from "../../../components/PageHeader.tsx";
import { LoadError, Loading } from "../../../components/QueryState.tsx";
import { useSubmit } from "../../../components/useSubmit.ts";
import { formatDateTime } from "../../../lib/format.ts";
import { batchDownloadUrl, batches, batchKeys, type ClaimBatchView, type CreatedBatchView } from "./api.ts";

const STATUS_WORDS: Record<ClaimBatchView["status"], { label: string; color: string }> = {
  written: { label: "Written", color: "blue" },
  accepted: { label: "Accepted", color: "teal" },
  "partially-accepted": { label: "Partly accepted", color: "yellow" },
  rejected: { label: "Rejected", color: "red" },
};

export function BatchStatus({ status }: { status: ClaimBatchView["status"] }) {
  const s = STATUS_WORDS[status];
  return (
    <Badge color={s.color} variant="light">
      {s.label}
    </Badge>
  );
}

/**
 * Claim batches: how many claims are ready, one button that writes them into an X12 837P file (checked
 * against the 837P loop map; a claim that does not fit is named and nothing is sent), the file to
 * download, and every earlier batch with its acknowledgement status.
 */
export function BatchesPage() {
  const session = useCurrentSession();
  const mayWrite = can(session.permissions, P.billingWrite);
  const list = useQuery({ queryKey: batchKeys.batches, queryFn: ({ signal }) => batches.list(signal) });
  const [made, setMade] = useState<CreatedBatchView | null>(null);
  // A refused batch names every claim that does not fit (up to 20 in the details); the message above
  // the list names the first, the list shows them all so the biller can fix them in one pass.
  const [problems, setProblems] = useState<string[]>([]);
  const create = useSubmit({
    action: async () => {
      setProblems([]);
      try {
        return await batches.create();
      } catch (error) {
        if (error instanceof ApiError && error.details.length > 1)
          setProblems(error.details.map((d) => d.message));
        throw error;
      }
    },
    invalidate: [batchKeys.batches],
    success: (r) =>
      `Batch ${r.interchangeControlNumber} written: ${r.claims} claims, ${formatMoney(r.totalChargeCents)}.`,
    onSuccess: (r) => setMade(r),
  });

  if (list.isPending) return <Loading />;
  if (list.isError) return <LoadError error={list.error} onRetry={() => list.refetch()} />;
  const { items, readyClaims, readyTotalCents } = list.data;

  return (
    <>
      <PageHeader
        title="Claim batches"
        description="Ready claims go out together as one X12 837P file for the clearinghouse."
      />
      <Stack gap="lg">
        <Paper withBorder p="lg" aria-labelledby="ready-title">
          <Title order={2} size="h4" id="ready-title">
            Ready to send
          </Title>
          <Text mt="xs" data-testid="ready-summary">
            {readyClaims === 0
              ? "No claim is ready. Claims become ready when the scrubber finds no error."
              : `${readyClaims} claim${readyClaims === 1 ? "" : "s"} ready, ${formatMoney(readyTotalCents)} in total.`}
          </Text>
          <FormError message={create.errors.form} />
          {problems.length > 1 ? (
            <List size="sm" mt="xs" aria-label="Claims to fix before the batch">
              {problems.map((p) => (
                <List.Item key={p}>{p}</List.Item>
              ))}
            </List>
          ) : null}
          {mayWrite ? (
            <Group mt="md">
              <Button
                onClick={() => create.run(undefined)}
                loading={create.pending}
                disabled={readyClaims === 0}
              >
                Create batch
              </Button>
            </Group>
          ) : null}
          {made ? (
            <Text mt="md" role="status">
              Batch {made.interchangeControlNumber} holds {made.claims} claim{made.claims === 1 ? "" : "s"} (
              {formatMoney(made.totalChargeCents)}).{" "}
              <Anchor href={batchDownloadUrl(made.batchId)} download={made.batch.fileName}>
                Download {made.batch.fileName}
              </Anchor>
            </Text>
          ) : null}
        </Paper>

        <Paper withBorder p="lg">
          <Title order={2} size="h4">
            History
          </Title>
          {items.length === 0 ? (
            <Text mt="xs" c="dimmed">
              No batch yet.
            </Text>
          ) : (
            <Table.ScrollContainer minWidth={640}>
              <Table mt="sm" aria-label="Claim batches" striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Batch (ISA13)</Table.Th>
                    <Table.Th>Created</Table.Th>
                    <Table.Th>Claims</Table.Th>
                    <Table.Th>Total</Table.Th>
                    <Table.Th>Status</Table.Th>
                    <Table.Th>File</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {items.map((b) => (
                    <Table.Tr key={b.id}>
                      <Table.Td>{b.interchangeControlNumber}</Table.Td>
                      <Table.Td>{formatDateTime(b.createdAt)}</Table.Td>
                      <Table.Td>{b.claims}</Table.Td>
                      <Table.Td>{formatMoney(b.totalChargeCents)}</Table.Td>
                      <Table.Td>
                        <BatchStatus status={b.status} />
                      </Table.Td>
                      <Table.Td>
                        <Anchor
                          href={batchDownloadUrl(b.id)}
                          download={b.fileName}
                          aria-label={`Download batch ${b.interchangeControlNumber}`}
                        >
                          {b.fileName}
                        </Anchor>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
        </Paper>
      </Stack>
    </>
  );
}

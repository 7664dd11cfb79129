import { Anchor, Badge, Button, Select, Stack, Table, Text } from "@mantine/core";
import { formatMoney } from "@salus/core/shared/money";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { can, P } from "../../../auth/permissions.ts";
import { useCurrentSession } from "../../../auth/session.ts";
import { FormError } from "../../../components/FormError.tsx";
import { notifySuccess } from "../../../components/notify.ts";
import { PageHeader } from "../../../components/PageHeader.tsx";
import { errorMessage, LoadError, Loading } from "../../../components/QueryState.tsx";
import { formatDate } from "../../../lib/format.ts";
import { scrubber } from "../scrubber/api.ts";
import { CLAIM_STATUS, type ClaimView, ledger, ledgerKeys } from "./api.ts";

const STATUSES = [
  "draft",
  "scrubbed",
  "ready",
  "submitted",
  "accepted",
  "rejected",
  "paid",
  "denied",
  "closed",
] as const;

export function ClaimStatusBadge({ status }: { status: ClaimView["status"] }) {
  const s = CLAIM_STATUS[status];
  return (
    <Badge color={s.color} variant="light">
      {s.label}
    </Badge>
  );
}

/** Claims by status; draft claims are scrubbed from here in one go. */
export function ClaimsPage() {
  const session = useCurrentSession();
  const mayWrite = can(session.permissions, P.billingWrite);
  const [params, setParams] = useSearchParams();
  const status = params.get("status") ?? "draft";
  const list = useQuery({
    queryKey: ledgerKeys.claims(status),
    queryFn: ({ signal }) => ledger.claims(status, signal),
  });
  const queryClient = useQueryClient();
  const [scrubbing, setScrubbing] = useState(false);
  const [error, setError] = useState<string | null>(null);

  /** Scrubs every listed unsent claim, one request each (each is its own audited transaction). */
  async function scrubAll() {
    if (!list.data || scrubbing) return;
    setScrubbing(true);
    setError(null);
    let clean = 0;
    let errors = 0;
    try {
      for (const c of list.data.items) {
        const r = await scrubber.scrubClaim(c.id);
        if (r.clean) clean++;
        else errors++;
      }
      notifySuccess(`${clean} claim${clean === 1 ? "" : "s"} ready, ${errors} with errors to fix.`);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setScrubbing(false);
      await queryClient.invalidateQueries({ queryKey: ledgerKeys.all });
    }
  }

  const items = list.data?.items ?? [];
  const scrubbable = status === "draft" || status === "scrubbed" || status === "rejected";
  return (
    <>
      <PageHeader
        title="Claims"
        description="Claims built from approved charges: scrub them, fix what the scrubber finds, and send the ready ones in a batch."
        actions={
          mayWrite && scrubbable && items.length > 0 ? (
            <Button onClick={scrubAll} loading={scrubbing}>
              Scrub {items.length} claim{items.length === 1 ? "" : "s"}
            </Button>
          ) : null
        }
      />
      <Stack>
        <Select
          label="Status"
          w={220}
          allowDeselect={false}
          value={status}
          onChange={(v) => v && setParams({ status: v })}
          data={STATUSES.map((s) => ({ value: s, label: CLAIM_STATUS[s].label }))}
        />
        <FormError message={error} />
        {list.isPending ? (
          <Loading />
        ) : list.isError ? (
          <LoadError error={list.error} onRetry={() => list.refetch()} />
        ) : items.length === 0 ? (
          <Text c="dimmed">
            No claim is {CLAIM_STATUS[status as ClaimView["status"]]?.label.toLowerCase() ?? status}.
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={800}>
            <Table striped aria-label="Claims">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Claim</Table.Th>
                  <Table.Th>Date of service</Table.Th>
                  <Table.Th>Patient</Table.Th>
                  <Table.Th>Payer</Table.Th>
                  <Table.Th>Lines</Table.Th>
                  <Table.Th>Total</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Findings</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((c) => (
                  <Table.Tr key={c.id} data-rules={c.errorRules.join(" ")}>
                    <Table.Td>
                      <Anchor component={Link} to={`/billing/claims/${c.id}`}>
                        {c.patientControlNumber}
                      </Anchor>
                      {c.frequencyCode !== "1" ? (
                        <Text size="xs" c="dimmed">
                          {c.frequencyCode === "7" ? "replacement" : "void"}
                        </Text>
                      ) : null}
                      {c.sequence !== "primary" ? (
                        <Text size="xs" c="dimmed">
                          {c.sequence}
                        </Text>
                      ) : null}
                    </Table.Td>
                    <Table.Td>{formatDate(c.dateOfService)}</Table.Td>
                    <Table.Td>{c.patientName}</Table.Td>
                    <Table.Td>{c.payerName}</Table.Td>
                    <Table.Td>{c.lines}</Table.Td>
                    <Table.Td>{formatMoney(c.totalChargeCents)}</Table.Td>
                    <Table.Td>
                      <ClaimStatusBadge status={c.status} />
                    </Table.Td>
                    <Table.Td>
                      {c.errors > 0 ? `${c.errors} error${c.errors === 1 ? "" : "s"}` : ""}
                      {c.warnings > 0 ? ` ${c.warnings} warning${c.warnings === 1 ? "" : "s"}` : ""}
                      {c.firstError ? (
                        <Text size="xs" c="red.8">
                          {c.firstError}
                        </Text>
                      ) : null}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
    </>
  );
}

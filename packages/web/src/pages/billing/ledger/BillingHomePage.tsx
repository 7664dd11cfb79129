import { Anchor, Badge, Button, Paper, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { formatMoney } from "@salus/core/shared/money";
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { can, P } from "../../../auth/permissions.ts";
import { useCurrentSession } from "../../../auth/session.ts";
import { FormError } from "../../../components/FormError.tsx";
import { PageHeader } from "../../../components/PageHeader.tsx";
import { LoadError, Loading } from "../../../components/QueryState.tsx";
import { useSubmit } from "../../../components/useSubmit.ts";
import { formatDateTime } from "../../../lib/format.ts";
import { ledger, ledgerKeys } from "./api.ts";

function Tile({
  label,
  value,
  to,
  hint,
}: {
  label: string;
  value: string | number;
  to: string;
  hint?: string;
}) {
  return (
    <Paper withBorder p="md">
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Anchor component={Link} to={to} size="xl" fw={700} aria-label={`${label}: ${value}`}>
        {value}
      </Anchor>
      {hint ? (
        <Text size="xs" c="dimmed">
          {hint}
        </Text>
      ) : null}
    </Paper>
  );
}

/**
 * Accounting months with their totals; a billing manager closes a month that has ended (in order),
 * after which a correction dated in it posts in the first open month.
 */
function Months({ current }: { current: string }) {
  const session = useCurrentSession();
  const mayClose = can(session.permissions, P.billingManage);
  const periods = useQuery({ queryKey: ledgerKeys.periods, queryFn: ({ signal }) => ledger.periods(signal) });
  const close = useSubmit({
    action: (period: string) => ledger.closeMonth(period),
    invalidate: [ledgerKeys.all],
    success: (r) => `${r.items.find((p) => p.closed)?.period ?? "The month"} is closed.`,
  });
  if (periods.isPending) return <Loading />;
  if (periods.isError) return <LoadError error={periods.error} onRetry={() => periods.refetch()} />;
  return (
    <section aria-labelledby="months-title">
      <Title order={2} size="h4" id="months-title" mb="sm">
        Accounting months
      </Title>
      <FormError message={close.errors.form} />
      <Table aria-label="Accounting months" striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Month</Table.Th>
            <Table.Th>Entries</Table.Th>
            <Table.Th>Charges</Table.Th>
            <Table.Th>Payments</Table.Th>
            <Table.Th>Adjustments and write-offs</Table.Th>
            <Table.Th>Status</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {periods.data.items.map((p) => (
            <Table.Tr key={p.period}>
              <Table.Td>{p.period}</Table.Td>
              <Table.Td>{p.entries}</Table.Td>
              <Table.Td>{formatMoney(p.chargesCents)}</Table.Td>
              <Table.Td>{formatMoney(p.paymentsCents)}</Table.Td>
              <Table.Td>{formatMoney(p.adjustmentsCents)}</Table.Td>
              <Table.Td>
                {p.closed ? (
                  <Badge color="gray" variant="light" title={`Closed ${formatDateTime(p.closedAt)}`}>
                    Closed
                  </Badge>
                ) : mayClose && p.period < current ? (
                  <Button
                    size="compact-xs"
                    variant="default"
                    loading={close.pending}
                    onClick={() => close.run(p.period)}
                  >
                    Close {p.period}
                  </Button>
                ) : (
                  <Badge color="teal" variant="light">
                    Open
                  </Badge>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </section>
  );
}

/** The biller's home: what waits for them, in the order of the week's work, each a link to the list. */
export function BillingHomePage() {
  const home = useQuery({ queryKey: ledgerKeys.home, queryFn: ({ signal }) => ledger.home(signal) });
  if (home.isPending) return <Loading />;
  if (home.isError) return <LoadError error={home.error} onRetry={() => home.refetch()} />;
  const h = home.data;
  return (
    <>
      <PageHeader
        title="Billing"
        description={`What waits for you. Open accounting month: ${h.openPeriod}.`}
      />
      <Stack gap="lg">
        <section aria-labelledby="work-title">
          <Title order={2} size="h4" id="work-title" mb="sm">
            To do
          </Title>
          <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }}>
            <Tile label="Charges to review" value={h.chargesToReview} to="/billing/charges?status=review" />
            <Tile label="Charges held" value={h.chargesHeld} to="/billing/charges?status=held" />
            <Tile
              label="Approved, not on a claim"
              value={h.approvedNotClaimed}
              to="/billing/charges?status=approved"
              hint="Build claims from the charges page"
            />
            <Tile label="Draft claims to scrub" value={h.claimsDraft} to="/billing/claims?status=draft" />
            <Tile
              label="Claims with errors"
              value={h.claimsWithErrors}
              to="/billing/claims?status=scrubbed"
            />
            <Tile
              label="Ready to send"
              value={h.claimsReady}
              to="/billing/batches"
              hint={h.claimsReady > 0 ? formatMoney(h.readyTotalCents) : undefined}
            />
            <Tile label="Rejected claims" value={h.claimsRejected} to="/billing/claims?status=rejected" />
            <Tile label="Open rejections" value={h.openRejections} to="/billing/rejections" />
            <Tile label="Denied claims" value={h.claimsDenied} to="/billing/claims?status=denied" />
            <Tile
              label="Secondary claims to prepare"
              value={h.paidWithSecondaryToPrepare}
              to="/billing/claims?status=paid"
            />
          </SimpleGrid>
        </section>
        <section aria-labelledby="owed-title">
          <Title order={2} size="h4" id="owed-title" mb="sm">
            Owed to the practice
          </Title>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <Tile
              label="By payers"
              value={formatMoney(h.insuranceOwedCents)}
              to="/billing/claims?status=submitted"
            />
            <Tile
              label="By patients"
              value={formatMoney(h.patientOwedCents)}
              to="/billing/charges?status=approved"
            />
          </SimpleGrid>
        </section>
        <Months current={h.openPeriod} />
      </Stack>
    </>
  );
}

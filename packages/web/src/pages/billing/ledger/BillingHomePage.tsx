import { Anchor, Paper, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { formatMoney } from "@salus/core/shared/money";
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { PageHeader } from "../../../components/PageHeader.tsx";
import { LoadError, Loading } from "../../../components/QueryState.tsx";
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
      </Stack>
    </>
  );
}

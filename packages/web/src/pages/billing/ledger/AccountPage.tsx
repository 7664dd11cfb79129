import {
  Anchor,
  Button,
  Group,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { formatMoney } from "@salus/core/shared/money";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useParams } from "react-router-dom";
import { can, P } from "../../../auth/permissions.ts";
import { useCurrentSession } from "../../../auth/session.ts";
import { FormError } from "../../../components/FormError.tsx";
import { PageHeader } from "../../../components/PageHeader.tsx";
import { LoadError, Loading } from "../../../components/QueryState.tsx";
import { useSubmit } from "../../../components/useSubmit.ts";
import { formatDate } from "../../../lib/format.ts";
import { type AccountView, ledger, ledgerKeys } from "./api.ts";

const KIND_WORDS: Record<AccountView["entries"][number]["kind"], string> = {
  charge: "Charge",
  payment: "Payment",
  adjustment: "Adjustment",
  transfer: "Transfer",
  refund: "Refund",
  "write-off": "Write-off",
};

/**
 * A patient's account: what is owed by the patient and by each payer (sums of ledger entries, never
 * stored), what is open charge by charge, every entry newest first, and a payment taken at the desk.
 */
export function AccountPage() {
  const { patientId = "" } = useParams();
  const session = useCurrentSession();
  const mayWrite = can(session.permissions, P.billingWrite);
  const account = useQuery({
    queryKey: ledgerKeys.account(patientId),
    queryFn: ({ signal }) => ledger.account(patientId, signal),
  });
  const [chargeId, setChargeId] = useState<string | null>(null);
  const [amount, setAmount] = useState("");
  const pay = useSubmit({
    fields: ["amount", "chargeId"],
    action: () =>
      ledger.post(patientId, {
        kind: "payment",
        chargeId: chargeId ?? "",
        account: { responsibility: "patient", payerRef: null, claimId: null, claimLine: null },
        amount,
        memo: "Paid at the desk",
      }),
    invalidate: [ledgerKeys.all],
    success: "Payment posted.",
    onSuccess: () => setAmount(""),
  });

  if (account.isPending) return <Loading />;
  if (account.isError) return <LoadError error={account.error} onRetry={() => account.refetch()} />;
  const a = account.data;
  const chargeLabel = (id: string | null) => {
    const c = a.charges.find((x) => x.id === id);
    return c
      ? `${formatDate(c.dateOfService)} ${c.source === "no-show" ? "No-show fee" : c.procedureCode}`
      : "";
  };
  const patientOpen = a.open.filter((o) => o.responsibility === "patient" && o.balanceCents > 0);

  return (
    <>
      <PageHeader
        title={`Account of ${a.patientName}`}
        description={`MRN ${a.mrn}. Balances are sums of the ledger's entries.`}
      />
      <Stack gap="lg">
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <Paper withBorder p="md">
            <Text size="sm" c="dimmed">
              Total owed
            </Text>
            <Text size="xl" fw={700} data-testid="account-total">
              {formatMoney(a.totalCents)}
            </Text>
          </Paper>
          <Paper withBorder p="md">
            <Text size="sm" c="dimmed">
              By the patient
            </Text>
            <Text size="xl" fw={700} data-testid="account-patient">
              {formatMoney(a.patientCents)}
            </Text>
          </Paper>
          <Paper withBorder p="md">
            <Text size="sm" c="dimmed">
              By insurance
            </Text>
            <Text size="xl" fw={700}>
              {formatMoney(a.insuranceCents)}
            </Text>
            {a.byPayer.map((p) => (
              <Text size="xs" key={p.payerRef}>
                {p.payerName}: {formatMoney(p.balanceCents)}
              </Text>
            ))}
          </Paper>
        </SimpleGrid>

        {mayWrite && patientOpen.length > 0 ? (
          <Paper withBorder p="lg">
            <Title order={2} size="h4">
              Take a payment
            </Title>
            <FormError message={pay.errors.form} />
            <Group align="end" mt="sm">
              <Select
                label="For"
                data={patientOpen.map((o) => ({
                  value: o.chargeId,
                  label: `${chargeLabel(o.chargeId)} (${formatMoney(o.balanceCents)} owed)`,
                }))}
                value={chargeId}
                onChange={setChargeId}
                error={pay.errors.fields.chargeId}
              />
              <TextInput
                label="Amount"
                placeholder="20.00"
                value={amount}
                onChange={(e) => setAmount(e.currentTarget.value)}
                error={pay.errors.fields.amount}
              />
              <Button
                onClick={() => pay.run(undefined)}
                loading={pay.pending}
                disabled={!chargeId || !amount}
              >
                Post payment
              </Button>
            </Group>
          </Paper>
        ) : null}

        <Paper withBorder p="lg">
          <Title order={2} size="h4">
            Entries
          </Title>
          {a.entries.length === 0 ? (
            <Text c="dimmed" mt="xs">
              Nothing posted yet.
            </Text>
          ) : (
            <Table.ScrollContainer minWidth={800}>
              <Table mt="sm" striped aria-label="Ledger entries">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Date</Table.Th>
                    <Table.Th>Month</Table.Th>
                    <Table.Th>Entry</Table.Th>
                    <Table.Th>For</Table.Th>
                    <Table.Th>Account</Table.Th>
                    <Table.Th>Amount</Table.Th>
                    <Table.Th>Memo</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {a.entries.map((e) => (
                    <Table.Tr key={e.id}>
                      <Table.Td>{formatDate(e.effectiveDate)}</Table.Td>
                      <Table.Td>{e.period}</Table.Td>
                      <Table.Td>
                        {KIND_WORDS[e.kind]}
                        {e.groupCode ? ` ${e.groupCode}-${e.reasonCode ?? ""}` : ""}
                        {e.reversesId ? " (reversal)" : e.reversed ? " (reversed)" : ""}
                      </Table.Td>
                      <Table.Td>{chargeLabel(e.chargeId)}</Table.Td>
                      <Table.Td>
                        {e.responsibility === "patient" ? "Patient" : (e.payerName ?? "Payer")}
                        {e.claimId ? (
                          <>
                            {" "}
                            <Anchor component={Link} to={`/billing/claims/${e.claimId}`} size="xs">
                              claim line {e.claimLine}
                            </Anchor>
                          </>
                        ) : null}
                      </Table.Td>
                      <Table.Td>{formatMoney(e.amountCents)}</Table.Td>
                      <Table.Td>{e.memo}</Table.Td>
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

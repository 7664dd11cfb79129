import {
  Anchor,
  Badge,
  Button,
  Checkbox,
  EmptyState,
  Group,
  Modal,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
} from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { can, P } from "../../../auth/permissions.ts";
import { useCurrentSession } from "../../../auth/session.ts";
import { FormError } from "../../../components/FormError.tsx";
import { PageHeader } from "../../../components/PageHeader.tsx";
import { LoadError, Loading } from "../../../components/QueryState.tsx";
import { ActiveBadge } from "../../../components/StatusBadge.tsx";
import { useSubmit } from "../../../components/useSubmit.ts";
import { type FeeScheduleView, prices } from "../payers/api.ts";

const FIELDS = ["name", "kind", "payerRef", "isDefault", "effectiveFrom", "effectiveTo", "copyFrom"] as const;

/** A schedule's dates in words: "from 2026-01-01" or "2026-01-01 to 2026-12-31". */
export function scheduleDates(s: Pick<FeeScheduleView, "effectiveFrom" | "effectiveTo">): string {
  return s.effectiveTo ? `${s.effectiveFrom} to ${s.effectiveTo}` : `from ${s.effectiveFrom}`;
}

function NewScheduleForm({ schedules, onDone }: { schedules: FeeScheduleView[]; onDone: () => void }) {
  const navigate = useNavigate();
  const payers = useQuery({
    queryKey: ["billing", "payers", { showInactive: false }],
    queryFn: ({ signal }) => prices.payers(false, signal),
  });
  const [d, setD] = useState({
    name: "",
    kind: "practice" as "practice" | "contract",
    payerRef: null as string | null,
    isDefault: false,
    effectiveFrom: "",
    effectiveTo: "",
    copyFrom: null as string | null,
  });
  const submit = useSubmit({
    action: () =>
      prices.createSchedule({
        name: d.name.trim(),
        kind: d.kind,
        payerRef: d.payerRef,
        isDefault: d.kind === "practice" && !d.payerRef ? d.isDefault : false,
        effectiveFrom: d.effectiveFrom,
        effectiveTo: d.effectiveTo || null,
        copyFrom: d.copyFrom,
      }),
    fields: FIELDS,
    invalidate: [["billing", "fee-schedules"]],
    success: (s) => `Fee schedule “${s.name}” added.`,
    onSuccess: (s) => navigate(`/billing/fee-schedules/${s.id}`),
  });
  const e = submit.errors.fields;
  return (
    <form onSubmit={submit.onSubmit()} aria-label="New fee schedule">
      <Stack>
        <FormError message={submit.errors.form} />
        <TextInput
          label="Name"
          required
          data-autofocus
          value={d.name}
          error={e.name}
          onChange={(ev) => setD({ ...d, name: ev.currentTarget.value })}
        />
        <Select
          label="Kind"
          allowDeselect={false}
          data={[
            { value: "practice", label: "The practice's prices (what it charges)" },
            { value: "contract", label: "A payer's contract (what it has agreed to pay)" },
          ]}
          value={d.kind}
          error={e.kind}
          onChange={(v) => v && setD({ ...d, kind: v as "practice" | "contract" })}
        />
        <Select
          label="Payer"
          description={
            d.kind === "contract"
              ? "Required for a contract"
              : "Optional: prices for this payer's patients only (e.g. self-pay)"
          }
          clearable
          searchable
          data={(payers.data?.items ?? []).map((p) => ({ value: p.id, label: p.name }))}
          value={d.payerRef}
          error={e.payerRef}
          onChange={(v) => setD({ ...d, payerRef: v })}
        />
        {d.kind === "practice" && !d.payerRef ? (
          <Checkbox
            label="The practice's default prices (charges are priced from it)"
            checked={d.isDefault}
            error={e.isDefault}
            onChange={(ev) => setD({ ...d, isDefault: ev.currentTarget.checked })}
          />
        ) : null}
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            label="In force from"
            type="date"
            required
            value={d.effectiveFrom}
            error={e.effectiveFrom}
            onChange={(ev) => setD({ ...d, effectiveFrom: ev.currentTarget.value })}
          />
          <TextInput
            label="Until (last day, optional)"
            type="date"
            value={d.effectiveTo}
            error={e.effectiveTo}
            onChange={(ev) => setD({ ...d, effectiveTo: ev.currentTarget.value })}
          />
        </SimpleGrid>
        <Select
          label="Start with the prices of"
          clearable
          data={schedules.map((s) => ({ value: s.id, label: `${s.name} (${scheduleDates(s)})` }))}
          value={d.copyFrom}
          error={e.copyFrom}
          onChange={(v) => setD({ ...d, copyFrom: v })}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone} disabled={submit.pending}>
            Cancel
          </Button>
          <Button type="submit" loading={submit.pending}>
            Add fee schedule
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** The practice's fee schedules and the payers' contracts, with their dates and sizes. */
export function FeeSchedulesPage() {
  const session = useCurrentSession();
  const canManage = can(session.permissions, P.billingManage);
  const [creating, setCreating] = useState(false);
  const query = useQuery({
    queryKey: ["billing", "fee-schedules"],
    queryFn: ({ signal }) => prices.schedules(signal),
  });
  return (
    <>
      <PageHeader
        title="Fee schedules"
        description="What the practice charges for each procedure, and what each payer has agreed to pay."
        actions={canManage ? <Button onClick={() => setCreating(true)}>New fee schedule</Button> : null}
      />
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <LoadError error={query.error} onRetry={() => void query.refetch()} />
      ) : query.data.items.length === 0 ? (
        <EmptyState
          py="xl"
          title="No fee schedules yet"
          description={
            canManage ? "Add the practice's default prices, then import them from a spreadsheet." : undefined
          }
        />
      ) : (
        <Table.ScrollContainer minWidth={640}>
          <Table striped highlightOnHover verticalSpacing="sm" aria-label="Fee schedules">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Name</Table.Th>
                <Table.Th scope="col">Kind</Table.Th>
                <Table.Th scope="col">Payer</Table.Th>
                <Table.Th scope="col">In force</Table.Th>
                <Table.Th scope="col">Prices</Table.Th>
                <Table.Th scope="col">Status</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {query.data.items.map((s) => (
                <Table.Tr key={s.id}>
                  <Table.Td>
                    <Anchor component={Link} to={`/billing/fee-schedules/${s.id}`} fw={500}>
                      {s.name}
                    </Anchor>{" "}
                    {s.isDefault ? (
                      <Badge variant="light" color="teal" size="sm">
                        Default
                      </Badge>
                    ) : null}
                  </Table.Td>
                  <Table.Td>{s.kind === "contract" ? "Contract" : "Practice prices"}</Table.Td>
                  <Table.Td>
                    {s.payerName ?? (
                      <Text c="dimmed" size="sm">
                        All patients
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{scheduleDates(s)}</Table.Td>
                  <Table.Td>{s.entries}</Table.Td>
                  <Table.Td>
                    <ActiveBadge active={s.active} inactiveLabel="Retired" />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Modal opened={creating} onClose={() => setCreating(false)} title="New fee schedule" size="lg">
        {creating ? (
          <NewScheduleForm schedules={query.data?.items ?? []} onDone={() => setCreating(false)} />
        ) : null}
      </Modal>
    </>
  );
}

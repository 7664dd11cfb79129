import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Checkbox,
  EmptyState,
  FileInput,
  Group,
  Modal,
  Paper,
  SimpleGrid,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
} from "@mantine/core";
import { formatMoney, parseMoney } from "@salus/core/shared/money";
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useParams } from "react-router-dom";
import { can, P } from "../../../auth/permissions.ts";
import { useCurrentSession } from "../../../auth/session.ts";
import { BackLink } from "../../../components/BackLink.tsx";
import { Field } from "../../../components/Field.tsx";
import { FormError } from "../../../components/FormError.tsx";
import { PageHeader } from "../../../components/PageHeader.tsx";
import { Paging } from "../../../components/Paging.tsx";
import { LoadError, Loading } from "../../../components/QueryState.tsx";
import { ActiveBadge } from "../../../components/StatusBadge.tsx";
import { useListParams } from "../../../components/useListParams.ts";
import { useSubmit } from "../../../components/useSubmit.ts";
import { type FeeImportView, type FeeScheduleView, prices } from "../payers/api.ts";
import { scheduleDates } from "./FeeSchedulesPage.tsx";

const PAGE_SIZE = 50;

function ImportPanel({ schedule, onDone }: { schedule: FeeScheduleView; onDone: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [csv, setCsv] = useState<string | null>(null);
  const [checked, setChecked] = useState<FeeImportView | null>(null);
  const check = useSubmit({
    action: (text: string) =>
      prices.importCsv(schedule.id, { csv: text, dryRun: true, version: schedule.version }),
    onSuccess: (r) => setChecked(r),
  });
  const apply = useSubmit({
    action: (text: string) =>
      prices.importCsv(schedule.id, { csv: text, dryRun: false, version: schedule.version }),
    invalidate: [["billing", "fee-schedules"]],
    success: (r) =>
      r.added + r.changed + r.removed === 0
        ? "The file matches the schedule: nothing changed."
        : `Imported: ${r.added} added, ${r.changed} changed, ${r.removed} removed.`,
    onSuccess: onDone,
  });
  const choose = async (f: File | null) => {
    setFile(f);
    setChecked(null);
    check.errors.clear();
    if (!f) return setCsv(null);
    const text = await f.text();
    setCsv(text);
    void check.run(text);
  };
  const dollars = (c: number | null) => (c === null ? "—" : formatMoney(c));
  return (
    <Stack>
      <Text size="sm">
        A CSV file with the columns <code>procedure_code,modifier,amount,description</code> (the export's
        format). It replaces the schedule's prices: codes not in the file are removed. The whole file is
        checked first; a file with an error changes nothing.
      </Text>
      <FileInput
        label="CSV file"
        accept=".csv,text/csv"
        value={file}
        onChange={(f) => void choose(f)}
        clearable
      />
      <FormError message={check.errors.form ?? apply.errors.form} />
      {check.pending ? <Text size="sm">Checking the file…</Text> : null}
      {checked ? (
        <Alert
          color={checked.added + checked.changed + checked.removed ? "blue" : "gray"}
          title="What the import will do"
        >
          <Text size="sm" data-testid="import-summary">
            {checked.rows} rows: {checked.added} added, {checked.changed} changed, {checked.removed} removed,{" "}
            {checked.unchanged} unchanged.
          </Text>
          {checked.sample.length ? (
            <Table mt="xs" withRowBorders={false} fz="xs">
              <Table.Tbody>
                {checked.sample.slice(0, 10).map((s) => (
                  <Table.Tr key={`${s.procedureCode}-${s.modifier}`}>
                    <Table.Td>
                      {s.procedureCode}
                      {s.modifier ? `-${s.modifier}` : ""}
                    </Table.Td>
                    <Table.Td>
                      {dollars(s.beforeCents)} → {dollars(s.afterCents)}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          ) : null}
        </Alert>
      ) : null}
      <Group justify="flex-end">
        <Button variant="default" onClick={onDone}>
          Cancel
        </Button>
        <Button
          disabled={!checked || !csv}
          loading={apply.pending}
          onClick={() => csv && void apply.run(csv)}
        >
          Import
        </Button>
      </Group>
    </Stack>
  );
}

function EditScheduleForm({ schedule, onDone }: { schedule: FeeScheduleView; onDone: () => void }) {
  const [d, setD] = useState({
    name: schedule.name,
    effectiveFrom: schedule.effectiveFrom,
    effectiveTo: schedule.effectiveTo ?? "",
    isDefault: schedule.isDefault,
    active: schedule.active,
  });
  const submit = useSubmit({
    action: () =>
      prices.updateSchedule(schedule.id, {
        version: schedule.version,
        name: d.name.trim(),
        effectiveFrom: d.effectiveFrom,
        effectiveTo: d.effectiveTo || null,
        ...(schedule.kind === "practice" && !schedule.payerRef ? { isDefault: d.isDefault } : {}),
        active: d.active,
      }),
    fields: ["name", "effectiveFrom", "effectiveTo", "isDefault", "active"],
    invalidate: [["billing", "fee-schedules"]],
    success: "Fee schedule saved.",
    onSuccess: onDone,
  });
  const e = submit.errors.fields;
  return (
    <form onSubmit={submit.onSubmit()} aria-label="Edit fee schedule">
      <Stack>
        <FormError message={submit.errors.form} />
        <TextInput
          label="Name"
          value={d.name}
          error={e.name}
          onChange={(ev) => setD({ ...d, name: ev.currentTarget.value })}
        />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            label="In force from"
            type="date"
            value={d.effectiveFrom}
            error={e.effectiveFrom}
            onChange={(ev) => setD({ ...d, effectiveFrom: ev.currentTarget.value })}
          />
          <TextInput
            label="Until (last day)"
            type="date"
            value={d.effectiveTo}
            error={e.effectiveTo}
            onChange={(ev) => setD({ ...d, effectiveTo: ev.currentTarget.value })}
          />
        </SimpleGrid>
        {schedule.kind === "practice" && !schedule.payerRef ? (
          <Checkbox
            label="The practice's default prices"
            checked={d.isDefault}
            onChange={(ev) => setD({ ...d, isDefault: ev.currentTarget.checked })}
          />
        ) : null}
        <Switch
          label="Active"
          checked={d.active}
          onChange={(ev) => setD({ ...d, active: ev.currentTarget.checked })}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone} disabled={submit.pending}>
            Cancel
          </Button>
          <Button type="submit" loading={submit.pending}>
            Save
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function AddPriceForm({ schedule }: { schedule: FeeScheduleView }) {
  const [d, setD] = useState({ procedureCode: "", modifier: "", amount: "", description: "" });
  const submit = useSubmit({
    action: () => {
      // Dollars as typed, through the money module: a third decimal is refused, never rounded.
      const amountCents = parseMoney(d.amount, "amountCents");
      return prices.setEntry(schedule.id, {
        procedureCode: d.procedureCode,
        modifier: d.modifier,
        amountCents,
        description: d.description.trim() || null,
      });
    },
    fields: ["procedureCode", "modifier", "amountCents", "description"],
    invalidate: [["billing", "fee-schedules"]],
    success: (e) =>
      `Price of ${e.procedureCode}${e.modifier ? `-${e.modifier}` : ""} set to ${formatMoney(e.amountCents)}.`,
    onSuccess: () => setD({ procedureCode: "", modifier: "", amount: "", description: "" }),
  });
  const e = submit.errors.fields;
  return (
    <Paper withBorder p="md" mb="md" component="form" onSubmit={submit.onSubmit()} aria-label="Set a price">
      <FormError message={submit.errors.form} />
      <Group align="flex-end" wrap="wrap">
        <TextInput
          label="Procedure code"
          placeholder="99213"
          w={130}
          value={d.procedureCode}
          error={e.procedureCode}
          onChange={(ev) => setD({ ...d, procedureCode: ev.currentTarget.value })}
        />
        <TextInput
          label="Modifier"
          placeholder="none"
          w={90}
          value={d.modifier}
          error={e.modifier}
          onChange={(ev) => setD({ ...d, modifier: ev.currentTarget.value })}
        />
        <TextInput
          label="Price ($)"
          placeholder="125.00"
          w={120}
          value={d.amount}
          error={e.amountCents}
          onChange={(ev) => setD({ ...d, amount: ev.currentTarget.value })}
        />
        <TextInput
          label="Description"
          style={{ flex: 1, minWidth: 180 }}
          value={d.description}
          error={e.description}
          onChange={(ev) => setD({ ...d, description: ev.currentTarget.value })}
        />
        <Button type="submit" loading={submit.pending}>
          Set price
        </Button>
      </Group>
    </Paper>
  );
}

/** One fee schedule: its prices (search, set, remove), CSV import and export. */
export function FeeSchedulePage() {
  const { id = "" } = useParams();
  const session = useCurrentSession();
  const canManage = can(session.permissions, P.billingManage);
  const list = useListParams(PAGE_SIZE);
  const queryClient = useQueryClient();
  const [dialog, setDialog] = useState<"import" | "edit" | null>(null);
  const schedule = useQuery({
    queryKey: ["billing", "fee-schedules", id],
    queryFn: ({ signal }) => prices.schedule(id, signal),
  });
  const entries = useQuery({
    queryKey: ["billing", "fee-schedules", id, "entries", { q: list.q, offset: list.offset }],
    queryFn: ({ signal }) =>
      prices.entries(id, { ...(list.q ? { q: list.q } : {}), limit: PAGE_SIZE, offset: list.offset }, signal),
    placeholderData: keepPreviousData,
  });
  const remove = useSubmit({
    action: (e: { procedureCode: string; modifier: string }) =>
      prices.deleteEntry(id, e.procedureCode, e.modifier),
    invalidate: [["billing", "fee-schedules"]],
    success: "Price removed.",
  });
  if (schedule.isPending) return <Loading />;
  if (schedule.isError) return <LoadError error={schedule.error} onRetry={() => void schedule.refetch()} />;
  const s = schedule.data;
  return (
    <>
      <PageHeader
        above={<BackLink to="/billing/fee-schedules">Fee schedules</BackLink>}
        title={s.name}
        description={
          s.kind === "contract"
            ? `What ${s.payerName} has agreed to pay`
            : s.payerName
              ? `The practice's prices for ${s.payerName} patients`
              : "The practice's prices"
        }
        actions={
          <>
            <Button component="a" variant="default" href={prices.exportUrl(s.id)} download>
              Export CSV
            </Button>
            {canManage ? (
              <>
                <Button variant="default" onClick={() => setDialog("edit")}>
                  Edit
                </Button>
                <Button onClick={() => setDialog("import")}>Import CSV</Button>
              </>
            ) : null}
          </>
        }
      />
      <SimpleGrid cols={{ base: 2, sm: 4 }} mb="lg" component="dl">
        <Field label="In force">{scheduleDates(s)}</Field>
        <Field label="Prices">{s.entries}</Field>
        <Field label="Status">
          <Group gap={4}>
            <ActiveBadge active={s.active} inactiveLabel="Retired" />
            {s.isDefault ? (
              <Badge variant="light" color="teal">
                Default
              </Badge>
            ) : null}
          </Group>
        </Field>
        <Field label="Version">{s.version}</Field>
      </SimpleGrid>
      {canManage ? <AddPriceForm schedule={s} /> : null}
      <FormError message={remove.errors.form} />
      <TextInput
        label="Search prices"
        placeholder="Code prefix (992) or words of the description"
        type="search"
        value={list.input}
        onChange={(ev) => list.setInput(ev.currentTarget.value)}
        mb="md"
        maw={420}
      />
      {entries.isPending ? (
        <Loading />
      ) : entries.isError ? (
        <LoadError error={entries.error} onRetry={() => void entries.refetch()} />
      ) : entries.data.items.length === 0 ? (
        <EmptyState
          py="xl"
          title={list.q ? "No price matches" : "No prices yet"}
          description={list.q ? undefined : "Import a CSV file or set prices one by one."}
        />
      ) : (
        <>
          <Table striped verticalSpacing="xs" aria-label="Prices">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Code</Table.Th>
                <Table.Th scope="col">Modifier</Table.Th>
                <Table.Th scope="col" ta="right">
                  Price
                </Table.Th>
                <Table.Th scope="col">Description</Table.Th>
                {canManage ? <Table.Th scope="col" /> : null}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {entries.data.items.map((e) => (
                <Table.Tr key={`${e.procedureCode}-${e.modifier}`}>
                  <Table.Td ff="monospace">{e.procedureCode}</Table.Td>
                  <Table.Td ff="monospace">{e.modifier || "—"}</Table.Td>
                  <Table.Td ta="right">{formatMoney(e.amountCents)}</Table.Td>
                  <Table.Td>{e.description}</Table.Td>
                  {canManage ? (
                    <Table.Td>
                      <ActionIcon
                        variant="subtle"
                        color="red"
                        aria-label={`Remove the price of ${e.procedureCode}${e.modifier ? `-${e.modifier}` : ""}`}
                        onClick={() => void remove.run(e)}
                      >
                        ×
                      </ActionIcon>
                    </Table.Td>
                  ) : null}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Paging
            total={entries.data.total}
            page={list.page}
            pageSize={PAGE_SIZE}
            onPage={list.setPage}
            noun="prices"
          />
        </>
      )}
      <Modal
        opened={dialog === "import"}
        onClose={() => setDialog(null)}
        title={`Import prices into ${s.name}`}
        size="lg"
      >
        {dialog === "import" ? (
          <ImportPanel
            schedule={s}
            onDone={() => {
              setDialog(null);
              void queryClient.invalidateQueries({ queryKey: ["billing", "fee-schedules", id] });
            }}
          />
        ) : null}
      </Modal>
      <Modal opened={dialog === "edit"} onClose={() => setDialog(null)} title="Edit fee schedule">
        {dialog === "edit" ? <EditScheduleForm schedule={s} onDone={() => setDialog(null)} /> : null}
      </Modal>
      <Text size="xs" c="dimmed" mt="md">
        Charges are priced from the default schedule in force on the date of service (a payer's own practice
        prices first, such as self-pay); a modifier's own price when listed, else the plain price.
      </Text>
    </>
  );
}

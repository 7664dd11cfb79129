import {
  Badge,
  Button,
  Group,
  Modal,
  Paper,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { can, P } from "../../../auth/permissions.ts";
import { useCurrentSession } from "../../../auth/session.ts";
import { FormError } from "../../../components/FormError.tsx";
import { notifyError, notifySuccess } from "../../../components/notify.ts";
import { LoadError, Loading } from "../../../components/QueryState.tsx";
import { useServerErrors } from "../../../components/useServerErrors.ts";
import { formatDate } from "../../../lib/format.ts";
import { type ChartList, clinical, type ListItem } from "./clinicalApi.ts";
import { ReasonForm } from "./DocumentsTab.tsx";
import { formatIcd10 } from "./logic.ts";

interface Column {
  key: string;
  label: string;
  /** Shown as a plain date. */
  date?: boolean;
  code?: boolean;
  required?: boolean;
}

const LISTS: { kind: ChartList; title: string; noun: string; columns: Column[] }[] = [
  {
    kind: "problems",
    title: "Problems",
    noun: "problem",
    columns: [
      { key: "description", label: "Problem", required: true },
      { key: "code", label: "ICD-10-CM", code: true },
      { key: "onsetDate", label: "Onset", date: true },
    ],
  },
  {
    kind: "allergies",
    title: "Allergies",
    noun: "allergy",
    columns: [
      { key: "substance", label: "Substance", required: true },
      { key: "reaction", label: "Reaction" },
      { key: "severity", label: "Severity (mild, moderate, severe)" },
    ],
  },
  {
    kind: "medications",
    title: "Medications",
    noun: "medication",
    columns: [
      { key: "name", label: "Medication", required: true },
      { key: "dose", label: "Dose" },
      { key: "frequency", label: "Frequency" },
      { key: "startDate", label: "Started", date: true },
    ],
  },
];

const END_STATUS: Record<ChartList, string> = {
  problems: "resolved",
  allergies: "inactive",
  medications: "stopped",
};
const END_LABEL: Record<ChartList, string> = {
  problems: "Resolve",
  allergies: "Inactivate",
  medications: "Stop",
};

/** Problems, allergies and medications as lists; items are resolved or marked entered in error, never deleted. */
export function ClinicalListsTab({ patientId }: { patientId: string }) {
  return (
    <Stack>
      {LISTS.map((list) => (
        <ChartListPanel key={list.kind} patientId={patientId} {...list} />
      ))}
    </Stack>
  );
}

function cell(item: ListItem, column: Column): string {
  const value = (item as unknown as Record<string, unknown>)[column.key];
  if (value === null || value === undefined) return "";
  if (column.date) return formatDate(String(value));
  if (column.code) return formatIcd10(String(value));
  return String(value);
}

function ChartListPanel({
  patientId,
  kind,
  title,
  noun,
  columns,
}: {
  patientId: string;
  kind: ChartList;
  title: string;
  noun: string;
  columns: Column[];
}) {
  const session = useCurrentSession();
  const canWrite = can(session.permissions, P.chartWrite);
  const queryClient = useQueryClient();
  const key = ["patients", patientId, kind];
  const query = useQuery({ queryKey: key, queryFn: ({ signal }) => clinical.list(kind, patientId, signal) });
  const [adding, setAdding] = useState(false);
  const refresh = () => queryClient.invalidateQueries({ queryKey: key });
  const [errorFor, setErrorFor] = useState<ListItem | null>(null);
  const setStatus = async (item: ListItem, status: string) => {
    try {
      await clinical.updateListItem(kind, item.id, { status });
      notifySuccess(`${title}: saved.`);
      await refresh();
    } catch (error) {
      notifyError(error);
    }
  };
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-label={title}>
      <Group justify="space-between" mb="sm">
        <Title order={2} fz="h4">
          {title}
        </Title>
        {canWrite && !adding ? (
          <Button variant="light" size="xs" onClick={() => setAdding(true)}>
            Add {noun}
          </Button>
        ) : null}
      </Group>
      {adding ? (
        <ListItemForm
          columns={columns}
          noun={noun}
          onCancel={() => setAdding(false)}
          onSubmit={async (body) => {
            await clinical.addToList(kind, patientId, body);
            await refresh();
            setAdding(false);
          }}
        />
      ) : null}
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <LoadError error={query.error} onRetry={() => void query.refetch()} />
      ) : query.data.length === 0 ? (
        <Text size="sm" c="dimmed">
          None recorded.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={560}>
          <Table verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                {columns.map((c) => (
                  <Table.Th key={c.key} scope="col">
                    {c.label}
                  </Table.Th>
                ))}
                <Table.Th scope="col">Status</Table.Th>
                {canWrite ? <Table.Th scope="col">Actions</Table.Th> : null}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {query.data.map((item) => (
                <Table.Tr
                  key={item.id}
                  style={
                    item.status === "entered-in-error"
                      ? { textDecoration: "line-through", opacity: 0.6 }
                      : undefined
                  }
                >
                  {columns.map((c) => (
                    <Table.Td key={c.key} ff={c.code ? "monospace" : undefined}>
                      {cell(item, c)}
                    </Table.Td>
                  ))}
                  <Table.Td>
                    <Badge variant="light" color={item.status === "active" ? "teal" : "gray"}>
                      {item.status}
                    </Badge>
                  </Table.Td>
                  {canWrite ? (
                    <Table.Td>
                      {item.status === "active" ? (
                        <Group gap={4} wrap="nowrap">
                          <Button
                            size="compact-xs"
                            variant="subtle"
                            onClick={() => setStatus(item, END_STATUS[kind])}
                          >
                            {END_LABEL[kind]}
                          </Button>
                          <Button
                            size="compact-xs"
                            variant="subtle"
                            color="red"
                            onClick={() => setErrorFor(item)}
                          >
                            Entered in error
                          </Button>
                        </Group>
                      ) : null}
                    </Table.Td>
                  ) : null}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Modal opened={errorFor !== null} onClose={() => setErrorFor(null)} title="Mark entered in error">
        {errorFor ? (
          <ReasonForm
            onCancel={() => setErrorFor(null)}
            onSubmit={async (reason) => {
              await clinical.listItemInError(kind, errorFor.id, reason);
              await refresh();
              setErrorFor(null);
            }}
          />
        ) : null}
      </Modal>
    </Paper>
  );
}

function ListItemForm({
  columns,
  noun,
  onSubmit,
  onCancel,
}: {
  columns: Column[];
  noun: string;
  onSubmit: (body: Record<string, unknown>) => Promise<void>;
  onCancel: () => void;
}) {
  const [values, setValues] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const errors = useServerErrors(columns.map((c) => c.key));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    errors.clear();
    const body: Record<string, unknown> = {};
    for (const c of columns) {
      const v = (values[c.key] ?? "").trim();
      if (v)
        body[c.key] = c.code
          ? v.replace(/\./g, "").toUpperCase()
          : c.key === "severity"
            ? v.toLowerCase()
            : v;
    }
    try {
      await onSubmit(body);
    } catch (error) {
      errors.set(error);
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} aria-label={`New ${noun}`}>
      <Stack mb="md" gap="xs">
        <FormError message={errors.form} />
        <SimpleGrid cols={{ base: 1, sm: columns.length }}>
          {columns.map((c) => (
            <TextInput
              key={c.key}
              label={c.label}
              type={c.date ? "date" : "text"}
              required={c.required}
              autoComplete="off"
              value={values[c.key] ?? ""}
              error={errors.fields[c.key]}
              onChange={(e) => setValues({ ...values, [c.key]: e.currentTarget.value })}
            />
          ))}
        </SimpleGrid>
        <Group justify="flex-end">
          <Button variant="default" size="xs" onClick={onCancel} disabled={busy}>
            Cancel
          </Button>
          <Button type="submit" size="xs" loading={busy}>
            Save {noun}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

import {
  Anchor,
  Button,
  EmptyState,
  Group,
  Paper,
  Select,
  SimpleGrid,
  Table,
  Text,
  TextInput,
} from "@mantine/core";
import { DatePickerInput } from "@mantine/dates";
import type { AuditEntryView as AuditEntry, AuditFilters } from "@salus/server/admin/schemas";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { type FormEvent, useMemo, useState } from "react";
import { audit, users } from "../../api/endpoints.ts";
import { can, P } from "../../auth/permissions.ts";
import { useCurrentSession } from "../../auth/session.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { Paging } from "../../components/Paging.tsx";
import { LoadError, Loading } from "../../components/QueryState.tsx";
import { formatDateTime, toIsoDate } from "../../lib/format.ts";
import { type AuditForm, exportHref, toFilters } from "./auditQuery.ts";

const PAGE_SIZE = 50;
const EMPTY: AuditForm = { userId: null, patientId: "", action: null, range: [null, null] };

function Outcome({ outcome }: { outcome: string }) {
  const color =
    outcome === "success" ? "teal.8" : outcome === "denied" || outcome === "failure" ? "red.8" : "yellow.9";
  return (
    <Text size="xs" fw={700} c={color} style={{ whiteSpace: "nowrap" }}>
      {outcome}
    </Text>
  );
}

/** Long ids (UUIDs) shortened for the table; the full id is in the title and the accessible name. */
function ShortId({ id }: { id: string }) {
  const short = id.length > 13 ? `${id.slice(0, 8)}…` : id;
  return (
    <Text span size="xs" ff="monospace" title={id} aria-label={id}>
      {short}
    </Text>
  );
}

function asDate(value: string | Date | null | undefined): string | null {
  if (!value) return null;
  return value instanceof Date ? toIsoDate(value) : value.slice(0, 10);
}

function detailText(detail: unknown): string {
  if (detail === null || detail === undefined || detail === "") return "";
  return typeof detail === "string" ? detail : JSON.stringify(detail);
}

/** People to filter by: the organization's users when the viewer may list them, and whoever appears in the trail. */
function useUserOptions() {
  const session = useCurrentSession();
  const canListUsers = can(session.permissions, P.usersManage);
  const people = useQuery({
    queryKey: ["users"],
    queryFn: ({ signal }) => users.list(signal),
    enabled: canListUsers,
    retry: false,
  });
  const recent = useQuery({
    queryKey: ["audit", "recent-users"],
    queryFn: ({ signal }) => audit.list({ limit: 500 }, signal),
    staleTime: 60_000,
  });
  return useMemo(() => {
    const options = new Map<string, string>();
    for (const user of people.data?.items ?? []) options.set(user.id, `${user.displayName} (${user.email})`);
    for (const entry of recent.data?.items ?? []) {
      if (entry.userId && !options.has(entry.userId))
        options.set(entry.userId, entry.userEmail ?? entry.userId);
    }
    return [...options]
      .map(([value, label]) => ({ value, label }))
      .sort((a, b) => a.label.localeCompare(b.label));
  }, [people.data, recent.data]);
}

export function AuditPage() {
  const [form, setForm] = useState<AuditForm>(EMPTY);
  const [filters, setFilters] = useState<AuditFilters>({});
  const [page, setPage] = useState(1);
  const userOptions = useUserOptions();
  const actions = useQuery({
    queryKey: ["audit", "actions"],
    queryFn: ({ signal }) => audit.actions(signal),
  });
  const offset = (page - 1) * PAGE_SIZE;
  const query = useQuery({
    queryKey: ["audit", "entries", filters, offset],
    queryFn: ({ signal }) => audit.list({ ...filters, limit: PAGE_SIZE, offset }, signal),
    placeholderData: keepPreviousData,
  });

  const apply = (next: AuditForm) => {
    setForm(next);
    setFilters(toFilters(next));
    setPage(1);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    apply(form);
  };
  const filterByPatient = (patientId: string) => apply({ ...form, patientId });

  return (
    <>
      <PageHeader
        title="Audit trail"
        description="Every access to health information and every change, newest first."
        actions={
          <Button component="a" href={exportHref(filters)} variant="light" download>
            Export CSV
          </Button>
        }
      />
      <Paper
        withBorder
        p="md"
        radius="md"
        mb="md"
        component="form"
        onSubmit={submit}
        aria-label="Audit filters"
      >
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }}>
          <Select
            label="User"
            placeholder="Anyone"
            searchable
            clearable
            data={userOptions}
            value={form.userId}
            onChange={(userId) => setForm({ ...form, userId })}
            nothingFoundMessage="No such user in the trail"
          />
          <TextInput
            label="Patient id"
            placeholder="Any patient"
            value={form.patientId}
            onChange={(event) => setForm({ ...form, patientId: event.currentTarget.value })}
            autoComplete="off"
          />
          <Select
            label="Action"
            placeholder="Any action"
            searchable
            clearable
            data={actions.data ?? []}
            value={form.action}
            onChange={(action) => setForm({ ...form, action })}
            disabled={actions.isError}
          />
          <DatePickerInput
            type="range"
            label="Dates"
            placeholder="Any date"
            clearable
            allowSingleDateInRange
            valueFormat="MMM D, YYYY"
            value={form.range}
            onChange={(range) => setForm({ ...form, range: [asDate(range[0]), asDate(range[1])] })}
          />
        </SimpleGrid>
        <Group mt="md" gap="xs">
          <Button type="submit">Apply filters</Button>
          <Button variant="default" onClick={() => apply(EMPTY)}>
            Clear
          </Button>
        </Group>
      </Paper>

      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <LoadError error={query.error} onRetry={() => void query.refetch()} />
      ) : query.data.items.length === 0 ? (
        <EmptyState py="xl" title="No entries" description="Nothing in the trail matches these filters." />
      ) : (
        <>
          <Table.ScrollContainer minWidth={960}>
            <Table striped verticalSpacing="xs" fz="sm" aria-busy={query.isFetching}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">When</Table.Th>
                  <Table.Th scope="col">User</Table.Th>
                  <Table.Th scope="col">Action</Table.Th>
                  <Table.Th scope="col">Resource</Table.Th>
                  <Table.Th scope="col">Patient</Table.Th>
                  <Table.Th scope="col">Outcome</Table.Th>
                  <Table.Th scope="col">IP</Table.Th>
                  <Table.Th scope="col">Detail</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {query.data.items.map((entry: AuditEntry) => (
                  <Table.Tr key={entry.seq}>
                    <Table.Td style={{ whiteSpace: "nowrap" }}>{formatDateTime(entry.at)}</Table.Td>
                    <Table.Td>
                      {entry.userEmail ?? (
                        <Text span c="dimmed">
                          system
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td ff="monospace">{entry.action}</Table.Td>
                    <Table.Td>
                      {entry.resourceType}
                      {entry.resourceId ? (
                        <Text size="xs" c="dimmed">
                          <ShortId id={entry.resourceId} />
                        </Text>
                      ) : null}
                    </Table.Td>
                    <Table.Td>
                      {entry.patientId ? (
                        <Anchor
                          component="button"
                          type="button"
                          size="xs"
                          ff="monospace"
                          onClick={() => filterByPatient(entry.patientId!)}
                          title={`Show only the entries of patient ${entry.patientId}`}
                          aria-label={`Filter by patient ${entry.patientId}`}
                        >
                          {entry.patientId.length > 13 ? `${entry.patientId.slice(0, 8)}…` : entry.patientId}
                        </Anchor>
                      ) : null}
                    </Table.Td>
                    <Table.Td>
                      <Outcome outcome={entry.outcome} />
                    </Table.Td>
                    <Table.Td ff="monospace">{entry.ip}</Table.Td>
                    <Table.Td maw={320}>
                      <Text
                        size="xs"
                        c="dimmed"
                        lineClamp={2}
                        title={detailText(entry.detail)}
                        style={{ wordBreak: "break-all" }}
                      >
                        {detailText(entry.detail)}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <Paging total={query.data.total} page={page} pageSize={PAGE_SIZE} onPage={setPage} noun="entries" />
        </>
      )}
    </>
  );
}

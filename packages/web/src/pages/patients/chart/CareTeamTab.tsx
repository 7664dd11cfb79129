import { Button, Group, Paper, Select, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { staff } from "../../../api/endpoints.ts";
import { can, P } from "../../../auth/permissions.ts";
import { useCurrentSession } from "../../../auth/session.ts";
import { FormError } from "../../../components/FormError.tsx";
import { notifyError, notifySuccess } from "../../../components/notify.ts";
import { LoadError, Loading } from "../../../components/QueryState.tsx";
import { useServerErrors } from "../../../components/useServerErrors.ts";
import { formatDateTime, personName } from "../../../lib/format.ts";
import { records } from "./recordsApi.ts";

/** Explicit care-team grants: colleagues who may open this chart without treating the patient. */
export function CareTeamTab({ patientId }: { patientId: string }) {
  const session = useCurrentSession();
  const canWrite = can(session.permissions, P.chartWrite);
  const queryClient = useQueryClient();
  const key = ["patients", patientId, "care-team"];
  const query = useQuery({ queryKey: key, queryFn: ({ signal }) => records.careTeam(patientId, signal) });
  const refresh = () => queryClient.invalidateQueries({ queryKey: key });
  return (
    <Paper withBorder p="md" radius="md">
      <Title order={2} fz="h4" mb="xs">
        Care team
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        Clinicians listed here may open this chart. The patient's own practitioners (primary practitioner,
        visits) do not need a grant.
      </Text>
      {canWrite ? (
        <AddMember
          onAdd={async (body) => {
            await records.addCareTeam(patientId, body);
            notifySuccess("Care team updated.");
            await refresh();
          }}
        />
      ) : null}
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <LoadError error={query.error} onRetry={() => void query.refetch()} />
      ) : query.data.length === 0 ? (
        <Text size="sm" c="dimmed">
          No grants.
        </Text>
      ) : (
        <Table verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Colleague</Table.Th>
              <Table.Th scope="col">Since</Table.Th>
              <Table.Th scope="col">Until</Table.Th>
              <Table.Th scope="col">Reason</Table.Th>
              {canWrite ? <Table.Th scope="col">Actions</Table.Th> : null}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {query.data.map((m) => (
              <Table.Tr key={m.userId}>
                <Table.Td>
                  {m.displayName}
                  <Text size="xs" c="dimmed">
                    {m.email}
                  </Text>
                </Table.Td>
                <Table.Td>{formatDateTime(m.createdAt)}</Table.Td>
                <Table.Td>{m.expiresAt ? formatDateTime(m.expiresAt) : "—"}</Table.Td>
                <Table.Td>{m.reason}</Table.Td>
                {canWrite ? (
                  <Table.Td>
                    <Button
                      size="compact-xs"
                      variant="subtle"
                      color="red"
                      onClick={async () => {
                        try {
                          await records.removeCareTeam(patientId, m.userId);
                          await refresh();
                        } catch (error) {
                          notifyError(error);
                        }
                      }}
                    >
                      Remove
                    </Button>
                  </Table.Td>
                ) : null}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Paper>
  );
}

/** Colleagues who can be added: practitioners whose staff record is linked to a Salus user. */
function AddMember({
  onAdd,
}: {
  onAdd: (body: { userId: string; reason: string | null; expiresAt: string | null }) => Promise<void>;
}) {
  const practitioners = useQuery({
    queryKey: ["staff", { kind: "practitioner", limit: 200 }],
    queryFn: ({ signal }) => staff.list({ kind: "practitioner", limit: 200 }, signal),
  });
  const [userId, setUserId] = useState<string | null>(null);
  const [reason, setReason] = useState("");
  const [until, setUntil] = useState("");
  const [busy, setBusy] = useState(false);
  const errors = useServerErrors(["userId", "reason", "expiresAt"]);
  const options = (practitioners.data?.items ?? [])
    .map((p) => ({ p, userId: (p as { userId?: string | null }).userId }))
    .filter((o): o is { p: (typeof o)["p"]; userId: string } => typeof o.userId === "string")
    .map((o) => ({ value: o.userId, label: personName(o.p) }));
  if (practitioners.isSuccess && options.length === 0) {
    return (
      <Text size="sm" c="dimmed" mb="md">
        No colleague's staff record is linked to a Salus account yet, so none can be added here.
      </Text>
    );
  }
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!userId) return;
    setBusy(true);
    errors.clear();
    try {
      await onAdd({
        userId,
        reason: reason.trim() || null,
        // The grant ends at the end of the chosen day in the browser's zone.
        expiresAt: until ? new Date(`${until}T23:59:59`).toISOString() : null,
      });
      setUserId(null);
      setReason("");
      setUntil("");
    } catch (error) {
      errors.set(error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} aria-label="Add to the care team">
      <Stack gap="xs" mb="md">
        <FormError message={errors.form} />
        <Group align="flex-end" gap="xs">
          <Select
            label="Colleague"
            searchable
            data={options}
            value={userId}
            onChange={setUserId}
            error={errors.fields.userId}
          />
          <TextInput
            label="Reason"
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            error={errors.fields.reason}
          />
          <TextInput
            label="Until"
            type="date"
            value={until}
            onChange={(e) => setUntil(e.currentTarget.value)}
            error={errors.fields.expiresAt}
          />
          <Button type="submit" loading={busy} disabled={!userId}>
            Add
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

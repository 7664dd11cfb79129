import { Button, Group, Paper, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { can, P } from "../../../auth/permissions.ts";
import { useCurrentSession } from "../../../auth/session.ts";
import { FormError } from "../../../components/FormError.tsx";
import { notifyError, notifySuccess } from "../../../components/notify.ts";
import { LoadError, Loading } from "../../../components/QueryState.tsx";
import { useServerErrors } from "../../../components/useServerErrors.ts";
import { formatDateTime } from "../../../lib/format.ts";
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
                <Table.Td>{m.displayName ?? m.email ?? m.userId}</Table.Td>
                <Table.Td>{formatDateTime(m.grantedAt)}</Table.Td>
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
                      Revoke
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

function AddMember({
  onAdd,
}: {
  onAdd: (body: { email: string; reason?: string; expiresOn?: string }) => Promise<void>;
}) {
  const [email, setEmail] = useState("");
  const [reason, setReason] = useState("");
  const [until, setUntil] = useState("");
  const [busy, setBusy] = useState(false);
  const errors = useServerErrors(["email", "userId", "reason", "expiresOn"]);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    errors.clear();
    try {
      await onAdd({ email: email.trim(), reason: reason.trim() || undefined, expiresOn: until || undefined });
      setEmail("");
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
          <TextInput
            label="Colleague's email"
            type="email"
            required
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
            error={errors.fields.email ?? errors.fields.userId}
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
            error={errors.fields.expiresOn}
          />
          <Button type="submit" loading={busy}>
            Add
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

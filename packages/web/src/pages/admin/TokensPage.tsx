import {
  Badge,
  Button,
  EmptyState,
  Group,
  Modal,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
} from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import type { Role } from "@salus/core/security/permissions";
import type { TokenView as ApiToken } from "@salus/server/admin/schemas";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { tokens, users } from "../../api/endpoints.ts";
import { roleLabel } from "../../auth/permissions.ts";
import { useCurrentSession } from "../../auth/session.ts";
import { ConfirmDialog } from "../../components/ConfirmDialog.tsx";
import { FormError } from "../../components/FormError.tsx";
import { notifyError, notifySuccess } from "../../components/notify.ts";
import { OneTimeSecret } from "../../components/OneTimeSecret.tsx";
import { PageHeader } from "../../components/PageHeader.tsx";
import { LoadError, Loading } from "../../components/QueryState.tsx";
import { useServerErrors } from "../../components/useServerErrors.ts";
import { formatDateTime } from "../../lib/format.ts";

const FIELDS = ["name", "userId", "role"] as const;

function NewTokenForm({ onCreated, onCancel }: { onCreated: (token: string) => void; onCancel: () => void }) {
  const session = useCurrentSession();
  const people = useQuery({ queryKey: ["users"], queryFn: ({ signal }) => users.list(signal), retry: false });
  const [name, setName] = useState("");
  const [userId, setUserId] = useState<string | null>(null);
  const [role, setRole] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const errors = useServerErrors(FIELDS);
  const queryClient = useQueryClient();
  // A token acts as its user: yourself, or a service account (never another person).
  const active = (people.data?.items ?? []).filter(
    (user) => !user.disabled && (user.serviceAccount || user.id === session.user.id),
  );
  const chosen = active.find((user) => user.id === userId);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!userId || !role) return;
    setBusy(true);
    errors.clear();
    try {
      const answer = await tokens.create({ name: name.trim(), userId, role: role as Role });
      await queryClient.invalidateQueries({ queryKey: ["tokens"] });
      onCreated(answer.token);
    } catch (error) {
      errors.set(error);
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} aria-label="New API token">
      <Stack>
        <FormError message={errors.form} />
        <TextInput
          label="Name"
          description="What the token is for, e.g. “Lab results interface”"
          required
          value={name}
          onChange={(event) => setName(event.currentTarget.value)}
          error={errors.fields.name}
          data-autofocus
        />
        {people.isError ? (
          <TextInput
            label="User id"
            description="The user the token acts as"
            required
            value={userId ?? ""}
            onChange={(event) => setUserId(event.currentTarget.value)}
            error={errors.fields.userId}
          />
        ) : (
          <Select
            label="Acts as user"
            description="Yourself or a service account; the token has its access, limited to one of its roles."
            required
            searchable
            disabled={people.isPending}
            placeholder={people.isPending ? "Loading users…" : "Choose a user"}
            data={active.map((user) => ({
              value: user.id,
              label: user.serviceAccount
                ? `${user.displayName} (service account)`
                : `${user.displayName} (${user.email}, you)`,
            }))}
            value={userId}
            onChange={(value) => {
              setUserId(value);
              const next = active.find((user) => user.id === value);
              setRole(next?.roles.length === 1 ? (next.roles[0] ?? null) : null);
            }}
            error={errors.fields.userId}
          />
        )}
        <Select
          label="Role"
          required
          disabled={!userId}
          data={(chosen?.roles ?? []).map((r) => ({ value: r, label: roleLabel(r) }))}
          value={role}
          onChange={setRole}
          error={errors.fields.role}
          placeholder={userId ? "Choose one of the user's roles" : "Choose a user first"}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel} disabled={busy}>
            Cancel
          </Button>
          <Button type="submit" loading={busy} disabled={!name.trim() || !userId || !role}>
            Create token
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function TokensPage() {
  const queryClient = useQueryClient();
  const [creating, { open, close }] = useDisclosure(false);
  const [secret, setSecret] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  const [busy, setBusy] = useState(false);
  const query = useQuery({ queryKey: ["tokens"], queryFn: ({ signal }) => tokens.list(signal) });

  const revoke = async () => {
    if (!revoking) return;
    setBusy(true);
    try {
      await tokens.revoke(revoking.id);
      await queryClient.invalidateQueries({ queryKey: ["tokens"] });
      notifySuccess(`Token “${revoking.name}” revoked.`);
      setRevoking(null);
    } catch (error) {
      notifyError(error, "Could not revoke the token");
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <PageHeader
        title="API tokens"
        description="Bearer tokens for integrations (FHIR and JSON API). Each acts as you or as a service account, with one role."
        actions={<Button onClick={open}>New token</Button>}
      />
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <LoadError error={query.error} onRetry={() => void query.refetch()} />
      ) : query.data.items.length === 0 ? (
        <EmptyState
          py="xl"
          title="No tokens"
          description="Create a token to connect another system to Salus."
        />
      ) : (
        <Table.ScrollContainer minWidth={760}>
          <Table striped verticalSpacing="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Name</Table.Th>
                <Table.Th scope="col">User and role</Table.Th>
                <Table.Th scope="col">Created</Table.Th>
                <Table.Th scope="col">Last used</Table.Th>
                <Table.Th scope="col">Status</Table.Th>
                <Table.Th scope="col">Actions</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {query.data.items.map((token) => (
                <Table.Tr key={token.id}>
                  <Table.Td fw={500}>{token.name}</Table.Td>
                  <Table.Td>
                    <Text size="sm">
                      {token.serviceAccount ? `${token.userName} (service account)` : token.userEmail}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {roleLabel(token.role)}
                    </Text>
                  </Table.Td>
                  <Table.Td>{formatDateTime(token.createdAt)}</Table.Td>
                  <Table.Td>{token.lastUsedAt ? formatDateTime(token.lastUsedAt) : "Never"}</Table.Td>
                  <Table.Td>
                    {token.revokedAt ? (
                      <Badge
                        color="gray"
                        variant="light"
                        title={`Revoked ${formatDateTime(token.revokedAt)}`}
                      >
                        Revoked
                      </Badge>
                    ) : (
                      <Badge color="teal" variant="light">
                        Active
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>
                    {token.revokedAt ? null : (
                      <Button
                        size="compact-sm"
                        variant="subtle"
                        color="red"
                        onClick={() => setRevoking(token)}
                        aria-label={`Revoke ${token.name}`}
                      >
                        Revoke
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Modal opened={creating} onClose={close} title="New API token">
        {creating ? (
          <NewTokenForm
            onCancel={close}
            onCreated={(token) => {
              close();
              setSecret(token);
            }}
          />
        ) : null}
      </Modal>
      <OneTimeSecret
        opened={secret !== null}
        title="Token created"
        label="Token"
        secret={secret ?? ""}
        intro="Configure the other system with this token; it sends it as “Authorization: Bearer …”."
        onClose={() => setSecret(null)}
      />
      <ConfirmDialog
        opened={revoking !== null}
        title="Revoke token?"
        confirmLabel="Revoke token"
        danger
        loading={busy}
        onCancel={() => setRevoking(null)}
        onConfirm={() => void revoke()}
      >
        {`Systems using “${revoking?.name ?? ""}” will be refused at once. This cannot be undone.`}
      </ConfirmDialog>
    </>
  );
}

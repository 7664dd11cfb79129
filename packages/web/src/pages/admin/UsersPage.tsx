import { Badge, Button, EmptyState, Group, Modal, Table, Text, TextInput } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { users } from "../../api/endpoints.ts";
import { type CreateUserResponse, roleLabel, type User } from "../../api/types.ts";
import { useCurrentSession } from "../../auth/session.ts";
import { ConfirmDialog } from "../../components/ConfirmDialog.tsx";
import { notifyError, notifySuccess } from "../../components/notify.ts";
import { OneTimeSecret } from "../../components/OneTimeSecret.tsx";
import { PageHeader } from "../../components/PageHeader.tsx";
import { LoadError, Loading } from "../../components/QueryState.tsx";
import { formatDateTime } from "../../lib/format.ts";
import { EditUserForm, NewUserForm } from "./UserForms.tsx";

export function UsersPage() {
  const session = useCurrentSession();
  const queryClient = useQueryClient();
  const [creating, { open, close }] = useDisclosure(false);
  const [created, setCreated] = useState<CreateUserResponse | null>(null);
  const [editing, setEditing] = useState<User | null>(null);
  const [toggling, setToggling] = useState<User | null>(null);
  const [busy, setBusy] = useState(false);
  const [filter, setFilter] = useState("");
  const query = useQuery({ queryKey: ["users"], queryFn: ({ signal }) => users.list(signal) });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["users"] });

  const toggle = async () => {
    if (!toggling) return;
    setBusy(true);
    try {
      await users.update(toggling.id, { disabled: !toggling.disabled });
      await refresh();
      notifySuccess(`${toggling.displayName} ${toggling.disabled ? "enabled" : "disabled"}.`);
      setToggling(null);
    } catch (error) {
      notifyError(error);
    } finally {
      setBusy(false);
    }
  };

  const needle = filter.trim().toLowerCase();
  const shown = (query.data?.items ?? []).filter(
    (user) =>
      !needle || user.displayName.toLowerCase().includes(needle) || user.email.toLowerCase().includes(needle),
  );

  return (
    <>
      <PageHeader
        title="Users"
        description="People who can sign in to this organization, and their roles."
        actions={<Button onClick={open}>New user</Button>}
      />
      <TextInput
        label="Filter users"
        placeholder="Name or email"
        type="search"
        value={filter}
        onChange={(event) => setFilter(event.currentTarget.value)}
        mb="md"
        maw={360}
      />
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <LoadError error={query.error} onRetry={() => void query.refetch()} />
      ) : shown.length === 0 ? (
        <EmptyState py="xl" title={needle ? "Nobody matches" : "No users yet"} />
      ) : (
        <Table.ScrollContainer minWidth={760}>
          <Table striped verticalSpacing="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Name</Table.Th>
                <Table.Th scope="col">Roles</Table.Th>
                <Table.Th scope="col">Two-factor</Table.Th>
                <Table.Th scope="col">Last sign-in</Table.Th>
                <Table.Th scope="col">Status</Table.Th>
                <Table.Th scope="col">Actions</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {shown.map((user) => (
                <Table.Tr key={user.id}>
                  <Table.Td>
                    <Text size="sm" fw={500}>
                      {user.displayName}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {user.email}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {user.roles.map((role) => (
                        <Badge key={role} variant="light" color="gray" tt="none">
                          {roleLabel(role)}
                        </Badge>
                      ))}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    {user.mfaEnabled ? (
                      <Badge variant="light">On</Badge>
                    ) : (
                      <Text size="sm" c="dimmed">
                        Off
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{user.lastSignInAt ? formatDateTime(user.lastSignInAt) : "Never"}</Text>
                  </Table.Td>
                  <Table.Td>
                    {user.disabled ? (
                      <Badge color="red" variant="light">
                        Disabled
                      </Badge>
                    ) : (
                      <Badge color="teal" variant="light">
                        Active
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4} wrap="nowrap">
                      <Button
                        size="compact-sm"
                        variant="subtle"
                        onClick={() => setEditing(user)}
                        aria-label={`Edit ${user.displayName}`}
                      >
                        Edit
                      </Button>
                      {user.id !== session.user.id ? (
                        <Button
                          size="compact-sm"
                          variant="subtle"
                          color={user.disabled ? "teal" : "red"}
                          onClick={() => setToggling(user)}
                          aria-label={`${user.disabled ? "Enable" : "Disable"} ${user.displayName}`}
                        >
                          {user.disabled ? "Enable" : "Disable"}
                        </Button>
                      ) : null}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}

      <Modal opened={creating} onClose={close} title="New user">
        {creating ? (
          <NewUserForm
            onCancel={close}
            onSubmit={async (body) => {
              const answer = await users.create(body);
              await refresh();
              close();
              if (answer.oneTimePassword) setCreated(answer);
              else
                notifySuccess(
                  `${answer.user.displayName} already had a Salus account and was added to this organization.`,
                );
            }}
          />
        ) : null}
      </Modal>
      <Modal opened={editing !== null} onClose={() => setEditing(null)} title="Edit user">
        {editing ? (
          <EditUserForm
            user={editing}
            onCancel={() => setEditing(null)}
            onSubmit={async (body) => {
              await users.update(editing.id, body);
              await refresh();
              notifySuccess(`${editing.displayName} saved.`);
              setEditing(null);
            }}
          />
        ) : null}
      </Modal>
      <OneTimeSecret
        opened={created !== null}
        title="User created"
        label="One-time password"
        secret={created?.oneTimePassword ?? ""}
        intro={
          <>
            Give this password to <b>{created?.user.displayName}</b> ({created?.user.email}) in person or by a
            secure channel. They choose their own password at first sign-in.
          </>
        }
        onClose={() => setCreated(null)}
      />
      <ConfirmDialog
        opened={toggling !== null}
        title={toggling?.disabled ? "Enable user?" : "Disable user?"}
        confirmLabel={toggling?.disabled ? "Enable" : "Disable user"}
        danger={!toggling?.disabled}
        loading={busy}
        onCancel={() => setToggling(null)}
        onConfirm={() => void toggle()}
      >
        {toggling?.disabled
          ? `${toggling.displayName} will be able to sign in again.`
          : `${toggling?.displayName} will be signed out everywhere at once, and their API tokens will stop working.`}
      </ConfirmDialog>
    </>
  );
}

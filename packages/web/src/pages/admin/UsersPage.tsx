import { Badge, Button, EmptyState, Group, Modal, Table, Text, TextInput, Title } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import type { InvitationView as Invitation, UserView as User } from "@salus/server/admin/schemas";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { invitations, users } from "../../api/endpoints.ts";
import { roleLabel } from "../../auth/permissions.ts";
import { useCurrentSession } from "../../auth/session.ts";
import { ConfirmDialog } from "../../components/ConfirmDialog.tsx";
import { notifyError, notifySuccess } from "../../components/notify.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { LoadError, Loading } from "../../components/QueryState.tsx";
import { formatDateTime } from "../../lib/format.ts";
import { EditUserForm, NewUserForm, ServiceAccountForm } from "./UserForms.tsx";

/** Pending invitations: who was invited, with which roles, until when; each can be cancelled. */
function PendingInvitations() {
  const queryClient = useQueryClient();
  const query = useQuery({ queryKey: ["invitations"], queryFn: ({ signal }) => invitations.list(signal) });
  const [cancelling, setCancelling] = useState<Invitation | null>(null);
  const [busy, setBusy] = useState(false);
  const pending = (query.data?.items ?? []).filter((i) => i.status === "pending");
  if (pending.length === 0) return null;
  const cancel = async () => {
    if (!cancelling) return;
    setBusy(true);
    try {
      await invitations.cancel(cancelling.id);
      await queryClient.invalidateQueries({ queryKey: ["invitations"] });
      notifySuccess(`Invitation to ${cancelling.email} cancelled.`);
      setCancelling(null);
    } catch (error) {
      notifyError(error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-label="Pending invitations">
      <Title order={2} size="h4" mt="xl" mb="sm">
        Pending invitations
      </Title>
      <Table striped verticalSpacing="sm">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Email</Table.Th>
            <Table.Th scope="col">Roles</Table.Th>
            <Table.Th scope="col">Expires</Table.Th>
            <Table.Th scope="col">Actions</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {pending.map((invitation) => (
            <Table.Tr key={invitation.id}>
              <Table.Td>
                <Text size="sm">{invitation.email}</Text>
                <Text size="xs" c="dimmed">
                  Invited by {invitation.invitedBy}
                </Text>
              </Table.Td>
              <Table.Td>{invitation.roles.map(roleLabel).join(", ")}</Table.Td>
              <Table.Td>{formatDateTime(invitation.expiresAt)}</Table.Td>
              <Table.Td>
                <Button
                  size="compact-sm"
                  variant="subtle"
                  color="red"
                  onClick={() => setCancelling(invitation)}
                  aria-label={`Cancel the invitation to ${invitation.email}`}
                >
                  Cancel
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <ConfirmDialog
        opened={cancelling !== null}
        title="Cancel invitation?"
        confirmLabel="Cancel invitation"
        danger
        loading={busy}
        onCancel={() => setCancelling(null)}
        onConfirm={() => void cancel()}
      >
        {`The link sent to ${cancelling?.email ?? ""} stops working.`}
      </ConfirmDialog>
    </section>
  );
}

export function UsersPage() {
  const session = useCurrentSession();
  const queryClient = useQueryClient();
  const [creating, { open, close }] = useDisclosure(false);
  const [creatingService, service] = useDisclosure(false);
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
        actions={
          <Group gap="xs">
            <Button variant="default" onClick={service.open}>
              New service account
            </Button>
            <Button onClick={open}>New user</Button>
          </Group>
        }
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
                      {user.serviceAccount ? "Service account" : user.email}
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
      <PendingInvitations />

      <Modal opened={creating} onClose={close} title="New user">
        {creating ? (
          <NewUserForm
            onCancel={close}
            onSubmit={async (body) => {
              const answer = await users.create(body);
              await queryClient.invalidateQueries({ queryKey: ["invitations"] });
              close();
              notifySuccess(
                `Invitation sent to ${answer.invitation.email}. They join this organization when they accept it.`,
              );
            }}
          />
        ) : null}
      </Modal>
      <Modal opened={creatingService} onClose={service.close} title="New service account">
        {creatingService ? (
          <ServiceAccountForm
            onCancel={service.close}
            onSubmit={async (body) => {
              const account = await users.createServiceAccount(body);
              await refresh();
              service.close();
              notifySuccess(
                `Service account ${account.displayName} created; issue it a token on API tokens.`,
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

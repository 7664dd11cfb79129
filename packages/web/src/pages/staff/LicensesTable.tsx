import {
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
  VisuallyHidden,
} from "@mantine/core";
import type { LicenseView as License, StaffView as StaffMember } from "@salus/server/directory/schemas";
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { staff } from "../../api/endpoints.ts";
import { ConfirmDialog } from "../../components/ConfirmDialog.tsx";
import { ExpiryBadge } from "../../components/ExpiryBadge.tsx";
import { FormError } from "../../components/FormError.tsx";
import { notifyError, notifySuccess } from "../../components/notify.ts";
import { useServerErrors } from "../../components/useServerErrors.ts";
import { formatDate } from "../../lib/format.ts";

const FIELDS = ["state", "number", "expiresOn"] as const;

function LicenseForm({
  license,
  onSubmit,
  onCancel,
}: {
  license: License | null;
  onSubmit: (body: Partial<Omit<License, "id">>) => Promise<void>;
  onCancel: () => void;
}) {
  const [state, setState] = useState(license?.state ?? "");
  const [number, setNumber] = useState(license?.number ?? "");
  const [expiresOn, setExpiresOn] = useState(license?.expiresOn ?? "");
  const [busy, setBusy] = useState(false);
  const errors = useServerErrors(FIELDS);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const next = { state: state.trim().toUpperCase(), number: number.trim(), expiresOn: expiresOn || null };
    const body: Partial<Omit<License, "id">> = {};
    if (!license || license.state !== next.state) body.state = next.state;
    if (!license || license.number !== next.number) body.number = next.number;
    // An empty date is sent as null, which the server refuses with a message on the field.
    if (!license || (license.expiresOn ?? null) !== next.expiresOn) body.expiresOn = next.expiresOn as string;
    if (Object.keys(body).length === 0) return onCancel();
    setBusy(true);
    errors.clear();
    try {
      await onSubmit(body);
    } catch (error) {
      errors.set(error);
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit}>
      <Stack>
        <FormError message={errors.form} />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            label="State"
            description="Two letters, e.g. MA"
            required
            value={state}
            onChange={(event) => setState(event.currentTarget.value)}
            error={errors.fields.state}
            data-autofocus
          />
          <TextInput
            label="Licence number"
            required
            value={number}
            onChange={(event) => setNumber(event.currentTarget.value)}
            error={errors.fields.number}
          />
        </SimpleGrid>
        <TextInput
          label="Expires on"
          type="date"
          value={expiresOn}
          onChange={(event) => setExpiresOn(event.currentTarget.value)}
          error={errors.fields.expiresOn}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel} disabled={busy}>
            Cancel
          </Button>
          <Button type="submit" loading={busy}>
            {license ? "Save" : "Add licence"}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function LicensesTable({ member, canWrite }: { member: StaffMember; canWrite: boolean }) {
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<License | "new" | null>(null);
  const [removing, setRemoving] = useState<License | null>(null);
  const [busy, setBusy] = useState(false);
  const licenses = [...(member.licenses ?? [])].sort((a, b) =>
    (a.expiresOn ?? "9999").localeCompare(b.expiresOn ?? "9999"),
  );

  const refresh = () => queryClient.invalidateQueries({ queryKey: ["staff"] });

  const save = async (body: Partial<Omit<License, "id">>) => {
    if (editing === "new") await staff.addLicense(member.id, body as Omit<License, "id">);
    else if (editing) await staff.updateLicense(member.id, editing.id, body);
    await refresh();
    notifySuccess(editing === "new" ? "Licence added." : "Licence saved.");
    setEditing(null);
  };

  const remove = async () => {
    if (!removing) return;
    setBusy(true);
    try {
      await staff.removeLicense(member.id, removing.id);
      await refresh();
      notifySuccess("Licence removed.");
      setRemoving(null);
    } catch (error) {
      notifyError(error, "Could not remove the licence");
    } finally {
      setBusy(false);
    }
  };

  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="licenses-heading">
      <Group justify="space-between" mb="sm">
        <Title order={2} fz="h4" id="licenses-heading">
          Licences
        </Title>
        {canWrite ? (
          <Button size="xs" variant="light" onClick={() => setEditing("new")}>
            Add licence
          </Button>
        ) : null}
      </Group>
      {licenses.length === 0 ? (
        <Text c="dimmed" size="sm">
          No licences recorded.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={480}>
          <Table verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">State</Table.Th>
                <Table.Th scope="col">Number</Table.Th>
                <Table.Th scope="col">Expires</Table.Th>
                {canWrite ? (
                  <Table.Th scope="col">
                    <VisuallyHidden>Actions</VisuallyHidden>
                  </Table.Th>
                ) : null}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {licenses.map((license) => (
                <Table.Tr key={license.id}>
                  <Table.Td>{license.state}</Table.Td>
                  <Table.Td ff="monospace">{license.number}</Table.Td>
                  <Table.Td>
                    <Group gap="xs">
                      <span>{license.expiresOn ? formatDate(license.expiresOn) : "No expiry"}</span>
                      <ExpiryBadge expiresOn={license.expiresOn} />
                    </Group>
                  </Table.Td>
                  {canWrite ? (
                    <Table.Td ta="right">
                      <Group gap={4} justify="flex-end" wrap="nowrap">
                        <Button
                          size="compact-sm"
                          variant="subtle"
                          onClick={() => setEditing(license)}
                          aria-label={`Edit licence ${license.state} ${license.number}`}
                        >
                          Edit
                        </Button>
                        <Button
                          size="compact-sm"
                          variant="subtle"
                          color="red"
                          onClick={() => setRemoving(license)}
                          aria-label={`Remove licence ${license.state} ${license.number}`}
                        >
                          Remove
                        </Button>
                      </Group>
                    </Table.Td>
                  ) : null}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Modal
        opened={editing !== null}
        onClose={() => setEditing(null)}
        title={editing === "new" ? "Add licence" : "Edit licence"}
      >
        {editing !== null ? (
          <LicenseForm
            license={editing === "new" ? null : editing}
            onSubmit={save}
            onCancel={() => setEditing(null)}
          />
        ) : null}
      </Modal>
      <ConfirmDialog
        opened={removing !== null}
        title="Remove licence?"
        confirmLabel="Remove licence"
        danger
        loading={busy}
        onCancel={() => setRemoving(null)}
        onConfirm={() => void remove()}
      >
        {removing
          ? `The ${removing.state} licence ${removing.number} will be removed from this record.`
          : null}
      </ConfirmDialog>
    </Paper>
  );
}

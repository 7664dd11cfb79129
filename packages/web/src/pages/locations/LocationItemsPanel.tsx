import {
  Button,
  Group,
  Modal,
  Paper,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from "@mantine/core";
import type { EquipmentView as Equipment, RoomView as Room } from "@salus/server/directory/schemas";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { equipment, rooms } from "../../api/endpoints.ts";
import { FormError } from "../../components/FormError.tsx";
import { notifySuccess } from "../../components/notify.ts";
import { LoadError, Loading } from "../../components/QueryState.tsx";
import { ActiveBadge } from "../../components/StatusBadge.tsx";
import { useServerErrors } from "../../components/useServerErrors.ts";

type Item = Room | (Equipment & { kind: string });
type Kind = "rooms" | "equipment";

const CONFIG = {
  rooms: { title: "Rooms", singular: "room", api: rooms, withKind: false },
  equipment: { title: "Equipment", singular: "equipment", api: equipment, withKind: true },
} as const;

const FIELDS = ["name", "kind", "active"] as const;

function ItemForm({
  kind,
  item,
  onSubmit,
  onCancel,
}: {
  kind: Kind;
  item: Item | null;
  onSubmit: (body: Record<string, string | boolean>) => Promise<void>;
  onCancel: () => void;
}) {
  const config = CONFIG[kind];
  const [name, setName] = useState(item?.name ?? "");
  const [itemKind, setItemKind] = useState(item && "kind" in item ? item.kind : "");
  const [active, setActive] = useState(item?.active ?? true);
  const [busy, setBusy] = useState(false);
  const errors = useServerErrors(FIELDS);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const body: Record<string, string | boolean> = {};
    if (!item || item.name !== name.trim()) body.name = name.trim();
    if (config.withKind && (!item || !("kind" in item) || item.kind !== itemKind.trim()))
      body.kind = itemKind.trim();
    if (item && item.active !== active) body.active = active;
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
        <TextInput
          label="Name"
          required
          value={name}
          onChange={(event) => setName(event.currentTarget.value)}
          error={errors.fields.name}
          data-autofocus
        />
        {config.withKind ? (
          <TextInput
            label="Kind"
            description="For example: ultrasound, ECG, x-ray"
            required
            value={itemKind}
            onChange={(event) => setItemKind(event.currentTarget.value)}
            error={errors.fields.kind}
          />
        ) : null}
        {item ? (
          <Switch
            label="Active"
            checked={active}
            onChange={(event) => setActive(event.currentTarget.checked)}
          />
        ) : null}
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel} disabled={busy}>
            Cancel
          </Button>
          <Button type="submit" loading={busy}>
            {item ? "Save" : `Add ${config.singular}`}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** The rooms or the equipment of one location, with add and edit for writers. */
export function LocationItemsPanel({
  kind,
  locationId,
  canWrite,
}: {
  kind: Kind;
  locationId: string;
  canWrite: boolean;
}) {
  const config = CONFIG[kind];
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<Item | "new" | null>(null);
  const queryKey = [kind, { locationId }];
  const query = useQuery({
    queryKey,
    queryFn: ({ signal }) =>
      config.api.list({ locationId, limit: 200 }, signal) as Promise<{ items: Item[]; total: number }>,
  });

  const save = async (body: Record<string, string | boolean>) => {
    if (editing === "new") await config.api.create({ ...body, locationId } as never);
    else if (editing) await config.api.update(editing.id, body as never);
    await queryClient.invalidateQueries({ queryKey: [kind] });
    notifySuccess(
      editing === "new" ? `${config.title === "Rooms" ? "Room" : "Equipment"} added.` : "Changes saved.",
    );
    setEditing(null);
  };

  const headingId = `${kind}-heading`;
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby={headingId}>
      <Group justify="space-between" mb="sm">
        <Title order={2} fz="h4" id={headingId}>
          {config.title}
        </Title>
        {canWrite ? (
          <Button size="xs" variant="light" onClick={() => setEditing("new")}>
            Add {config.singular}
          </Button>
        ) : null}
      </Group>
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <LoadError error={query.error} onRetry={() => void query.refetch()} />
      ) : query.data.items.length === 0 ? (
        <Text c="dimmed" size="sm">
          No {kind === "rooms" ? "rooms" : "equipment"} at this location yet.
        </Text>
      ) : (
        <Table verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Name</Table.Th>
              {config.withKind ? <Table.Th scope="col">Kind</Table.Th> : null}
              <Table.Th scope="col">Status</Table.Th>
              {canWrite ? (
                <Table.Th scope="col">
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              ) : null}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {query.data.items.map((item) => (
              <Table.Tr key={item.id}>
                <Table.Td>{item.name}</Table.Td>
                {config.withKind ? <Table.Td>{"kind" in item ? item.kind : ""}</Table.Td> : null}
                <Table.Td>
                  <ActiveBadge active={item.active} />
                </Table.Td>
                {canWrite ? (
                  <Table.Td ta="right">
                    <Button
                      size="compact-sm"
                      variant="subtle"
                      onClick={() => setEditing(item)}
                      aria-label={`Edit ${item.name}`}
                    >
                      Edit
                    </Button>
                  </Table.Td>
                ) : null}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Modal
        opened={editing !== null}
        onClose={() => setEditing(null)}
        title={editing === "new" ? `Add ${config.singular}` : `Edit ${config.singular}`}
      >
        {editing !== null ? (
          <ItemForm
            kind={kind}
            item={editing === "new" ? null : editing}
            onSubmit={save}
            onCancel={() => setEditing(null)}
          />
        ) : null}
      </Modal>
    </Paper>
  );
}

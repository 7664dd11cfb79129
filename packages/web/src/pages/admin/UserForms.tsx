import { Button, Group, Stack, Text, TextInput } from "@mantine/core";
import type { Role } from "@salus/core/security/permissions";
import type { UserView as User } from "@salus/server/admin/schemas";
import { type FormEvent, useState } from "react";
import { FormError } from "../../components/FormError.tsx";
import { RolesInput } from "../../components/RolesInput.tsx";
import { useServerErrors } from "../../components/useServerErrors.ts";

const FIELDS = ["email", "displayName", "roles"] as const;

export function NewUserForm({
  onSubmit,
  onCancel,
}: {
  onSubmit: (body: { email: string; displayName: string; roles: Role[] }) => Promise<void>;
  onCancel: () => void;
}) {
  const [email, setEmail] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [roles, setRoles] = useState<Role[]>([]);
  const [busy, setBusy] = useState(false);
  const errors = useServerErrors(FIELDS);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    errors.clear();
    try {
      await onSubmit({ email: email.trim(), displayName: displayName.trim(), roles });
    } catch (error) {
      errors.set(error);
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} aria-label="New user">
      <Stack>
        <Text size="sm" c="dimmed">
          Salus emails the person an invitation link (valid 7 days, usable once). They join this organization
          when they accept it: signed in to their Salus account, or by choosing a password if they have none.
        </Text>
        <FormError message={errors.form} />
        <TextInput
          label="Email"
          type="email"
          required
          autoComplete="off"
          value={email}
          onChange={(event) => setEmail(event.currentTarget.value)}
          error={errors.fields.email}
          data-autofocus
        />
        <TextInput
          label="Name"
          required
          autoComplete="off"
          value={displayName}
          onChange={(event) => setDisplayName(event.currentTarget.value)}
          error={errors.fields.displayName}
        />
        <RolesInput value={roles} onChange={setRoles} error={errors.fields.roles} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel} disabled={busy}>
            Cancel
          </Button>
          <Button type="submit" loading={busy} disabled={!email || !displayName || roles.length === 0}>
            Send invitation
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function EditUserForm({
  user,
  onSubmit,
  onCancel,
}: {
  user: User;
  onSubmit: (body: { roles?: Role[]; displayName?: string }) => Promise<void>;
  onCancel: () => void;
}) {
  const [displayName, setDisplayName] = useState(user.displayName);
  const [roles, setRoles] = useState<Role[]>(user.roles);
  const [busy, setBusy] = useState(false);
  const errors = useServerErrors(FIELDS);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const body: { roles?: Role[]; displayName?: string } = {};
    if (displayName.trim() !== user.displayName) body.displayName = displayName.trim();
    const sameRoles = roles.length === user.roles.length && roles.every((role) => user.roles.includes(role));
    if (!sameRoles) body.roles = roles;
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
    <form onSubmit={submit} aria-label="Edit user">
      <Stack>
        <FormError message={errors.form} />
        <TextInput label="Email" value={user.email} readOnly disabled />
        <TextInput
          label="Name"
          required
          value={displayName}
          onChange={(event) => setDisplayName(event.currentTarget.value)}
          error={errors.fields.displayName}
          data-autofocus
        />
        <RolesInput value={roles} onChange={setRoles} error={errors.fields.roles} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel} disabled={busy}>
            Cancel
          </Button>
          <Button type="submit" loading={busy} disabled={roles.length === 0}>
            Save
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

const SERVICE_FIELDS = ["name", "roles"] as const;

/** A service account: an integration's own name and roles; it never signs in with a password. */
export function ServiceAccountForm({
  onSubmit,
  onCancel,
}: {
  onSubmit: (body: { name: string; roles: Role[] }) => Promise<void>;
  onCancel: () => void;
}) {
  const [name, setName] = useState("");
  const [roles, setRoles] = useState<Role[]>([]);
  const [busy, setBusy] = useState(false);
  const errors = useServerErrors(SERVICE_FIELDS);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    errors.clear();
    try {
      await onSubmit({ name: name.trim(), roles });
    } catch (error) {
      errors.set(error);
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} aria-label="New service account">
      <Stack>
        <Text size="sm" c="dimmed">
          For another system (a lab interface, a script): it gets its own name and roles, never signs in with
          a password, and appears as “service account” in the audit trail. Issue it a token on the API tokens
          page.
        </Text>
        <FormError message={errors.form} />
        <TextInput
          label="Name"
          description="What it is, e.g. “Lab results interface”"
          required
          value={name}
          onChange={(event) => setName(event.currentTarget.value)}
          error={errors.fields.name}
          data-autofocus
        />
        <RolesInput value={roles} onChange={setRoles} error={errors.fields.roles} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel} disabled={busy}>
            Cancel
          </Button>
          <Button type="submit" loading={busy} disabled={!name.trim() || roles.length === 0}>
            Create service account
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

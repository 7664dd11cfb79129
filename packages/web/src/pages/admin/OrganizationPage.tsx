import { Button, Group, NumberInput, Paper, Stack, Switch, Text, TextInput } from "@mantine/core";
import type { OrganizationView as Organization } from "@salus/server/admin/schemas";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { organization } from "../../api/endpoints.ts";
import { SESSION_KEY } from "../../auth/session.ts";
import { FormError } from "../../components/FormError.tsx";
import { notifySuccess } from "../../components/notify.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { LoadError, Loading } from "../../components/QueryState.tsx";
import { useServerErrors } from "../../components/useServerErrors.ts";

const FIELDS = ["name", "mfaRequired", "idleTimeoutMinutes", "absoluteTimeoutHours"] as const;

function SettingsForm({ org }: { org: Organization }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState(org.name);
  const [mfaRequired, setMfaRequired] = useState(org.mfaRequired);
  const [idle, setIdle] = useState<number | string>(org.idleTimeoutMinutes);
  const [absolute, setAbsolute] = useState<number | string>(org.absoluteTimeoutHours);
  const [busy, setBusy] = useState(false);
  const errors = useServerErrors(FIELDS);

  useEffect(() => {
    setName(org.name);
    setMfaRequired(org.mfaRequired);
    setIdle(org.idleTimeoutMinutes);
    setAbsolute(org.absoluteTimeoutHours);
  }, [org]);

  const body: Partial<Organization> = {};
  if (name.trim() !== org.name) body.name = name.trim();
  if (mfaRequired !== org.mfaRequired) body.mfaRequired = mfaRequired;
  // Sent as typed ("" stays "" so the server names the field; Number("") would have sent 0).
  if (idle !== org.idleTimeoutMinutes) body.idleTimeoutMinutes = idle as number;
  if (absolute !== org.absoluteTimeoutHours) body.absoluteTimeoutHours = absolute as number;
  const dirty = Object.keys(body).length > 0;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!dirty) return;
    setBusy(true);
    errors.clear();
    try {
      const saved = await organization.update(body);
      queryClient.setQueryData(["organization"], saved);
      await queryClient.invalidateQueries({ queryKey: SESSION_KEY });
      notifySuccess("Organization settings saved.");
    } catch (error) {
      errors.set(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} aria-label="Organization settings">
      <Stack gap="lg">
        <FormError message={errors.form} />
        <TextInput
          label="Organization name"
          required
          value={name}
          onChange={(event) => setName(event.currentTarget.value)}
          error={errors.fields.name}
        />
        <Stack gap={4}>
          <Switch
            label="Require two-factor authentication (MFA)"
            description="Everyone must use an authenticator app code when signing in. People without one set it up at their next sign-in."
            checked={mfaRequired}
            onChange={(event) => setMfaRequired(event.currentTarget.checked)}
            error={errors.fields.mfaRequired}
          />
        </Stack>
        <NumberInput
          label="Idle timeout (minutes)"
          description="A session with no activity for this long ends and the user signs in again."
          min={1}
          max={60}
          allowDecimal={false}
          value={idle}
          onChange={setIdle}
          error={errors.fields.idleTimeoutMinutes}
          maw={320}
        />
        <NumberInput
          label="Longest session (hours)"
          description="A session ends after this long even when in use."
          min={1}
          max={24}
          allowDecimal={false}
          value={absolute}
          onChange={setAbsolute}
          error={errors.fields.absoluteTimeoutHours}
          maw={320}
        />
        <Group>
          <Button type="submit" loading={busy} disabled={!dirty}>
            Save settings
          </Button>
          {dirty ? (
            <Text size="sm" c="dimmed">
              Unsaved changes
            </Text>
          ) : null}
        </Group>
      </Stack>
    </form>
  );
}

export function OrganizationPage() {
  const query = useQuery({ queryKey: ["organization"], queryFn: ({ signal }) => organization.get(signal) });
  return (
    <>
      <PageHeader
        title="Organization settings"
        description={query.data ? `Identifier: ${query.data.slug}` : undefined}
      />
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <LoadError error={query.error} onRetry={() => void query.refetch()} />
      ) : (
        <Paper withBorder p="lg" radius="md" maw={640}>
          <SettingsForm org={query.data} />
        </Paper>
      )}
    </>
  );
}

import {
  Alert,
  Button,
  Group,
  List,
  Paper,
  Radio,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { can, P } from "../../../auth/permissions.ts";
import { useCurrentSession } from "../../../auth/session.ts";
import { FormError } from "../../../components/FormError.tsx";
import { PageHeader } from "../../../components/PageHeader.tsx";
import { LoadError, Loading } from "../../../components/QueryState.tsx";
import { useSubmit } from "../../../components/useSubmit.ts";
import { type BillingSettingsView, prices } from "../payers/api.ts";

const TEXT_FIELDS = [
  ["billingName", "Billing name", "The practice's name as payers know it (loop 2010AA)"],
  ["billingNpi", "Billing NPI", "The group's 10-digit NPI"],
  ["taxId", "Tax id (EIN)", "9 digits"],
  ["taxonomy", "Taxonomy code", "e.g. 207Q00000X (family medicine)"],
  ["addressLine1", "Address", "A street address, not a P.O. box"],
  ["addressLine2", "Address line 2", ""],
  ["city", "City", ""],
  ["state", "State", "Two letters"],
  ["postalCode", "ZIP code", "9 digits (ZIP+4) on claims"],
  ["phone", "Phone", ""],
  ["submitterId", "Submitter id", "Given by your clearinghouse"],
  ["submitterContactName", "Submitter contact", ""],
  ["submitterContactEmail", "Submitter email", ""],
  ["receiverId", "Receiver id", "The clearinghouse's id"],
  ["receiverName", "Receiver name", ""],
] as const;
type TextField = (typeof TEXT_FIELDS)[number][0];

function draftOf(s: BillingSettingsView): Record<TextField, string> {
  return Object.fromEntries(TEXT_FIELDS.map(([k]) => [k, s[k] ?? ""])) as Record<TextField, string>;
}

/** The practice's billing identity: who the claims come from and go to, and what is still missing. */
export function BillingSettingsPage() {
  const session = useCurrentSession();
  const canManage = can(session.permissions, P.billingManage);
  const query = useQuery({
    queryKey: ["billing", "settings"],
    queryFn: ({ signal }) => prices.settings(signal),
  });
  const [draft, setDraft] = useState<Record<TextField, string> | null>(null);
  const [usage, setUsage] = useState<"T" | "P">("T");
  useEffect(() => {
    if (query.data) {
      setDraft(draftOf(query.data));
      setUsage(query.data.usageIndicator);
    }
  }, [query.data]);
  const submit = useSubmit({
    action: () =>
      prices.saveSettings({
        ...(Object.fromEntries(
          TEXT_FIELDS.map(([k]) => [k, draft?.[k].trim() ? draft[k].trim() : null]),
        ) as Record<TextField, string | null>),
        billingName: draft?.billingName.trim() ?? "",
        state: draft?.state.trim().toUpperCase() || null,
        usageIndicator: usage,
      }),
    fields: [...TEXT_FIELDS.map(([k]) => k), "usageIndicator"],
    invalidate: [["billing", "settings"]],
    success: "Billing settings saved.",
  });
  if (query.isError) return <LoadError error={query.error} onRetry={() => void query.refetch()} />;
  if (query.isPending || !draft) return <Loading />;
  const s = query.data;
  const group = (title: string, keys: readonly TextField[]) => (
    <Paper withBorder p="md">
      <Title order={2} fz="h4" mb="sm">
        {title}
      </Title>
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        {TEXT_FIELDS.filter(([k]) => keys.includes(k)).map(([k, label, description]) => (
          <TextInput
            key={k}
            label={label}
            description={description || undefined}
            required={k === "billingName"}
            readOnly={!canManage}
            value={draft[k]}
            error={submit.errors.fields[k]}
            onChange={(ev) => {
              const v = ev.currentTarget.value;
              setDraft((d) => (d ? { ...d, [k]: v } : d));
              submit.errors.clearField(k);
            }}
          />
        ))}
      </SimpleGrid>
    </Paper>
  );
  return (
    <>
      <PageHeader
        title="Billing settings"
        description="Who the practice's claims come from (the billing provider) and how they reach the payers."
      />
      {s.missing.length ? (
        <Alert color="yellow" title="Claims still need" mb="md">
          <List size="sm">
            {s.missing.map((m) => (
              <List.Item key={`${m.path}-${m.message}`}>{m.message}</List.Item>
            ))}
          </List>
        </Alert>
      ) : (
        <Alert color="teal" mb="md">
          Everything a claim and a batch need is set.
        </Alert>
      )}
      <form onSubmit={submit.onSubmit()} aria-label="Billing settings">
        <Stack>
          <FormError message={submit.errors.form} />
          {group("Billing provider", ["billingName", "billingNpi", "taxId", "taxonomy", "phone"])}
          {group("Billing address", ["addressLine1", "addressLine2", "city", "state", "postalCode"])}
          {group("Clearinghouse", [
            "submitterId",
            "submitterContactName",
            "submitterContactEmail",
            "receiverId",
            "receiverName",
          ])}
          <Radio.Group
            label="Batches are"
            value={usage}
            onChange={(v) => setUsage(v as "T" | "P")}
            error={submit.errors.fields.usageIndicator}
          >
            <Group mt="xs">
              <Radio
                value="T"
                label="Test (ISA15 T): the clearinghouse checks them, payers never see them"
                disabled={!canManage}
              />
              <Radio value="P" label="Production (ISA15 P)" disabled={!canManage} />
            </Group>
          </Radio.Group>
          <Text size="sm" c="dimmed">
            Last interchange control number used: {s.lastInterchangeControl}; group: {s.lastGroupControl}.
            Each batch takes the next ones.
          </Text>
          {canManage ? (
            <Group justify="flex-end">
              <Button type="submit" loading={submit.pending}>
                Save billing settings
              </Button>
            </Group>
          ) : null}
        </Stack>
      </form>
    </>
  );
}

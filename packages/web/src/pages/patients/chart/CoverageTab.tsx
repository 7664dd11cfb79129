import {
  Badge,
  Button,
  Group,
  Modal,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
} from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { can, P } from "../../../auth/permissions.ts";
import { useCurrentSession } from "../../../auth/session.ts";
import { FormError } from "../../../components/FormError.tsx";
import { notifySuccess } from "../../../components/notify.ts";
import { LoadError, Loading } from "../../../components/QueryState.tsx";
import { useServerErrors } from "../../../components/useServerErrors.ts";
import { formatDate, todayIso } from "../../../lib/format.ts";
import { prices } from "../../billing/payers/api.ts";
import {
  type Coverage,
  type CoverageInput,
  type CoverageOrder,
  records,
  type SubscriberRelationship,
} from "./recordsApi.ts";

const ORDERS: { value: CoverageOrder; label: string }[] = [
  { value: "primary", label: "Primary" },
  { value: "secondary", label: "Secondary" },
  { value: "tertiary", label: "Tertiary" },
];
const RELATIONSHIPS: { value: SubscriberRelationship; label: string }[] = [
  { value: "self", label: "Self" },
  { value: "spouse", label: "Spouse" },
  { value: "child", label: "Child" },
  { value: "other", label: "Other" },
];

function subscriberOf(c: Coverage): string {
  if (c.subscriberRelationship === "self") return "Patient";
  return [c.subscriberGivenName, c.subscriberFamilyName].filter(Boolean).join(" ") || "—";
}

/** Insurance coverages in claim order; the front desk adds and edits them. */
export function CoverageTab({ patientId }: { patientId: string }) {
  const session = useCurrentSession();
  const canWrite = can(session.permissions, P.patientsWrite);
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<Coverage | "new" | null>(null);
  const query = useQuery({
    queryKey: ["patients", patientId, "coverages"],
    queryFn: ({ signal }) => records.coverages(patientId, signal),
  });
  const sorted = [...(query.data ?? [])]
    .filter((c) => c.status !== "entered-in-error")
    .sort(
      (a, b) => ORDERS.findIndex((o) => o.value === a.order) - ORDERS.findIndex((o) => o.value === b.order),
    );
  return (
    <Paper withBorder p="md" radius="md">
      <Group justify="space-between" mb="sm">
        <Text fw={600}>Insurance</Text>
        {canWrite ? (
          <Button variant="light" onClick={() => setEditing("new")}>
            Add coverage
          </Button>
        ) : null}
      </Group>
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <LoadError error={query.error} onRetry={() => void query.refetch()} />
      ) : sorted.length === 0 ? (
        <Text size="sm" c="dimmed">
          No coverage on file (self-pay).
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={720}>
          <Table verticalSpacing="xs" striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Order</Table.Th>
                <Table.Th scope="col">Payer</Table.Th>
                <Table.Th scope="col">Member id</Table.Th>
                <Table.Th scope="col">Group</Table.Th>
                <Table.Th scope="col">Subscriber</Table.Th>
                <Table.Th scope="col">Effective</Table.Th>
                {canWrite ? <Table.Th scope="col">Actions</Table.Th> : null}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {sorted.map((c) => (
                <Table.Tr key={c.id}>
                  <Table.Td>
                    <Badge variant="light">{ORDERS.find((o) => o.value === c.order)?.label ?? c.order}</Badge>
                  </Table.Td>
                  <Table.Td>{c.payerName}</Table.Td>
                  <Table.Td ff="monospace">{c.memberId}</Table.Td>
                  <Table.Td ff="monospace">{c.groupId}</Table.Td>
                  <Table.Td>
                    {subscriberOf(c)} (
                    {RELATIONSHIPS.find((r) => r.value === c.subscriberRelationship)?.label ??
                      c.subscriberRelationship}
                    )
                  </Table.Td>
                  <Table.Td>
                    {formatDate(c.effectiveFrom) || "—"} – {formatDate(c.effectiveTo) || "open"}
                  </Table.Td>
                  {canWrite ? (
                    <Table.Td>
                      <Button size="xs" variant="subtle" onClick={() => setEditing(c)}>
                        Edit
                      </Button>
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
        title={editing === "new" ? "Add coverage" : "Edit coverage"}
        size="lg"
      >
        {editing !== null ? (
          <CoverageForm
            coverage={editing === "new" ? null : editing}
            onCancel={() => setEditing(null)}
            onSubmit={async (body) => {
              if (editing === "new") await records.addCoverage(patientId, body);
              else await records.updateCoverage(patientId, editing.id, body);
              await queryClient.invalidateQueries({ queryKey: ["patients", patientId, "coverages"] });
              notifySuccess("Coverage saved.");
              setEditing(null);
            }}
          />
        ) : null}
      </Modal>
    </Paper>
  );
}

const FIELDS = [
  "payerRef",
  "payerName",
  "planName",
  "memberId",
  "groupId",
  "subscriberGivenName",
  "subscriberFamilyName",
  "subscriberDateOfBirth",
  "subscriberRelationship",
  "subscriberSex",
  "subscriberAddressLine1",
  "subscriberCity",
  "subscriberState",
  "subscriberPostalCode",
  "order",
  "effectiveFrom",
  "effectiveTo",
] as const;

function CoverageForm({
  coverage,
  onSubmit,
  onCancel,
}: {
  coverage: Coverage | null;
  onSubmit: (body: CoverageInput) => Promise<void>;
  onCancel: () => void;
}) {
  // The practice's payers (billing): choosing one links the coverage to it, so claims know where to go.
  const payers = useQuery({
    queryKey: ["billing", "payer-choices"],
    queryFn: ({ signal }) => prices.payerChoices(signal),
  });
  const [v, setV] = useState({
    payerRef: coverage?.payerRef ?? null,
    payerName: coverage?.payerName ?? "",
    planName: coverage?.planName ?? "",
    memberId: coverage?.memberId ?? "",
    groupId: coverage?.groupId ?? "",
    subscriberGivenName: coverage?.subscriberGivenName ?? "",
    subscriberFamilyName: coverage?.subscriberFamilyName ?? "",
    subscriberDateOfBirth: coverage?.subscriberDateOfBirth ?? "",
    subscriberRelationship: coverage?.subscriberRelationship ?? ("self" as SubscriberRelationship),
    subscriberSex: coverage?.subscriberSex ?? null,
    subscriberAddressLine1: coverage?.subscriberAddressLine1 ?? "",
    subscriberCity: coverage?.subscriberCity ?? "",
    subscriberState: coverage?.subscriberState ?? "",
    subscriberPostalCode: coverage?.subscriberPostalCode ?? "",
    order: coverage?.order ?? ("primary" as CoverageOrder),
    effectiveFrom: coverage?.effectiveFrom ?? todayIso(),
    effectiveTo: coverage?.effectiveTo ?? "",
  });
  const [busy, setBusy] = useState(false);
  const errors = useServerErrors(FIELDS);
  const set = (key: keyof typeof v) => (e: { currentTarget: { value: string } }) => {
    setV({ ...v, [key]: e.currentTarget.value });
    errors.clearField(key);
  };
  const input = (key: (typeof FIELDS)[number]) => ({
    value: String(v[key] ?? ""),
    onChange: set(key),
    error: errors.fields[key],
  });
  const chosen = payers.data?.items.find((p) => p.id === v.payerRef) ?? null;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    errors.clear();
    try {
      await onSubmit({
        payerName: v.payerName.trim(),
        payerId: chosen ? chosen.payerId : (coverage?.payerId ?? null),
        payerRef: v.payerRef,
        planName: v.planName.trim() || null,
        memberId: v.memberId.trim(),
        groupId: v.groupId.trim() || null,
        subscriberGivenName: v.subscriberGivenName.trim() || null,
        subscriberFamilyName: v.subscriberFamilyName.trim() || null,
        subscriberDateOfBirth: v.subscriberDateOfBirth || null,
        subscriberRelationship: v.subscriberRelationship,
        subscriberSex: v.subscriberSex as "female" | "male" | "unknown" | null,
        subscriberAddressLine1: v.subscriberAddressLine1.trim() || null,
        subscriberCity: v.subscriberCity.trim() || null,
        subscriberState: v.subscriberState.trim().toUpperCase() || null,
        subscriberPostalCode: v.subscriberPostalCode.trim() || null,
        order: v.order,
        effectiveFrom: v.effectiveFrom,
        effectiveTo: v.effectiveTo || null,
      });
    } catch (error) {
      errors.set(error);
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} aria-label="Coverage">
      <Stack>
        <FormError message={errors.form} />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Select
            label="Billed to"
            description="The payer claims go to (Billing › Payers)"
            placeholder={payers.isError ? "Payers could not be loaded" : "Choose a payer"}
            searchable
            clearable
            data={(payers.data?.items ?? []).map((p) => ({ value: p.id, label: p.name }))}
            value={v.payerRef}
            error={errors.fields.payerRef}
            onChange={(value) => {
              const payer = payers.data?.items.find((p) => p.id === value);
              setV({ ...v, payerRef: value, payerName: payer ? payer.name : v.payerName });
              errors.clearField("payerRef");
            }}
            data-autofocus
          />
          <TextInput label="Payer name on the card" required {...input("payerName")} />
          <TextInput label="Plan" {...input("planName")} />
          <TextInput
            label="Member id"
            required
            description={
              chosen?.memberIdPattern ? `${chosen.name} ids look like ${chosen.memberIdPattern}` : undefined
            }
            {...input("memberId")}
          />
          <TextInput label="Group id" {...input("groupId")} />
        </SimpleGrid>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Select
            label="Patient's relationship to the subscriber"
            data={RELATIONSHIPS}
            value={v.subscriberRelationship}
            allowDeselect={false}
            onChange={(value) =>
              value && setV({ ...v, subscriberRelationship: value as SubscriberRelationship })
            }
            error={errors.fields.subscriberRelationship}
          />
          <TextInput label="Subscriber's date of birth" type="date" {...input("subscriberDateOfBirth")} />
          <TextInput label="Subscriber's given name" {...input("subscriberGivenName")} />
          <TextInput label="Subscriber's family name" {...input("subscriberFamilyName")} />
        </SimpleGrid>
        {v.subscriberRelationship !== "self" ? (
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <Select
              label="Subscriber's sex"
              clearable
              data={[
                { value: "female", label: "Female" },
                { value: "male", label: "Male" },
                { value: "unknown", label: "Unknown" },
              ]}
              value={v.subscriberSex}
              onChange={(value) => setV({ ...v, subscriberSex: value })}
              error={errors.fields.subscriberSex}
            />
            <TextInput label="Subscriber's address" {...input("subscriberAddressLine1")} />
            <TextInput label="Subscriber's city" {...input("subscriberCity")} />
            <SimpleGrid cols={2}>
              <TextInput label="State" {...input("subscriberState")} />
              <TextInput label="ZIP code" {...input("subscriberPostalCode")} />
            </SimpleGrid>
          </SimpleGrid>
        ) : null}
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <Select
            label="Order"
            data={ORDERS}
            value={v.order}
            allowDeselect={false}
            onChange={(value) => value && setV({ ...v, order: value as CoverageOrder })}
            error={errors.fields.order}
          />
          <TextInput label="Effective from" type="date" required {...input("effectiveFrom")} />
          <TextInput label="Effective to" type="date" {...input("effectiveTo")} />
        </SimpleGrid>
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel} disabled={busy}>
            Cancel
          </Button>
          <Button type="submit" loading={busy}>
            Save coverage
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

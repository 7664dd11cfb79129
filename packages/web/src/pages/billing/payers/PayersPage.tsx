import {
  Badge,
  Button,
  EmptyState,
  Group,
  Modal,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  VisuallyHidden,
} from "@mantine/core";
import {
  CLAIM_FILING_INDICATORS,
  DEFAULT_FILING_INDICATOR,
  PAYER_KIND_LABELS,
  PAYER_KINDS,
  type PayerKindCode,
} from "@salus/core/billing/payers";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { can, P } from "../../../auth/permissions.ts";
import { useCurrentSession } from "../../../auth/session.ts";
import { FormError } from "../../../components/FormError.tsx";
import { PageHeader } from "../../../components/PageHeader.tsx";
import { LoadError, Loading } from "../../../components/QueryState.tsx";
import { ActiveBadge } from "../../../components/StatusBadge.tsx";
import { useSubmit } from "../../../components/useSubmit.ts";
import { type PayerView, prices } from "./api.ts";

const FIELDS = [
  "name",
  "payerId",
  "kind",
  "claimFilingIndicator",
  "timelyFilingDays",
  "memberIdPattern",
  "addressLine1",
  "city",
  "state",
  "postalCode",
  "phone",
  "active",
  "version",
] as const;

const FILING_OPTIONS = Object.entries(CLAIM_FILING_INDICATORS).map(([value, label]) => ({
  value,
  label: `${value}: ${label}`,
}));

interface Draft {
  name: string;
  payerId: string;
  kind: PayerKindCode;
  claimFilingIndicator: string;
  timelyFilingDays: number | string;
  memberIdPattern: string;
  addressLine1: string;
  city: string;
  state: string;
  postalCode: string;
  phone: string;
  active: boolean;
}

function draftOf(p: PayerView | null): Draft {
  return {
    name: p?.name ?? "",
    payerId: p?.payerId ?? "",
    kind: p?.kind ?? "commercial",
    claimFilingIndicator: p?.claimFilingIndicator ?? "CI",
    timelyFilingDays: p?.timelyFilingDays ?? 90,
    memberIdPattern: p?.memberIdPattern ?? "",
    addressLine1: p?.addressLine1 ?? "",
    city: p?.city ?? "",
    state: p?.state ?? "",
    postalCode: p?.postalCode ?? "",
    phone: p?.phone ?? "",
    active: p?.active ?? true,
  };
}

const orNull = (s: string) => (s.trim() === "" ? null : s.trim());

/** Add or change a payer: the fields a claim needs (payer id, filing indicator, timely filing). */
export function PayerForm({ payer, onDone }: { payer: PayerView | null; onDone: () => void }) {
  const [d, setD] = useState<Draft>(() => draftOf(payer));
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((c) => ({ ...c, [k]: v }));
  const submit = useSubmit({
    action: async (draft: Draft) => {
      const body = {
        name: draft.name.trim(),
        payerId: orNull(draft.payerId),
        kind: draft.kind,
        claimFilingIndicator: draft.claimFilingIndicator,
        timelyFilingDays: Number(draft.timelyFilingDays),
        memberIdPattern: orNull(draft.memberIdPattern),
        addressLine1: orNull(draft.addressLine1),
        city: orNull(draft.city),
        state: orNull(draft.state.toUpperCase()),
        postalCode: orNull(draft.postalCode),
        phone: orNull(draft.phone),
      };
      return payer
        ? prices.updatePayer(payer.id, { ...body, active: draft.active, version: payer.version })
        : prices.createPayer(body);
    },
    fields: FIELDS,
    invalidate: [["billing", "payers"]],
    success: (p) => (payer ? `Payer “${p.name}” saved.` : `Payer “${p.name}” added.`),
    onSuccess: onDone,
  });
  const e = submit.errors.fields;
  const text = (k: keyof Draft & string) => ({
    value: d[k] as string,
    error: e[k],
    onChange: (ev: { currentTarget: { value: string } }) => set(k, ev.currentTarget.value as never),
  });
  return (
    <form onSubmit={submit.onSubmit(() => d)} aria-label={payer ? "Edit payer" : "New payer"}>
      <Stack>
        <FormError message={submit.errors.form} />
        <TextInput label="Name" required data-autofocus {...text("name")} />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Select
            label="Kind"
            data={PAYER_KINDS.map((k) => ({ value: k, label: PAYER_KIND_LABELS[k] }))}
            value={d.kind}
            allowDeselect={false}
            error={e.kind}
            onChange={(v) => {
              if (!v) return;
              const kind = v as PayerKindCode;
              setD((c) => ({ ...c, kind, claimFilingIndicator: DEFAULT_FILING_INDICATOR[kind] }));
            }}
          />
          <TextInput
            label="Payer id"
            description="The electronic id from your clearinghouse's payer list"
            {...text("payerId")}
          />
        </SimpleGrid>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Select
            label="Claim filing indicator"
            description="SBR09 on the claim"
            searchable
            data={FILING_OPTIONS}
            value={d.claimFilingIndicator}
            allowDeselect={false}
            error={e.claimFilingIndicator}
            onChange={(v) => v && set("claimFilingIndicator", v)}
          />
          <NumberInput
            label="Timely filing limit (days)"
            description="Claims must reach the payer within this many days of the visit"
            min={1}
            max={1826}
            value={d.timelyFilingDays}
            error={e.timelyFilingDays}
            onChange={(v) => set("timelyFilingDays", v)}
          />
        </SimpleGrid>
        <TextInput
          label="Member id format"
          description="A regular expression the whole member id must match, e.g. W[0-9]{9}; empty for any"
          {...text("memberIdPattern")}
        />
        <TextInput label="Claims address" {...text("addressLine1")} />
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <TextInput label="City" {...text("city")} />
          <TextInput label="State" description="Two letters" {...text("state")} />
          <TextInput label="ZIP code" {...text("postalCode")} />
        </SimpleGrid>
        <TextInput label="Phone" type="tel" {...text("phone")} />
        {payer ? (
          <Switch
            label="Active (coverages may choose it)"
            checked={d.active}
            onChange={(ev) => set("active", ev.currentTarget.checked)}
          />
        ) : null}
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone} disabled={submit.pending}>
            Cancel
          </Button>
          <Button type="submit" loading={submit.pending}>
            {payer ? "Save payer" : "Add payer"}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** The practice's payers: who claims go to, with the rules the scrubber checks against. */
export function PayersPage() {
  const session = useCurrentSession();
  const canManage = can(session.permissions, P.billingManage);
  const [showInactive, setShowInactive] = useState(false);
  const [editing, setEditing] = useState<PayerView | "new" | null>(null);
  const query = useQuery({
    queryKey: ["billing", "payers", { showInactive }],
    queryFn: ({ signal }) => prices.payers(showInactive, signal),
  });
  return (
    <>
      <PageHeader
        title="Payers"
        description="Insurance companies and programs the practice bills, and self-pay."
        actions={canManage ? <Button onClick={() => setEditing("new")}>New payer</Button> : null}
      />
      <Switch
        mb="md"
        label="Show inactive payers"
        checked={showInactive}
        onChange={(ev) => setShowInactive(ev.currentTarget.checked)}
      />
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <LoadError error={query.error} onRetry={() => void query.refetch()} />
      ) : query.data.items.length === 0 ? (
        <EmptyState
          py="xl"
          title="No payers yet"
          description={canManage ? "Add the payers your patients' coverages name." : undefined}
        />
      ) : (
        <Table.ScrollContainer minWidth={720}>
          <Table striped highlightOnHover verticalSpacing="sm" aria-label="Payers">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Name</Table.Th>
                <Table.Th scope="col">Kind</Table.Th>
                <Table.Th scope="col">Payer id</Table.Th>
                <Table.Th scope="col">Filing indicator</Table.Th>
                <Table.Th scope="col">Timely filing</Table.Th>
                <Table.Th scope="col">Member id format</Table.Th>
                <Table.Th scope="col">Status</Table.Th>
                {canManage ? (
                  <Table.Th scope="col">
                    <VisuallyHidden>Actions</VisuallyHidden>
                  </Table.Th>
                ) : null}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {query.data.items.map((p) => (
                <Table.Tr key={p.id}>
                  <Table.Td fw={500}>{p.name}</Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={p.kind === "self-pay" ? "gray" : "blue"}>
                      {PAYER_KIND_LABELS[p.kind]}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{p.payerId ?? "—"}</Table.Td>
                  <Table.Td>
                    <Text size="sm">
                      {p.claimFilingIndicator}{" "}
                      <Text span c="dimmed" size="sm">
                        {p.claimFilingIndicatorLabel}
                      </Text>
                    </Text>
                  </Table.Td>
                  <Table.Td>{p.timelyFilingDays} days</Table.Td>
                  <Table.Td>
                    <Text size="xs" ff="monospace" lineClamp={1} maw={220}>
                      {p.memberIdPattern ?? "any"}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <ActiveBadge active={p.active} />
                  </Table.Td>
                  {canManage ? (
                    <Table.Td>
                      <Button
                        size="xs"
                        variant="subtle"
                        onClick={() => setEditing(p)}
                        aria-label={`Edit ${p.name}`}
                      >
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
        title={editing === "new" ? "New payer" : "Edit payer"}
        size="lg"
      >
        {editing !== null ? (
          <PayerForm payer={editing === "new" ? null : editing} onDone={() => setEditing(null)} />
        ) : null}
      </Modal>
    </>
  );
}

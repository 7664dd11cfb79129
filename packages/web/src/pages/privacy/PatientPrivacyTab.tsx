import {
  Badge,
  Button,
  Group,
  Paper,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { FormError } from "../../components/FormError.tsx";
import { notifySuccess } from "../../components/notify.ts";
import { LoadError, Loading } from "../../components/QueryState.tsx";
import { useSubmit } from "../../components/useSubmit.ts";
import { formatDate, formatDateTime, todayIso } from "../../lib/format.ts";
import { RecordText } from "../patients/chart/NotesPanel.tsx";
import {
  accessReportUrl,
  accountingUrl,
  DISCLOSURE_CATEGORIES,
  type DisclosureInput,
  exportForRecipient,
  exportUrl,
  privacy,
} from "./api.ts";

/**
 * A date picked in the form as an instant: noon in the browser's zone, so the calendar day never shifts;
 * today is sent as nothing (the server takes "now"), since noon may still be in the future.
 */
function middayOf(date: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || date >= todayIso()) return undefined;
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return new Date(y, m - 1, d, 12).toISOString();
}

/** The privacy officer's view of one patient: export, access report, disclosures, amendments. */
export function PatientPrivacyTab({ patientId }: { patientId: string }) {
  return (
    <Stack>
      <ExportPanel patientId={patientId} />
      <AccessReportPanel patientId={patientId} />
      <DisclosuresPanel patientId={patientId} />
      <AmendmentsPanel patientId={patientId} />
    </Stack>
  );
}

function ExportPanel({ patientId }: { patientId: string }) {
  const [forRecipient, setForRecipient] = useState(false);
  const queryClient = useQueryClient();
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-label="Record export">
      <Title order={2} fz="h4" mb="xs">
        Record export
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        The patient's designated record set, for a right-of-access request: a readable PDF, or a FHIR R4
        Bundle (Patient/$everything) for another system. Each export is recorded.
      </Text>
      <Group>
        <Button component="a" href={exportUrl(patientId, "pdf")} download variant="light">
          Download PDF
        </Button>
        <Button component="a" href={exportUrl(patientId, "fhir")} download variant="light">
          Download FHIR JSON
        </Button>
        {!forRecipient ? (
          <Button variant="subtle" onClick={() => setForRecipient(true)}>
            Export for a recipient
          </Button>
        ) : null}
      </Group>
      {forRecipient ? (
        <RecipientExportForm
          onCancel={() => setForRecipient(false)}
          onSubmit={async (body) => {
            await exportForRecipient(patientId, body);
            await queryClient.invalidateQueries({ queryKey: ["patients", patientId, "disclosures"] });
            notifySuccess(`Record exported for ${body.recipientName}; the disclosure is recorded.`);
            setForRecipient(false);
          }}
        />
      ) : null}
    </Paper>
  );
}

function RecipientExportForm({
  onSubmit,
  onCancel,
}: {
  onSubmit: (body: Parameters<typeof exportForRecipient>[1]) => Promise<void>;
  onCancel: () => void;
}) {
  const [v, setV] = useState({ recipientName: "", recipientAddress: "", purpose: "", category: "treatment" });
  const [format, setFormat] = useState<"pdf" | "fhir">("pdf");
  const {
    onSubmit: submitWith,
    pending: busy,
    errors,
  } = useSubmit({
    action: onSubmit,
    fields: ["recipientName", "recipientAddress", "purpose", "category", "format"],
  });
  const set = (key: keyof typeof v) => (e: { currentTarget: { value: string } }) =>
    setV({ ...v, [key]: e.currentTarget.value });
  const submit = submitWith(() => ({
    format,
    recipientName: v.recipientName.trim(),
    recipientAddress: v.recipientAddress.trim() || null,
    purpose: v.purpose.trim(),
    category: v.category,
  }));
  return (
    <form onSubmit={submit} aria-label="Export for a recipient">
      <Stack mt="md" maw={860}>
        <FormError message={errors.form} />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            label="Recipient"
            required
            value={v.recipientName}
            onChange={set("recipientName")}
            error={errors.fields.recipientName}
          />
          <TextInput
            label="Recipient's address"
            value={v.recipientAddress}
            onChange={set("recipientAddress")}
            error={errors.fields.recipientAddress}
          />
          <TextInput
            label="Purpose"
            required
            value={v.purpose}
            onChange={set("purpose")}
            error={errors.fields.purpose}
          />
          <Select
            label="Category"
            searchable
            allowDeselect={false}
            data={Object.entries(DISCLOSURE_CATEGORIES).map(([value, c]) => ({ value, label: c.label }))}
            value={v.category}
            onChange={(value) => value && setV({ ...v, category: value })}
            error={errors.fields.category}
          />
        </SimpleGrid>
        <SegmentedControl
          value={format}
          onChange={(value) => setFormat(value as "pdf" | "fhir")}
          data={[
            { value: "pdf", label: "Readable PDF" },
            { value: "fhir", label: "FHIR JSON" },
          ]}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel} disabled={busy}>
            Cancel
          </Button>
          <Button type="submit" loading={busy}>
            Export and record the disclosure
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function monthsAgo(months: number): string {
  const d = new Date();
  d.setMonth(d.getMonth() - months);
  return todayIso(d);
}

function AccessReportPanel({ patientId }: { patientId: string }) {
  const [from, setFrom] = useState(monthsAgo(6));
  const [to, setTo] = useState(todayIso());
  const range = { from: from || undefined, to: to || undefined };
  const query = useQuery({
    queryKey: ["patients", patientId, "access-report", range],
    queryFn: ({ signal }) => privacy.accessReport(patientId, range, signal),
  });
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-label="Access report">
      <Title order={2} fz="h4" mb="xs">
        Who looked at this record
      </Title>
      <Group align="flex-end" mb="sm">
        <TextInput label="From" type="date" value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
        <TextInput label="To" type="date" value={to} onChange={(e) => setTo(e.currentTarget.value)} />
        <Button component="a" href={accessReportUrl(patientId, "csv", range)} download variant="light">
          Download CSV
        </Button>
        <Button component="a" href={accessReportUrl(patientId, "pdf", range)} download variant="light">
          Download PDF
        </Button>
      </Group>
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <LoadError error={query.error} onRetry={() => void query.refetch()} />
      ) : query.data.items.length === 0 ? (
        <Text size="sm" c="dimmed">
          Nobody opened this record in that period.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={640} mah={420}>
          <Table verticalSpacing={4} striped stickyHeader>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">When</Table.Th>
                <Table.Th scope="col">Who</Table.Th>
                <Table.Th scope="col">What</Table.Th>
                <Table.Th scope="col">Access</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {query.data.items.map((e, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: audit entries may share a second and a user
                <Table.Tr key={i}>
                  <Table.Td>{formatDateTime(e.at)}</Table.Td>
                  <Table.Td>
                    {e.userName ?? e.userEmail ?? "Salus"}
                    {e.userName && e.userEmail ? (
                      <Text size="xs" c="dimmed">
                        {e.userEmail}
                      </Text>
                    ) : null}
                  </Table.Td>
                  <Table.Td>
                    {e.actionText}
                    {e.outcome !== "success" ? (
                      <Badge ml="xs" color="red" variant="light">
                        {e.outcome}
                      </Badge>
                    ) : null}
                  </Table.Td>
                  <Table.Td>
                    {e.breakGlass || e.via === "break-glass" ? (
                      <Badge color="orange">Emergency access</Badge>
                    ) : (
                      (e.via ?? "")
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {query.data?.truncated ? (
        <Text size="xs" c="dimmed" mt="xs">
          Only the first entries are shown; download the CSV for the whole period.
        </Text>
      ) : null}
    </Paper>
  );
}

function DisclosuresPanel({ patientId }: { patientId: string }) {
  const [view, setView] = useState<"all" | "accounting">("accounting");
  const [adding, setAdding] = useState(false);
  const queryClient = useQueryClient();
  const query = useQuery({
    queryKey: ["patients", patientId, "disclosures", view],
    queryFn: ({ signal }) =>
      view === "all" ? privacy.disclosures(patientId, signal) : privacy.accounting(patientId, signal),
  });
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-label="Disclosures">
      <Group justify="space-between" mb="sm">
        <Title order={2} fz="h4">
          Disclosures
        </Title>
        {!adding ? (
          <Button variant="light" onClick={() => setAdding(true)}>
            Record a disclosure
          </Button>
        ) : null}
      </Group>
      {adding ? (
        <DisclosureForm
          onCancel={() => setAdding(false)}
          onSubmit={async (body) => {
            await privacy.recordDisclosure(patientId, body);
            await queryClient.invalidateQueries({ queryKey: ["patients", patientId, "disclosures"] });
            notifySuccess("Disclosure recorded.");
            setAdding(false);
          }}
        />
      ) : null}
      <Group mb="sm" justify="space-between">
        <SegmentedControl
          value={view}
          onChange={(v) => setView(v as "all" | "accounting")}
          data={[
            { value: "accounting", label: "Accounting (six years, as given to the patient)" },
            { value: "all", label: "All recorded" },
          ]}
        />
        <Group gap="xs">
          <Button component="a" href={accountingUrl(patientId, "csv")} download variant="subtle" size="xs">
            Accounting as CSV
          </Button>
          <Button component="a" href={accountingUrl(patientId, "pdf")} download variant="subtle" size="xs">
            Accounting as PDF
          </Button>
        </Group>
      </Group>
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <LoadError error={query.error} onRetry={() => void query.refetch()} />
      ) : query.data.length === 0 ? (
        <Text size="sm" c="dimmed">
          {view === "accounting" ? "Nothing to account for." : "No disclosures recorded."}
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={720}>
          <Table verticalSpacing="xs" striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Date</Table.Th>
                <Table.Th scope="col">Recipient</Table.Th>
                <Table.Th scope="col">Purpose</Table.Th>
                <Table.Th scope="col">What was disclosed</Table.Th>
                <Table.Th scope="col">Category</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {query.data.map((d) => (
                <Table.Tr key={d.id}>
                  <Table.Td>{formatDate(d.disclosedOn)}</Table.Td>
                  <Table.Td>
                    {d.recipientName}
                    {d.recipientAddress ? (
                      <Text size="xs" c="dimmed">
                        {d.recipientAddress}
                      </Text>
                    ) : null}
                  </Table.Td>
                  <Table.Td>{d.purpose}</Table.Td>
                  <Table.Td>
                    <RecordText>{d.description}</RecordText>
                  </Table.Td>
                  <Table.Td>
                    {d.categoryLabel ?? DISCLOSURE_CATEGORIES[d.category]?.label ?? d.category}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Paper>
  );
}

const DISCLOSURE_FIELDS = [
  "disclosedAt",
  "recipientName",
  "recipientAddress",
  "purpose",
  "description",
  "category",
] as const;

function DisclosureForm({
  onSubmit,
  onCancel,
}: {
  onSubmit: (body: DisclosureInput) => Promise<void>;
  onCancel: () => void;
}) {
  const [v, setV] = useState({
    disclosedOn: todayIso(),
    recipientName: "",
    recipientAddress: "",
    purpose: "",
    description: "",
    category: "law-enforcement",
  });
  const {
    onSubmit: submitWith,
    pending: busy,
    errors,
  } = useSubmit({
    action: onSubmit,
    fields: DISCLOSURE_FIELDS,
  });
  const set = (key: keyof typeof v) => (e: { currentTarget: { value: string } }) =>
    setV({ ...v, [key]: e.currentTarget.value });
  const submit = submitWith(() => ({
    disclosedAt: middayOf(v.disclosedOn),
    recipientName: v.recipientName.trim(),
    recipientAddress: v.recipientAddress.trim() || null,
    purpose: v.purpose.trim(),
    description: v.description.trim(),
    category: v.category,
  }));
  return (
    <form onSubmit={submit} aria-label="New disclosure">
      <Stack mb="md" maw={860}>
        <FormError message={errors.form} />
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <TextInput
            label="Date"
            type="date"
            required
            value={v.disclosedOn}
            onChange={set("disclosedOn")}
            error={errors.fields.disclosedAt}
          />
          <TextInput
            label="Recipient"
            required
            value={v.recipientName}
            onChange={set("recipientName")}
            error={errors.fields.recipientName}
          />
          <TextInput
            label="Recipient's address"
            value={v.recipientAddress}
            onChange={set("recipientAddress")}
            error={errors.fields.recipientAddress}
          />
        </SimpleGrid>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Select
            label="Category"
            searchable
            allowDeselect={false}
            data={Object.entries(DISCLOSURE_CATEGORIES).map(([value, c]) => ({
              value,
              label: c.accountable ? c.label : `${c.label} (not in the accounting)`,
            }))}
            value={v.category}
            onChange={(value) => value && setV({ ...v, category: value })}
            error={errors.fields.category}
          />
          <TextInput
            label="Purpose"
            required
            value={v.purpose}
            onChange={set("purpose")}
            error={errors.fields.purpose}
          />
        </SimpleGrid>
        <Textarea
          label="What was disclosed"
          required
          autosize
          minRows={2}
          value={v.description}
          onChange={set("description")}
          error={errors.fields.description}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel} disabled={busy}>
            Cancel
          </Button>
          <Button type="submit" loading={busy}>
            Record disclosure
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function AmendmentsPanel({ patientId }: { patientId: string }) {
  const query = useQuery({
    queryKey: ["patients", patientId, "amendments"],
    queryFn: ({ signal }) => privacy.patientAmendments(patientId, signal),
  });
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-label="Amendments">
      <Title order={2} fz="h4" mb="sm">
        Amendment requests
      </Title>
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <LoadError error={query.error} onRetry={() => void query.refetch()} />
      ) : query.data.length === 0 ? (
        <Text size="sm" c="dimmed">
          None.
        </Text>
      ) : (
        <Stack gap="xs">
          {query.data.map((a) => (
            <Paper key={a.id} withBorder p="sm">
              <Group justify="space-between">
                <Text size="sm" fw={600}>
                  Received {formatDate(a.receivedOn)} · {a.section}
                </Text>
                <AmendmentBadge status={a.status} />
              </Group>
              <RecordText>{a.requestedChange}</RecordText>
              {a.decisionNote ? (
                <Text size="sm" c="dimmed">
                  Decision: <RecordText>{a.decisionNote}</RecordText>
                </Text>
              ) : null}
            </Paper>
          ))}
        </Stack>
      )}
    </Paper>
  );
}

export function AmendmentBadge({ status }: { status: string }) {
  const color = status === "accepted" ? "teal" : status === "denied" ? "red" : "yellow";
  return (
    <Badge variant="light" color={color}>
      {status}
    </Badge>
  );
}

import {
  Badge,
  Box,
  Button,
  Group,
  Paper,
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
import { type FormEvent, useState } from "react";
import { can, P } from "../../../auth/permissions.ts";
import { useCurrentSession } from "../../../auth/session.ts";
import { Field } from "../../../components/Field.tsx";
import { FormError } from "../../../components/FormError.tsx";
import { notifySuccess } from "../../../components/notify.ts";
import { LoadError, Loading } from "../../../components/QueryState.tsx";
import { useServerErrors } from "../../../components/useServerErrors.ts";
import { formatDate, personName, todayIso } from "../../../lib/format.ts";
import { CONTACT_METHODS, PatientForm, SEX_OPTIONS } from "../PatientForm.tsx";
import { AmendmentRequestPanel } from "./AmendmentRequestPanel.tsx";
import {
  type Consent,
  type ConsentInput,
  type ConsentKind,
  type ConsentStatus,
  records,
} from "./recordsApi.ts";

function yesNo(value: boolean | null | undefined): string | null {
  return value === true ? "Yes" : value === false ? "No" : null;
}

/** Demographics (front desk edits them), guarantor, the front-desk note, consents and restrictions. */
export function SummaryTab({ patientId }: { patientId: string }) {
  const session = useCurrentSession();
  const canWrite = can(session.permissions, P.patientsWrite);
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const query = useQuery({
    queryKey: ["patients", patientId],
    queryFn: ({ signal }) => records.get(patientId, signal),
  });
  if (query.isPending) return <Loading />;
  if (query.isError) return <LoadError error={query.error} onRetry={() => void query.refetch()} />;
  const patient = query.data;
  const g = patient.guarantor;

  return (
    <Stack>
      <Paper withBorder p="md" radius="md" maw={editing ? 860 : undefined}>
        <Group justify="space-between" mb="sm">
          <Title order={2} fz="h4">
            Demographics
          </Title>
          {canWrite && !editing ? (
            <Button variant="light" onClick={() => setEditing(true)}>
              Edit demographics
            </Button>
          ) : null}
        </Group>
        {editing ? (
          <PatientForm
            patient={patient}
            onCancel={() => setEditing(false)}
            onSubmit={async (body) => {
              const saved = await records.update(patient.id, body);
              queryClient.setQueryData(["patients", patientId], saved);
              await queryClient.invalidateQueries({ queryKey: ["patients"] });
              notifySuccess(`${personName(saved)} saved.`);
              setEditing(false);
            }}
          />
        ) : (
          <Box component="dl" m={0}>
            <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
              <Field label="Given name">{patient.givenName}</Field>
              <Field label="Family name">{patient.familyName}</Field>
              <Field label="Preferred name">{patient.preferredName}</Field>
              <Field label="Date of birth">{formatDate(patient.dateOfBirth)}</Field>
              <Field label="Sex">
                {SEX_OPTIONS.find((o) => o.value === patient.sex)?.label ?? patient.sex}
              </Field>
              <Field label="Middle name">{patient.middleName}</Field>
              <Field label="Gender identity">{patient.genderIdentity}</Field>
              <Field label="Pronouns">{patient.pronouns}</Field>
              <Field label="Language">
                {patient.language
                  ? `${patient.language}${patient.interpreterNeeded ? " (interpreter needed)" : ""}`
                  : null}
              </Field>
              <Field label="Phone">{patient.phone}</Field>
              <Field label="Email">{patient.email}</Field>
              <Field label="Address">
                {[
                  patient.addressLine1,
                  patient.addressLine2,
                  [patient.city, patient.state].filter(Boolean).join(", "),
                  patient.postalCode,
                ]
                  .filter(Boolean)
                  .join(", ")}
              </Field>
              <Field label="Contact by">
                {CONTACT_METHODS.find((m) => m.value === patient.contactMethod)?.label ??
                  patient.contactMethod}
              </Field>
              <Field label="May leave a message">{yesNo(patient.mayLeaveMessage)}</Field>
              <Field label="May text">{yesNo(patient.mayText)}</Field>
              <Field label="SSN">{patient.ssnLast4 ? `•••-••-${patient.ssnLast4}` : null}</Field>
              <Field label="Guarantor">
                {g
                  ? [
                      g.relationship === "self"
                        ? "The patient"
                        : [g.givenName, g.familyName].filter(Boolean).join(" ") || null,
                      g.relationship === "self" ? null : g.relationship,
                      g.phone,
                    ]
                      .filter(Boolean)
                      .join(" · ")
                  : null}
              </Field>
            </SimpleGrid>
            {patient.frontDeskNote ? (
              <Box mt="md">
                <Field label="Note for the front desk">
                  <span style={{ whiteSpace: "pre-wrap" }}>{patient.frontDeskNote}</span>
                </Field>
              </Box>
            ) : null}
          </Box>
        )}
      </Paper>
      <ConsentsPanel patientId={patientId} canWrite={canWrite} />
      {canWrite ? <AmendmentRequestPanel patientId={patientId} /> : null}
    </Stack>
  );
}

const CONSENT_KINDS: { value: ConsentKind; label: string }[] = [
  { value: "treatment", label: "Consent to treatment" },
  { value: "privacy-notice", label: "Notice of privacy practices acknowledged" },
  { value: "release-of-information", label: "Release of information" },
  { value: "communication", label: "Communication" },
  { value: "restriction", label: "Restriction (e.g. self-pay visit kept off insurance)" },
  { value: "confidential-communication", label: "Confidential communication" },
  { value: "research", label: "Research" },
  { value: "other", label: "Other" },
];
const CONSENT_STATUSES: { value: ConsentStatus; label: string }[] = [
  { value: "active", label: "Active" },
  { value: "revoked", label: "Revoked" },
  { value: "denied", label: "Denied" },
];

function ConsentsPanel({ patientId, canWrite }: { patientId: string; canWrite: boolean }) {
  const queryClient = useQueryClient();
  const [adding, setAdding] = useState(false);
  const query = useQuery({
    queryKey: ["patients", patientId, "consents"],
    queryFn: ({ signal }) => records.consents(patientId, signal),
  });
  return (
    <Paper withBorder p="md" radius="md">
      <Group justify="space-between" mb="sm">
        <Title order={2} fz="h4">
          Consents and restrictions
        </Title>
        {canWrite && !adding ? (
          <Button variant="light" onClick={() => setAdding(true)}>
            Add consent or restriction
          </Button>
        ) : null}
      </Group>
      {adding ? (
        <ConsentForm
          onCancel={() => setAdding(false)}
          onSubmit={async (body) => {
            await records.addConsent(patientId, body);
            await queryClient.invalidateQueries({ queryKey: ["patients", patientId] });
            notifySuccess("Consent recorded.");
            setAdding(false);
          }}
        />
      ) : null}
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <LoadError error={query.error} onRetry={() => void query.refetch()} />
      ) : query.data.length === 0 ? (
        <Text size="sm" c="dimmed">
          None recorded.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={560}>
          <Table verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Kind</Table.Th>
                <Table.Th scope="col">Status</Table.Th>
                <Table.Th scope="col">From</Table.Th>
                <Table.Th scope="col">To</Table.Th>
                <Table.Th scope="col">Note</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {query.data.map((c: Consent) => (
                <Table.Tr key={c.id}>
                  <Table.Td>{CONSENT_KINDS.find((k) => k.value === c.kind)?.label ?? c.kind}</Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={c.status === "active" ? "teal" : "gray"}>
                      {c.status}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{formatDate(c.effectiveFrom)}</Table.Td>
                  <Table.Td>{formatDate(c.effectiveTo)}</Table.Td>
                  <Table.Td style={{ whiteSpace: "pre-wrap" }}>{c.note}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Paper>
  );
}

function ConsentForm({
  onSubmit,
  onCancel,
}: {
  onSubmit: (body: ConsentInput) => Promise<void>;
  onCancel: () => void;
}) {
  const [kind, setKind] = useState<ConsentKind>("treatment");
  const [status, setStatus] = useState<ConsentStatus>("active");
  const [from, setFrom] = useState(todayIso());
  const [to, setTo] = useState("");
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const errors = useServerErrors(["kind", "status", "effectiveFrom", "effectiveTo", "note"]);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    errors.clear();
    try {
      await onSubmit({
        kind,
        status,
        effectiveFrom: from,
        effectiveTo: to || null,
        note: note.trim() || null,
      });
    } catch (error) {
      errors.set(error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} aria-label="New consent or restriction">
      <Stack mb="md" maw={720}>
        <FormError message={errors.form} />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Select
            label="Kind"
            data={CONSENT_KINDS}
            value={kind}
            onChange={(v) => v && setKind(v as ConsentKind)}
            allowDeselect={false}
            error={errors.fields.kind}
          />
          <Select
            label="Status"
            data={CONSENT_STATUSES}
            value={status}
            onChange={(v) => v && setStatus(v as ConsentStatus)}
            allowDeselect={false}
            error={errors.fields.status}
          />
          <TextInput
            label="From"
            type="date"
            required
            value={from}
            onChange={(e) => setFrom(e.currentTarget.value)}
            error={errors.fields.effectiveFrom}
          />
          <TextInput
            label="To"
            type="date"
            value={to}
            onChange={(e) => setTo(e.currentTarget.value)}
            error={errors.fields.effectiveTo}
          />
        </SimpleGrid>
        <Textarea
          label="Note"
          minRows={2}
          value={note}
          onChange={(e) => setNote(e.currentTarget.value)}
          error={errors.fields.note}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel} disabled={busy}>
            Cancel
          </Button>
          <Button type="submit" loading={busy}>
            Save
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

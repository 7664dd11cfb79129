import {
  ActionIcon,
  Alert,
  Button,
  Checkbox,
  Group,
  MultiSelect,
  NumberInput,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  TagsInput,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { locations, staff } from "../../../api/endpoints.ts";
import { useCurrentSession } from "../../../auth/session.ts";
import { FormError } from "../../../components/FormError.tsx";
import { useServerErrors } from "../../../components/useServerErrors.ts";
import { personName, todayIso } from "../../../lib/format.ts";
import type { Diagnosis, Encounter, EncounterInput, Procedure } from "./clinicalApi.ts";
import { Icd10Picker } from "./Icd10Picker.tsx";
import { formatIcd10, pointerLetter, pointersAfterRemoval, procedureProblems } from "./logic.ts";

export const ENCOUNTER_TYPES = [
  { value: "office-visit", label: "Office visit" },
  { value: "telehealth", label: "Telehealth" },
  { value: "home-visit", label: "Home visit" },
  { value: "procedure", label: "Procedure" },
  { value: "other", label: "Other" },
];

const FIELDS = [
  "date",
  "practitionerId",
  "locationId",
  "type",
  "reason",
  "sensitive",
  "selfPay",
  "diagnoses",
  "procedures",
] as const;

/** A procedure line in the form, with a key that stays put while lines above it are removed. */
type Line = Procedure & { lineKey: number };
let nextLineKey = 1;

function emptyProcedure(diagnosisCount: number): Line {
  return {
    code: "",
    modifiers: [],
    units: 1,
    diagnosisPointers: diagnosisCount > 0 ? [1] : [],
    lineKey: nextLineKey++,
  };
}

/** New or corrected encounter: visit facts, ICD-10-CM diagnoses, CPT/HCPCS procedures with pointers. */
export function EncounterForm({
  encounter,
  onSubmit,
  onCancel,
  defaultPractitionerId = null,
}: {
  encounter: Encounter | null;
  /** The patient's primary practitioner, used when the signed-in user has no staff record of their own. */
  defaultPractitionerId?: string | null;
  onSubmit: (body: EncounterInput) => Promise<unknown>;
  onCancel: () => void;
}) {
  const session = useCurrentSession();
  const practitioners = useQuery({
    queryKey: ["staff", { kind: "practitioner", limit: 200 }],
    queryFn: ({ signal }) => staff.list({ kind: "practitioner", limit: 200 }, signal),
  });
  const places = useQuery({
    queryKey: ["locations", { limit: 200 }],
    queryFn: ({ signal }) => locations.list({ limit: 200 }, signal),
  });
  const me = practitioners.data?.items.find(
    (p) => p.email && p.email.toLowerCase() === session.user.email.toLowerCase(),
  );

  const [date, setDate] = useState(encounter?.date ?? todayIso());
  const [practitionerId, setPractitionerId] = useState<string | null>(encounter?.practitionerId ?? null);
  const [locationId, setLocationId] = useState<string | null>(encounter?.locationId ?? null);
  const [type, setType] = useState<string | null>(encounter?.type ?? "office-visit");
  const [reason, setReason] = useState(encounter?.reason ?? "");
  const [sensitive, setSensitive] = useState(encounter?.sensitive ?? false);
  const [selfPay, setSelfPay] = useState(encounter?.selfPay ?? false);
  const [diagnoses, setDiagnoses] = useState<Diagnosis[]>(encounter?.diagnoses ?? []);
  const [procedures, setProcedures] = useState<Line[]>(
    (encounter?.procedures ?? []).map((p) => ({ ...p, lineKey: nextLineKey++ })),
  );
  const [problems, setProblems] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const errors = useServerErrors(FIELDS);

  const practitioner = practitionerId ?? me?.id ?? defaultPractitionerId ?? null;
  const location = locationId ?? places.data?.items.find((l) => l.active)?.id ?? null;

  const removeDiagnosis = (index: number) => {
    setDiagnoses(diagnoses.filter((_, i) => i !== index));
    setProcedures(
      procedures.map((p) => ({
        ...p,
        diagnosisPointers: pointersAfterRemoval(p.diagnosisPointers, index + 1),
      })),
    );
  };
  const setProcedure = (index: number, change: Partial<Procedure>) =>
    setProcedures(procedures.map((p, i) => (i === index ? { ...p, ...change } : p)));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const cleaned = procedures.map((p) => ({
      ...p,
      code: p.code.trim().toUpperCase(),
      modifiers: p.modifiers.map((m) => m.trim().toUpperCase()),
    }));
    const found = procedureProblems(cleaned, diagnoses.length);
    setProblems(found);
    if (found.length) return;
    if (!practitioner) return errors.set(new Error("Choose the practitioner."));
    if (!location) return errors.set(new Error("Choose the location."));
    setBusy(true);
    errors.clear();
    try {
      await onSubmit({
        date,
        practitionerId: practitioner,
        locationId: location,
        type: type ?? "office-visit",
        reason: reason.trim() || null,
        sensitive,
        selfPay,
        diagnoses: diagnoses.map((d) => ({ code: d.code })),
        procedures: cleaned.map(({ code, modifiers, units, diagnosisPointers }) => ({
          code,
          modifiers,
          units,
          diagnosisPointers,
        })),
      });
    } catch (error) {
      errors.set(error);
      setBusy(false);
    }
  };

  const pointerOptions = diagnoses.map((d, i) => ({
    value: String(i + 1),
    label: `${pointerLetter(i + 1)} · ${formatIcd10(d.code)}${d.description ? ` ${d.description}` : ""}`,
  }));

  return (
    <form onSubmit={submit} aria-label={encounter ? "Edit encounter" : "New encounter"}>
      <Stack>
        <FormError message={errors.form} />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            label="Date"
            type="date"
            required
            value={date}
            onChange={(e) => setDate(e.currentTarget.value)}
            error={errors.fields.date}
          />
          <Select
            label="Type"
            data={ENCOUNTER_TYPES}
            value={type}
            allowDeselect={false}
            onChange={setType}
            error={errors.fields.type}
          />
          <Select
            label="Practitioner"
            required
            searchable
            data={(practitioners.data?.items ?? []).map((p) => ({ value: p.id, label: personName(p) }))}
            value={practitioner}
            onChange={setPractitionerId}
            error={errors.fields.practitionerId}
          />
          <Select
            label="Location"
            required
            data={(places.data?.items ?? []).map((l) => ({ value: l.id, label: l.name }))}
            value={location}
            onChange={setLocationId}
            error={errors.fields.locationId}
          />
        </SimpleGrid>
        <TextInput
          label="Reason for visit"
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
          error={errors.fields.reason}
          autoComplete="off"
        />
        <Group gap="xl">
          <Checkbox
            label="Sensitive (only the treating practitioner reads its clinical content)"
            checked={sensitive}
            onChange={(e) => setSensitive(e.currentTarget.checked)}
          />
          <Checkbox
            label="Self-pay: keep this visit off insurance claims"
            checked={selfPay}
            onChange={(e) => setSelfPay(e.currentTarget.checked)}
          />
        </Group>

        <Paper withBorder p="sm" radius="md">
          <Title order={3} fz="h5" mb="xs">
            Diagnoses
          </Title>
          {diagnoses.length === 0 ? (
            <Text size="sm" c="dimmed" mb="xs">
              No diagnosis yet.
            </Text>
          ) : (
            <Stack gap={4} mb="xs" component="ol" p={0} m={0} style={{ listStyle: "none" }}>
              {diagnoses.map((d, i) => (
                <Group
                  key={d.code}
                  component="li"
                  gap="xs"
                  wrap="nowrap"
                  aria-label={`Diagnosis ${pointerLetter(i + 1)}`}
                >
                  <Text fw={700} w={18}>
                    {pointerLetter(i + 1)}
                  </Text>
                  <Text ff="monospace" fw={600}>
                    {formatIcd10(d.code)}
                  </Text>
                  <Text size="sm" style={{ flex: 1 }}>
                    {d.description}
                  </Text>
                  <ActionIcon
                    variant="subtle"
                    color="red"
                    aria-label={`Remove ${formatIcd10(d.code)}`}
                    onClick={() => removeDiagnosis(i)}
                  >
                    ×
                  </ActionIcon>
                </Group>
              ))}
            </Stack>
          )}
          <Icd10Picker
            date={date}
            exclude={diagnoses.map((d) => d.code)}
            error={errors.fields.diagnoses}
            onPick={(entry) =>
              setDiagnoses((current) => [...current, { code: entry.code, description: entry.description }])
            }
          />
        </Paper>

        <Paper withBorder p="sm" radius="md">
          <Group justify="space-between" mb="xs">
            <Title order={3} fz="h5">
              Procedures
            </Title>
            <Button
              size="xs"
              variant="light"
              onClick={() => setProcedures([...procedures, emptyProcedure(diagnoses.length)])}
            >
              Add procedure
            </Button>
          </Group>
          {procedures.length === 0 ? (
            <Text size="sm" c="dimmed">
              No procedure yet.
            </Text>
          ) : null}
          <Stack gap="sm">
            {procedures.map((p, i) => (
              <Group
                key={p.lineKey}
                align="flex-end"
                gap="xs"
                wrap="wrap"
                aria-label={`Procedure ${i + 1}`}
                role="group"
              >
                <TextInput
                  label="CPT/HCPCS"
                  w={110}
                  value={p.code}
                  maxLength={5}
                  onChange={(e) => setProcedure(i, { code: e.currentTarget.value })}
                />
                <TagsInput
                  label="Modifiers"
                  w={170}
                  maxTags={4}
                  value={p.modifiers}
                  onChange={(modifiers) => setProcedure(i, { modifiers })}
                />
                <NumberInput
                  label="Units"
                  w={80}
                  min={1}
                  max={999}
                  value={p.units}
                  // As typed ("" is not 0): the server refuses what is out of range, with a message.
                  onChange={(value) => setProcedure(i, { units: value as number })}
                />
                <MultiSelect
                  label="Diagnosis pointers"
                  w={240}
                  maxValues={4}
                  data={pointerOptions}
                  value={p.diagnosisPointers.map(String)}
                  onChange={(values) =>
                    setProcedure(i, { diagnosisPointers: values.map(Number).sort((a, b) => a - b) })
                  }
                />
                <Button
                  variant="subtle"
                  color="red"
                  size="xs"
                  onClick={() => setProcedures(procedures.filter((_, j) => j !== i))}
                >
                  Remove
                </Button>
              </Group>
            ))}
          </Stack>
          {errors.fields.procedures ? (
            <Text size="sm" c="red" mt="xs">
              {errors.fields.procedures}
            </Text>
          ) : null}
        </Paper>
        {problems.length ? (
          <Alert color="red" role="alert" variant="light">
            {problems.map((problem) => (
              <Text size="sm" key={problem}>
                {problem}
              </Text>
            ))}
          </Alert>
        ) : null}
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel} disabled={busy}>
            Cancel
          </Button>
          <Button type="submit" loading={busy}>
            {encounter ? "Save encounter" : "Create encounter"}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

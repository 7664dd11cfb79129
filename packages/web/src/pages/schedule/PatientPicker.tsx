import { Loader, Radio, Stack, Text, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import type { PatientView as Patient } from "@salus/server/directory/schemas";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { patients } from "../../api/endpoints.ts";
import { errorMessage } from "../../components/QueryState.tsx";
import { formatDate, normalizeSearch, personName } from "../../lib/format.ts";

/** Patient search (GET /api/patients?q=) with the matches as a radio list. */
export function PatientPicker({
  value,
  onChange,
  error,
}: {
  value: Patient | null;
  onChange: (patient: Patient | null) => void;
  error?: string | undefined;
}) {
  const [input, setInput] = useState("");
  const [q] = useDebouncedValue(normalizeSearch(input), 250);
  const search = useQuery({
    queryKey: ["patients", { q, offset: 0, picker: true }],
    queryFn: ({ signal }) => patients.list({ q, limit: 8 }, signal),
    enabled: q.length >= 2,
    placeholderData: keepPreviousData,
  });
  const matches = q.length >= 2 ? (search.data?.items ?? []) : [];
  return (
    <Stack gap="xs">
      <TextInput
        label="Find patient"
        description="Name, MRN or date of birth"
        type="search"
        value={input}
        onChange={(e) => setInput(e.currentTarget.value)}
        rightSection={search.isFetching ? <Loader size="xs" /> : null}
        autoComplete="off"
        error={error}
        data-autofocus
      />
      {search.isError ? (
        <Text size="sm" c="red">
          {errorMessage(search.error)}
        </Text>
      ) : null}
      {q.length >= 2 && search.isSuccess && matches.length === 0 ? (
        <Text size="sm" c="dimmed">
          No patient matches “{q}”.
        </Text>
      ) : null}
      {matches.length > 0 || value ? (
        <Radio.Group
          label="Patient"
          value={value?.id ?? null}
          onChange={(id) =>
            onChange([...matches, ...(value ? [value] : [])].find((p) => p.id === id) ?? null)
          }
        >
          <Stack gap={6} mt={4}>
            {value && !matches.some((p) => p.id === value.id) ? <PatientOption patient={value} /> : null}
            {matches.map((p) => (
              <PatientOption key={p.id} patient={p} />
            ))}
          </Stack>
        </Radio.Group>
      ) : null}
    </Stack>
  );
}

function PatientOption({ patient }: { patient: Patient }) {
  return (
    <Radio
      value={patient.id}
      label={personName(patient)}
      description={`${patient.mrn} · born ${formatDate(patient.dateOfBirth)}`}
    />
  );
}

import { Autocomplete, Loader, Text } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { type CodeEntry, clinical } from "./clinicalApi.ts";
import { formatIcd10 } from "./logic.ts";

/** The option text for a code: `E11.9 — Type 2 diabetes mellitus without complications`. */
export function codeOption(entry: CodeEntry): string {
  return `${formatIcd10(entry.code)} — ${entry.description}`;
}

/**
 * ICD-10-CM type-ahead against GET /api/codes/icd10?q= (a code prefix or words of the description), most
 * relevant first, from the list of the date of service's fiscal year; when that year's list is not
 * loaded, the server's warning shows under the field. Picking an option adds the code; the input clears.
 */
export function Icd10Picker({
  onPick,
  error,
  exclude = [],
  date,
}: {
  onPick: (entry: CodeEntry) => void;
  error?: string | undefined;
  /** Codes already on the encounter (left out of the options). */
  exclude?: readonly string[];
  /** The date of service (YYYY-MM-DD): codes come from its fiscal year's list. */
  date?: string | undefined;
}) {
  const [input, setInput] = useState("");
  const [q] = useDebouncedValue(input.trim(), 200);
  const search = useQuery({
    queryKey: ["codes", "icd10", q, date ?? ""],
    queryFn: ({ signal }) => clinical.icd10(q, date, signal),
    enabled: q.length >= 2,
    placeholderData: keepPreviousData,
    staleTime: 5 * 60_000,
  });
  const entries = q.length >= 2 ? (search.data?.items ?? []).filter((e) => !exclude.includes(e.code)) : [];
  const options = entries.map(codeOption);
  const warning = q.length >= 2 ? search.data?.warning : null;
  return (
    <>
      <Autocomplete
        label="Add diagnosis (ICD-10-CM)"
        description="Type a code (E11.9) or words (diabetes)"
        placeholder="Search codes"
        value={input}
        onChange={setInput}
        data={options}
        filter={({ options }) => options}
        limit={20}
        rightSection={search.isFetching ? <Loader size="xs" /> : null}
        error={error ?? (search.isError ? "The code list could not be searched." : undefined)}
        onOptionSubmit={(value) => {
          const entry = entries[options.indexOf(value)];
          if (entry) onPick(entry);
          // Clear after Mantine has written the chosen option into the input.
          setTimeout(() => setInput(""), 0);
        }}
        comboboxProps={{ withinPortal: true }}
      />
      {warning ? (
        <Text size="sm" c="orange.8" role="status" mt={4}>
          {warning}
        </Text>
      ) : null}
    </>
  );
}

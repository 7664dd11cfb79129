import { Paper, Select, Stack, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { LoadError, Loading } from "../../../components/QueryState.tsx";
import { formatDate } from "../../../lib/format.ts";
import { clinical } from "./clinicalApi.ts";
import { encounterTypeLabel } from "./EncountersTab.tsx";
import { NotesPanel } from "./NotesPanel.tsx";

/** Visit notes, one encounter at a time (the latest first). */
export function NotesTab({ patientId }: { patientId: string }) {
  const query = useQuery({
    queryKey: ["patients", patientId, "encounters"],
    queryFn: ({ signal }) => clinical.encounters(patientId, signal),
  });
  const [chosen, setChosen] = useState<string | null>(null);
  if (query.isPending) return <Loading />;
  if (query.isError) return <LoadError error={query.error} onRetry={() => void query.refetch()} />;
  const encounters = [...query.data]
    .filter((e) => e.status !== "entered-in-error")
    .sort((a, b) => b.date.localeCompare(a.date));
  if (encounters.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        Notes belong to an encounter; this patient has none yet.
      </Text>
    );
  }
  const encounterId = chosen && encounters.some((e) => e.id === chosen) ? chosen : encounters[0]!.id;
  return (
    <Stack>
      <Select
        label="Encounter"
        maw={420}
        allowDeselect={false}
        data={encounters.map((e) => ({
          value: e.id,
          label: `${formatDate(e.date)} · ${encounterTypeLabel(e.type)}${e.reason ? ` · ${e.reason}` : ""}`,
        }))}
        value={encounterId}
        onChange={setChosen}
      />
      <Paper withBorder p="md" radius="md">
        <NotesPanel encounterId={encounterId} patientId={patientId} />
      </Paper>
    </Stack>
  );
}

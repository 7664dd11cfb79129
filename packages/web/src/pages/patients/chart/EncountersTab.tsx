import {
  Alert,
  Anchor,
  Badge,
  Button,
  Drawer,
  Group,
  Modal,
  Paper,
  Stack,
  Table,
  Text,
  Textarea,
  Title,
} from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { locations, staff } from "../../../api/endpoints.ts";
import { can, P } from "../../../auth/permissions.ts";
import { useCurrentSession } from "../../../auth/session.ts";
import { notifyError, notifySuccess } from "../../../components/notify.ts";
import { LoadError, Loading } from "../../../components/QueryState.tsx";
import { formatDate, personName } from "../../../lib/format.ts";
import { clinical, type Encounter } from "./clinicalApi.ts";
import { ENCOUNTER_TYPES, EncounterForm } from "./EncounterForm.tsx";
import { formatIcd10, pointerLetter, seesClinical } from "./logic.ts";
import { NotesPanel, RecordText } from "./NotesPanel.tsx";
import { records } from "./recordsApi.ts";

/** Shown where a sensitive visit's reason is withheld from this reader (they see its codes only). */
const WITHHELD = "withheld (sensitive visit)";

export function encounterTypeLabel(type: string): string {
  return ENCOUNTER_TYPES.find((t) => t.value === type)?.label ?? type;
}

/** Practitioner and location names for ids (the encounter answer carries ids only). */
function useNames() {
  const practitioners = useQuery({
    queryKey: ["staff", { kind: "practitioner", limit: 200 }],
    queryFn: ({ signal }) => staff.list({ kind: "practitioner", limit: 200 }, signal),
  });
  const places = useQuery({
    queryKey: ["locations", { limit: 200 }],
    queryFn: ({ signal }) => locations.list({ limit: 200 }, signal),
  });
  return {
    practitioner: (id: string) => {
      const p = practitioners.data?.items.find((s) => s.id === id);
      return p ? personName(p) : "";
    },
    location: (id: string) => places.data?.items.find((l) => l.id === id)?.name ?? "",
  };
}

function inError(e: Encounter): boolean {
  return e.status === "entered-in-error";
}

/** Encounters with their codes; clinicians open one for its notes, correct it or mark it entered in error. */
export function EncountersTab({ patientId }: { patientId: string }) {
  const session = useCurrentSession();
  const canWrite = can(session.permissions, P.encountersWrite);
  const queryClient = useQueryClient();
  const [creating, setCreating] = useState(false);
  const [openId, setOpenId] = useState<string | null>(null);
  const key = ["patients", patientId, "encounters"];
  const query = useQuery({ queryKey: key, queryFn: ({ signal }) => clinical.encounters(patientId, signal) });
  const open = query.data?.find((e) => e.id === openId) ?? null;
  const names = useNames();
  const patient = useQuery({
    queryKey: ["patients", patientId],
    queryFn: ({ signal }) => records.get(patientId, signal),
  });

  return (
    <Paper withBorder p="md" radius="md">
      <Group justify="space-between" mb="sm">
        <Title order={2} fz="h4">
          Encounters
        </Title>
        {canWrite ? <Button onClick={() => setCreating(true)}>New encounter</Button> : null}
      </Group>
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <LoadError error={query.error} onRetry={() => void query.refetch()} />
      ) : query.data.length === 0 ? (
        <Text size="sm" c="dimmed">
          No encounters.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={720}>
          <Table verticalSpacing="xs" striped highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Date</Table.Th>
                <Table.Th scope="col">Type</Table.Th>
                <Table.Th scope="col">Practitioner</Table.Th>
                <Table.Th scope="col">Reason</Table.Th>
                <Table.Th scope="col">Diagnoses</Table.Th>
                <Table.Th scope="col">Procedures</Table.Th>
                <Table.Th scope="col">Flags</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {[...query.data]
                .sort((a, b) => b.date.localeCompare(a.date))
                .map((e) => (
                  <Table.Tr
                    key={e.id}
                    style={inError(e) ? { textDecoration: "line-through", opacity: 0.6 } : undefined}
                  >
                    <Table.Td>
                      <Anchor component="button" type="button" size="sm" onClick={() => setOpenId(e.id)}>
                        {formatDate(e.date)}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>{encounterTypeLabel(e.type)}</Table.Td>
                    <Table.Td>{names.practitioner(e.practitionerId)}</Table.Td>
                    <Table.Td>
                      {e.reasonWithheld ? (
                        <Text size="sm" c="dimmed">
                          {WITHHELD}
                        </Text>
                      ) : (
                        e.reason
                      )}
                    </Table.Td>
                    <Table.Td>
                      {e.diagnoses.map((d) => (
                        <Text size="sm" key={d.code}>
                          <Text span ff="monospace" fw={600}>
                            {formatIcd10(d.code)}
                          </Text>
                          {d.description ? ` ${d.description}` : ""}
                        </Text>
                      ))}
                    </Table.Td>
                    <Table.Td>
                      {e.procedures.map((p) => (
                        <Text
                          size="sm"
                          key={`${p.code}-${p.modifiers.join("-")}-${p.units}-${p.diagnosisPointers.join(".")}`}
                        >
                          <Text span ff="monospace" fw={600}>
                            {[p.code, ...p.modifiers].join("-") + (p.units > 1 ? ` ×${p.units}` : "")}
                          </Text>
                          {p.description ? ` ${p.description}` : ""}
                        </Text>
                      ))}
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        {inError(e) ? <Badge color="gray">Entered in error</Badge> : null}
                        {e.sensitive ? (
                          <Badge color="grape" variant="light">
                            Sensitive
                          </Badge>
                        ) : null}
                        {e.selfPay ? (
                          <Badge color="orange" variant="light">
                            Self-pay
                          </Badge>
                        ) : null}
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Modal opened={creating} onClose={() => setCreating(false)} title="New encounter" size="xl">
        {creating ? (
          <EncounterForm
            encounter={null}
            defaultPractitionerId={patient.data?.primaryPractitionerId ?? null}
            onCancel={() => setCreating(false)}
            onSubmit={async (body) => {
              const created = await clinical.createEncounter(patientId, body);
              await queryClient.invalidateQueries({ queryKey: key });
              notifySuccess(`Encounter of ${formatDate(created.date)} saved.`);
              setCreating(false);
              setOpenId(created.id);
            }}
          />
        ) : null}
      </Modal>
      <Drawer
        opened={open !== null}
        onClose={() => setOpenId(null)}
        position="right"
        size="xl"
        title={open ? `Encounter of ${formatDate(open.date)}` : null}
      >
        {open ? (
          <EncounterDetail
            encounter={open}
            patientId={patientId}
            onChanged={() => queryClient.invalidateQueries({ queryKey: key })}
          />
        ) : null}
      </Drawer>
    </Paper>
  );
}

function EncounterDetail({
  encounter,
  patientId,
  onChanged,
}: {
  encounter: Encounter;
  patientId: string;
  onChanged: () => Promise<unknown>;
}) {
  const session = useCurrentSession();
  const canWrite = can(session.permissions, P.encountersWrite) && !inError(encounter);
  const readsNotes = seesClinical(session.roles, session.permissions);
  const names = useNames();
  const [editing, setEditing] = useState(false);
  const [errorReason, setErrorReason] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (editing) {
    return (
      <EncounterForm
        encounter={encounter}
        onCancel={() => setEditing(false)}
        onSubmit={async (body) => {
          await clinical.updateEncounter(encounter.id, { ...body, version: encounter.version });
          await onChanged();
          notifySuccess("Encounter saved.");
          setEditing(false);
        }}
      />
    );
  }
  return (
    <Stack>
      <Group gap="xs">
        <Badge variant="light">{encounterTypeLabel(encounter.type)}</Badge>
        {inError(encounter) ? <Badge color="gray">Entered in error</Badge> : null}
        {encounter.sensitive ? (
          <Badge color="grape" variant="light">
            Sensitive
          </Badge>
        ) : null}
        {encounter.selfPay ? (
          <Badge color="orange" variant="light">
            Self-pay
          </Badge>
        ) : null}
      </Group>
      {inError(encounter) && encounter.enteredInErrorReason ? (
        <Text size="sm">Marked entered in error: {encounter.enteredInErrorReason}</Text>
      ) : null}
      <Text size="sm">
        {names.practitioner(encounter.practitionerId)} · {names.location(encounter.locationId)}
      </Text>
      {encounter.reason ? <RecordText>{`Reason: ${encounter.reason}`}</RecordText> : null}
      {encounter.reasonWithheld ? (
        <Text size="sm" c="dimmed">
          Reason: {WITHHELD}
        </Text>
      ) : null}
      {(encounter.codeWarnings ?? []).map((w) => (
        <Alert key={w} color="orange" title="Codes not checked against this year's list">
          {w}
        </Alert>
      ))}
      <div>
        <Title order={3} fz="h5">
          Diagnoses
        </Title>
        {encounter.diagnoses.map((d, i) => (
          <Text size="sm" key={d.code}>
            {pointerLetter(i + 1)}.{" "}
            <Text span ff="monospace" fw={600}>
              {formatIcd10(d.code)}
            </Text>{" "}
            {d.description}
          </Text>
        ))}
      </div>
      <div>
        <Title order={3} fz="h5">
          Procedures
        </Title>
        {encounter.procedures.map((p, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: procedure lines are ordered and have no id
          <Text size="sm" key={i}>
            <Text span ff="monospace" fw={600}>
              {p.code}
            </Text>
            {p.modifiers.length ? ` modifiers ${p.modifiers.join(", ")}` : ""} · {p.units} unit
            {p.units === 1 ? "" : "s"} · diagnoses {p.diagnosisPointers.map(pointerLetter).join(", ")}
            {p.description ? ` · ${p.description}` : ""}
          </Text>
        ))}
      </div>
      {canWrite ? (
        <Group gap="xs">
          <Button size="xs" variant="light" onClick={() => setEditing(true)}>
            Correct encounter
          </Button>
          <Button size="xs" variant="subtle" color="red" onClick={() => setErrorReason("")}>
            Mark entered in error
          </Button>
        </Group>
      ) : null}
      {errorReason !== null ? (
        <Stack gap="xs">
          <Textarea
            label="Why is this encounter wrong?"
            description="It stays in the history, struck through, with this reason."
            autosize
            value={errorReason}
            onChange={(e) => setErrorReason(e.currentTarget.value)}
          />
          <Group gap="xs">
            <Button
              size="xs"
              color="red"
              loading={busy}
              disabled={!errorReason.trim()}
              onClick={async () => {
                setBusy(true);
                try {
                  await clinical.encounterInError(encounter.id, errorReason.trim());
                  await onChanged();
                  notifySuccess("Encounter marked entered in error.");
                  setErrorReason(null);
                } catch (error) {
                  notifyError(error);
                } finally {
                  setBusy(false);
                }
              }}
            >
              Mark entered in error
            </Button>
            <Button size="xs" variant="default" onClick={() => setErrorReason(null)}>
              Cancel
            </Button>
          </Group>
        </Stack>
      ) : null}
      {readsNotes ? (
        <div>
          <Title order={3} fz="h5" mb="xs">
            Notes
          </Title>
          <NotesPanel encounterId={encounter.id} patientId={patientId} />
        </div>
      ) : null}
    </Stack>
  );
}

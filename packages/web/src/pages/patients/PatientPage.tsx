import { Box, Button, Group, Paper, SimpleGrid, Text } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useParams } from "react-router-dom";
import { patients } from "../../api/endpoints.ts";
import { can, P } from "../../auth/permissions.ts";
import { useCurrentSession } from "../../auth/session.ts";
import { BackLink } from "../../components/BackLink.tsx";
import { Field } from "../../components/Field.tsx";
import { notifySuccess } from "../../components/notify.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { LoadError, Loading } from "../../components/QueryState.tsx";
import { ActiveBadge } from "../../components/StatusBadge.tsx";
import { daysUntil, formatDate, personName, todayIso } from "../../lib/format.ts";
import { PatientForm, SEX_OPTIONS } from "./PatientForm.tsx";

function age(dateOfBirth: string): number | null {
  const today = todayIso();
  if (daysUntil(dateOfBirth, today) === null) return null;
  const [y, m, d] = dateOfBirth.split("-").map(Number) as [number, number, number];
  const [ty, tm, td] = today.split("-").map(Number) as [number, number, number];
  return ty - y - (tm < m || (tm === m && td < d) ? 1 : 0);
}

export function PatientPage() {
  const { id = "" } = useParams();
  const session = useCurrentSession();
  const canWrite = can(session.permissions, P.patientsWrite);
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const query = useQuery({ queryKey: ["patients", id], queryFn: ({ signal }) => patients.get(id, signal) });

  if (query.isPending) return <Loading />;
  if (query.isError) {
    return (
      <>
        <BackLink to="/patients">Patients</BackLink>
        <LoadError error={query.error} onRetry={() => void query.refetch()} />
      </>
    );
  }
  const patient = query.data;
  const years = age(patient.dateOfBirth);

  return (
    <>
      <PageHeader
        above={<BackLink to="/patients">Patients</BackLink>}
        title={personName(patient)}
        description={
          <Group gap="xs" component="span">
            <Text span size="sm">
              MRN{" "}
              <Text span ff="monospace">
                {patient.mrn}
              </Text>
            </Text>
            <Text span size="sm">
              · Born {formatDate(patient.dateOfBirth)}
              {years !== null ? ` (${years})` : ""}
            </Text>
            <ActiveBadge active={patient.active} />
          </Group>
        }
        actions={
          canWrite && !editing ? (
            <Button variant="light" onClick={() => setEditing(true)}>
              Edit demographics
            </Button>
          ) : null
        }
      />
      <Paper withBorder p="md" radius="md" maw={editing ? 860 : undefined}>
        {editing ? (
          <PatientForm
            patient={patient}
            onCancel={() => setEditing(false)}
            onSubmit={async (body) => {
              const saved = await patients.update(patient.id, body);
              queryClient.setQueryData(["patients", id], saved);
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
              <Field label="Sex">
                {SEX_OPTIONS.find((o) => o.value === patient.sex)?.label ?? patient.sex}
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
            </SimpleGrid>
          </Box>
        )}
      </Paper>
    </>
  );
}

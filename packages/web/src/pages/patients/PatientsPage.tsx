import { Anchor, Button, EmptyState, Table, TextInput } from "@mantine/core";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router-dom";
import { patients } from "../../api/endpoints.ts";
import { can, P } from "../../auth/permissions.ts";
import { useCurrentSession } from "../../auth/session.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { Paging } from "../../components/Paging.tsx";
import { LoadError, Loading } from "../../components/QueryState.tsx";
import { ActiveBadge } from "../../components/StatusBadge.tsx";
import { useListParams } from "../../components/useListParams.ts";
import { formatDate, normalizeSearch, personName } from "../../lib/format.ts";
import { BreakGlassDialog } from "./chart/BreakGlassDialog.tsx";
import { SEX_OPTIONS } from "./PatientForm.tsx";

const PAGE_SIZE = 25;

export function PatientsPage() {
  const session = useCurrentSession();
  const canWrite = can(session.permissions, P.patientsWrite);
  const mayBreakGlass = can(session.permissions, P.breakGlass);
  const [emergencyOpen, setEmergencyOpen] = useState(false);
  const list = useListParams(PAGE_SIZE);
  const q = normalizeSearch(list.q);

  const query = useQuery({
    queryKey: ["patients", { q, offset: list.offset }],
    queryFn: ({ signal }) => patients.list({ q, limit: PAGE_SIZE, offset: list.offset }, signal),
    placeholderData: keepPreviousData,
  });

  return (
    <>
      <PageHeader
        title="Patients"
        description={
          mayBreakGlass ? "Your patients: those you treat and those whose care team you are on." : undefined
        }
        actions={
          <>
            {mayBreakGlass ? (
              <Button variant="light" color="orange" onClick={() => setEmergencyOpen(true)}>
                Emergency access
              </Button>
            ) : null}
            {canWrite ? (
              <Button component={Link} to="/patients/new">
                New patient
              </Button>
            ) : null}
          </>
        }
      />
      {mayBreakGlass ? (
        <BreakGlassDialog opened={emergencyOpen} onClose={() => setEmergencyOpen(false)} />
      ) : null}
      <TextInput
        label="Search patients"
        description="Name (accents, capitals and punctuation optional: hernandez finds Hernández), MRN, or date of birth (YYYY-MM-DD or MM/DD/YYYY)"
        type="search"
        value={list.input}
        onChange={(event) => list.setInput(event.currentTarget.value)}
        mb="md"
        maw={480}
        autoComplete="off"
      />
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <LoadError error={query.error} onRetry={() => void query.refetch()} />
      ) : query.data.items.length === 0 ? (
        <EmptyState
          py="xl"
          title={q ? "No patient matches" : "No patients yet"}
          description={
            q
              ? mayBreakGlass
                ? "Check the spelling, or search by MRN or date of birth. Only your own patients are listed; for another patient in an emergency, use Emergency access."
                : "Check the spelling, or search by MRN or date of birth."
              : undefined
          }
        />
      ) : (
        <>
          <Table.ScrollContainer minWidth={640}>
            <Table striped highlightOnHover verticalSpacing="sm" aria-busy={query.isFetching}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Name</Table.Th>
                  <Table.Th scope="col">MRN</Table.Th>
                  <Table.Th scope="col">Date of birth</Table.Th>
                  <Table.Th scope="col">Sex</Table.Th>
                  <Table.Th scope="col">Phone</Table.Th>
                  <Table.Th scope="col">Status</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {query.data.items.map((patient) => (
                  <Table.Tr key={patient.id}>
                    <Table.Td>
                      <Anchor component={Link} to={`/patients/${patient.id}`} fw={500}>
                        {personName(patient)}
                      </Anchor>
                    </Table.Td>
                    <Table.Td ff="monospace">{patient.mrn}</Table.Td>
                    <Table.Td>{formatDate(patient.dateOfBirth)}</Table.Td>
                    <Table.Td>
                      {SEX_OPTIONS.find((o) => o.value === patient.sex)?.label ?? patient.sex}
                    </Table.Td>
                    <Table.Td>{patient.phone}</Table.Td>
                    <Table.Td>
                      <ActiveBadge active={patient.active} />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <Paging
            total={query.data.total}
            page={list.page}
            pageSize={PAGE_SIZE}
            onPage={list.setPage}
            noun="patients"
          />
        </>
      )}
    </>
  );
}

import { Badge, Box, Button, Group, Paper, SimpleGrid, Stack } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useParams } from "react-router-dom";
import { staff } from "../../api/endpoints.ts";
import { can, P } from "../../auth/permissions.ts";
import { useCurrentSession } from "../../auth/session.ts";
import { BackLink } from "../../components/BackLink.tsx";
import { Field } from "../../components/Field.tsx";
import { notifySuccess } from "../../components/notify.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { LoadError, Loading } from "../../components/QueryState.tsx";
import { ActiveBadge } from "../../components/StatusBadge.tsx";
import { personName } from "../../lib/format.ts";
import { LicensesTable } from "./LicensesTable.tsx";
import { StaffForm } from "./StaffForm.tsx";

export function StaffPage() {
  const { id = "" } = useParams();
  const session = useCurrentSession();
  const canWrite = can(session.permissions, P.staffWrite);
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const query = useQuery({ queryKey: ["staff", id], queryFn: ({ signal }) => staff.get(id, signal) });

  if (query.isPending) return <Loading />;
  if (query.isError) {
    return (
      <>
        <BackLink to="/staff">Staff</BackLink>
        <LoadError error={query.error} onRetry={() => void query.refetch()} />
      </>
    );
  }
  const member = query.data;

  return (
    <>
      <PageHeader
        above={<BackLink to="/staff">Staff</BackLink>}
        title={`${member.givenName} ${member.familyName}`}
        description={
          <Group gap="xs" component="span">
            <Badge variant="outline" color="gray">
              {member.kind === "practitioner" ? "Practitioner" : "Non-clinical staff"}
            </Badge>
            <ActiveBadge active={member.active} />
          </Group>
        }
        actions={
          canWrite && !editing ? (
            <Button variant="light" onClick={() => setEditing(true)}>
              Edit
            </Button>
          ) : null
        }
      />
      <Stack gap="lg">
        <Paper withBorder p="md" radius="md">
          {editing ? (
            <StaffForm
              member={member}
              onCancel={() => setEditing(false)}
              onSubmit={async (body) => {
                const saved = await staff.update(member.id, body);
                queryClient.setQueryData(["staff", id], saved);
                await queryClient.invalidateQueries({ queryKey: ["staff"] });
                notifySuccess(`${personName(saved)} saved.`);
                setEditing(false);
              }}
            />
          ) : (
            <Box component="dl" m={0}>
              <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
                <Field label="Job title">{member.jobTitle}</Field>
                <Field label="Email">{member.email}</Field>
                <Field label="Phone">{member.phone}</Field>
                <Field label="NPI">{member.npi}</Field>
                <Field label="Taxonomy">{member.taxonomy}</Field>
              </SimpleGrid>
            </Box>
          )}
        </Paper>
        <LicensesTable member={member} canWrite={canWrite} />
      </Stack>
    </>
  );
}

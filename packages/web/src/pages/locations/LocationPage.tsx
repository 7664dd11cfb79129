import { Box, Button, Paper, SimpleGrid, Stack } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useParams } from "react-router-dom";
import { locations } from "../../api/endpoints.ts";
import { can, P } from "../../auth/permissions.ts";
import { useCurrentSession } from "../../auth/session.ts";
import { BackLink } from "../../components/BackLink.tsx";
import { Field } from "../../components/Field.tsx";
import { notifySuccess } from "../../components/notify.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { LoadError, Loading } from "../../components/QueryState.tsx";
import { ActiveBadge } from "../../components/StatusBadge.tsx";
import { LocationForm } from "./LocationForm.tsx";
import { LocationItemsPanel } from "./LocationItemsPanel.tsx";

export function LocationPage() {
  const { id = "" } = useParams();
  const session = useCurrentSession();
  const canWrite = can(session.permissions, P.locationsWrite);
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const query = useQuery({ queryKey: ["locations", id], queryFn: ({ signal }) => locations.get(id, signal) });

  if (query.isPending) return <Loading />;
  if (query.isError) {
    return (
      <>
        <BackLink to="/locations">Locations</BackLink>
        <LoadError error={query.error} onRetry={() => void query.refetch()} />
      </>
    );
  }
  const location = query.data;

  return (
    <>
      <PageHeader
        above={<BackLink to="/locations">Locations</BackLink>}
        title={location.name}
        description={<ActiveBadge active={location.active} />}
        actions={
          canWrite && !editing ? (
            <Button variant="light" onClick={() => setEditing(true)}>
              Edit location
            </Button>
          ) : null
        }
      />
      <Stack gap="lg">
        <Paper withBorder p="md" radius="md">
          {editing ? (
            <LocationForm
              location={location}
              onCancel={() => setEditing(false)}
              onSubmit={async (body) => {
                const saved = await locations.update(location.id, body);
                queryClient.setQueryData(["locations", id], saved);
                await queryClient.invalidateQueries({ queryKey: ["locations"] });
                notifySuccess("Location saved.");
                setEditing(false);
              }}
            />
          ) : (
            <Box component="dl" m={0}>
              <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
                <Field label="Address">
                  {[location.addressLine1, location.addressLine2].filter(Boolean).join(", ")}
                </Field>
                <Field label="City">
                  {[location.city, location.state, location.postalCode].filter(Boolean).join(", ")}
                </Field>
                <Field label="Phone">{location.phone}</Field>
                <Field label="Time zone">{location.timeZone}</Field>
              </SimpleGrid>
            </Box>
          )}
        </Paper>
        <SimpleGrid cols={{ base: 1, lg: 2 }}>
          <LocationItemsPanel kind="rooms" locationId={location.id} canWrite={canWrite} />
          <LocationItemsPanel kind="equipment" locationId={location.id} canWrite={canWrite} />
        </SimpleGrid>
      </Stack>
    </>
  );
}

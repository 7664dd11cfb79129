import { Anchor, Button, EmptyState, Modal, Table, Text, TextInput } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate } from "react-router-dom";
import { locations } from "../../api/endpoints.ts";
import { can, P } from "../../auth/permissions.ts";
import { useCurrentSession } from "../../auth/session.ts";
import { notifySuccess } from "../../components/notify.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { Paging } from "../../components/Paging.tsx";
import { LoadError, Loading } from "../../components/QueryState.tsx";
import { ActiveBadge } from "../../components/StatusBadge.tsx";
import { useListParams } from "../../components/useListParams.ts";
import { LocationForm } from "./LocationForm.tsx";

const PAGE_SIZE = 25;

export function LocationsPage() {
  const session = useCurrentSession();
  const canWrite = can(session.permissions, P.locationsWrite);
  const list = useListParams(PAGE_SIZE);
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [creating, { open, close }] = useDisclosure(false);

  const query = useQuery({
    queryKey: ["locations", { q: list.q, offset: list.offset }],
    queryFn: ({ signal }) => locations.list({ q: list.q, limit: PAGE_SIZE, offset: list.offset }, signal),
    placeholderData: keepPreviousData,
  });

  return (
    <>
      <PageHeader
        title="Locations"
        description="Offices of the practice, with their rooms and equipment."
        actions={canWrite ? <Button onClick={open}>New location</Button> : null}
      />
      <TextInput
        label="Search locations"
        placeholder="Name or city"
        type="search"
        value={list.input}
        onChange={(event) => list.setInput(event.currentTarget.value)}
        mb="md"
        maw={420}
      />
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <LoadError error={query.error} onRetry={() => void query.refetch()} />
      ) : query.data.items.length === 0 ? (
        <EmptyState
          py="xl"
          title={list.q ? "No location matches" : "No locations yet"}
          description={
            list.q
              ? "Try another name or city."
              : canWrite
                ? "Add the first office of the practice."
                : undefined
          }
        />
      ) : (
        <>
          <Table.ScrollContainer minWidth={560}>
            <Table striped highlightOnHover verticalSpacing="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Name</Table.Th>
                  <Table.Th scope="col">City</Table.Th>
                  <Table.Th scope="col">Time zone</Table.Th>
                  <Table.Th scope="col">Phone</Table.Th>
                  <Table.Th scope="col">Status</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {query.data.items.map((location) => (
                  <Table.Tr key={location.id}>
                    <Table.Td>
                      <Anchor component={Link} to={`/locations/${location.id}`} fw={500}>
                        {location.name}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>{[location.city, location.state].filter(Boolean).join(", ")}</Table.Td>
                    <Table.Td>
                      <Text size="sm" c="dimmed">
                        {location.timeZone}
                      </Text>
                    </Table.Td>
                    <Table.Td>{location.phone}</Table.Td>
                    <Table.Td>
                      <ActiveBadge active={location.active} />
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
            noun="locations"
          />
        </>
      )}
      <Modal opened={creating} onClose={close} title="New location" size="lg">
        <LocationForm
          location={null}
          onCancel={close}
          onSubmit={async (body) => {
            const created = await locations.create(body);
            await queryClient.invalidateQueries({ queryKey: ["locations"] });
            notifySuccess(`Location “${created.name}” created.`);
            close();
            navigate(`/locations/${created.id}`);
          }}
        />
      </Modal>
    </>
  );
}

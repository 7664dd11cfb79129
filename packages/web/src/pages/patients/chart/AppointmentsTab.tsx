import { Anchor, Badge, Paper, Table, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { scheduling } from "../../../api/endpoints.ts";
import { LoadError, Loading } from "../../../components/QueryState.tsx";
import { formatDateTime } from "../../../lib/format.ts";

const DAY = 86_400_000;

/** The patient's visits from two years back to a year ahead, newest first. */
export function AppointmentsTab({ patientId }: { patientId: string }) {
  const query = useQuery({
    queryKey: ["appointments", { patientId }],
    queryFn: ({ signal }) => {
      const now = Date.now();
      return scheduling.appointments(
        {
          from: new Date(now - 730 * DAY).toISOString(),
          to: new Date(now + 365 * DAY).toISOString(),
          patientId,
        } as Parameters<typeof scheduling.appointments>[0],
        signal,
      );
    },
  });
  const types = useQuery({
    queryKey: ["appointment-types"],
    queryFn: ({ signal }) => scheduling.types(signal),
  });
  if (query.isPending) return <Loading />;
  if (query.isError) return <LoadError error={query.error} onRetry={() => void query.refetch()} />;
  const items = [...query.data.items].sort((a, b) => b.start.localeCompare(a.start));
  const typeName = (id: string) => types.data?.items.find((t) => t.id === id)?.name ?? "Visit";
  return (
    <Paper withBorder p="md" radius="md">
      {items.length === 0 ? (
        <Text size="sm" c="dimmed">
          No appointments.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={560}>
          <Table verticalSpacing="xs" striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">When</Table.Th>
                <Table.Th scope="col">Visit</Table.Th>
                <Table.Th scope="col">Status</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((a) => (
                <Table.Tr key={a.id}>
                  <Table.Td>
                    <Anchor component={Link} to={`/schedule?date=${a.start.slice(0, 10)}`} size="sm">
                      {formatDateTime(a.start)}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{typeName(a.appointmentTypeId)}</Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={a.status === "cancelled" ? "gray" : "teal"}>
                      {a.status}
                    </Badge>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Paper>
  );
}

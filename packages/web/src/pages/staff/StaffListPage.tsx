import {
  Anchor,
  Badge,
  Button,
  EmptyState,
  Group,
  Modal,
  SegmentedControl,
  Table,
  TextInput,
} from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import type { StaffKind, StaffView as StaffMember } from "@salus/server/directory/schemas";
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate } from "react-router-dom";
import { staff } from "../../api/endpoints.ts";
import { can, P } from "../../auth/permissions.ts";
import { useCurrentSession } from "../../auth/session.ts";
import { notifySuccess } from "../../components/notify.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { Paging } from "../../components/Paging.tsx";
import { LoadError, Loading } from "../../components/QueryState.tsx";
import { ActiveBadge } from "../../components/StatusBadge.tsx";
import { useListParams } from "../../components/useListParams.ts";
import { expiryStatus, personName } from "../../lib/format.ts";
import { StaffForm } from "./StaffForm.tsx";

const PAGE_SIZE = 25;

function LicenseSummary({ member }: { member: StaffMember }) {
  const statuses = (member.licenses ?? []).map((license) => expiryStatus(license.expiresOn));
  const expired = statuses.filter((s) => s === "expired").length;
  const expiring = statuses.filter((s) => s === "expiring").length;
  if (expired)
    return <Badge color="red">{expired === 1 ? "Licence expired" : `${expired} licences expired`}</Badge>;
  if (expiring)
    return (
      <Badge color="yellow" variant="light">
        Licence expiring
      </Badge>
    );
  return null;
}

export function StaffListPage() {
  const session = useCurrentSession();
  const canWrite = can(session.permissions, P.staffWrite);
  const list = useListParams(PAGE_SIZE, ["kind"]);
  const kind = (list.extras.kind || "") as StaffKind | "";
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [creating, { open, close }] = useDisclosure(false);

  const query = useQuery({
    queryKey: ["staff", { q: list.q, kind, offset: list.offset }],
    queryFn: ({ signal }) =>
      staff.list({ q: list.q, kind: kind || undefined, limit: PAGE_SIZE, offset: list.offset }, signal),
    placeholderData: keepPreviousData,
  });

  return (
    <>
      <PageHeader
        title="Staff"
        description="Practitioners and non-clinical staff, with NPIs and licences."
        actions={canWrite ? <Button onClick={open}>New staff member</Button> : null}
      />
      <Group align="flex-end" mb="md" wrap="wrap">
        <TextInput
          label="Search staff"
          placeholder="Name, job title or NPI"
          type="search"
          value={list.input}
          onChange={(event) => list.setInput(event.currentTarget.value)}
          w={320}
        />
        <SegmentedControl
          aria-label="Kind"
          value={kind || "all"}
          onChange={(value) => list.setExtra("kind", value === "all" ? "" : value)}
          data={[
            { value: "all", label: "All" },
            { value: "practitioner", label: "Practitioners" },
            { value: "staff", label: "Staff" },
          ]}
        />
      </Group>
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <LoadError error={query.error} onRetry={() => void query.refetch()} />
      ) : query.data.items.length === 0 ? (
        <EmptyState
          py="xl"
          title={list.q || kind ? "Nobody matches" : "No staff yet"}
          description={list.q ? "Try another name." : undefined}
        />
      ) : (
        <>
          <Table.ScrollContainer minWidth={640}>
            <Table striped highlightOnHover verticalSpacing="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Name</Table.Th>
                  <Table.Th scope="col">Kind</Table.Th>
                  <Table.Th scope="col">Job title</Table.Th>
                  <Table.Th scope="col">NPI</Table.Th>
                  <Table.Th scope="col">Licences</Table.Th>
                  <Table.Th scope="col">Status</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {query.data.items.map((member) => (
                  <Table.Tr key={member.id}>
                    <Table.Td>
                      <Anchor component={Link} to={`/staff/${member.id}`} fw={500}>
                        {personName(member)}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>{member.kind === "practitioner" ? "Practitioner" : "Staff"}</Table.Td>
                    <Table.Td>{member.jobTitle}</Table.Td>
                    <Table.Td ff="monospace">{member.npi}</Table.Td>
                    <Table.Td>
                      <LicenseSummary member={member} />
                    </Table.Td>
                    <Table.Td>
                      <ActiveBadge active={member.active} />
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
            noun="people"
          />
        </>
      )}
      <Modal opened={creating} onClose={close} title="New staff member" size="lg">
        <StaffForm
          member={null}
          defaultKind={kind || "practitioner"}
          onCancel={close}
          onSubmit={async (body) => {
            const created = await staff.create(body);
            await queryClient.invalidateQueries({ queryKey: ["staff"] });
            notifySuccess(`${personName(created)} added.`);
            close();
            navigate(`/staff/${created.id}`);
          }}
        />
      </Modal>
    </>
  );
}

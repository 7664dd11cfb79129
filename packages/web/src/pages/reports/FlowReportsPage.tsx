import { Button, Group, SegmentedControl, SimpleGrid, Stack, Table, Text, TextInput } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { LoadError, Loading } from "../../components/QueryState.tsx";
import { todayIn } from "../../lib/zoned.ts";
import { type FlowReportRow, flowReportCsvUrl, type GroupBy, reports } from "./api.ts";
import { defaultRange, formatMin, formatRate } from "./logic.ts";
import { CHART, ChartCard, LocationSelect, ReportsNav, useActiveLocations } from "./shared.tsx";

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Waiting, cycle time, no-show and late rates and utilisation, per day or practitioner. */
export function FlowReportsPage() {
  const locs = useActiveLocations();
  const [locationId, setLocationId] = useState<string | null>(null);
  const location = locs.active.find((l) => l.id === locationId) ?? locs.active[0];
  if (locs.isPending) return <Loading label="Opening reports…" />;
  if (locs.isError) return <LoadError error={locs.error} onRetry={() => void locs.refetch()} />;
  return (
    <>
      <PageHeader
        title="Flow reports"
        description="How the days went: waiting, visit length, no-shows, lateness and use of time."
      />
      <ReportsNav />
      {location ? (
        <ReportView
          key={location.id}
          locationId={location.id}
          timeZone={location.timeZone}
          locationPicker={<LocationSelect all={locs.active} value={location.id} onChange={setLocationId} />}
        />
      ) : (
        <Text c="dimmed">Add a location first: reports are kept per location.</Text>
      )}
    </>
  );
}

function ReportView({
  locationId,
  timeZone,
  locationPicker,
}: {
  locationId: string;
  timeZone: string;
  locationPicker: ReactNode;
}) {
  const initial = defaultRange(todayIn(timeZone));
  const [from, setFrom] = useState(initial.from);
  const [to, setTo] = useState(initial.to);
  const [groupBy, setGroupBy] = useState<GroupBy>("day");
  const valid = DATE.test(from) && DATE.test(to) && from <= to;
  const q = { locationId, from, to, groupBy };
  const report = useQuery({
    queryKey: ["reports-flow", q],
    queryFn: ({ signal }) => reports.flow(q, signal),
    enabled: valid,
  });
  const rows = report.data?.rows ?? [];
  const chartRows = rows.map((r) => ({
    label: r.label,
    meanWait: r.meanWaitMinutes,
    p90Wait: r.p90WaitMinutes,
    meanCycle: r.meanCycleMinutes,
    noShow: pct(r.noShowRate),
    late: pct(r.lateRate),
    utilisation: pct(r.utilisation),
  }));
  const by = groupBy === "day" ? "per day" : "per practitioner";
  return (
    <Stack gap="md">
      <Group gap="sm" align="flex-end" wrap="wrap">
        {locationPicker}
        <TextInput
          type="date"
          label="From"
          value={from}
          onChange={(e) => setFrom(e.currentTarget.value)}
          w={160}
        />
        <TextInput type="date" label="To" value={to} onChange={(e) => setTo(e.currentTarget.value)} w={160} />
        <Stack gap={2}>
          <Text size="sm" fw={500} id="group-by-label">
            Group by
          </Text>
          <SegmentedControl
            aria-labelledby="group-by-label"
            value={groupBy}
            onChange={(v) => setGroupBy(v as GroupBy)}
            data={[
              { value: "day", label: "Day" },
              { value: "practitioner", label: "Practitioner" },
            ]}
          />
        </Stack>
        <Button
          component="a"
          href={valid ? flowReportCsvUrl(q) : undefined}
          download
          variant="default"
          disabled={!valid}
        >
          Download CSV
        </Button>
      </Group>
      {!valid ? <Text c="red">Choose a start date on or before the end date.</Text> : null}
      {report.isPending && valid ? <Loading label="Counting…" /> : null}
      {report.isError ? <LoadError error={report.error} onRetry={() => void report.refetch()} /> : null}
      {report.data && rows.length === 0 ? <Text c="dimmed">No visits in this range.</Text> : null}
      {rows.length > 0 ? (
        <>
          <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
            <ChartCard
              title={`Waiting time ${by}`}
              caption="Minutes from arrival to being with the practitioner."
            >
              <ResponsiveContainer width="100%" height="100%">
                <BarChart data={chartRows}>
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis dataKey="label" fontSize={11} />
                  <YAxis unit=" min" fontSize={11} />
                  <Tooltip />
                  <Legend />
                  <Bar dataKey="meanWait" name="Mean wait" fill={CHART.blue} />
                  <Bar dataKey="p90Wait" name="90th percentile" fill={CHART.orange} />
                </BarChart>
              </ResponsiveContainer>
            </ChartCard>
            <ChartCard title={`Cycle time ${by}`} caption="Minutes from arrival to check-out.">
              <ResponsiveContainer width="100%" height="100%">
                <BarChart data={chartRows}>
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis dataKey="label" fontSize={11} />
                  <YAxis unit=" min" fontSize={11} />
                  <Tooltip />
                  <Bar dataKey="meanCycle" name="Mean cycle time" fill={CHART.teal} />
                </BarChart>
              </ResponsiveContainer>
            </ChartCard>
            <ChartCard title={`No-show and late rates ${by}`} caption="Share of booked visits, in percent.">
              <ResponsiveContainer width="100%" height="100%">
                <BarChart data={chartRows}>
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis dataKey="label" fontSize={11} />
                  <YAxis unit="%" fontSize={11} />
                  <Tooltip />
                  <Legend />
                  <Bar dataKey="noShow" name="No-show rate" fill={CHART.red} />
                  <Bar dataKey="late" name="Late rate" fill={CHART.grape} />
                </BarChart>
              </ResponsiveContainer>
            </ChartCard>
            <ChartCard
              title={`Utilisation ${by}`}
              caption="Share of the practitioners' open time spent with patients, in percent."
            >
              <ResponsiveContainer width="100%" height="100%">
                <BarChart data={chartRows}>
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis dataKey="label" fontSize={11} />
                  <YAxis unit="%" domain={[0, 100]} fontSize={11} />
                  <Tooltip />
                  <Bar dataKey="utilisation" name="Utilisation" fill={CHART.gray} />
                </BarChart>
              </ResponsiveContainer>
            </ChartCard>
          </SimpleGrid>
          <ReportTable rows={rows} groupBy={groupBy} />
        </>
      ) : null}
    </Stack>
  );
}

function pct(rate: number | null): number | null {
  return rate === null ? null : Math.round(rate * 1000) / 10;
}

function ReportTable({ rows, groupBy }: { rows: FlowReportRow[]; groupBy: GroupBy }) {
  return (
    <Table.ScrollContainer minWidth={760}>
      <Table striped withTableBorder aria-label="Flow figures">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{groupBy === "day" ? "Day" : "Practitioner"}</Table.Th>
            <Table.Th ta="right">Visits</Table.Th>
            <Table.Th ta="right">Mean wait</Table.Th>
            <Table.Th ta="right">90th pct wait</Table.Th>
            <Table.Th ta="right">Mean cycle</Table.Th>
            <Table.Th ta="right">No-show rate</Table.Th>
            <Table.Th ta="right">Late rate</Table.Th>
            <Table.Th ta="right">Utilisation</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((r) => (
            <Table.Tr key={r.key}>
              <Table.Th scope="row" fw={500}>
                {r.label}
              </Table.Th>
              <Table.Td ta="right">{r.visits}</Table.Td>
              <Table.Td ta="right">{formatMin(r.meanWaitMinutes)}</Table.Td>
              <Table.Td ta="right">{formatMin(r.p90WaitMinutes)}</Table.Td>
              <Table.Td ta="right">{formatMin(r.meanCycleMinutes)}</Table.Td>
              <Table.Td ta="right">{formatRate(r.noShowRate)}</Table.Td>
              <Table.Td ta="right">{formatRate(r.lateRate)}</Table.Td>
              <Table.Td ta="right">{formatRate(r.utilisation)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

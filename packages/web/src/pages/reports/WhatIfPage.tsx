import { Alert, Button, Group, NumberInput, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { type FormEvent, type ReactNode, useState } from "react";
import {
  Bar,
  BarChart,
  CartesianGrid,
  ErrorBar,
  Legend,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { FormError } from "../../components/FormError.tsx";
import { PageHeader } from "../../components/PageHeader.tsx";
import { errorMessage, LoadError, Loading } from "../../components/QueryState.tsx";
import { todayIn } from "../../lib/zoned.ts";
import { reports, type WhatIfBackTest, type WhatIfResult } from "./api.ts";
import {
  backTestInWords,
  basisInWords,
  bestWhatIfRow,
  defaultRange,
  formatMin,
  formatWithCi,
  signedPercent,
  whatIfChartData,
  whatIfLabel,
} from "./logic.ts";
import { SimulatePanel } from "./SimulatePanel.tsx";
import { CHART, ChartCard, LocationSelect, ReportsNav, useActiveLocations } from "./shared.tsx";

/** The manager's what-if: how appointment rules and late-arrival policies compare on the practice's own days. */
export function WhatIfPage() {
  const locs = useActiveLocations();
  const [locationId, setLocationId] = useState<string | null>(null);
  const location = locs.active.find((l) => l.id === locationId) ?? locs.active[0];
  if (locs.isPending) return <Loading label="Opening what-if…" />;
  if (locs.isError) return <LoadError error={locs.error} onRetry={() => void locs.refetch()} />;
  return (
    <>
      <PageHeader
        title="What-if"
        description="Simulate the practice's own days under other appointment rules and late-arrival policies."
      />
      <ReportsNav />
      {location ? (
        <WhatIfForm
          key={location.id}
          locationId={location.id}
          timeZone={location.timeZone}
          picker={<LocationSelect all={locs.active} value={location.id} onChange={setLocationId} />}
        />
      ) : (
        <Text c="dimmed">Add a location first.</Text>
      )}
    </>
  );
}

function WhatIfForm({
  locationId,
  timeZone,
  picker,
}: {
  locationId: string;
  timeZone: string;
  picker: ReactNode;
}) {
  const initial = defaultRange(todayIn(timeZone));
  const [from, setFrom] = useState(initial.from);
  const [to, setTo] = useState(initial.to);
  const [runs, setRuns] = useState<number | string>(200);
  const [seed, setSeed] = useState<number | string>(1);
  const run = useMutation({
    mutationFn: () =>
      reports.whatIf({
        locationId,
        from,
        to,
        runs: runs === "" ? undefined : Number(runs),
        seed: seed === "" ? undefined : Number(seed),
      }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    run.mutate();
  };
  return (
    <Stack gap="md">
      <form onSubmit={submit} aria-label="What-if">
        <Group gap="sm" align="flex-end" wrap="wrap">
          {picker}
          <TextInput
            type="date"
            label="From"
            value={from}
            onChange={(e) => setFrom(e.currentTarget.value)}
            w={160}
            required
          />
          <TextInput
            type="date"
            label="To"
            value={to}
            onChange={(e) => setTo(e.currentTarget.value)}
            w={160}
            required
          />
          <NumberInput
            label="Runs"
            value={runs}
            onChange={setRuns}
            min={10}
            max={2000}
            allowDecimal={false}
            w={110}
          />
          <NumberInput label="Seed" value={seed} onChange={setSeed} min={0} allowDecimal={false} w={110} />
          <Button type="submit" loading={run.isPending}>
            Compare policies
          </Button>
        </Group>
      </form>
      <Text size="sm" maw={900}>
        How to read this: Salus replays the chosen days many times (the runs), each time drawing visit
        lengths, no-shows and punctuality from the practice's own history, under every combination of
        appointment rule, late-arrival policy and overbooking (extra patients booked where no-shows are
        likely). For each combination it reports the patients' mean and 90th-percentile wait, the
        practitioners' idle time and their overtime, in minutes per session. The bars show the averages; the
        thin line on each mean-wait bar is its 95% confidence interval. Every row uses the same simulated
        patients, so differences between rows come from the rules themselves; where two intervals do not
        overlap, the difference would hold on other draws too. The same seed gives the same figures, so a
        result can be checked again. Before trusting the rows, read the back-test: the chosen days are
        replayed as they went (booked times, who came and when, each visit's length) and the predicted mean
        wait is set beside the one the flow report measured, week by week.
      </Text>
      {run.isError ? <FormError message={errorMessage(run.error)} /> : null}
      {run.data ? <WhatIfResults result={run.data} /> : null}
      <SimulatePanel />
    </Stack>
  );
}

function WhatIfResults({ result }: { result: WhatIfResult }) {
  const data = whatIfChartData(result.rows);
  const best = bestWhatIfRow(result.rows);
  const basis = basisInWords(result.basis ?? {});

  return (
    <Stack gap="md">
      {basis ? (
        <Text size="sm" c="dimmed" data-testid="what-if-basis">
          {basis}
        </Text>
      ) : null}
      {result.backTest ? <BackTest backTest={result.backTest} /> : null}
      {best ? (
        <Text size="sm" data-testid="what-if-best">
          Least waiting: <b>{whatIfLabel(best)}</b>, {formatWithCi(best.meanWait, best.meanWaitCi)} mean wait,{" "}
          {formatMin(best.idle)} idle and {formatMin(best.overtime)} overtime.
        </Text>
      ) : null}
      <ChartCard
        title="Mean wait, idle time and overtime per rule and policy"
        caption="Minutes per session; the thin lines on the mean-wait bars are 95% confidence intervals."
        height={Math.max(280, 70 + data.length * 34)}
      >
        <ResponsiveContainer width="100%" height="100%">
          <BarChart
            data={data}
            layout="vertical"
            margin={{ top: 8, right: 24, bottom: 8, left: 8 }}
            barGap={1}
          >
            <CartesianGrid strokeDasharray="3 3" horizontal={false} />
            <XAxis type="number" unit=" min" fontSize={11} />
            <YAxis type="category" dataKey="label" width={250} fontSize={11} interval={0} />
            <Tooltip />
            <Legend verticalAlign="top" />
            <Bar dataKey="meanWait" name="Mean wait" fill={CHART.blue}>
              <ErrorBar dataKey="meanWaitError" width={4} stroke={CHART.gray} direction="x" />
            </Bar>
            <Bar dataKey="idle" name="Idle" fill={CHART.teal} />
            <Bar dataKey="overtime" name="Overtime" fill={CHART.orange} />
          </BarChart>
        </ResponsiveContainer>
      </ChartCard>
      <Table.ScrollContainer minWidth={760}>
        <Table striped withTableBorder aria-label="Policy comparison">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Appointment rule</Table.Th>
              <Table.Th>Late policy</Table.Th>
              <Table.Th>Overbooking</Table.Th>
              <Table.Th ta="right">Mean wait (95% CI)</Table.Th>
              <Table.Th ta="right">90th pct wait</Table.Th>
              <Table.Th ta="right">Idle</Table.Th>
              <Table.Th ta="right">Overtime</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {result.rows.map((row) => (
              <Table.Tr key={whatIfLabel(row)} fw={row === best ? 700 : undefined}>
                <Table.Td>{row.rule}</Table.Td>
                <Table.Td>{row.policy}</Table.Td>
                <Table.Td>{overbookWords(row.overbook)}</Table.Td>
                <Table.Td ta="right">{formatWithCi(row.meanWait, row.meanWaitCi)}</Table.Td>
                <Table.Td ta="right">{formatMin(row.p90Wait)}</Table.Td>
                <Table.Td ta="right">{formatMin(row.idle)}</Table.Td>
                <Table.Td ta="right">{formatMin(row.overtime)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}

/** Measured against predicted mean wait per recent week, with a warning when a week is off by more than 20%. */
function BackTest({ backTest }: { backTest: WhatIfBackTest }) {
  const words = backTestInWords(backTest);
  return (
    <Stack gap="xs" component="section" aria-labelledby="back-test-heading">
      <Title order={2} size="h5" id="back-test-heading">
        Back-test: does the basis reproduce the practice's waits?
      </Title>
      {words.warn ? (
        <Alert color="orange" title="The basis misses the measured wait" data-testid="back-test-summary">
          {words.text}
        </Alert>
      ) : (
        <Text size="sm" data-testid="back-test-summary">
          {words.text}
        </Text>
      )}
      <Table.ScrollContainer minWidth={560}>
        <Table striped withTableBorder aria-label="Back-test" verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Week</Table.Th>
              <Table.Th ta="right">Sessions</Table.Th>
              <Table.Th ta="right">Measured mean wait</Table.Th>
              <Table.Th ta="right">Predicted mean wait</Table.Th>
              <Table.Th ta="right">Error</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {backTest.periods.map((p) => {
              const off = p.relativeError !== null && Math.abs(p.relativeError) > backTest.tolerance;
              return (
                <Table.Tr key={p.from}>
                  <Table.Td>
                    {p.from} to {p.to}
                  </Table.Td>
                  <Table.Td ta="right">{p.sessions}</Table.Td>
                  <Table.Td ta="right">{formatMin(p.measuredMeanWait)}</Table.Td>
                  <Table.Td ta="right">{formatMin(p.predictedMeanWait)}</Table.Td>
                  <Table.Td ta="right" c={off ? "orange.8" : undefined} fw={off ? 700 : undefined}>
                    {signedPercent(p.relativeError)}
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}

function overbookWords(overbook: unknown): string {
  if (overbook === true) return "Yes";
  if (overbook === false || overbook === null || overbook === undefined || overbook === 0) return "No";
  if (typeof overbook === "number") return overbook === 1 ? "+1 patient" : `+${overbook} patients`;
  return String(overbook);
}

import {
  Button,
  Group,
  NumberInput,
  Paper,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { FormError } from "../../components/FormError.tsx";
import { errorMessage } from "../../components/QueryState.tsx";
import { reports, type SimulateResult } from "./api.ts";
import { formatMin, formatWithCi } from "./logic.ts";
import { CHART, ChartCard } from "./shared.tsx";

const RULES = [
  { value: "individual", label: "One patient per interval" },
  { value: "bailey-welch", label: "Bailey–Welch (two at the start)" },
  { value: "block:2", label: "Blocks of two" },
  { value: "block:3", label: "Blocks of three" },
];

/** Mean wait of each booked patient by appointment time, for the line chart (patients who never showed left out). */
export function waitCurve(result: Pick<SimulateResult, "waitByPatient" | "appointmentTimes">) {
  return result.appointmentTimes.flatMap((minute, i) => {
    const wait = result.waitByPatient[i];
    return wait === null || wait === undefined
      ? []
      : [{ minute, patient: i + 1, wait: Math.round(wait * 10) / 10 }];
  });
}

/**
 * A session of your own: the clinic simulator with the options of `salus simulate` (N patients, an interval,
 * a rule, a service-time distribution, a no-show probability).
 */
export function SimulatePanel() {
  const [patients, setPatients] = useState<number | string>(12);
  const [interval, setIntervalMinutes] = useState<number | string>(20);
  const [rule, setRule] = useState("individual");
  const [service, setService] = useState("lognormal:18:0.5");
  const [noShow, setNoShow] = useState<number | string>(0.1);
  const [runs, setRuns] = useState<number | string>(1000);
  const [seed, setSeed] = useState<number | string>(1);
  const run = useMutation({
    mutationFn: () =>
      reports.simulate({
        patients: Number(patients),
        interval: Number(interval),
        rule,
        service: service.trim(),
        noShow: Number(noShow),
        runs: Number(runs),
        seed: Number(seed),
      }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    run.mutate();
  };
  const r = run.data;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="simulate-heading">
      <Stack gap="sm">
        <Title order={2} size="h4" id="simulate-heading">
          Try a session of your own
        </Title>
        <Text size="sm" c="dimmed">
          The same simulator as <code>salus simulate</code>: the session lasts patients × interval; service
          times are <code>exp:MEAN</code> or <code>lognormal:MEAN:CV</code> in minutes.
        </Text>
        <form onSubmit={submit} aria-label="Simulate a session">
          <Group gap="sm" align="flex-end" wrap="wrap">
            <NumberInput
              label="Patients"
              value={patients}
              onChange={setPatients}
              min={1}
              max={1000}
              allowDecimal={false}
              w={100}
            />
            <NumberInput
              label="Interval (min)"
              value={interval}
              onChange={setIntervalMinutes}
              min={1}
              max={480}
              w={120}
            />
            <Select
              label="Rule"
              data={RULES}
              value={rule}
              onChange={(v) => v && setRule(v)}
              allowDeselect={false}
              w={240}
            />
            <TextInput
              label="Service time"
              value={service}
              onChange={(e) => setService(e.currentTarget.value)}
              w={170}
            />
            <NumberInput
              label="No-show probability"
              value={noShow}
              onChange={setNoShow}
              min={0}
              max={1}
              step={0.05}
              decimalScale={2}
              w={150}
            />
            <NumberInput
              label="Runs"
              value={runs}
              onChange={setRuns}
              min={1}
              max={100_000}
              allowDecimal={false}
              w={110}
            />
            <NumberInput label="Seed" value={seed} onChange={setSeed} min={0} allowDecimal={false} w={100} />
            <Button type="submit" loading={run.isPending} variant="light">
              Simulate
            </Button>
          </Group>
        </form>
        {run.isError ? <FormError message={errorMessage(run.error)} /> : null}
        {r ? (
          <>
            <Table withTableBorder aria-label="Simulated session" maw={620}>
              <Table.Tbody>
                <Table.Tr>
                  <Table.Th scope="row">Mean wait</Table.Th>
                  <Table.Td>{formatWithCi(r.meanWait, r.ci95.meanWait)}</Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Th scope="row">90th percentile wait</Table.Th>
                  <Table.Td>{formatWithCi(r.p90Wait, r.ci95.p90Wait)}</Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Th scope="row">Practitioner idle</Table.Th>
                  <Table.Td>{formatWithCi(r.idle, r.ci95.idle)}</Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Th scope="row">Overtime</Table.Th>
                  <Table.Td>{formatWithCi(r.overtime, r.ci95.overtime)}</Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Th scope="row">Session</Table.Th>
                  <Table.Td>
                    {formatMin(r.sessionLength)}, {r.booked} booked, {r.shows.toFixed(1)} showed on average,{" "}
                    {r.runs.toLocaleString("en-US")} runs (seed {r.seed})
                  </Table.Td>
                </Table.Tr>
              </Table.Tbody>
            </Table>
            <ChartCard
              title="Mean wait by appointment time"
              caption="Minutes from the session start across; each patient's mean wait over the runs they came, up."
              height={240}
            >
              <ResponsiveContainer width="100%" height="100%">
                <LineChart data={waitCurve(r)} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis dataKey="minute" unit=" min" fontSize={11} />
                  <YAxis unit=" min" fontSize={11} />
                  <Tooltip />
                  <Line dataKey="wait" name="Mean wait" stroke={CHART.blue} />
                </LineChart>
              </ResponsiveContainer>
            </ChartCard>
          </>
        ) : null}
      </Stack>
    </Paper>
  );
}

import { Alert, Button, Group, Paper, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  ReferenceLine,
  ResponsiveContainer,
  Scatter,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { can, P } from "../../auth/permissions.ts";
import { useCurrentSession } from "../../auth/session.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { errorMessage, LoadError, Loading } from "../../components/QueryState.tsx";
import { formatDateTime } from "../../lib/format.ts";
import { type NoShowModel, reports } from "./api.ts";
import { brierInWords, reliabilityPoints, sortedWeights } from "./logic.ts";
import { CHART, ChartCard, ReportsNav } from "./shared.tsx";

const MODEL_KEY = ["no-show-model"] as const;

/** How well the no-show risk model is calibrated, what drives it, and (for managers) retraining it. */
export function NoShowRiskPage() {
  const session = useCurrentSession();
  const canRetrain = can(session.permissions, P.schedulingManage);
  const queryClient = useQueryClient();
  const model = useQuery({ queryKey: MODEL_KEY, queryFn: ({ signal }) => reports.noShowModel(signal) });
  const retrain = useMutation({
    mutationFn: () => reports.retrainNoShowModel(),
    onSuccess: async (fresh) => {
      if (fresh && typeof fresh === "object" && "reliability" in fresh)
        queryClient.setQueryData(MODEL_KEY, fresh);
      await queryClient.invalidateQueries({ queryKey: MODEL_KEY });
      notifications.show({
        color: "teal",
        title: "Model retrained",
        message: "The risk of upcoming visits is refreshed.",
      });
    },
  });
  return (
    <>
      <PageHeader
        title="No-show risk"
        description="Salus learns each visit's chance of a no-show from this practice's own history."
        actions={
          canRetrain ? (
            <Button onClick={() => retrain.mutate()} loading={retrain.isPending} variant="light">
              Retrain
            </Button>
          ) : null
        }
      />
      <ReportsNav />
      {retrain.isError ? (
        <Alert color="red" role="alert" mb="md">
          {errorMessage(retrain.error)}
        </Alert>
      ) : null}
      {model.isPending ? <Loading /> : null}
      {model.isError ? <LoadError error={model.error} onRetry={() => void model.refetch()} /> : null}
      {model.data ? <ModelView model={model.data} /> : null}
    </>
  );
}

function ModelView({ model }: { model: NoShowModel }) {
  const points = reliabilityPoints(model);
  const weights = sortedWeights(model.weights);
  return (
    <Stack gap="md">
      <Paper withBorder p="md">
        <Stack gap={4}>
          <Text size="sm">
            {model.trainedAt
              ? `Last trained ${formatDateTime(model.trainedAt)} on ${model.examples.toLocaleString("en-US")} past visits.`
              : "Not trained yet."}
          </Text>
          <Text size="sm" data-testid="brier-words">
            {brierInWords(model)}
          </Text>
        </Stack>
      </Paper>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        <ChartCard
          title="Calibration (reliability by decile)"
          caption="Each dot is a tenth of the visits, sorted by predicted risk: predicted no-show rate across, what happened up. Dots on the diagonal mean the predictions can be taken at face value; above it, the model under-predicts."
        >
          <ResponsiveContainer width="100%" height="100%">
            <ComposedChart data={points} margin={{ top: 8, right: 16, bottom: 16, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis
                type="number"
                dataKey="predicted"
                domain={[0, 100]}
                unit="%"
                fontSize={11}
                name="Predicted"
                label={{ value: "Predicted", position: "insideBottom", offset: -8, fontSize: 11 }}
              />
              <YAxis type="number" domain={[0, 100]} unit="%" fontSize={11} name="Observed" />
              <Tooltip />
              <Legend verticalAlign="top" />
              <ReferenceLine
                segment={[
                  { x: 0, y: 0 },
                  { x: 100, y: 100 },
                ]}
                stroke={CHART.gray}
                strokeDasharray="4 4"
                ifOverflow="extendDomain"
              />
              <Line dataKey="observed" name="Observed no-show rate" stroke={CHART.blue} dot={false} />
              <Scatter dataKey="observed" name="Decile" fill={CHART.orange} />
            </ComposedChart>
          </ResponsiveContainer>
        </ChartCard>
        <Paper withBorder p="md">
          <Title order={2} size="h5" mb="xs">
            What drives the risk
          </Title>
          <Text size="xs" c="dimmed" mb="xs">
            Positive weights raise the predicted risk, negative ones lower it; larger means stronger.
          </Text>
          <Table striped aria-label="Model weights">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Feature</Table.Th>
                <Table.Th ta="right">Weight</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {weights.map((w) => (
                <Table.Tr key={w.feature}>
                  <Table.Td>{w.feature}</Table.Td>
                  <Table.Td ta="right">
                    {w.weight > 0 ? "+" : ""}
                    {w.weight.toFixed(3)}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      </SimpleGrid>
      <Table striped withTableBorder aria-label="Reliability by decile">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Decile</Table.Th>
            <Table.Th ta="right">Visits</Table.Th>
            <Table.Th ta="right">Mean predicted</Table.Th>
            <Table.Th ta="right">Observed</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {points.map((p) => (
            <Table.Tr key={p.decile}>
              <Table.Td>{p.decile}</Table.Td>
              <Table.Td ta="right">{p.n}</Table.Td>
              <Table.Td ta="right">{p.predicted}%</Table.Td>
              <Table.Td ta="right">{p.observed}%</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Group />
    </Stack>
  );
}

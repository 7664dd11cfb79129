import { Button, Paper, Table, Text, Title } from "@mantine/core";
import { formatMoney } from "@salus/core/shared/money";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { formatRange } from "../../lib/zoned.ts";
import { type BoardQuery, flow, type OverbookingCosts, type OverbookingSuggestion } from "./api.ts";
import { percent } from "./logic.ts";

/** Dollars from integer cents for display (`125000` → `$1,250.00`), through the money module. */
export const money = formatMoney;

const FIRST = 5;

/** The minute values in words, as the suggestions weigh them. */
export function costsInWords(costs: OverbookingCosts): string {
  return `an idle practitioner minute ${money(costs.idleMinuteValueCents)}, a patient's waiting minute ${money(costs.waitMinuteCostCents)}, an overtime minute (into a break or past the end of the day) ${money(costs.overtimeMinuteCostCents)}`;
}

/** The recommended suggestions, best expected gain first (never one blocked by a break). */
export function topSuggestions(suggestions: readonly OverbookingSuggestion[]): OverbookingSuggestion[] {
  return suggestions
    .filter((s) => s.recommend && !s.blockedBy)
    .sort((a, b) => b.netGainCents - a.netGainCents || a.start.localeCompare(b.start));
}

/**
 * Where a second patient is worth booking today: the slots whose expected empty minutes (from no-show
 * risk) are worth more than the extra waiting and overtime a second patient would cause, never into a
 * break. The minute values it weighs are stated. Booking stays in the schedule.
 */
export function OverbookingPanel({
  q,
  dayVersion,
  timeZone,
  practitionerName,
}: {
  q: BoardQuery;
  dayVersion: string;
  timeZone: string;
  practitionerName: (id: string) => string;
}) {
  const suggestions = useQuery({
    // Keyed on the day's version: a change to the day asks again.
    queryKey: ["flow-overbooking", q.locationId, q.date, dayVersion],
    queryFn: ({ signal }) => flow.overbooking(q, signal),
  });
  const [all, setAll] = useState(false);
  const recommended = topSuggestions(suggestions.data?.suggestions ?? []);
  if (recommended.length === 0) return null;
  const shown = all ? recommended : recommended.slice(0, FIRST);
  return (
    <Paper withBorder p="sm" component="section" aria-labelledby="overbooking-heading">
      <Title order={2} size="h5" id="overbooking-heading">
        Worth overbooking
      </Title>
      <Text size="xs" c="dimmed" mb="xs" data-testid="overbooking-costs">
        These visits are likely enough to be missed that a second patient here is expected to gain more than
        the extra waiting and overtime cost; never into a break, whose time absorbs delay before it. Weighed
        with {suggestions.data?.costs ? costsInWords(suggestions.data.costs) : "the values"} (Flow settings).
        Book from the schedule.
      </Text>
      <Table.ScrollContainer minWidth={560}>
        <Table aria-label="Overbooking suggestions" verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Practitioner</Table.Th>
              <Table.Th>Time</Table.Th>
              <Table.Th ta="right">No-show risk</Table.Th>
              <Table.Th ta="right">Extra waiting</Table.Th>
              <Table.Th ta="right">Overtime</Table.Th>
              <Table.Th ta="right">Expected gain</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {shown.map((s) => (
              <Table.Tr key={`${s.practitionerId}-${s.start}`}>
                <Table.Td>{practitionerName(s.practitionerId)}</Table.Td>
                <Table.Td>{formatRange(s.start, s.end, timeZone)}</Table.Td>
                <Table.Td ta="right">{percent(s.noShowProbability)}</Table.Td>
                <Table.Td ta="right">{Math.round(s.expectedExtraWaitMinutes)} min</Table.Td>
                <Table.Td ta="right">{Math.round(s.expectedOvertimeMinutes)} min</Table.Td>
                <Table.Td ta="right">{money(s.netGainCents)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {recommended.length > FIRST ? (
        <Button variant="subtle" size="xs" onClick={() => setAll((v) => !v)}>
          {all ? "Show the best five" : `Show all ${recommended.length}`}
        </Button>
      ) : null}
    </Paper>
  );
}

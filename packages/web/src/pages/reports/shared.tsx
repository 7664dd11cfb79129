import { Button, Group, Paper, Select, Stack, Text, Title } from "@mantine/core";
import type { LocationView as Location } from "@salus/server/directory/schemas";
import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { Link, useLocation } from "react-router-dom";
import { locations } from "../../api/endpoints.ts";

/** Chart colours (Mantine's palette, dark enough for contrast on white). */
export const CHART = {
  blue: "#1c7ed6",
  teal: "#0c8599",
  orange: "#e8590c",
  grape: "#9c36b5",
  gray: "#495057",
  red: "#e03131",
} as const;

const TABS = [
  { to: "/reports/flow", label: "Flow" },
  { to: "/reports/no-show-risk", label: "No-show risk" },
  { to: "/reports/what-if", label: "What-if" },
];

/** Links between the three reports pages. */
export function ReportsNav() {
  const here = useLocation().pathname;
  return (
    <Group gap={4} mb="md" component="nav" aria-label="Reports">
      {TABS.map((tab) => (
        <Button
          key={tab.to}
          component={Link}
          to={tab.to}
          size="xs"
          variant={here === tab.to ? "filled" : "default"}
          aria-current={here === tab.to ? "page" : undefined}
        >
          {tab.label}
        </Button>
      ))}
    </Group>
  );
}

/** A titled chart with a caption; the chart itself is decorative for screen readers, the table beside it is not. */
export function ChartCard({
  title,
  caption,
  height = 280,
  children,
}: {
  title: string;
  caption?: ReactNode;
  height?: number;
  children: ReactNode;
}) {
  return (
    <Paper withBorder p="md" component="figure" m={0}>
      <Stack gap="xs">
        <Title order={2} size="h5">
          {title}
        </Title>
        <div aria-hidden="true" style={{ width: "100%", height }}>
          {children}
        </div>
        {caption ? (
          <Text size="xs" c="dimmed" component="figcaption">
            {caption}
          </Text>
        ) : null}
      </Stack>
    </Paper>
  );
}

/** The organization's active locations, for the location picker of a report. */
export function useActiveLocations() {
  const locs = useQuery({
    queryKey: ["locations", { limit: 200 }],
    queryFn: ({ signal }) => locations.list({ limit: 200 }, signal),
  });
  return { ...locs, active: (locs.data?.items ?? []).filter((l) => l.active) };
}

export function LocationSelect({
  all,
  value,
  onChange,
}: {
  all: Location[];
  value: string;
  onChange: (id: string) => void;
}) {
  return (
    <Select
      label="Location"
      data={all.map((l) => ({ value: l.id, label: l.name }))}
      value={value}
      onChange={(v) => v && onChange(v)}
      allowDeselect={false}
      w={220}
    />
  );
}

import { Stack, Text } from "@mantine/core";
import type { ReactNode } from "react";

/** A label and value pair for read-only details. */
export function Field({ label, children }: { label: string; children: ReactNode }) {
  const empty = children === null || children === undefined || children === "";
  return (
    <Stack gap={0}>
      <Text size="xs" c="dimmed" fw={600} tt="uppercase" component="dt">
        {label}
      </Text>
      <Text size="sm" component="dd" m={0} c={empty ? "dimmed" : undefined}>
        {empty ? "—" : children}
      </Text>
    </Stack>
  );
}

import { Badge } from "@mantine/core";

export function ActiveBadge({
  active,
  inactiveLabel = "Inactive",
}: {
  active: boolean;
  inactiveLabel?: string;
}) {
  return active ? (
    <Badge color="teal" variant="light">
      Active
    </Badge>
  ) : (
    <Badge color="gray" variant="light">
      {inactiveLabel}
    </Badge>
  );
}

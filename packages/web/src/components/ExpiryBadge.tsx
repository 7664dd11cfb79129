import { Badge } from "@mantine/core";
import { daysUntil, expiryStatus } from "../lib/format.ts";

/** Shows "Expired" or "Expires in N days" (within 60 days); nothing for a licence that is fine. */
export function ExpiryBadge({ expiresOn, today }: { expiresOn: string | null | undefined; today?: string }) {
  const status = expiryStatus(expiresOn, today);
  if (status === "expired") {
    return (
      <Badge color="red" variant="filled">
        Expired
      </Badge>
    );
  }
  if (status === "expiring" && expiresOn) {
    const days = daysUntil(expiresOn, today) ?? 0;
    return (
      <Badge color="yellow" variant="light">
        {days === 0 ? "Expires today" : `Expires in ${days} day${days === 1 ? "" : "s"}`}
      </Badge>
    );
  }
  return null;
}

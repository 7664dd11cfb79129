import { Anchor, Button, Group, Stack, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { can, P } from "../../../auth/permissions.ts";
import { useCurrentSession } from "../../../auth/session.ts";
import { FormError } from "../../../components/FormError.tsx";
import { PageHeader } from "../../../components/PageHeader.tsx";
import { type ReviewAction, ReviewQueue } from "../../../components/ReviewQueue.tsx";
import { useSubmit } from "../../../components/useSubmit.ts";
import { urlParam, useUrlState } from "../../../components/useUrlState.ts";
import { formatDate, formatDateTime } from "../../../lib/format.ts";
import { batches, batchKeys, type RejectionView } from "./api.ts";

const URL_STATE = { status: urlParam.oneOf(["open", "resolved"] as const, "open") };

function ResolveForm({ item, close }: { item: RejectionView; close: () => void }) {
  const resolve = useSubmit({
    action: () => batches.resolve(item.id),
    invalidate: [["billing", "rejections"]],
    success: "Taken off the worklist.",
    onSuccess: close,
  });
  return (
    <Stack>
      <Text>
        Take claim {item.patientControlNumber ?? "(unknown)"} off the worklist? Do this once the claim is
        corrected and scrubbed again, or written off.
      </Text>
      <FormError message={resolve.errors.form} />
      <Group justify="flex-end">
        <Button variant="default" onClick={close}>
          Cancel
        </Button>
        <Button onClick={() => resolve.run(undefined)} loading={resolve.pending}>
          Resolve
        </Button>
      </Group>
    </Stack>
  );
}

/**
 * The rejection worklist: each claim a 999 or 277CA rejected, with the reason in words, oldest first.
 * The biller fixes the claim (its page), scrubs it again, and takes the rejection off the list.
 */
export function RejectionsPage() {
  const session = useCurrentSession();
  const mayWrite = can(session.permissions, P.billingWrite);
  const [{ status: filter }, setUrl] = useUrlState(URL_STATE);
  const query = useQuery({
    queryKey: batchKeys.rejections(filter),
    queryFn: ({ signal }) => batches.rejections(filter, signal),
  });
  const actions: ReviewAction<RejectionView>[] = mayWrite
    ? [
        {
          label: "Resolve",
          title: "Resolve the rejection",
          form: (item, close) => <ResolveForm item={item} close={close} />,
        },
      ]
    : [];
  return (
    <>
      <PageHeader
        title="Rejections"
        description="Claims the clearinghouse or a payer rejected, with what to fix. Correct the claim, scrub it again, then resolve."
      />
      <ReviewQueue<RejectionView>
        label="Rejected claims"
        query={query}
        itemKey={(r) => r.id}
        itemName={(r) => r.patientControlNumber ?? r.id}
        columns={[
          {
            header: "Claim",
            cell: (r) =>
              r.claimId ? (
                <Anchor component={Link} to={`/billing/claims/${encodeURIComponent(r.claimId)}`}>
                  {r.patientControlNumber ?? "claim"}
                </Anchor>
              ) : (
                "—"
              ),
          },
          { header: "Patient", cell: (r) => r.patientName ?? "—" },
          { header: "Payer", cell: (r) => r.payerName ?? "—" },
          { header: "Date of service", cell: (r) => formatDate(r.dateOfService) },
          {
            header: "From",
            cell: (r) => `${r.acknowledgementKind ?? ""} ${formatDateTime(r.createdAt)}`.trim(),
          },
          { header: "Reason", cell: (r) => r.reason, maw: 420 },
        ]}
        awaiting={(r) => r.status === "open"}
        actions={actions}
        outcome={(r) => `Resolved ${formatDateTime(r.resolvedAt)}`}
        decisionHeader={filter === "open" ? "Action" : "Outcome"}
        filters={[
          {
            label: "Status",
            value: filter,
            options: [
              { value: "open", label: "Open" },
              { value: "resolved", label: "Resolved" },
            ],
            onChange: (value) => setUrl({ status: value === "resolved" ? "resolved" : "open" }),
          },
        ]}
        empty={filter === "open" ? "No open rejection. Nothing waits here." : "No resolved rejection yet."}
        noun={["rejection", "rejections"]}
        minWidth={900}
      />
    </>
  );
}

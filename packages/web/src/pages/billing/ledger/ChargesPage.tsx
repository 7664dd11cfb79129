import {
  Anchor,
  Badge,
  Button,
  Checkbox,
  Group,
  Modal,
  SegmentedControl,
  Stack,
  Table,
  Text,
  TextInput,
} from "@mantine/core";
import { formatMoney } from "@salus/core/shared/money";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { can, P } from "../../../auth/permissions.ts";
import { useCurrentSession } from "../../../auth/session.ts";
import { FormError } from "../../../components/FormError.tsx";
import { PageHeader } from "../../../components/PageHeader.tsx";
import { LoadError, Loading } from "../../../components/QueryState.tsx";
import { useSubmit } from "../../../components/useSubmit.ts";
import { formatDate } from "../../../lib/format.ts";
import { CHARGE_STATUS, type ChargeView, ledger, ledgerKeys } from "./api.ts";

const STATUSES = ["review", "held", "approved", "claimed", "void"] as const;

/** What the charge says about its codes: "99214-25 ×1 → 1,2 (E11.65, I10)". */
function codes(c: ChargeView): string {
  const mods = c.modifiers.length ? `-${c.modifiers.join("-")}` : "";
  const dx = c.diagnosisPointers.map((p) => c.diagnosisCodes[p - 1] ?? `#${p}?`).join(", ");
  return `${c.procedureCode}${mods} ×${c.units}${dx ? ` (${dx})` : ""}`;
}

function EditCharge({ charge, onClose }: { charge: ChargeView; onClose: () => void }) {
  const [price, setPrice] = useState((charge.unitPriceCents / 100).toFixed(2));
  const [pointers, setPointers] = useState(charge.diagnosisPointers.join(","));
  const [modifiers, setModifiers] = useState(charge.modifiers.join(","));
  const save = useSubmit({
    fields: ["unitPrice", "diagnosisPointers", "modifiers"],
    action: () =>
      ledger.editCharge(charge.id, {
        version: charge.version,
        unitPrice: price,
        ...(charge.source === "encounter"
          ? {
              diagnosisPointers: pointers
                .split(/[,\s]+/)
                .filter(Boolean)
                .map(Number),
              modifiers: modifiers
                .split(/[,\s]+/)
                .filter(Boolean)
                .map((m) => m.toUpperCase()),
            }
          : {}),
      }),
    invalidate: [ledgerKeys.all],
    success: "Charge saved.",
    onSuccess: onClose,
  });
  return (
    <Modal
      opened
      onClose={onClose}
      title={`Correct ${charge.procedureCode} for ${charge.patientName ?? ""}`}
      centered
    >
      <Stack>
        <FormError message={save.errors.form} />
        <TextInput
          label="Unit price"
          description="Dollars and cents, e.g. 125.00"
          value={price}
          onChange={(e) => setPrice(e.currentTarget.value)}
          error={save.errors.fields.unitPrice}
        />
        {charge.source === "encounter" ? (
          <>
            <TextInput
              label="Modifiers"
              description="Up to four, separated by commas"
              value={modifiers}
              onChange={(e) => setModifiers(e.currentTarget.value)}
              error={save.errors.fields.modifiers}
            />
            <TextInput
              label="Diagnosis pointers"
              description={`Positions in the visit's diagnoses: ${charge.diagnosisCodes.map((d, i) => `${i + 1} ${d}`).join(", ")}`}
              value={pointers}
              onChange={(e) => setPointers(e.currentTarget.value)}
              error={save.errors.fields.diagnosisPointers}
            />
          </>
        ) : null}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={() => save.run(undefined)} loading={save.pending}>
            Save
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/**
 * The charge review queue: charges captured from finished visits (and no-show fees), by status. The
 * biller approves (the charge posts to the ledger), holds with a note, voids, or corrects a charge, then
 * builds claims from the approved insurance charges.
 */
export function ChargesPage() {
  const session = useCurrentSession();
  const mayWrite = can(session.permissions, P.billingWrite);
  const [params, setParams] = useSearchParams();
  const status = params.get("status") ?? "review";
  const list = useQuery({
    queryKey: ledgerKeys.charges(status),
    queryFn: ({ signal }) => ledger.charges(status, signal),
  });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [editing, setEditing] = useState<ChargeView | null>(null);
  const [noteFor, setNoteFor] = useState<{ charge: ChargeView; decision: "hold" | "void" } | null>(null);
  const [note, setNote] = useState("");

  const capture = useSubmit({
    action: () => ledger.capture(),
    invalidate: [ledgerKeys.all],
    success: (r) =>
      `${r.captured} charge${r.captured === 1 ? "" : "s"} captured${r.unpriced ? ` (${r.unpriced} without a price)` : ""}; ${r.noShowFees} no-show fee${r.noShowFees === 1 ? "" : "s"} posted.`,
  });
  const approveMany = useSubmit({
    action: (ids: string[]) => ledger.approveMany(ids),
    invalidate: [ledgerKeys.all],
    success: (r) => `${r.approved} charge${r.approved === 1 ? "" : "s"} approved.`,
    onSuccess: () => setSelected(new Set()),
  });
  const decide = useSubmit({
    fields: ["note"],
    action: (input: { charge: ChargeView; decision: "approve" | "hold" | "void"; note?: string }) =>
      ledger.decide(input.charge.id, input.decision, {
        version: input.charge.version,
        ...(input.note ? { note: input.note } : {}),
      }),
    invalidate: [ledgerKeys.all],
    success: (c) =>
      `${c.procedureCode} for ${c.patientName ?? "the patient"}: ${CHARGE_STATUS[c.status].label.toLowerCase()}.`,
    onSuccess: () => {
      setNoteFor(null);
      setNote("");
    },
  });
  const build = useSubmit({
    action: () => ledger.buildClaims(),
    invalidate: [ledgerKeys.all],
    success: (r) =>
      `${r.created} claim${r.created === 1 ? "" : "s"} built${r.skipped.length ? `; ${r.skipped.length} charge(s) left out: ${r.skipped[0]!.reason}` : ""}.`,
  });

  const items = list.data?.items ?? [];
  const toggle = (id: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <>
      <PageHeader
        title="Charges"
        description="Procedures of finished visits become charges at the fee schedule's price; approve them to post them and to claim them."
        actions={
          mayWrite ? (
            <>
              <Button variant="default" onClick={() => capture.run(undefined)} loading={capture.pending}>
                Capture charges
              </Button>
              <Button onClick={() => build.run(undefined)} loading={build.pending}>
                Build claims
              </Button>
            </>
          ) : null
        }
      />
      <Stack>
        <SegmentedControl
          aria-label="Charge status"
          value={status}
          onChange={(v) => {
            setSelected(new Set());
            setParams({ status: v });
          }}
          data={STATUSES.map((s) => ({ value: s, label: CHARGE_STATUS[s].label }))}
        />
        <FormError
          message={capture.errors.form ?? build.errors.form ?? approveMany.errors.form ?? decide.errors.form}
        />
        {list.isPending ? (
          <Loading />
        ) : list.isError ? (
          <LoadError error={list.error} onRetry={() => list.refetch()} />
        ) : items.length === 0 ? (
          <Text c="dimmed">
            No charge is {CHARGE_STATUS[status as ChargeView["status"]]?.label.toLowerCase() ?? status}.
          </Text>
        ) : (
          <>
            <Group justify="space-between">
              <Text size="sm" data-testid="charges-summary">
                {list.data.total} charge{list.data.total === 1 ? "" : "s"},{" "}
                {formatMoney(list.data.totalAmountCents)}
              </Text>
              {mayWrite && (status === "review" || status === "held") ? (
                <Button
                  size="xs"
                  disabled={selected.size === 0}
                  loading={approveMany.pending}
                  onClick={() => approveMany.run([...selected])}
                >
                  Approve selected ({selected.size})
                </Button>
              ) : null}
            </Group>
            <Table.ScrollContainer minWidth={900}>
              <Table striped aria-label="Charges">
                <Table.Thead>
                  <Table.Tr>
                    {mayWrite ? (
                      <Table.Th>
                        <Checkbox
                          aria-label="Select all"
                          checked={selected.size === items.length}
                          onChange={() =>
                            setSelected(
                              selected.size === items.length ? new Set() : new Set(items.map((c) => c.id)),
                            )
                          }
                        />
                      </Table.Th>
                    ) : null}
                    <Table.Th>Date</Table.Th>
                    <Table.Th>Patient</Table.Th>
                    <Table.Th>Practitioner</Table.Th>
                    <Table.Th>Codes</Table.Th>
                    <Table.Th>Amount</Table.Th>
                    <Table.Th>Bill to</Table.Th>
                    <Table.Th>Note</Table.Th>
                    <Table.Th>Actions</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {items.map((c) => (
                    <Table.Tr key={c.id} data-testid={`charge-${c.procedureCode}`}>
                      {mayWrite ? (
                        <Table.Td>
                          <Checkbox
                            aria-label={`Select ${c.procedureCode} for ${c.patientName ?? ""}`}
                            checked={selected.has(c.id)}
                            onChange={() => toggle(c.id)}
                          />
                        </Table.Td>
                      ) : null}
                      <Table.Td>{formatDate(c.dateOfService)}</Table.Td>
                      <Table.Td>
                        <Anchor component={Link} to={`/billing/accounts/${c.patientId}`}>
                          {c.patientName}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>{c.renderingName}</Table.Td>
                      <Table.Td>{c.source === "no-show" ? "No-show fee" : codes(c)}</Table.Td>
                      <Table.Td>{formatMoney(c.amountCents)}</Table.Td>
                      <Table.Td>{c.responsibility === "insurance" ? "Insurance" : "Patient"}</Table.Td>
                      <Table.Td>
                        <Text size="xs">{c.reviewNote}</Text>
                        {c.claimId ? (
                          <Anchor component={Link} to={`/billing/claims/${c.claimId}`} size="xs">
                            Open claim
                          </Anchor>
                        ) : null}
                      </Table.Td>
                      <Table.Td>
                        {mayWrite ? (
                          <Group gap={4} wrap="nowrap">
                            {c.status === "review" || c.status === "held" ? (
                              <>
                                <Button
                                  size="compact-xs"
                                  onClick={() => decide.run({ charge: c, decision: "approve" })}
                                >
                                  Approve
                                </Button>
                                <Button size="compact-xs" variant="default" onClick={() => setEditing(c)}>
                                  Correct
                                </Button>
                              </>
                            ) : null}
                            {c.status === "review" ? (
                              <Button
                                size="compact-xs"
                                variant="default"
                                onClick={() => setNoteFor({ charge: c, decision: "hold" })}
                              >
                                Hold
                              </Button>
                            ) : null}
                            {c.status === "review" || c.status === "held" || c.status === "approved" ? (
                              <Button
                                size="compact-xs"
                                variant="subtle"
                                color="red"
                                onClick={() => setNoteFor({ charge: c, decision: "void" })}
                              >
                                Void
                              </Button>
                            ) : null}
                          </Group>
                        ) : (
                          <Badge color={CHARGE_STATUS[c.status].color} variant="light">
                            {CHARGE_STATUS[c.status].label}
                          </Badge>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </>
        )}
      </Stack>
      {editing ? <EditCharge charge={editing} onClose={() => setEditing(null)} /> : null}
      <Modal
        opened={noteFor !== null}
        onClose={() => setNoteFor(null)}
        title={noteFor?.decision === "hold" ? "Hold the charge" : "Void the charge"}
        centered
      >
        <Stack>
          <TextInput
            label={noteFor?.decision === "hold" ? "Why is it held?" : "Why is it voided?"}
            value={note}
            onChange={(e) => setNote(e.currentTarget.value)}
            error={decide.errors.fields.note}
            data-autofocus
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setNoteFor(null)}>
              Cancel
            </Button>
            <Button
              color={noteFor?.decision === "void" ? "red" : undefined}
              loading={decide.pending}
              onClick={() =>
                noteFor && decide.run({ charge: noteFor.charge, decision: noteFor.decision, note })
              }
            >
              {noteFor?.decision === "hold" ? "Hold" : "Void"}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

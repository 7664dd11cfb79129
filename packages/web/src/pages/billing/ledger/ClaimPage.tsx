import {
  Alert,
  Anchor,
  Button,
  Group,
  List,
  Modal,
  Paper,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { formatMoney } from "@salus/core/shared/money";
import { useQuery } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { can, P } from "../../../auth/permissions.ts";
import { useCurrentSession } from "../../../auth/session.ts";
import { FormError } from "../../../components/FormError.tsx";
import { PageHeader } from "../../../components/PageHeader.tsx";
import { LoadError, Loading } from "../../../components/QueryState.tsx";
import { useSubmit } from "../../../components/useSubmit.ts";
import { formatDate, formatDateTime } from "../../../lib/format.ts";
import { scrubber } from "../scrubber/api.ts";
import { type ClaimView, ledger, ledgerKeys } from "./api.ts";
import { ClaimStatusBadge } from "./ClaimsPage.tsx";

type Finding = ClaimView["findings"][number];

/** Which part of the page a finding's path points at: a line (0-based index in the path) or a field group. */
function placeOf(path: string): string {
  const line = /^lines\[(\d+)\]/.exec(path);
  if (line) return `line:${Number(line[1]) + 1}`;
  const head = path.split(/[.[]/)[0] ?? "";
  if (head === "diagnosisCodes") return "diagnoses";
  if (head === "placeOfService") return "pos";
  if (head === "subscriber" || head === "coverage" || head === "payer") return "payer";
  if (head === "renderingProvider") return "rendering";
  if (head === "patient") return "patient";
  return "claim";
}

function Findings({ findings }: { findings: Finding[] }) {
  if (findings.length === 0) return null;
  return (
    <List size="sm" spacing={2} mt={4}>
      {findings.map((f) => (
        <List.Item key={`${f.ruleId}:${f.path}`} c={f.severity === "error" ? "red.8" : "yellow.9"}>
          <Text span size="sm" fw={600}>
            {f.severity === "error" ? "Error" : "Warning"}:
          </Text>{" "}
          {f.message}{" "}
          <Text span size="xs" c="dimmed">
            ({f.ruleId})
          </Text>
        </List.Item>
      ))}
    </List>
  );
}

function Field({ label, children, findings }: { label: string; children: ReactNode; findings?: Finding[] }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text component="div">{children}</Text>
      <Findings findings={findings ?? []} />
    </div>
  );
}

function EditClaim({ claim, onClose }: { claim: ClaimView; onClose: () => void }) {
  const [diagnoses, setDiagnoses] = useState(claim.diagnosisCodes.join(", "));
  const [pos, setPos] = useState(claim.placeOfService);
  const [lines, setLines] = useState(
    claim.lines.map((l) => ({
      lineNumber: l.lineNumber,
      pointers: l.diagnosisPointers.join(","),
      modifiers: l.modifiers.join(","),
    })),
  );
  const split = (s: string) => s.split(/[,\s]+/).filter(Boolean);
  const save = useSubmit({
    fields: ["diagnosisCodes", "placeOfService"],
    action: () =>
      ledger.editClaim(claim.id, {
        version: claim.version,
        diagnosisCodes: split(diagnoses),
        placeOfService: pos,
        lines: lines.map((l) => ({
          lineNumber: l.lineNumber,
          diagnosisPointers: split(l.pointers).map(Number),
          modifiers: split(l.modifiers).map((m) => m.toUpperCase()),
        })),
      }),
    invalidate: [ledgerKeys.all],
    success: "Claim saved. Scrub it again before sending.",
    onSuccess: onClose,
  });
  return (
    <Modal opened onClose={onClose} title={`Fix claim ${claim.patientControlNumber}`} size="lg" centered>
      <Stack>
        <FormError message={save.errors.form} />
        <TextInput
          label="Diagnosis codes (ICD-10-CM, in order)"
          value={diagnoses}
          onChange={(e) => setDiagnoses(e.currentTarget.value)}
          error={save.errors.fields.diagnosisCodes}
        />
        <TextInput
          label="Place of service"
          value={pos}
          onChange={(e) => setPos(e.currentTarget.value)}
          error={save.errors.fields.placeOfService}
        />
        {lines.map((l, i) => (
          <Group key={l.lineNumber} grow>
            <TextInput
              label={`Line ${l.lineNumber} diagnosis pointers`}
              value={l.pointers}
              onChange={(e) => {
                const value = e.currentTarget.value;
                setLines((xs) => xs.map((x, k) => (k === i ? { ...x, pointers: value } : x)));
              }}
            />
            <TextInput
              label={`Line ${l.lineNumber} modifiers`}
              value={l.modifiers}
              onChange={(e) => {
                const value = e.currentTarget.value;
                setLines((xs) => xs.map((x, k) => (k === i ? { ...x, modifiers: value } : x)));
              }}
            />
          </Group>
        ))}
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
 * One claim: its fields and lines with the scrubber's findings beside the field each points at, a fix
 * and "Scrub again" loop while it is unsent, corrections (replacement, void) once sent, the secondary
 * claim after the primary paid, and the history of every status change.
 */
export function ClaimPage() {
  const { id = "" } = useParams();
  const navigate = useNavigate();
  const session = useCurrentSession();
  const mayWrite = can(session.permissions, P.billingWrite);
  const claim = useQuery({
    queryKey: ledgerKeys.claim(id),
    queryFn: ({ signal }) => ledger.claim(id, signal),
  });
  const [editing, setEditing] = useState(false);
  const [asking, setAsking] = useState<"replace" | "void" | "close" | null>(null);
  const [reason, setReason] = useState("");
  const scrub = useSubmit({
    action: (c: ClaimView) => scrubber.scrubClaim(c.id, c.version),
    invalidate: [ledgerKeys.all],
    success: (r) =>
      r.clean
        ? "No error found: the claim is ready to send."
        : `${r.errors} error${r.errors === 1 ? "" : "s"} to fix.`,
  });
  const correct = useSubmit({
    fields: ["reason"],
    action: (input: { c: ClaimView; what: "replace" | "void" | "close" }) =>
      ledger.correct(input.c.id, input.what, { version: input.c.version, reason }),
    invalidate: [ledgerKeys.all],
    success: (r) => (r.id === id ? "Claim closed." : `Claim ${r.patientControlNumber} made.`),
    onSuccess: (r) => {
      setAsking(null);
      setReason("");
      if (r.id !== id) navigate(`/billing/claims/${r.id}`);
    },
  });
  const secondary = useSubmit({
    action: (c: ClaimView) => ledger.secondary(c.id),
    invalidate: [ledgerKeys.all],
    success: (r) => `Secondary claim ${r.patientControlNumber} prepared.`,
    onSuccess: (r) => navigate(`/billing/claims/${r.id}`),
  });

  if (claim.isPending) return <Loading />;
  if (claim.isError) return <LoadError error={claim.error} onRetry={() => claim.refetch()} />;
  const c = claim.data;
  const at = (place: string) => c.findings.filter((f) => placeOf(f.path) === place);
  const errors = c.findings.filter((f) => f.severity === "error").length;
  const unsent = c.actions.includes("edit");

  return (
    <>
      <PageHeader
        title={
          <Group gap="sm">
            <span>Claim {c.patientControlNumber}</span>
            <ClaimStatusBadge status={c.status} />
          </Group>
        }
        description={`${c.frequencyCode === "7" ? "Replacement" : c.frequencyCode === "8" ? "Void" : "Original"} ${c.sequence} claim to ${c.payerName}, ${formatMoney(c.totalChargeCents)}; ${formatMoney(c.balanceCents)} still owed on it.`}
        actions={
          mayWrite ? (
            <>
              {unsent ? (
                <>
                  <Button variant="default" onClick={() => setEditing(true)}>
                    Fix claim
                  </Button>
                  <Button onClick={() => scrub.run(c)} loading={scrub.pending}>
                    Scrub again
                  </Button>
                </>
              ) : null}
              {c.actions.includes("replace") ? (
                <Button variant="default" onClick={() => setAsking("replace")}>
                  Replace
                </Button>
              ) : null}
              {c.actions.includes("void") ? (
                <Button variant="default" color="red" onClick={() => setAsking("void")}>
                  Void
                </Button>
              ) : null}
              {c.actions.includes("secondary") ? (
                <Button onClick={() => secondary.run(c)} loading={secondary.pending}>
                  Prepare secondary claim
                </Button>
              ) : null}
              {c.actions.includes("close") ? (
                <Button variant="subtle" onClick={() => setAsking("close")}>
                  Close
                </Button>
              ) : null}
            </>
          ) : null
        }
      />
      <Stack gap="lg">
        <FormError message={scrub.errors.form ?? secondary.errors.form} />
        {c.scrubbedAt ? (
          <Alert
            color={errors > 0 ? "red" : "teal"}
            title={
              errors > 0
                ? `The scrubber found ${errors} error${errors === 1 ? "" : "s"}`
                : "The last scrub found no error"
            }
          >
            Scrubbed {formatDateTime(c.scrubbedAt)} ({c.scrubCount} time{c.scrubCount === 1 ? "" : "s"}). Each
            finding is shown beside the field it is about.
            <Findings findings={at("claim")} />
          </Alert>
        ) : unsent ? (
          <Alert color="gray" title="Not scrubbed yet">
            Scrub the claim to check it for what payers deny before it can be sent.
          </Alert>
        ) : null}
        <Paper withBorder p="lg">
          <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }}>
            <Field label="Patient" findings={at("patient")}>
              <Anchor component={Link} to={`/billing/accounts/${c.patientId}`}>
                {c.patientName}
              </Anchor>{" "}
              <Text span size="sm" c="dimmed">
                born {formatDate(c.patientBirthDate)}, {c.patientSex}
              </Text>
            </Field>
            <Field label="Payer and member id" findings={at("payer")}>
              {c.payerName} {c.payerId ? `(${c.payerId})` : ""} · {c.memberId ?? "no member id"}
            </Field>
            <Field label="Rendering practitioner" findings={at("rendering")}>
              {c.renderingName ?? "—"} · NPI {c.renderingNpi ?? "missing"}
            </Field>
            <Field label="Date of service">{formatDate(c.dateOfService)}</Field>
            <Field label="Place of service" findings={at("pos")}>
              {c.placeOfService}
            </Field>
            <Field label="Diagnoses" findings={at("diagnoses")}>
              {c.diagnosisCodes.map((d, i) => `${i + 1}. ${d}`).join("  ")}
            </Field>
          </SimpleGrid>
        </Paper>
        <Paper withBorder p="lg">
          <Title order={2} size="h4">
            Lines
          </Title>
          <Table mt="sm" aria-label="Claim lines">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>#</Table.Th>
                <Table.Th>Procedure</Table.Th>
                <Table.Th>Units</Table.Th>
                <Table.Th>Pointers</Table.Th>
                <Table.Th>Charge</Table.Th>
                <Table.Th>Still owed</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {c.lines.map((l) => (
                <Table.Tr key={l.lineNumber} data-testid={`claim-line-${l.lineNumber}`}>
                  <Table.Td>{l.lineNumber}</Table.Td>
                  <Table.Td>
                    {l.procedureCode}
                    {l.modifiers.length ? `-${l.modifiers.join("-")}` : ""}
                    <Findings findings={at(`line:${l.lineNumber}`)} />
                  </Table.Td>
                  <Table.Td>{l.units}</Table.Td>
                  <Table.Td>{l.diagnosisPointers.join(", ")}</Table.Td>
                  <Table.Td>{formatMoney(l.chargeCents)}</Table.Td>
                  <Table.Td>{formatMoney(l.balanceCents)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
        {c.related.length > 0 ? (
          <Paper withBorder p="lg">
            <Title order={2} size="h4">
              Related claims
            </Title>
            <List mt="xs">
              {c.related.map((r) => (
                <List.Item key={r.id}>
                  {r.relation}{" "}
                  <Anchor component={Link} to={`/billing/claims/${r.id}`}>
                    {r.patientControlNumber}
                  </Anchor>{" "}
                  <ClaimStatusBadge status={r.status} />
                </List.Item>
              ))}
            </List>
          </Paper>
        ) : null}
        <Paper withBorder p="lg">
          <Title order={2} size="h4">
            History
          </Title>
          <Table mt="sm" aria-label="Status history">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>When</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Why</Table.Th>
                <Table.Th>By</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {c.history.map((h) => (
                <Table.Tr key={`${h.at}:${h.to}`}>
                  <Table.Td>{formatDateTime(h.at)}</Table.Td>
                  <Table.Td>
                    {h.from ? `${h.from} → ` : ""}
                    {h.to}
                  </Table.Td>
                  <Table.Td>{h.reason}</Table.Td>
                  <Table.Td>{h.source}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      </Stack>
      {editing ? <EditClaim claim={c} onClose={() => setEditing(false)} /> : null}
      <Modal
        opened={asking !== null}
        onClose={() => setAsking(null)}
        title={
          asking === "replace"
            ? "Replace this claim (frequency 7)"
            : asking === "void"
              ? "Void this claim (frequency 8)"
              : "Close this claim"
        }
        centered
      >
        <Stack>
          <FormError message={correct.errors.form} />
          <TextInput
            label="Reason"
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            error={correct.errors.fields.reason}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setAsking(null)}>
              Cancel
            </Button>
            <Button loading={correct.pending} onClick={() => asking && correct.run({ c, what: asking })}>
              {asking === "replace"
                ? "Make replacement"
                : asking === "void"
                  ? "Make void claim"
                  : "Close claim"}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

import {
  Badge,
  Button,
  Code,
  Group,
  Modal,
  NumberInput,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useMemo, useState } from "react";
import { can, P } from "../../../auth/permissions.ts";
import { useCurrentSession } from "../../../auth/session.ts";
import { FormError } from "../../../components/FormError.tsx";
import { notifySuccess } from "../../../components/notify.ts";
import { PageHeader } from "../../../components/PageHeader.tsx";
import { LoadError, Loading } from "../../../components/QueryState.tsx";
import { useServerErrors } from "../../../components/useServerErrors.ts";
import {
  type FirstPassReportView,
  type PayerChoice,
  type ScrubParam,
  type ScrubRule,
  type ScrubRuleSetting,
  scrubber,
} from "./api.ts";

const percent = (rate: number | null) => (rate === null ? "—" : `${Math.round(rate * 1000) / 10}%`);

/** A stored setting in words: "Lone Star Health: off", "Every payer: warning, pattern [A-Z]{3}\d+". */
export function settingSummary(s: ScrubRuleSetting): string {
  const who = s.payerRef === "" ? "Every payer" : (s.payerName ?? "A payer no longer listed");
  const parts = [s.enabled ? (s.severity ?? "on") : "off"];
  for (const [k, v] of Object.entries(s.params)) {
    parts.push(`${k} ${Array.isArray(v) ? v.join(", ") : String(v)}`);
  }
  return `${who}: ${parts.join(", ")}`;
}

function FirstPass({ report }: { report: FirstPassReportView }) {
  return (
    <Paper withBorder p="lg">
      <Title order={2} size="h4">
        First-pass rate
      </Title>
      <Text size="sm" c="dimmed">
        Claims clean the first time they were scrubbed, dates of service {report.from} to {report.to}.
      </Text>
      <SimpleGrid cols={{ base: 1, sm: 2 }} mt="md">
        <div>
          <Text size="xl" fw={700} data-testid="first-pass-rate">
            {percent(report.total.rate)}
          </Text>
          <Text size="sm">
            {report.total.clean} of {report.total.scrubbed} claims
          </Text>
          {report.byPayer.length ? (
            <Table mt="sm" aria-label="First-pass rate by payer">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Payer</Table.Th>
                  <Table.Th>Scrubbed</Table.Th>
                  <Table.Th>Clean first time</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {report.byPayer.map((p) => (
                  <Table.Tr key={p.payerRef}>
                    <Table.Td>{p.payerName}</Table.Td>
                    <Table.Td>{p.scrubbed}</Table.Td>
                    <Table.Td>{percent(p.rate)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          ) : null}
        </div>
        <div>
          <Text fw={600} size="sm">
            What stops the claims waiting to be fixed
          </Text>
          {report.openFindings.length ? (
            <Stack gap={4} mt="xs">
              {report.openFindings.map((f) => (
                <Text key={f.ruleId} size="sm">
                  {f.title} <Code>{f.ruleId}</Code>: {f.claims} claim{f.claims === 1 ? "" : "s"}
                </Text>
              ))}
            </Stack>
          ) : (
            <Text size="sm" c="dimmed" mt="xs">
              No claim is waiting with errors.
            </Text>
          )}
        </div>
      </SimpleGrid>
    </Paper>
  );
}

type ParamDraft = Record<string, string | number>;

function initialParams(rule: ScrubRule, setting: ScrubRuleSetting | undefined): ParamDraft {
  const out: ParamDraft = {};
  for (const p of rule.params) {
    const v = setting?.params[p.name];
    out[p.name] = v === undefined ? "" : Array.isArray(v) ? v.join("\n") : v;
  }
  return out;
}

function paramValue(p: ScrubParam, raw: string | number): number | string | string[] | null {
  if (raw === "" || raw === undefined) return null;
  if (p.kind === "integer") return typeof raw === "number" ? raw : Number(raw);
  if (p.kind === "code-list")
    return String(raw)
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter(Boolean);
  return String(raw);
}

function RuleForm({ rule, payers, onDone }: { rule: ScrubRule; payers: PayerChoice[]; onDone: () => void }) {
  const queryClient = useQueryClient();
  const [payerRef, setPayerRef] = useState("");
  const existing = rule.settings.find((s) => s.payerRef === payerRef);
  const [enabled, setEnabled] = useState(existing?.enabled ?? true);
  const [severity, setSeverity] = useState<string>(existing?.severity ?? "");
  const [params, setParams] = useState<ParamDraft>(() => initialParams(rule, existing));
  const [busy, setBusy] = useState(false);
  const errors = useServerErrors(["payerRef", "severity", ...rule.params.map((p) => `params.${p.name}`)]);

  const choose = (ref: string) => {
    setPayerRef(ref);
    const s = rule.settings.find((x) => x.payerRef === ref);
    setEnabled(s?.enabled ?? true);
    setSeverity(s?.severity ?? "");
    setParams(initialParams(rule, s));
    errors.clear();
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    errors.clear();
    setBusy(true);
    try {
      const body = {
        payerRef,
        enabled,
        severity: severity === "" ? null : (severity as "error" | "warning"),
        params: Object.fromEntries(rule.params.map((p) => [p.name, paramValue(p, params[p.name] ?? "")])),
      };
      const saved = await scrubber.setRule(rule.id, body);
      queryClient.setQueryData(["scrub-rules"], saved);
      notifySuccess(`${rule.title}: saved.`);
      onDone();
    } catch (error) {
      errors.set(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} aria-label={`Setting of ${rule.title}`}>
      <Stack>
        <FormError message={errors.form} />
        <Text size="sm">{rule.description}</Text>
        <Select
          label="For"
          data={[{ value: "", label: "Every payer" }, ...payers.map((p) => ({ value: p.id, label: p.name }))]}
          value={payerRef}
          onChange={(v) => choose(v ?? "")}
          allowDeselect={false}
          error={errors.fields.payerRef}
        />
        <Switch label="Rule is on" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} />
        <Select
          label="Severity"
          description="An error stops the claim; a warning lets it go."
          data={[
            { value: "", label: `As for every payer (default ${rule.defaultSeverity})` },
            { value: "error", label: "Error" },
            { value: "warning", label: "Warning" },
          ]}
          value={severity}
          onChange={(v) => setSeverity(v ?? "")}
          allowDeselect={false}
          error={errors.fields.severity}
        />
        {rule.params.map((p) => {
          const error = errors.fields[`params.${p.name}`];
          const value = params[p.name] ?? "";
          const set = (v: string | number) => {
            setParams((d) => ({ ...d, [p.name]: v }));
            errors.clearField(`params.${p.name}`);
          };
          const hint =
            p.default === undefined || (Array.isArray(p.default) && p.default.length === 0)
              ? "Empty: the default"
              : `Empty: ${Array.isArray(p.default) ? p.default.join(", ") : p.default}`;
          if (p.kind === "integer")
            return (
              <NumberInput
                key={p.name}
                label={p.label}
                description={hint}
                value={value}
                onChange={set}
                min={p.min ?? undefined}
                max={p.max ?? undefined}
                allowDecimal={false}
                error={error}
              />
            );
          if (p.kind === "code-list")
            return (
              <Textarea
                key={p.name}
                label={p.label}
                description="One per line (or separated by commas). Empty: not checked."
                value={String(value)}
                onChange={(e) => set(e.currentTarget.value)}
                autosize
                minRows={2}
                error={error}
              />
            );
          return (
            <TextInput
              key={p.name}
              label={p.label}
              description="A regular expression the whole value must match, e.g. [A-Z]{3}\d{9}."
              value={String(value)}
              onChange={(e) => set(e.currentTarget.value)}
              error={error}
            />
          );
        })}
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={busy}>
            Save
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function RulesTable({
  rules,
  payers,
  canManage,
}: {
  rules: ScrubRule[];
  payers: PayerChoice[];
  canManage: boolean;
}) {
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<ScrubRule | null>(null);
  const reset = async (rule: ScrubRule, s: ScrubRuleSetting) => {
    const saved = await scrubber.resetRule(rule.id, s.payerRef);
    queryClient.setQueryData(["scrub-rules"], saved);
    notifySuccess(
      `${rule.title}: ${s.payerRef === "" ? "practice-wide setting" : (s.payerName ?? "payer")} reset.`,
    );
  };
  return (
    <>
      <Table striped aria-label="Scrubber rules" verticalSpacing="sm">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Rule</Table.Th>
            <Table.Th>Default</Table.Th>
            <Table.Th>Settings</Table.Th>
            {canManage ? <Table.Th aria-label="Actions" /> : null}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rules.map((rule) => (
            <Table.Tr key={rule.id} data-rule={rule.id}>
              <Table.Td>
                <Text fw={600} size="sm">
                  {rule.title}
                </Text>
                <Code>{rule.id}</Code>
                <Text size="xs" c="dimmed" maw={520}>
                  {rule.description}
                </Text>
              </Table.Td>
              <Table.Td>
                <Badge color={rule.defaultSeverity === "error" ? "red" : "yellow"} variant="light">
                  {rule.defaultSeverity}
                </Badge>
              </Table.Td>
              <Table.Td>
                <Stack gap={4}>
                  {rule.settings.map((s) => (
                    <Group key={s.payerRef} gap="xs" wrap="nowrap">
                      <Text size="sm">{settingSummary(s)}</Text>
                      {canManage ? (
                        <Button
                          size="compact-xs"
                          variant="subtle"
                          onClick={() => void reset(rule, s)}
                          aria-label={`Reset ${rule.title} for ${s.payerRef === "" ? "every payer" : (s.payerName ?? "payer")}`}
                        >
                          Reset
                        </Button>
                      ) : null}
                    </Group>
                  ))}
                  {rule.settings.length === 0 ? (
                    <Text size="sm" c="dimmed">
                      Default
                    </Text>
                  ) : null}
                </Stack>
              </Table.Td>
              {canManage ? (
                <Table.Td>
                  <Button
                    size="xs"
                    variant="light"
                    onClick={() => setEditing(rule)}
                    aria-label={`Change ${rule.title}`}
                  >
                    Change
                  </Button>
                </Table.Td>
              ) : null}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Modal opened={editing !== null} onClose={() => setEditing(null)} title={editing?.title} size="lg">
        {editing ? <RuleForm rule={editing} payers={payers} onDone={() => setEditing(null)} /> : null}
      </Modal>
    </>
  );
}

/** Scrubs every draft claim and says how it went. */
function ScrubDrafts() {
  const queryClient = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await scrubber.scrubDrafts();
      setOutcome(
        r.scrubbed === 0
          ? "No draft claim was waiting."
          : `${r.scrubbed} draft claim${r.scrubbed === 1 ? "" : "s"} scrubbed: ${r.ready} ready to send, ${r.withErrors} with errors to fix.${r.more ? " More drafts wait: scrub again." : ""}`,
      );
      await queryClient.invalidateQueries({ queryKey: ["scrub-first-pass"] });
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Group>
      <Button onClick={() => void run()} loading={busy}>
        Scrub every draft claim
      </Button>
      {outcome ? (
        <Text size="sm" role="status">
          {outcome}
        </Text>
      ) : null}
      <FormError message={error} />
    </Group>
  );
}

/** The claim scrubber's rules, switched and tuned per payer, and the first-pass rate. */
export function ScrubberPage() {
  const session = useCurrentSession();
  const canManage = can(session.permissions, P.billingManage);
  const canScrub = can(session.permissions, P.billingWrite);
  const rules = useQuery({ queryKey: ["scrub-rules"], queryFn: ({ signal }) => scrubber.rules(signal) });
  const report = useQuery({
    queryKey: ["scrub-first-pass"],
    queryFn: ({ signal }) => scrubber.firstPass(signal),
  });
  // The payer list is the prices part's; without it, settings apply to every payer only.
  const payers = useQuery({
    queryKey: ["billing-payers"],
    queryFn: ({ signal }) => scrubber.payers(signal).catch(() => ({ items: [] as PayerChoice[] })),
  });
  const payerList = useMemo(() => payers.data?.items ?? [], [payers.data]);
  return (
    <>
      <PageHeader
        title="Claim scrubber"
        description="The rules every claim is checked against before it is sent, switched on or off and tuned per payer, and how many claims pass the first time."
      />
      <Stack gap="lg">
        {canScrub ? <ScrubDrafts /> : null}
        {report.data ? <FirstPass report={report.data} /> : null}
        {report.isError ? <LoadError error={report.error} onRetry={() => void report.refetch()} /> : null}
        {rules.isPending ? <Loading /> : null}
        {rules.isError ? <LoadError error={rules.error} onRetry={() => void rules.refetch()} /> : null}
        {rules.data ? <RulesTable rules={rules.data.items} payers={payerList} canManage={canManage} /> : null}
      </Stack>
    </>
  );
}

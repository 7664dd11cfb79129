import { Button, Group, NumberInput, Paper, Radio, SimpleGrid, Stack, Text } from "@mantine/core";
import { parseMoney } from "@salus/core/shared/money";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { BackLink } from "../../components/BackLink.tsx";
import { FormError } from "../../components/FormError.tsx";
import { notifySuccess } from "../../components/notify.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { LoadError, Loading } from "../../components/QueryState.tsx";
import { useServerErrors } from "../../components/useServerErrors.ts";
import { type FlowSettings, flow } from "./api.ts";

/** The late-arrival policies the re-plan recommends (packages/server/src/flow/flow-settings.ts). */
export const LATE_ACTIONS: readonly { value: string; label: string; description: string }[] = [
  {
    value: "next-gap",
    label: "See the late patient at the next gap",
    description:
      "Patients on time keep their places; the late patient is seen when the practitioner is next free.",
  },
  {
    value: "earlier-of",
    label: "Serve by the earlier of appointment and arrival time",
    description: "Whoever is waiting is seen in order of the earlier of their booked time and their arrival.",
  },
  {
    value: "move",
    label: "Move the visit to another free practitioner",
    description: "When another practitioner who can do the visit is free, the late patient goes to them.",
  },
  {
    value: "offer-new-time",
    label: "Offer a new time",
    description: "The late patient is offered another appointment; the day keeps its plan.",
  },
];

type NumberField = Exclude<keyof FlowSettings, "lateAction">;

const NUMBER_FIELDS: readonly {
  name: NumberField;
  label: string;
  description: string;
  min: number;
  max: number;
  cents?: boolean;
}[] = [
  {
    name: "graceMinutes",
    label: "Grace period (minutes)",
    description: "A patient arriving within this many minutes of the start is not late.",
    min: 0,
    max: 120,
  },
  {
    name: "notifyThresholdMinutes",
    label: "Tell patients of a new time past (minutes)",
    description: "Later patients whose expected start moves by at least this much are sent the new time.",
    min: 1,
    max: 240,
  },
  {
    name: "waitWarnMinutes",
    label: "Waiting: orange from (minutes)",
    description: "The flow board marks a wait this long as a long wait.",
    min: 1,
    max: 240,
  },
  {
    name: "waitAlertMinutes",
    label: "Waiting: red from (minutes)",
    description: "The flow board marks a wait this long as a very long wait.",
    min: 1,
    max: 480,
  },
  {
    name: "overtimeLimitMinutes",
    label: "Overtime limit for re-plans (minutes)",
    description:
      "A re-plan keeps no visit past the practitioner's end of day plus this; later visits are offered a new time.",
    min: 0,
    max: 240,
  },
  {
    name: "noShowAfterMinutes",
    label: "Mark no-show after (minutes)",
    description: "A booked visit with no arrival this long after its start becomes a no-show.",
    min: 5,
    max: 480,
  },
  {
    name: "noShowFeeCents",
    label: "No-show fee",
    description: "Recorded per no-show; 0 for no fee.",
    min: 0,
    max: 100_000,
    cents: true,
  },
  {
    name: "idleMinuteValueCents",
    label: "Value of an idle practitioner minute",
    description: "What an empty minute costs the practice (for overbooking suggestions).",
    min: 0,
    max: 100_000,
    cents: true,
  },
  {
    name: "waitMinuteCostCents",
    label: "Cost of a patient waiting minute",
    description: "How much one minute of patient waiting weighs against an empty slot.",
    min: 0,
    max: 100_000,
    cents: true,
  },
  {
    name: "overtimeMinuteCostCents",
    label: "Cost of an overtime minute",
    description:
      "What one minute of work into a break or past the end of the day costs the practice (for overbooking suggestions).",
    min: 0,
    max: 100_000,
    cents: true,
  },
];

/**
 * Cents to the dollars shown in the form, and back through the money module (the input allows two
 * decimals; a third would be refused with a message, never rounded).
 */
export const toDollars = (cents: number) => cents / 100;
export const toCents = (dollars: number) => parseMoney(String(dollars));

function SettingsForm({ settings }: { settings: FlowSettings }) {
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Record<NumberField, number | string>>(() => shown(settings));
  const [lateAction, setLateAction] = useState(settings.lateAction);
  const [busy, setBusy] = useState(false);
  const errors = useServerErrors([...NUMBER_FIELDS.map((f) => f.name), "lateAction"]);
  useEffect(() => {
    setDraft(shown(settings));
    setLateAction(settings.lateAction);
  }, [settings]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    errors.clear();
    const body = { lateAction } as FlowSettings;
    for (const field of NUMBER_FIELDS) {
      const value = Number(draft[field.name]);
      body[field.name] = field.cents ? toCents(value) : value;
    }
    setBusy(true);
    try {
      const saved = await flow.saveSettings(body);
      queryClient.setQueryData(["flow-settings"], saved);
      await queryClient.invalidateQueries({ queryKey: ["flow-board"] });
      notifySuccess("Flow settings saved.");
    } catch (error) {
      errors.set(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} aria-label="Flow settings">
      <Stack gap="lg">
        <FormError message={errors.form} />
        <Radio.Group
          label="When a patient is late past the grace period, recommend"
          value={lateAction}
          onChange={setLateAction}
          error={errors.fields.lateAction}
        >
          <Stack gap="xs" mt="xs">
            {LATE_ACTIONS.map((a) => (
              <Radio key={a.value} value={a.value} label={a.label} description={a.description} />
            ))}
          </Stack>
        </Radio.Group>
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
          {NUMBER_FIELDS.map((field) => (
            <NumberInput
              key={field.name}
              label={field.label}
              description={field.description}
              value={draft[field.name]}
              onChange={(value) => {
                setDraft((d) => ({ ...d, [field.name]: value }));
                errors.clearField(field.name);
              }}
              min={field.min}
              max={field.cents ? field.max / 100 : field.max}
              allowDecimal={field.cents === true}
              decimalScale={field.cents ? 2 : 0}
              fixedDecimalScale={field.cents === true}
              prefix={field.cents ? "$" : undefined}
              required
              error={errors.fields[field.name]}
            />
          ))}
        </SimpleGrid>
        <Group>
          <Button type="submit" loading={busy}>
            Save flow settings
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function shown(settings: FlowSettings): Record<NumberField, number> {
  const out = {} as Record<NumberField, number>;
  for (const field of NUMBER_FIELDS) {
    out[field.name] = field.cents ? toDollars(settings[field.name]) : settings[field.name];
  }
  return out;
}

/** The practice's day-of policy, for whoever manages scheduling. */
export function FlowSettingsPage() {
  const settings = useQuery({ queryKey: ["flow-settings"], queryFn: ({ signal }) => flow.settings(signal) });
  return (
    <>
      <PageHeader
        title="Flow settings"
        description="Late arrivals, waiting colours, no-shows and what idle and waiting minutes are worth."
        above={<BackLink to="/flow">Flow board</BackLink>}
      />
      {settings.isPending ? <Loading /> : null}
      {settings.isError ? <LoadError error={settings.error} onRetry={() => void settings.refetch()} /> : null}
      {settings.data ? (
        <Paper withBorder p="lg" maw={820}>
          <SettingsForm settings={settings.data} />
          <Text size="xs" c="dimmed" mt="md">
            Changes apply to the flow board and to the next re-plan at once.
          </Text>
        </Paper>
      ) : null}
    </>
  );
}

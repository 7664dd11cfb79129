import { Alert, Badge, Group, Text } from "@mantine/core";
import type { ReactNode } from "react";
import { BackLink } from "../../../components/BackLink.tsx";
import { PageHeader } from "../../../components/PageHeader.tsx";
import { ActiveBadge } from "../../../components/StatusBadge.tsx";
import { formatDate, personName, todayIso } from "../../../lib/format.ts";
import type { Allergy } from "./clinicalApi.ts";
import { ageOn, clockTime } from "./logic.ts";
import type { PatientRecord } from "./recordsApi.ts";

/** The chart's name line: family, given and the preferred name in quotes when there is one. */
export function chartName(patient: PatientRecord): string {
  const preferred = patient.preferredName?.trim();
  const name = personName(patient);
  return preferred && preferred !== patient.givenName ? `${name} “${preferred}”` : name;
}

export function ChartHeader({
  patient,
  actions,
  allergies,
  emergencyUntil,
  flags = {},
}: {
  patient: PatientRecord;
  /** Flags worked out from what the user may read: an active restriction, sensitive or self-pay visits. */
  flags?: { restriction?: boolean; sensitive?: boolean; selfPay?: boolean };
  actions?: ReactNode;
  /** Active allergies, for clinicians (undefined: the user does not read clinical content). */
  allergies?: Allergy[] | undefined;
  /** When the user reads this chart under break-glass: the instant the access ends. */
  emergencyUntil?: string | null | undefined;
}) {
  const years = ageOn(patient.dateOfBirth, todayIso());
  return (
    <>
      {emergencyUntil ? (
        <Alert color="orange" variant="filled" mb="sm" role="status" data-testid="emergency-banner">
          <Text fw={700} size="sm">
            Emergency access until {clockTime(emergencyUntil)}
          </Text>
          <Text size="sm">
            Everything you open in this chart is recorded and reviewed by the privacy officer.
          </Text>
        </Alert>
      ) : null}
      <PageHeader
        above={<BackLink to="/patients">Patients</BackLink>}
        title={chartName(patient)}
        description={
          <Group gap="xs" component="span">
            <Text span size="sm">
              MRN{" "}
              <Text span ff="monospace">
                {patient.mrn}
              </Text>
            </Text>
            <Text span size="sm">
              · Born {formatDate(patient.dateOfBirth)}
              {years !== null ? ` (${years})` : ""}
            </Text>
            {patient.pronouns ? (
              <Text span size="sm">
                · {patient.pronouns}
              </Text>
            ) : null}
            <ActiveBadge active={patient.active} />
            {flags.sensitive ? (
              <Badge
                color="grape"
                variant="light"
                title="Some visits are restricted to their own practitioner"
              >
                Sensitive visits
              </Badge>
            ) : null}
            {flags.selfPay ? (
              <Badge color="orange" variant="light" title="Some visits must not be billed to insurance">
                Self-pay visits
              </Badge>
            ) : null}
            {flags.restriction ? (
              <Badge color="orange" variant="light" title="See consents and restrictions on the summary">
                Restriction on file
              </Badge>
            ) : null}
            {patient.interpreterNeeded ? (
              <Badge color="blue" variant="light">
                Interpreter{patient.language ? `: ${patient.language}` : ""}
              </Badge>
            ) : null}
          </Group>
        }
        actions={actions}
      />
      {allergies ? <AllergyBanner allergies={allergies} /> : null}
    </>
  );
}

export function AllergyBanner({ allergies }: { allergies: Allergy[] }) {
  const active = allergies.filter((a) => a.status === "active" || a.status === undefined);
  if (active.length === 0) {
    return (
      <Text size="sm" c="dimmed" mb="sm" data-testid="allergy-banner">
        No allergies recorded.
      </Text>
    );
  }
  return (
    <Alert color="red" variant="light" mb="sm" title="Allergies" data-testid="allergy-banner">
      <Text size="sm">
        {active
          .map((a) =>
            [a.substance, a.reaction, a.severity ? `(${a.severity})` : null].filter(Boolean).join(" "),
          )
          .join("; ")}
      </Text>
    </Alert>
  );
}

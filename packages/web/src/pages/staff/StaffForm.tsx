import { Button, Group, SegmentedControl, SimpleGrid, Stack, Switch, Text, TextInput } from "@mantine/core";
import type { StaffKind, StaffView as StaffMember } from "@salus/server/directory/schemas";
import { type FormEvent, useMemo } from "react";
import { FormError } from "../../components/FormError.tsx";
import { changes, text, useFormState } from "../../components/useFormState.ts";
import { useSubmit } from "../../components/useSubmit.ts";

const FIELDS = [
  "kind",
  "givenName",
  "familyName",
  "jobTitle",
  "email",
  "phone",
  "npi",
  "taxonomy",
  "active",
] as const;
const NULLABLE = ["jobTitle", "email", "phone", "npi", "taxonomy"] as const;
type TextField = Exclude<(typeof FIELDS)[number], "active" | "kind">;

function initialValues(member: StaffMember | null, kind: StaffKind) {
  return {
    kind: member?.kind ?? kind,
    givenName: text(member?.givenName),
    familyName: text(member?.familyName),
    jobTitle: text(member?.jobTitle),
    email: text(member?.email),
    phone: text(member?.phone),
    npi: text(member?.npi),
    taxonomy: text(member?.taxonomy),
    active: member?.active ?? true,
  };
}

export function StaffForm({
  member,
  defaultKind = "practitioner",
  onSubmit,
  onCancel,
}: {
  member: StaffMember | null;
  defaultKind?: StaffKind;
  onSubmit: (body: Partial<StaffMember>) => Promise<unknown>;
  onCancel: () => void;
}) {
  const original = useMemo(() => (member ? initialValues(member, member.kind) : null), [member]);
  const { values, set } = useFormState(initialValues(member, defaultKind));
  const { run, pending: busy, errors } = useSubmit({ action: onSubmit, fields: FIELDS });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body = changes(original, values, NULLABLE);
    if (!member) delete body.active;
    if (Object.keys(body).length === 0) return onCancel();
    void run(body as Partial<StaffMember>);
  };

  const field = (name: TextField) => ({
    error: errors.fields[name],
    value: values[name],
    onChange: (event: { currentTarget: { value: string } }) => {
      set(name, event.currentTarget.value);
      errors.clearField(name);
    },
  });

  return (
    <form onSubmit={submit} aria-label={member ? "Edit staff member" : "New staff member"}>
      <Stack>
        <FormError message={errors.form} />
        <Stack gap={4}>
          <Text size="sm" fw={500} id="staff-kind-label">
            Kind
          </Text>
          <SegmentedControl
            aria-labelledby="staff-kind-label"
            value={values.kind}
            onChange={(value) => set("kind", value as StaffKind)}
            data={[
              { value: "practitioner", label: "Practitioner" },
              { value: "staff", label: "Non-clinical staff" },
            ]}
          />
        </Stack>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput label="Given name" required autoComplete="off" {...field("givenName")} data-autofocus />
          <TextInput label="Family name" required autoComplete="off" {...field("familyName")} />
        </SimpleGrid>
        <TextInput label="Job title" {...field("jobTitle")} />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput label="Email" type="email" {...field("email")} />
          <TextInput label="Phone" type="tel" {...field("phone")} />
        </SimpleGrid>
        {values.kind === "practitioner" || values.npi || values.taxonomy ? (
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput
              label="NPI"
              description="10 digits, National Provider Identifier"
              inputMode="numeric"
              maxLength={10}
              {...field("npi")}
            />
            <TextInput
              label="Taxonomy code"
              description="e.g. 207Q00000X (Family Medicine)"
              {...field("taxonomy")}
            />
          </SimpleGrid>
        ) : null}
        {member ? (
          <Switch
            label="Active"
            checked={values.active}
            onChange={(event) => set("active", event.currentTarget.checked)}
          />
        ) : null}
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel} disabled={busy}>
            Cancel
          </Button>
          <Button type="submit" loading={busy}>
            {member ? "Save" : "Add staff member"}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

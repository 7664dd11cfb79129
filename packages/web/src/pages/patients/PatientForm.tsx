import {
  Button,
  Divider,
  Group,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Textarea,
  TextInput,
} from "@mantine/core";
import type { Sex } from "@salus/server/directory/schemas";
import { type FormEvent, useMemo, useState } from "react";
import { FormError } from "../../components/FormError.tsx";
import { changes, text, useFormState } from "../../components/useFormState.ts";
import { useServerErrors } from "../../components/useServerErrors.ts";
import { todayIso } from "../../lib/format.ts";
import type { PatientRecord } from "./chart/recordsApi.ts";

const FIELDS = [
  "mrn",
  "givenName",
  "familyName",
  "dateOfBirth",
  "sex",
  "phone",
  "email",
  "addressLine1",
  "addressLine2",
  "city",
  "state",
  "postalCode",
  "active",
  "preferredName",
  "middleName",
  "pronouns",
  "genderIdentity",
  "language",
  "interpreterNeeded",
  "contactMethod",
  "mayLeaveMessage",
  "mayText",
  "frontDeskNote",
] as const;
const NULLABLE = [
  "phone",
  "email",
  "addressLine1",
  "addressLine2",
  "city",
  "state",
  "postalCode",
  "preferredName",
  "middleName",
  "pronouns",
  "genderIdentity",
  "language",
  "contactMethod",
  "frontDeskNote",
] as const;
type TextField = Exclude<
  (typeof FIELDS)[number],
  "active" | "sex" | "interpreterNeeded" | "mayLeaveMessage" | "mayText" | "contactMethod"
>;

const EXTENDED = FIELDS.slice(FIELDS.indexOf("preferredName"));

export const CONTACT_METHODS = [
  { value: "phone", label: "Phone call" },
  { value: "sms", label: "Text message" },
  { value: "email", label: "Email" },
  { value: "mail", label: "Letter" },
];

export const SEX_OPTIONS: { value: Sex; label: string }[] = [
  { value: "female", label: "Female" },
  { value: "male", label: "Male" },
  { value: "other", label: "Other" },
  { value: "unknown", label: "Unknown" },
];

function initialValues(patient: PatientRecord | null) {
  return {
    mrn: text(patient?.mrn),
    givenName: text(patient?.givenName),
    familyName: text(patient?.familyName),
    dateOfBirth: text(patient?.dateOfBirth),
    sex: patient?.sex ?? "unknown",
    phone: text(patient?.phone),
    email: text(patient?.email),
    addressLine1: text(patient?.addressLine1),
    addressLine2: text(patient?.addressLine2),
    city: text(patient?.city),
    state: text(patient?.state),
    postalCode: text(patient?.postalCode),
    active: patient?.active ?? true,
    preferredName: text(patient?.preferredName),
    middleName: text(patient?.middleName),
    pronouns: text(patient?.pronouns),
    genderIdentity: text(patient?.genderIdentity),
    language: text(patient?.language),
    interpreterNeeded: patient?.interpreterNeeded ?? false,
    contactMethod: text(patient?.contactMethod),
    mayLeaveMessage: patient?.mayLeaveMessage ?? false,
    mayText: patient?.mayText ?? false,
    frontDeskNote: text(patient?.frontDeskNote),
  };
}

export function PatientForm({
  patient,
  onSubmit,
  onCancel,
}: {
  patient: PatientRecord | null;
  onSubmit: (body: Partial<PatientRecord>) => Promise<unknown>;
  onCancel: () => void;
}) {
  const original = useMemo(() => (patient ? initialValues(patient) : null), [patient]);
  const { values, set } = useFormState(initialValues(patient));
  const errors = useServerErrors(FIELDS);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const body = changes(original, values, NULLABLE);
    if (!patient) {
      delete body.active;
      // An empty MRN on a new patient lets Salus assign the next free one.
      if (!body.mrn) delete body.mrn;
      // The record's extended fields go only when filled in.
      for (const key of EXTENDED) if (body[key] === null || body[key] === false) delete body[key];
    }
    if (Object.keys(body).length === 0) return onCancel();
    setBusy(true);
    errors.clear();
    try {
      await onSubmit(body as Partial<PatientRecord>);
    } catch (error) {
      errors.set(error);
      setBusy(false);
    }
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
    <form onSubmit={submit} aria-label={patient ? "Edit patient" : "New patient"}>
      <Stack>
        <FormError message={errors.form} />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput label="Given name" required autoComplete="off" {...field("givenName")} data-autofocus />
          <TextInput label="Family name" required autoComplete="off" {...field("familyName")} />
        </SimpleGrid>
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <TextInput label="Date of birth" type="date" required max={todayIso()} {...field("dateOfBirth")} />
          <Select
            label="Sex"
            required
            data={SEX_OPTIONS}
            value={values.sex}
            allowDeselect={false}
            onChange={(value) => value && set("sex", value as Sex)}
            error={errors.fields.sex}
          />
          <TextInput
            label="MRN"
            description={patient ? undefined : "Leave empty to assign one"}
            autoComplete="off"
            {...field("mrn")}
          />
        </SimpleGrid>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput label="Phone" type="tel" autoComplete="off" {...field("phone")} />
          <TextInput label="Email" type="email" autoComplete="off" {...field("email")} />
        </SimpleGrid>
        <TextInput label="Address line 1" autoComplete="off" {...field("addressLine1")} />
        <TextInput label="Address line 2" autoComplete="off" {...field("addressLine2")} />
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <TextInput label="City" autoComplete="off" {...field("city")} />
          <TextInput
            label="State"
            description="Two letters, e.g. MA"
            autoComplete="off"
            {...field("state")}
          />
          <TextInput label="ZIP code" autoComplete="off" {...field("postalCode")} />
        </SimpleGrid>
        <Divider label="Identity and communication" labelPosition="left" />
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <TextInput label="Preferred name" autoComplete="off" {...field("preferredName")} />
          <TextInput label="Pronouns" autoComplete="off" {...field("pronouns")} />
          <TextInput label="Gender identity" autoComplete="off" {...field("genderIdentity")} />
        </SimpleGrid>
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <TextInput label="Middle name" autoComplete="off" {...field("middleName")} />
          <TextInput label="Preferred language" autoComplete="off" {...field("language")} />
          <Select
            label="Contact by"
            data={CONTACT_METHODS}
            value={values.contactMethod || null}
            clearable
            onChange={(value) => set("contactMethod", value ?? "")}
            error={errors.fields.contactMethod}
          />
        </SimpleGrid>
        <Group gap="lg">
          <Switch
            label="Needs an interpreter"
            checked={values.interpreterNeeded}
            onChange={(event) => set("interpreterNeeded", event.currentTarget.checked)}
          />
          <Switch
            label="May leave a message"
            checked={values.mayLeaveMessage}
            onChange={(event) => set("mayLeaveMessage", event.currentTarget.checked)}
          />
          <Switch
            label="May text"
            checked={values.mayText}
            onChange={(event) => set("mayText", event.currentTarget.checked)}
          />
        </Group>
        <Textarea
          label="Note for the front desk"
          description="Practical notes only (parking, forms); never clinical information"
          minRows={2}
          {...field("frontDeskNote")}
        />
        {patient ? (
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
            {patient ? "Save" : "Create patient"}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

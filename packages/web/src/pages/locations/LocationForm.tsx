import { Button, Group, Select, SimpleGrid, Stack, Switch, TextInput } from "@mantine/core";
import type { LocationView as Location } from "@salus/server/directory/schemas";
import { type FormEvent, useMemo } from "react";
import { FormError } from "../../components/FormError.tsx";
import { changes, text, useFormState } from "../../components/useFormState.ts";
import { useSubmit } from "../../components/useSubmit.ts";

const FIELDS = [
  "name",
  "timeZone",
  "addressLine1",
  "addressLine2",
  "city",
  "state",
  "postalCode",
  "phone",
  "active",
] as const;
const NULLABLE = ["addressLine1", "addressLine2", "city", "state", "postalCode", "phone"] as const;

function timeZones(): string[] {
  const intl = Intl as typeof Intl & { supportedValuesOf?: (key: string) => string[] };
  const zones = intl.supportedValuesOf?.("timeZone") ?? [];
  return zones.length
    ? zones
    : ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"];
}

function initialValues(location: Location | null) {
  return {
    name: text(location?.name),
    timeZone: location?.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? "America/New_York",
    addressLine1: text(location?.addressLine1),
    addressLine2: text(location?.addressLine2),
    city: text(location?.city),
    state: text(location?.state),
    postalCode: text(location?.postalCode),
    phone: text(location?.phone),
    active: location?.active ?? true,
  };
}

export function LocationForm({
  location,
  onSubmit,
  onCancel,
}: {
  location: Location | null;
  onSubmit: (body: Partial<Location>) => Promise<unknown>;
  onCancel: () => void;
}) {
  const original = useMemo(() => (location ? initialValues(location) : null), [location]);
  const { values, set } = useFormState(initialValues(location));
  const { run, pending: busy, errors } = useSubmit({ action: onSubmit, fields: FIELDS });
  const zones = useMemo(timeZones, []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body = changes(original, values, NULLABLE);
    if (!location) delete body.active;
    if (Object.keys(body).length === 0) return onCancel();
    void run(body as Partial<Location>);
  };

  const field = (name: (typeof FIELDS)[number]) => ({
    error: errors.fields[name],
    value: values[name] as string,
    onChange: (event: { currentTarget: { value: string } }) => {
      set(name, event.currentTarget.value);
      errors.clearField(name);
    },
  });

  return (
    <form onSubmit={submit} aria-label={location ? "Edit location" : "New location"}>
      <Stack>
        <FormError message={errors.form} />
        <TextInput label="Name" required {...field("name")} data-autofocus />
        <Select
          label="Time zone"
          required
          searchable
          data={zones}
          value={values.timeZone}
          onChange={(zone) => zone && set("timeZone", zone)}
          error={errors.fields.timeZone}
          allowDeselect={false}
        />
        <TextInput label="Address line 1" autoComplete="address-line1" {...field("addressLine1")} />
        <TextInput label="Address line 2" autoComplete="address-line2" {...field("addressLine2")} />
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <TextInput label="City" autoComplete="address-level2" {...field("city")} />
          <TextInput
            label="State"
            description="Two letters, e.g. MA"
            autoComplete="address-level1"
            {...field("state")}
          />
          <TextInput label="ZIP code" autoComplete="postal-code" {...field("postalCode")} />
        </SimpleGrid>
        <TextInput label="Phone" type="tel" autoComplete="tel" {...field("phone")} />
        {location ? (
          <Switch
            label="Active"
            checked={values.active}
            onChange={(event) => set("active", event.currentTarget.checked)}
            error={errors.fields.active}
          />
        ) : null}
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel} disabled={busy}>
            Cancel
          </Button>
          <Button type="submit" loading={busy}>
            {location ? "Save" : "Create location"}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

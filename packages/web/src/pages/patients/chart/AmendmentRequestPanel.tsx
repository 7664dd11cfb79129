import {
  Button,
  Group,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { useState } from "react";
import { FormError } from "../../../components/FormError.tsx";
import { useSubmit } from "../../../components/useSubmit.ts";
import { todayIso } from "../../../lib/format.ts";
import { privacy } from "../../privacy/api.ts";

// privacy/amendments.ts, AMENDMENT_SECTIONS.
const SECTIONS = [
  { value: "demographics", label: "Demographics" },
  { value: "coverage", label: "Insurance" },
  { value: "encounter", label: "A visit" },
  { value: "diagnosis", label: "A diagnosis" },
  { value: "procedure", label: "A procedure" },
  { value: "problem", label: "Problem list" },
  { value: "allergy", label: "Allergies" },
  { value: "medication", label: "Medications" },
  { value: "note", label: "A visit note" },
  { value: "document", label: "A document" },
  { value: "billing", label: "Billing" },
  { value: "other", label: "Other" },
];

/** Whoever receives a patient's request to amend their record writes it down here; the privacy office decides. */
export function AmendmentRequestPanel({ patientId }: { patientId: string }) {
  const [open, setOpen] = useState(false);
  const [section, setSection] = useState<string | null>("demographics");
  const [change, setChange] = useState("");
  const [reason, setReason] = useState("");
  const [received, setReceived] = useState(todayIso());
  const submit = useSubmit({
    action: () =>
      privacy.requestAmendment(patientId, {
        section: section ?? "other",
        requestedChange: change.trim(),
        reason: reason.trim(),
        receivedOn: received,
      }),
    fields: ["section", "requestedChange", "reason", "receivedOn"],
    success: "Amendment request recorded; the privacy officer has 60 days to answer.",
    onSuccess: () => {
      setOpen(false);
      setChange("");
      setReason("");
    },
  });
  const { errors, pending: busy } = submit;
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-label="Amendment request">
      <Group justify="space-between">
        <Title order={2} fz="h4">
          Amendment request
        </Title>
        {!open ? (
          <Button variant="light" onClick={() => setOpen(true)}>
            Record an amendment request
          </Button>
        ) : null}
      </Group>
      {!open ? (
        <Text size="sm" c="dimmed" mt="xs">
          When the patient asks to change something in their record, write it down here for the privacy
          officer.
        </Text>
      ) : (
        <form onSubmit={submit.onSubmit()} aria-label="New amendment request">
          <Stack mt="sm" maw={720}>
            <FormError message={errors.form} />
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <Select
                label="Part of the record"
                data={SECTIONS}
                value={section}
                onChange={setSection}
                allowDeselect={false}
                error={errors.fields.section}
              />
              <TextInput
                label="Received on"
                type="date"
                required
                value={received}
                max={todayIso()}
                onChange={(e) => setReceived(e.currentTarget.value)}
                error={errors.fields.receivedOn}
              />
            </SimpleGrid>
            <Textarea
              label="What should change"
              required
              minRows={2}
              value={change}
              onChange={(e) => setChange(e.currentTarget.value)}
              error={errors.fields.requestedChange}
            />
            <Textarea
              label="Why (in the patient's words)"
              required
              minRows={2}
              value={reason}
              onChange={(e) => setReason(e.currentTarget.value)}
              error={errors.fields.reason}
            />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setOpen(false)} disabled={busy}>
                Cancel
              </Button>
              <Button type="submit" loading={busy}>
                Record request
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Paper>
  );
}

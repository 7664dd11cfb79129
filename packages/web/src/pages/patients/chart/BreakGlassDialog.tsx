import { Alert, Button, Group, Modal, Stack, Text, Textarea, TextInput } from "@mantine/core";
import { useState } from "react";
import { useNavigate } from "react-router-dom";
import { FormError } from "../../../components/FormError.tsx";
import { useSubmit } from "../../../components/useSubmit.ts";
import { breakGlass } from "./recordsApi.ts";

const FIELDS = ["mrn", "patientId", "reason"] as const;

/**
 * Emergency access ("break-glass"): the clinician names the patient (MRN, or the patient id of the link they
 * followed) and a reason; Salus opens time-boxed access, alerts the privacy officer and the chart opens.
 */
export function BreakGlassDialog({
  opened,
  onClose,
  patientId,
}: {
  opened: boolean;
  onClose: () => void;
  /** Set when the clinician followed a link to a chart they may not open. */
  patientId?: string | undefined;
}) {
  const navigate = useNavigate();
  const [mrn, setMrn] = useState("");
  const [reason, setReason] = useState("");
  const submit = useSubmit({
    action: () =>
      breakGlass.open(
        patientId ? { patientId, reason: reason.trim() } : { mrn: mrn.trim(), reason: reason.trim() },
      ),
    fields: FIELDS,
    invalidate: [["break-glass"], ["patients"]],
    onSuccess: (grant) => {
      setReason("");
      setMrn("");
      onClose();
      navigate(`/patients/${grant.patientId}`);
    },
  });
  const { errors, pending: busy } = submit;

  return (
    <Modal opened={opened} onClose={onClose} title="Emergency access" centered>
      <form onSubmit={submit.onSubmit()} aria-label="Emergency access">
        <Stack>
          <Alert color="orange" variant="light" title="This access is reviewed">
            <Text size="sm">
              Use emergency access only when a patient who is not yours needs care now. The privacy officer is
              alerted at once and reviews every use; everything you open or write is recorded. Access ends by
              itself after a few hours, and visits or encounters you record meanwhile do not extend it.
            </Text>
          </Alert>
          <FormError message={errors.form} />
          {patientId ? null : (
            <TextInput
              label="Patient MRN"
              required
              autoComplete="off"
              value={mrn}
              error={errors.fields.mrn ?? errors.fields.patientId}
              onChange={(e) => {
                setMrn(e.currentTarget.value);
                errors.clearField("mrn");
              }}
              data-autofocus
            />
          )}
          <Textarea
            label="Reason"
            description="Why you need this record now, in a sentence of at least three words (the privacy officer reads this)"
            required
            minRows={3}
            autosize
            value={reason}
            error={errors.fields.reason}
            onChange={(e) => {
              setReason(e.currentTarget.value);
              errors.clearField("reason");
            }}
            data-autofocus={patientId ? true : undefined}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose} disabled={busy}>
              Cancel
            </Button>
            <Button
              type="submit"
              color="orange"
              loading={busy}
              disabled={!reason.trim() || (!patientId && !mrn.trim())}
            >
              Open emergency access
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

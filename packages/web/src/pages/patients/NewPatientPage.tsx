import { Paper, Stack } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate } from "react-router-dom";
import { P } from "../../auth/permissions.ts";
import { BackLink } from "../../components/BackLink.tsx";
import { notifyError, notifySuccess } from "../../components/notify.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { RequirePermission } from "../../components/RequirePermission.tsx";
import { personName } from "../../lib/format.ts";
import {
  type DuplicateCandidate,
  isPossibleDuplicate,
  type PatientRecord,
  records,
} from "./chart/recordsApi.ts";
import { candidatesOf, DuplicateWarning } from "./DuplicateWarning.tsx";
import { PatientForm } from "./PatientForm.tsx";

export function NewPatientPage() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [duplicate, setDuplicate] = useState<{
    body: Partial<PatientRecord>;
    candidates: DuplicateCandidate[];
  } | null>(null);
  const [busy, setBusy] = useState(false);

  const created = async (patient: PatientRecord) => {
    await queryClient.invalidateQueries({ queryKey: ["patients"] });
    notifySuccess(`${personName(patient)} created with MRN ${patient.mrn}.`);
    navigate(`/patients/${patient.id}`, { replace: true });
  };

  return (
    <RequirePermission requires={[P.patientsWrite]}>
      <PageHeader above={<BackLink to="/patients">Patients</BackLink>} title="New patient" />
      <Stack maw={860}>
        {duplicate ? (
          <DuplicateWarning
            candidates={duplicate.candidates}
            busy={busy}
            onCreateAnyway={async () => {
              setBusy(true);
              try {
                await created(await records.create({ ...duplicate.body, confirmedNotDuplicate: true }));
              } catch (error) {
                notifyError(error);
                setBusy(false);
              }
            }}
          />
        ) : null}
        <Paper withBorder p="md" radius="md">
          <PatientForm
            patient={null}
            onCancel={() => navigate("/patients")}
            onSubmit={async (body) => {
              setDuplicate(null);
              try {
                await created(await records.create(body));
              } catch (error) {
                if (!isPossibleDuplicate(error)) throw error;
                const candidates =
                  candidatesOf(error.details) ??
                  (await records
                    .duplicates({
                      givenName: String(body.givenName ?? ""),
                      familyName: String(body.familyName ?? ""),
                      dateOfBirth: String(body.dateOfBirth ?? ""),
                    })
                    .catch(() => []));
                setDuplicate({ body, candidates });
                throw error;
              }
            }}
          />
        </Paper>
      </Stack>
    </RequirePermission>
  );
}

import { Paper } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "react-router-dom";
import { patients } from "../../api/endpoints.ts";
import { P } from "../../auth/permissions.ts";
import { BackLink } from "../../components/BackLink.tsx";
import { notifySuccess } from "../../components/notify.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { RequirePermission } from "../../components/RequirePermission.tsx";
import { personName } from "../../lib/format.ts";
import { PatientForm } from "./PatientForm.tsx";

export function NewPatientPage() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  return (
    <RequirePermission requires={[P.patientsWrite]}>
      <PageHeader above={<BackLink to="/patients">Patients</BackLink>} title="New patient" />
      <Paper withBorder p="md" radius="md" maw={860}>
        <PatientForm
          patient={null}
          onCancel={() => navigate("/patients")}
          onSubmit={async (body) => {
            const created = await patients.create(body);
            await queryClient.invalidateQueries({ queryKey: ["patients"] });
            notifySuccess(`${personName(created)} created with MRN ${created.mrn}.`);
            navigate(`/patients/${created.id}`, { replace: true });
          }}
        />
      </Paper>
    </RequirePermission>
  );
}

import { Button, Menu, Tabs } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useParams } from "react-router-dom";
import { ApiError } from "../../api/client.ts";
import { can, P } from "../../auth/permissions.ts";
import { useCurrentSession } from "../../auth/session.ts";
import { BackLink } from "../../components/BackLink.tsx";
import { LoadError, Loading } from "../../components/QueryState.tsx";
import { useUrlParams } from "../../components/useUrlState.ts";
import { exportUrl } from "../privacy/api.ts";
import { PatientPrivacyTab } from "../privacy/PatientPrivacyTab.tsx";
import { AppointmentsTab } from "./chart/AppointmentsTab.tsx";
import { BreakGlassDialog } from "./chart/BreakGlassDialog.tsx";
import { CareTeamTab } from "./chart/CareTeamTab.tsx";
import { ChartHeader } from "./chart/ChartHeader.tsx";
import { ClinicalListsTab } from "./chart/ClinicalListsTab.tsx";
import { CoverageTab } from "./chart/CoverageTab.tsx";
import { type Allergy, clinical } from "./chart/clinicalApi.ts";
import { DocumentsTab } from "./chart/DocumentsTab.tsx";
import { EncountersTab } from "./chart/EncountersTab.tsx";
import { type ChartTab, chartTabs, seesClinical, TAB_LABELS } from "./chart/logic.ts";
import { NotesTab } from "./chart/NotesTab.tsx";
import { breakGlass, records } from "./chart/recordsApi.ts";
import { SummaryTab } from "./chart/SummaryTab.tsx";

/** The patient chart: header, then one tab per part of the record the user may see. */
export function PatientPage() {
  const { id = "" } = useParams();
  const session = useCurrentSession();
  const [params, setParams] = useUrlParams();
  const [emergencyOpen, setEmergencyOpen] = useState(false);
  const tabs = chartTabs(session.roles, session.permissions);
  const clinician = seesClinical(session.roles, session.permissions);
  const mayBreakGlass = can(session.permissions, P.breakGlass);

  const query = useQuery({ queryKey: ["patients", id], queryFn: ({ signal }) => records.get(id, signal) });
  const allergies = useQuery({
    queryKey: ["patients", id, "allergies"],
    queryFn: ({ signal }) => clinical.list<Allergy>("allergies", id, signal),
    enabled: clinician && query.isSuccess,
  });
  // Header flags: an active restriction (consents, demographics section) and sensitive visits (codes section).
  const consents = useQuery({
    queryKey: ["patients", id, "consents"],
    queryFn: ({ signal }) => records.consents(id, signal),
    enabled: tabs.includes("summary") && query.isSuccess,
  });
  const encounters = useQuery({
    queryKey: ["patients", id, "encounters"],
    queryFn: ({ signal }) => clinical.encounters(id, signal),
    enabled: tabs.includes("encounters") && query.isSuccess,
  });
  const grants = useQuery({
    queryKey: ["break-glass", "mine"],
    queryFn: ({ signal }) => breakGlass.mine(signal),
    enabled: mayBreakGlass && query.isSuccess,
  });

  if (query.isPending) return <Loading />;
  if (query.isError) {
    const notFound = query.error instanceof ApiError && query.error.status === 404;
    return (
      <>
        <BackLink to="/patients">Patients</BackLink>
        <LoadError error={query.error} onRetry={() => void query.refetch()} />
        {notFound && mayBreakGlass ? (
          <>
            <Button color="orange" variant="light" onClick={() => setEmergencyOpen(true)}>
              Emergency access
            </Button>
            <BreakGlassDialog opened={emergencyOpen} onClose={() => setEmergencyOpen(false)} patientId={id} />
          </>
        ) : null}
      </>
    );
  }
  const patient = query.data;
  const now = Date.now();
  const grant = (grants.data ?? []).find(
    (g) => g.patientId === patient.id && g.active && new Date(g.expiresAt).getTime() > now,
  );
  const emergencyUntil = grant?.expiresAt ?? null;

  const requested = params.get("tab") as ChartTab | null;
  const active: ChartTab | undefined = requested && tabs.includes(requested) ? requested : tabs[0];

  const canExport = can(session.permissions, P.recordsExport) && !tabs.includes("privacy");
  return (
    <>
      <ChartHeader
        patient={patient}
        emergencyUntil={emergencyUntil}
        flags={{
          restriction: (consents.data ?? []).some((c) => c.kind === "restriction" && c.status === "active"),
          sensitive: (encounters.data ?? []).some((e) => e.sensitive && e.status !== "entered-in-error"),
          selfPay: (encounters.data ?? []).some((e) => e.selfPay && e.status !== "entered-in-error"),
        }}
        allergies={clinician ? allergies.data : undefined}
        actions={
          canExport ? (
            <Menu position="bottom-end">
              <Menu.Target>
                <Button variant="light">Export record</Button>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Item component="a" href={exportUrl(patient.id, "pdf")} download>
                  Readable PDF
                </Menu.Item>
                <Menu.Item component="a" href={exportUrl(patient.id, "fhir")} download>
                  FHIR JSON (Patient/$everything)
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          ) : null
        }
      />
      {active ? (
        <Tabs
          value={active}
          onChange={(value) => {
            if (!value) return;
            setParams({ tab: value });
          }}
          keepMounted={false}
        >
          <Tabs.List mb="md">
            {tabs.map((tab) => (
              <Tabs.Tab key={tab} value={tab}>
                {TAB_LABELS[tab]}
              </Tabs.Tab>
            ))}
          </Tabs.List>
          {tabs.map((tab) => (
            <Tabs.Panel key={tab} value={tab}>
              <TabContent tab={tab} patientId={patient.id} />
            </Tabs.Panel>
          ))}
        </Tabs>
      ) : null}
    </>
  );
}

function TabContent({ tab, patientId }: { tab: ChartTab; patientId: string }) {
  switch (tab) {
    case "summary":
      return <SummaryTab patientId={patientId} />;
    case "coverage":
      return <CoverageTab patientId={patientId} />;
    case "appointments":
      return <AppointmentsTab patientId={patientId} />;
    case "encounters":
      return <EncountersTab patientId={patientId} />;
    case "clinical":
      return <ClinicalListsTab patientId={patientId} />;
    case "notes":
      return <NotesTab patientId={patientId} />;
    case "documents":
      return <DocumentsTab patientId={patientId} />;
    case "care-team":
      return <CareTeamTab patientId={patientId} />;
    case "privacy":
      return <PatientPrivacyTab patientId={patientId} />;
  }
}

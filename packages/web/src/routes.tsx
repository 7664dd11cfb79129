import { notifications } from "@mantine/notifications";
import { useQueryClient } from "@tanstack/react-query";
import { type ComponentType, lazy, type ReactNode, Suspense, useEffect } from "react";
import { Navigate, Route, Routes, useLocation, useNavigate } from "react-router-dom";
import { setSessionEndedHandler } from "./api/client.ts";
import { REQUIRE, type Requirement } from "./auth/permissions.ts";
import { forgetSession, isSignedIn, SESSION_KEY, useSession } from "./auth/session.ts";
import { AppLayout } from "./components/AppLayout.tsx";
import { LoadError, Loading } from "./components/QueryState.tsx";
import { RequirePermission } from "./components/RequirePermission.tsx";

function page<K extends string>(load: () => Promise<Record<K, ComponentType>>, name: K) {
  return lazy(async () => ({ default: (await load())[name] }));
}

const SignInPage = page(() => import("./pages/sign-in/SignInPage.tsx"), "SignInPage");
const InvitationPage = page(() => import("./pages/invitation/InvitationPage.tsx"), "InvitationPage");
const HomePage = page(() => import("./pages/home/HomePage.tsx"), "HomePage");
const NotFoundPage = page(() => import("./pages/home/NotFoundPage.tsx"), "NotFoundPage");
const LocationsPage = page(() => import("./pages/locations/LocationsPage.tsx"), "LocationsPage");
const LocationPage = page(() => import("./pages/locations/LocationPage.tsx"), "LocationPage");
const StaffListPage = page(() => import("./pages/staff/StaffListPage.tsx"), "StaffListPage");
const StaffPage = page(() => import("./pages/staff/StaffPage.tsx"), "StaffPage");
const PatientsPage = page(() => import("./pages/patients/PatientsPage.tsx"), "PatientsPage");
const PatientPage = page(() => import("./pages/patients/PatientPage.tsx"), "PatientPage");
const NewPatientPage = page(() => import("./pages/patients/NewPatientPage.tsx"), "NewPatientPage");
const OrganizationPage = page(() => import("./pages/admin/OrganizationPage.tsx"), "OrganizationPage");
const UsersPage = page(() => import("./pages/admin/UsersPage.tsx"), "UsersPage");
const TokensPage = page(() => import("./pages/admin/TokensPage.tsx"), "TokensPage");
const SchedulePage = page(() => import("./pages/schedule/SchedulePage.tsx"), "SchedulePage");
const AuditPage = page(() => import("./pages/audit/AuditPage.tsx"), "AuditPage");
const FlowBoardPage = page(() => import("./pages/flow/FlowBoardPage.tsx"), "FlowBoardPage");
const FlowSettingsPage = page(() => import("./pages/flow/FlowSettingsPage.tsx"), "FlowSettingsPage");
const BillingHomePage = page(() => import("./pages/billing/ledger/BillingHomePage.tsx"), "BillingHomePage");
const ChargesPage = page(() => import("./pages/billing/ledger/ChargesPage.tsx"), "ChargesPage");
const ClaimsPage = page(() => import("./pages/billing/ledger/ClaimsPage.tsx"), "ClaimsPage");
const ClaimPage = page(() => import("./pages/billing/ledger/ClaimPage.tsx"), "ClaimPage");
const AccountPage = page(() => import("./pages/billing/ledger/AccountPage.tsx"), "AccountPage");
const ScrubberPage = page(() => import("./pages/billing/scrubber/ScrubberPage.tsx"), "ScrubberPage");
const BatchesPage = page(() => import("./pages/billing/batches/BatchesPage.tsx"), "BatchesPage");
const AcknowledgementsPage = page(
  () => import("./pages/billing/batches/AcknowledgementsPage.tsx"),
  "AcknowledgementsPage",
);
const RejectionsPage = page(() => import("./pages/billing/batches/RejectionsPage.tsx"), "RejectionsPage");
const PayersPage = page(() => import("./pages/billing/payers/PayersPage.tsx"), "PayersPage");
const FeeSchedulesPage = page(
  () => import("./pages/billing/fee-schedules/FeeSchedulesPage.tsx"),
  "FeeSchedulesPage",
);
const FeeSchedulePage = page(
  () => import("./pages/billing/fee-schedules/FeeSchedulePage.tsx"),
  "FeeSchedulePage",
);
const BillingSettingsPage = page(
  () => import("./pages/billing/settings/BillingSettingsPage.tsx"),
  "BillingSettingsPage",
);
const FlowReportsPage = page(() => import("./pages/reports/FlowReportsPage.tsx"), "FlowReportsPage");
const NoShowRiskPage = page(() => import("./pages/reports/NoShowRiskPage.tsx"), "NoShowRiskPage");
const WhatIfPage = page(() => import("./pages/reports/WhatIfPage.tsx"), "WhatIfPage");
const BreakGlassQueuePage = page(
  () => import("./pages/privacy/BreakGlassQueuePage.tsx"),
  "BreakGlassQueuePage",
);
const AmendmentsPage = page(() => import("./pages/privacy/AmendmentsPage.tsx"), "AmendmentsPage");

/** When any request finds the session gone, forget everything and go to the sign-in page. */
function SessionEndedWatcher() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const location = useLocation();
  useEffect(() => {
    setSessionEndedHandler((error) => {
      forgetSession(queryClient);
      if (location.pathname === "/sign-in") return;
      notifications.show({
        id: "session-ended",
        color: "yellow",
        title: error.code === "session_expired" ? "Session expired" : "Signed out",
        message:
          error.code === "session_expired"
            ? "Your session ended after a period of inactivity. Please sign in again."
            : "Please sign in again.",
      });
      navigate("/sign-in", {
        replace: true,
        state: { reason: error.code, from: location.pathname + location.search },
      });
    });
    return () => setSessionEndedHandler(null);
  }, [queryClient, navigate, location.pathname, location.search]);
  return null;
}

function RequireSession({ children }: { children: ReactNode }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const location = useLocation();
  const signedIn = isSignedIn(session.data);
  useEffect(() => {
    // Whatever was cached for a session that is gone must not survive it.
    if (session.isSuccess && !signedIn) {
      queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== SESSION_KEY[0] });
    }
  }, [session.isSuccess, signedIn, queryClient]);
  if (session.isPending) return <Loading label="Opening Salus…" />;
  if (session.isError) return <LoadError error={session.error} onRetry={() => void session.refetch()} />;
  if (!signedIn) {
    return <Navigate to="/sign-in" replace state={{ from: location.pathname + location.search }} />;
  }
  return <>{children}</>;
}

function guarded(requires: Requirement, element: ReactNode) {
  return <RequirePermission requires={requires}>{element}</RequirePermission>;
}

export function AppRoutes() {
  return (
    <>
      <SessionEndedWatcher />
      <Suspense fallback={<Loading />}>
        <Routes>
          <Route path="/sign-in" element={<SignInPage />} />
          <Route path="/invitation" element={<InvitationPage />} />
          <Route
            element={
              <RequireSession>
                <AppLayout />
              </RequireSession>
            }
          >
            <Route index element={<HomePage />} />
            <Route path="locations" element={guarded(REQUIRE.locations, <LocationsPage />)} />
            <Route path="locations/:id" element={guarded(REQUIRE.locations, <LocationPage />)} />
            <Route path="staff" element={guarded(REQUIRE.staff, <StaffListPage />)} />
            <Route path="staff/:id" element={guarded(REQUIRE.staff, <StaffPage />)} />
            <Route path="patients" element={guarded(REQUIRE.patients, <PatientsPage />)} />
            <Route path="patients/new" element={guarded(REQUIRE.patients, <NewPatientPage />)} />
            <Route path="patients/:id" element={guarded(REQUIRE.patients, <PatientPage />)} />
            <Route
              path="settings/organization"
              element={guarded(REQUIRE.organization, <OrganizationPage />)}
            />
            <Route path="settings/users" element={guarded(REQUIRE.users, <UsersPage />)} />
            <Route path="settings/tokens" element={guarded(REQUIRE.tokens, <TokensPage />)} />
            <Route path="schedule" element={guarded(REQUIRE.schedule, <SchedulePage />)} />
            <Route path="audit" element={guarded(REQUIRE.audit, <AuditPage />)} />
            <Route path="privacy/break-glass" element={guarded(REQUIRE.privacy, <BreakGlassQueuePage />)} />
            <Route path="privacy/amendments" element={guarded(REQUIRE.privacy, <AmendmentsPage />)} />
            <Route path="flow" element={guarded(REQUIRE.flow, <FlowBoardPage />)} />
            <Route path="flow/settings" element={guarded(["scheduling:manage"], <FlowSettingsPage />)} />
            <Route path="billing" element={guarded(REQUIRE.billing, <BillingHomePage />)} />
            <Route path="billing/charges" element={guarded(REQUIRE.billing, <ChargesPage />)} />
            <Route path="billing/claims" element={guarded(REQUIRE.billing, <ClaimsPage />)} />
            <Route path="billing/claims/:id" element={guarded(REQUIRE.billing, <ClaimPage />)} />
            <Route path="billing/accounts/:patientId" element={guarded(REQUIRE.billing, <AccountPage />)} />
            <Route path="billing/scrubber" element={guarded(REQUIRE.billing, <ScrubberPage />)} />
            <Route path="billing/batches" element={guarded(REQUIRE.billing, <BatchesPage />)} />
            <Route
              path="billing/acknowledgements"
              element={guarded(REQUIRE.billing, <AcknowledgementsPage />)}
            />
            <Route path="billing/rejections" element={guarded(REQUIRE.billing, <RejectionsPage />)} />
            <Route path="billing/payers" element={guarded(REQUIRE.billing, <PayersPage />)} />
            <Route path="billing/fee-schedules" element={guarded(REQUIRE.billing, <FeeSchedulesPage />)} />
            <Route path="billing/fee-schedules/:id" element={guarded(REQUIRE.billing, <FeeSchedulePage />)} />
            <Route path="billing/settings" element={guarded(REQUIRE.billing, <BillingSettingsPage />)} />
            <Route path="reports" element={<Navigate to="/reports/flow" replace />} />
            <Route path="reports/flow" element={guarded(REQUIRE.reports, <FlowReportsPage />)} />
            <Route path="reports/no-show-risk" element={guarded(REQUIRE.reports, <NoShowRiskPage />)} />
            <Route path="reports/what-if" element={guarded(REQUIRE.reports, <WhatIfPage />)} />
            <Route path="*" element={<NotFoundPage />} />
          </Route>
        </Routes>
      </Suspense>
    </>
  );
}

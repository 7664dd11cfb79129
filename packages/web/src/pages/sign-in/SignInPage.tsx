import { Alert, Box, Center, Paper, Stack, Text, Title } from "@mantine/core";
import type {
  AuthStep as AuthStepResponse,
  SessionView as Session,
  SignInStatus,
} from "@salus/server/auth/schemas";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Navigate, useLocation, useNavigate } from "react-router-dom";
import { setCsrfToken } from "../../api/client.ts";
import { auth } from "../../api/endpoints.ts";
import { isSignedIn, type PendingStage, pendingStage, SESSION_KEY, useSession } from "../../auth/session.ts";
import { Loading } from "../../components/QueryState.tsx";
import { CredentialsStep, EnrollStep, MfaStep, OrganizationStep, PasswordStep } from "./steps.tsx";

type Step = "credentials" | "mfa" | "enroll" | "password" | "organization";

const STEP_FOR_STATUS: Record<Exclude<SignInStatus, "signed_in">, Step> = {
  mfa_required: "mfa",
  mfa_enrollment_required: "enroll",
  password_change_required: "password",
};

const STEP_FOR_STAGE: Record<PendingStage, Step> = {
  mfa: "mfa",
  mfa_enrollment: "enroll",
  password_change: "password",
};

const TITLES: Record<Step, string> = {
  credentials: "Sign in to Salus",
  mfa: "Two-factor authentication",
  enroll: "Set up two-factor authentication",
  password: "Choose a new password",
  organization: "Choose an organization",
};

interface SignInState {
  from?: string;
  reason?: string;
}

export function SignInPage() {
  const session = useSession();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const location = useLocation();
  const state = (location.state ?? {}) as SignInState;
  const [step, setStep] = useState<Step>("credentials");
  const [password, setPassword] = useState<string | null>(null);
  const [pending, setPending] = useState<Session | null>(null);
  const [finishing, setFinishing] = useState(false);

  // A page reload in the middle of signing in resumes at the stage the server remembers.
  const resumeStage = pendingStage(session.data);
  useEffect(() => {
    if (resumeStage) setStep(STEP_FOR_STAGE[resumeStage]);
  }, [resumeStage]);

  if (session.isPending) return <Loading label="Opening Salus…" />;
  if (!finishing && step === "credentials" && isSignedIn(session.data)) {
    return <Navigate to={state.from ?? "/"} replace />;
  }

  const finish = (signedIn: Session) => {
    setFinishing(true);
    queryClient.clear();
    queryClient.setQueryData(SESSION_KEY, signedIn);
    navigate(state.from && state.from !== "/sign-in" ? state.from : "/", { replace: true });
  };

  const onStep = async (answer: AuthStepResponse) => {
    if (answer.status !== "signed_in") {
      setStep(STEP_FOR_STATUS[answer.status] ?? "credentials");
      return;
    }
    const signedIn = await auth.session();
    if (signedIn.organizations.length > 1) {
      setPending(signedIn);
      setStep("organization");
      return;
    }
    finish(signedIn);
  };

  const restart = () => {
    setCsrfToken(null);
    setPassword(null);
    setPending(null);
    setStep("credentials");
    void auth.logout().catch(() => undefined);
  };

  const chooseOrganization = async (slug: string) => {
    if (!pending) return;
    finish(slug === pending.organization.slug ? pending : await auth.switchOrganization(slug));
  };

  const notice =
    state.reason === "session_expired"
      ? "Your session ended after a period of inactivity. Please sign in again."
      : state.reason === "signed_out"
        ? "You have signed out."
        : state.reason === "unauthenticated"
          ? "Please sign in again."
          : null;

  return (
    <Center mih="100vh" p="md" bg="var(--mantine-color-gray-light)">
      <Box component="main" id="main" tabIndex={-1} w="100%" maw={420}>
        <Stack gap="md">
          <Stack gap={0} align="center">
            <Text fw={800} fz={28} c="teal.9" aria-hidden>
              Salus
            </Text>
            <Text size="sm" c="dimmed">
              Practice management
            </Text>
          </Stack>
          <Paper withBorder shadow="sm" p="xl" radius="md">
            <Stack>
              <Title order={1} fz="h3">
                {TITLES[step]}
              </Title>
              {notice && step === "credentials" ? (
                <Alert
                  color={state.reason === "signed_out" ? "teal" : "yellow"}
                  variant="light"
                  role="status"
                >
                  {notice}
                </Alert>
              ) : null}
              {step === "credentials" ? (
                <CredentialsStep onStep={onStep} onPassword={(_email, typed) => setPassword(typed)} />
              ) : null}
              {step === "mfa" ? <MfaStep onStep={onStep} onCancel={restart} /> : null}
              {step === "enroll" ? <EnrollStep onStep={onStep} onCancel={restart} /> : null}
              {step === "password" ? (
                <PasswordStep currentPassword={password} onStep={onStep} onCancel={restart} />
              ) : null}
              {step === "organization" && pending ? (
                <OrganizationStep
                  organizations={pending.organizations}
                  current={pending.organization.slug}
                  onChoose={chooseOrganization}
                />
              ) : null}
            </Stack>
          </Paper>
        </Stack>
      </Box>
    </Center>
  );
}

import {
  Alert,
  Anchor,
  Button,
  Code,
  CopyButton,
  Group,
  PasswordInput,
  Stack,
  Text,
  TextInput,
} from "@mantine/core";
import type {
  AuthStep as AuthStepResponse,
  MfaEnrollment as MfaEnrollResponse,
  OrganizationRef,
} from "@salus/server/auth/schemas";
import { type FormEvent, useEffect, useState } from "react";
import { ApiError } from "../../api/client.ts";
import { auth } from "../../api/endpoints.ts";
import { errorMessage, Loading } from "../../components/QueryState.tsx";
import { CodeInput } from "./CodeInput.tsx";

type OnStep = (answer: AuthStepResponse) => void | Promise<void>;

function signInError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === "invalid_credentials") return "The email or password is not correct.";
    // The server's message says how long the pause lasts ("… try again in 30 seconds").
    if (error.code === "rate_limited") return error.message;
    if (error.code === "invalid_code")
      return "That code is not correct or has expired. Try the current code.";
  }
  return errorMessage(error);
}

export function CredentialsStep({
  onStep,
  onPassword,
}: {
  onStep: OnStep;
  onPassword: (email: string, password: string) => void;
}) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const answer = await auth.login({ email: email.trim(), password });
      onPassword(email.trim(), password);
      await onStep(answer);
    } catch (caught) {
      setError(signInError(caught));
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} aria-label="Sign in" noValidate>
      <Stack>
        {error ? (
          <Alert color="red" role="alert" variant="light">
            {error}
          </Alert>
        ) : null}
        <TextInput
          label="Email"
          type="email"
          autoComplete="username"
          value={email}
          onChange={(event) => setEmail(event.currentTarget.value)}
          required
        />
        <PasswordInput
          label="Password"
          autoComplete="current-password"
          value={password}
          onChange={(event) => setPassword(event.currentTarget.value)}
          required
        />
        <Button type="submit" loading={busy} disabled={!email || !password} fullWidth>
          Sign in
        </Button>
      </Stack>
    </form>
  );
}

export function MfaStep({ onStep, onCancel }: { onStep: OnStep; onCancel: () => void }) {
  const [code, setCode] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onStep(await auth.verifyMfa(code));
    } catch (caught) {
      setError(signInError(caught));
      setCode("");
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} aria-label="Two-factor code">
      <Stack>
        <Text size="sm">Enter the 6-digit code your authenticator app shows for Salus.</Text>
        <CodeInput value={code} onChange={setCode} error={error} />
        <Button type="submit" loading={busy} disabled={code.length !== 6} fullWidth>
          Verify
        </Button>
        <Anchor component="button" type="button" size="sm" onClick={onCancel}>
          Use another account
        </Anchor>
      </Stack>
    </form>
  );
}

export function EnrollStep({ onStep, onCancel }: { onStep: OnStep; onCancel: () => void }) {
  const [enrollment, setEnrollment] = useState<MfaEnrollResponse | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [code, setCode] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    auth.enrollMfa().then(
      (answer) => live && setEnrollment(answer),
      (caught: unknown) => live && setLoadError(errorMessage(caught)),
    );
    return () => {
      live = false;
    };
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onStep(await auth.confirmMfa(code));
    } catch (caught) {
      setError(signInError(caught));
      setCode("");
      setBusy(false);
    }
  };

  if (loadError) {
    return (
      <Stack>
        <Alert color="red" role="alert">
          {loadError}
        </Alert>
        <Button variant="default" onClick={onCancel}>
          Back to sign-in
        </Button>
      </Stack>
    );
  }
  if (!enrollment) return <Loading label="Preparing two-factor setup…" />;

  return (
    <form onSubmit={submit} aria-label="Set up two-factor authentication">
      <Stack>
        <Text size="sm">
          Your organization requires two-factor authentication. Add Salus to an authenticator app (such as
          Google Authenticator, 1Password or Aegis) with this key, then enter the code it shows.
        </Text>
        <CopyableText label="Setup key" value={enrollment.secret} testId="mfa-secret" />
        <CopyableText label="Setup link (otpauth)" value={enrollment.otpauthUrl} testId="mfa-otpauth" small />
        <CodeInput value={code} onChange={setCode} error={error} />
        <Button type="submit" loading={busy} disabled={code.length !== 6} fullWidth>
          Turn on two-factor and sign in
        </Button>
        <Anchor component="button" type="button" size="sm" onClick={onCancel}>
          Cancel
        </Anchor>
      </Stack>
    </form>
  );
}

export function CopyableText({
  label,
  value,
  testId,
  small = false,
}: {
  label: string;
  value: string;
  testId?: string;
  small?: boolean;
}) {
  return (
    <Stack gap={4}>
      <Group justify="space-between">
        <Text size="sm" fw={500}>
          {label}
        </Text>
        <CopyButton value={value}>
          {({ copied, copy }) => (
            <Button
              size="compact-xs"
              variant="light"
              onClick={copy}
              aria-label={`Copy ${label.toLowerCase()}`}
            >
              {copied ? "Copied" : "Copy"}
            </Button>
          )}
        </CopyButton>
      </Group>
      <Code
        block
        data-testid={testId}
        style={{ wordBreak: "break-all", whiteSpace: "pre-wrap", fontSize: small ? 11 : 14 }}
      >
        {value}
      </Code>
    </Stack>
  );
}

export function PasswordStep({
  currentPassword,
  onStep,
  onCancel,
}: {
  currentPassword: string | null;
  onStep: OnStep;
  onCancel: () => void;
}) {
  const [current, setCurrent] = useState(currentPassword ?? "");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const mismatch = repeat.length > 0 && next !== repeat;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (next !== repeat) return;
    setBusy(true);
    setError(null);
    setFormError(null);
    try {
      await onStep(await auth.changePassword(current, next));
    } catch (caught) {
      if (caught instanceof ApiError && (caught.code === "weak_password" || caught.status === 400))
        setError(caught.message);
      else setFormError(errorMessage(caught));
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} aria-label="Choose a new password">
      <Stack>
        <Text size="sm">
          Your password was set by an administrator for one use only. Choose your own password to continue.
        </Text>
        {formError ? (
          <Alert color="red" role="alert" variant="light">
            {formError}
          </Alert>
        ) : null}
        {currentPassword === null ? (
          <PasswordInput
            label="Current (one-time) password"
            autoComplete="current-password"
            value={current}
            onChange={(event) => setCurrent(event.currentTarget.value)}
            required
          />
        ) : null}
        <PasswordInput
          label="New password"
          description="A long passphrase is easiest to remember and hardest to guess."
          autoComplete="new-password"
          value={next}
          onChange={(event) => {
            setNext(event.currentTarget.value);
            setError(null);
          }}
          error={error ?? undefined}
          required
          autoFocus
        />
        <PasswordInput
          label="Repeat the new password"
          autoComplete="new-password"
          value={repeat}
          onChange={(event) => setRepeat(event.currentTarget.value)}
          error={mismatch ? "The two passwords differ." : undefined}
          required
        />
        <Button type="submit" loading={busy} disabled={!next || next !== repeat || !current} fullWidth>
          Change password and continue
        </Button>
        <Anchor component="button" type="button" size="sm" onClick={onCancel}>
          Cancel
        </Anchor>
      </Stack>
    </form>
  );
}

export function OrganizationStep({
  organizations,
  current,
  onChoose,
}: {
  organizations: OrganizationRef[];
  current: string;
  onChoose: (slug: string) => Promise<void>;
}) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const choose = async (slug: string) => {
    setBusy(slug);
    setError(null);
    try {
      await onChoose(slug);
    } catch (caught) {
      setError(errorMessage(caught));
      setBusy(null);
    }
  };
  return (
    <Stack>
      <Text size="sm">You belong to several organizations. Which one do you want to work in?</Text>
      {error ? (
        <Alert color="red" role="alert" variant="light">
          {error}
        </Alert>
      ) : null}
      <Stack gap="xs">
        {organizations.map((org) => (
          <Button
            key={org.slug}
            variant="default"
            size="md"
            fullWidth
            justify="space-between"
            loading={busy === org.slug}
            disabled={busy !== null && busy !== org.slug}
            onClick={() => void choose(org.slug)}
            rightSection={
              <Text size="xs" c="dimmed" component="span">
                {org.slug === current ? "Default" : org.slug}
              </Text>
            }
          >
            {org.name}
          </Button>
        ))}
      </Stack>
    </Stack>
  );
}

import { Alert, Anchor, Box, Button, Center, Paper, PasswordInput, Stack, Text, Title } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, type ReactNode, useState } from "react";
import { Link, useLocation } from "react-router-dom";
import { ApiError } from "../../api/client.ts";
import { invitations } from "../../api/endpoints.ts";
import { roleLabel } from "../../auth/permissions.ts";
import { isSignedIn, SESSION_KEY, useSession } from "../../auth/session.ts";
import { errorMessage, Loading } from "../../components/QueryState.tsx";
import { formatDateTime } from "../../lib/format.ts";

/** The token after `#token=` (never sent to a server in the URL, never in a Referer). */
function tokenFrom(hash: string): string | null {
  const match = /token=([A-Za-z0-9_.-]+)/.exec(hash);
  return match?.[1] ?? null;
}

/**
 * Where an invitation email's link leads. For an existing account: sign in to it, then accept (only the
 * account the email belongs to can). For an email with no account yet: choose a password, which creates
 * the account, then sign in.
 */
export function InvitationPage() {
  const location = useLocation();
  const token = tokenFrom(location.hash);
  const session = useSession();
  const queryClient = useQueryClient();
  const preview = useQuery({
    queryKey: ["invitation", token],
    queryFn: () => invitations.preview(token ?? ""),
    enabled: token !== null,
    retry: false,
    staleTime: Number.POSITIVE_INFINITY,
  });
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [password, setPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const [passwordError, setPasswordError] = useState<string | null>(null);

  const accept = async () => {
    if (!token) return;
    setBusy(true);
    setError(null);
    try {
      const answer = await invitations.accept(token);
      await queryClient.invalidateQueries({ queryKey: SESSION_KEY });
      setDone(
        `You now also work in ${answer.organization.name}. Switch to it from the organization menu; you still land where you did when you sign in.`,
      );
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  };

  const choosePassword = async (event: FormEvent) => {
    event.preventDefault();
    if (!token || password !== repeat) return;
    setBusy(true);
    setError(null);
    setPasswordError(null);
    try {
      await invitations.acceptNew(token, password);
      setDone("Your account is ready. Sign in with your email and the password you chose.");
    } catch (caught) {
      if (caught instanceof ApiError && caught.code === "weak_password") setPasswordError(caught.message);
      else setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  };

  const signedIn = isSignedIn(session.data);
  const invitation = preview.data;
  let content: ReactNode;
  if (!token) {
    content = (
      <Alert color="red">This link has no invitation in it. Open the link from the email again.</Alert>
    );
  } else if (done) {
    content = (
      <Stack>
        <Alert color="teal" role="status">
          {done}
        </Alert>
        <Anchor component={Link} to={signedIn ? "/" : "/sign-in"}>
          {signedIn ? "Go to Salus" : "Sign in"}
        </Anchor>
      </Stack>
    );
  } else if (preview.isPending || session.isPending) {
    content = <Loading label="Opening the invitation…" />;
  } else if (preview.isError || !invitation) {
    content = <Alert color="red">{errorMessage(preview.error)}</Alert>;
  } else {
    const roles = invitation.roles.map(roleLabel).join(", ");
    content = (
      <Stack>
        <Text size="sm">
          You are invited to <b>{invitation.organizationName}</b> as {roles}. The invitation was sent to{" "}
          <b>{invitation.email}</b> and is valid until {formatDateTime(invitation.expiresAt)}.
        </Text>
        {error ? (
          <Alert color="red" role="alert" variant="light">
            {error}
          </Alert>
        ) : null}
        {invitation.needsPassword ? (
          <form onSubmit={choosePassword} aria-label="Choose your password">
            <Stack>
              <PasswordInput
                label="Choose a password"
                description="A long passphrase is easiest to remember and hardest to guess."
                autoComplete="new-password"
                value={password}
                onChange={(event) => {
                  setPassword(event.currentTarget.value);
                  setPasswordError(null);
                }}
                error={passwordError}
                required
              />
              <PasswordInput
                label="Repeat the password"
                autoComplete="new-password"
                value={repeat}
                onChange={(event) => setRepeat(event.currentTarget.value)}
                error={repeat.length > 0 && repeat !== password ? "The two passwords differ." : null}
                required
              />
              <Button type="submit" loading={busy} disabled={!password || password !== repeat}>
                Create my account and accept
              </Button>
            </Stack>
          </form>
        ) : signedIn ? (
          <Stack>
            <Text size="sm">
              You are signed in as <b>{session.data?.user.email}</b>.
            </Text>
            <Button onClick={() => void accept()} loading={busy}>
              Accept the invitation
            </Button>
          </Stack>
        ) : (
          <Stack>
            <Text size="sm">Sign in to your Salus account ({invitation.email}) to accept.</Text>
            <Button component={Link} to="/sign-in" state={{ from: `/invitation${location.hash}` }}>
              Sign in to accept
            </Button>
          </Stack>
        )}
      </Stack>
    );
  }

  return (
    <Center mih="100vh" p="md" bg="var(--mantine-color-gray-light)">
      <Box component="main" id="main" tabIndex={-1} w="100%" maw={460}>
        <Paper withBorder shadow="sm" p="xl" radius="md">
          <Stack>
            <Title order={1} fz="h3">
              Invitation to Salus
            </Title>
            {content}
          </Stack>
        </Paper>
      </Box>
    </Center>
  );
}

import { Alert, Button, Center, Group, Loader, Stack, Text } from "@mantine/core";
import { ApiError } from "../api/client.ts";

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <Center py="xl" role="status" aria-live="polite">
      <Group gap="sm">
        <Loader size="sm" />
        <Text c="dimmed" size="sm">
          {label}
        </Text>
      </Group>
    </Center>
  );
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return "Something went wrong.";
}

export function LoadError({
  error,
  onRetry,
  title = "Could not load",
}: {
  error: unknown;
  onRetry?: () => void;
  title?: string;
}) {
  const notFound = error instanceof ApiError && error.status === 404;
  return (
    <Alert color="red" title={notFound ? "Not found" : title} role="alert" my="md">
      <Stack gap="xs" align="flex-start">
        <Text size="sm">{errorMessage(error)}</Text>
        {onRetry && !notFound ? (
          <Button size="xs" variant="light" color="red" onClick={onRetry}>
            Try again
          </Button>
        ) : null}
      </Stack>
    </Alert>
  );
}

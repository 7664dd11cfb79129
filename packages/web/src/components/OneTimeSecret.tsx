import { Alert, Button, Code, CopyButton, Group, Modal, Stack, Text } from "@mantine/core";
import type { ReactNode } from "react";

/** Shows a secret that the server will never show again (one-time password, API token). */
export function OneTimeSecret({
  opened,
  title,
  intro,
  secret,
  label,
  onClose,
}: {
  opened: boolean;
  title: string;
  intro: ReactNode;
  secret: string;
  label: string;
  onClose: () => void;
}) {
  return (
    <Modal opened={opened} onClose={onClose} title={title} closeOnClickOutside={false} size="lg">
      <Stack>
        <Text size="sm" component="div">
          {intro}
        </Text>
        <Alert color="yellow" variant="light">
          This is shown only once. Copy it now; Salus keeps only a form of it that cannot be read back.
        </Alert>
        <Stack gap={4}>
          <Text size="sm" fw={500}>
            {label}
          </Text>
          <Code
            block
            data-testid="one-time-secret"
            style={{ wordBreak: "break-all", whiteSpace: "pre-wrap", fontSize: 15 }}
          >
            {secret}
          </Code>
        </Stack>
        <Group justify="flex-end">
          <CopyButton value={secret}>
            {({ copied, copy }) => (
              <Button variant="light" onClick={copy}>
                {copied ? "Copied" : `Copy ${label.toLowerCase()}`}
              </Button>
            )}
          </CopyButton>
          <Button onClick={onClose}>Done</Button>
        </Group>
      </Stack>
    </Modal>
  );
}

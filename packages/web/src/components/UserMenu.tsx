import { Avatar, Button, Menu, Text, UnstyledButton } from "@mantine/core";
import { useNavigate } from "react-router-dom";
import { useCurrentSession, useSignOut } from "../auth/session.ts";

function initials(name: string): string {
  const parts = name.trim().split(/\s+/);
  return ((parts[0]?.[0] ?? "") + (parts.length > 1 ? (parts.at(-1)?.[0] ?? "") : "")).toUpperCase() || "?";
}

export function UserMenu() {
  const session = useCurrentSession();
  const signOut = useSignOut();
  const navigate = useNavigate();
  const name = session.user.displayName || session.user.email;

  const onSignOut = async () => {
    await signOut();
    navigate("/sign-in", { replace: true, state: { reason: "signed_out" } });
  };

  return (
    <>
      <Menu position="bottom-end" withinPortal>
        <Menu.Target>
          <UnstyledButton
            aria-label={`Account: ${name}`}
            style={{ display: "flex", alignItems: "center", gap: 8 }}
          >
            <Avatar size="sm" color="teal" radius="xl">
              {initials(name)}
            </Avatar>
            <Text size="sm" visibleFrom="sm" data-testid="user-name">
              {name}
            </Text>
          </UnstyledButton>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Label>{session.user.email}</Menu.Label>
          <Menu.Label>Roles: {session.roles.join(", ") || "none"}</Menu.Label>
          <Menu.Divider />
          <Menu.Item onClick={onSignOut}>Sign out</Menu.Item>
        </Menu.Dropdown>
      </Menu>
      <Button variant="subtle" size="xs" onClick={onSignOut} visibleFrom="sm">
        Sign out
      </Button>
    </>
  );
}

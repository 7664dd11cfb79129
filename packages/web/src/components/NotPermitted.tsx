import { Button, EmptyState, Title } from "@mantine/core";
import { Link } from "react-router-dom";

export function NotPermitted() {
  return (
    <EmptyState
      py="xl"
      description="Your role does not allow you to see this page. Ask an administrator of your organization if you need it."
    >
      <EmptyState.Title>
        <Title order={1} fz="h3">
          Not permitted
        </Title>
      </EmptyState.Title>
      <EmptyState.Actions>
        <Button component={Link} to="/" variant="light">
          Go to the home page
        </Button>
      </EmptyState.Actions>
    </EmptyState>
  );
}

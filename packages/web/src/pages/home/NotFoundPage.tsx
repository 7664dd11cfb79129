import { Button, EmptyState, Title } from "@mantine/core";
import { Link } from "react-router-dom";

export function NotFoundPage() {
  return (
    <EmptyState py="xl" description="There is no page at this address.">
      <EmptyState.Title>
        <Title order={1} fz="h3">
          Page not found
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

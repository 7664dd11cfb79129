import { Button, EmptyState } from "@mantine/core";
import { Link } from "react-router-dom";

export function NotFoundPage() {
  return (
    <EmptyState py="xl" title="Page not found" description="There is no page at this address.">
      <EmptyState.Actions>
        <Button component={Link} to="/" variant="light">
          Go to the home page
        </Button>
      </EmptyState.Actions>
    </EmptyState>
  );
}

import { Card, SimpleGrid, Text } from "@mantine/core";
import { Link } from "react-router-dom";
import { useCurrentSession } from "../../auth/session.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { navItems } from "../../nav/navItems.ts";

const BLURBS: Record<string, string> = {
  "/patients": "Find a patient by name, MRN or date of birth; update demographics.",
  "/locations": "Offices with their rooms and equipment.",
  "/staff": "Practitioners and staff, NPIs and licences with their expiry.",
  "/settings/organization": "Two-factor requirement and session time-outs.",
  "/settings/users": "Who can sign in, and with which roles.",
  "/settings/tokens": "Tokens for integrations using the API.",
  "/audit": "Every access to health information, filterable and exportable.",
};

export function HomePage() {
  const session = useCurrentSession();
  const items = navItems(session.permissions);
  const firstName = (session.user.displayName || session.user.email).split(/\s+/)[0];
  return (
    <>
      <PageHeader title={`Welcome, ${firstName}`} description={session.organization.name} />
      {items.length === 0 ? (
        <Text c="dimmed">Your roles do not give access to any page yet. Ask an administrator.</Text>
      ) : (
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
          {items.map((item) => (
            <Card key={item.to} component={Link} to={item.to} withBorder padding="lg" radius="md">
              <Text fw={600}>{item.label}</Text>
              <Text size="sm" c="dimmed" mt={4}>
                {BLURBS[item.to] ?? item.section}
              </Text>
            </Card>
          ))}
        </SimpleGrid>
      )}
    </>
  );
}

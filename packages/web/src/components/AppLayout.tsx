import { AppShell, Burger, Group, NavLink, ScrollArea, Stack, Text } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { Suspense, useEffect, useRef } from "react";
import { Link, Outlet, useLocation } from "react-router-dom";
import { useCurrentSession, useSessionWatch } from "../auth/session.ts";
import { groupBySection, navItems } from "../nav/navItems.ts";
import { OrganizationSwitcher } from "./OrganizationSwitcher.tsx";
import { Loading } from "./QueryState.tsx";
import { UserMenu } from "./UserMenu.tsx";

export function AppLayout() {
  const session = useCurrentSession();
  const [opened, { toggle, close }] = useDisclosure(false);
  const location = useLocation();
  const items = navItems(session.permissions);
  const groups = groupBySection(items);
  const activeTo = activeNavItem(
    items.map((i) => i.to),
    location.pathname,
  );
  useSessionWatch(location.pathname);

  // After moving to another page, close the navbar drawer (tablets and phones) and move focus to
  // the main content, so keyboard and screen-reader users start on the new page, not in the old one.
  const firstRender = useRef(true);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on navigation
  useEffect(() => {
    close();
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    document.getElementById("main")?.focus({ preventScroll: true });
  }, [location.pathname, close]);

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 232, breakpoint: "md", collapsed: { mobile: !opened } }}
      padding={{ base: "sm", sm: "lg" }}
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap" miw={0}>
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="md"
              size="sm"
              aria-label={opened ? "Close navigation" : "Open navigation"}
              aria-expanded={opened}
              aria-controls="salus-navbar"
            />
            <Text component={Link} to="/" fw={700} c="teal.9" fz="lg" style={{ textDecoration: "none" }}>
              Salus
            </Text>
            <Text fw={500} truncate visibleFrom="xs" data-testid="organization-name">
              {session.organization.name}
            </Text>
          </Group>
          <Group gap="xs" wrap="nowrap">
            <OrganizationSwitcher />
            <UserMenu />
          </Group>
        </Group>
      </AppShell.Header>

      <AppShell.Navbar p="sm" id="salus-navbar" aria-label="Main navigation" component="nav">
        <ScrollArea type="auto">
          <Stack gap="md">
            <NavLink component={Link} to="/" label="Home" active={location.pathname === "/"} />
            {groups.map((group) => (
              <Stack gap={2} key={group.section}>
                <Text size="xs" fw={700} c="dimmed" tt="uppercase" px="sm" component="h2" m={0}>
                  {group.section}
                </Text>
                {group.items.map((item) => {
                  const active = item.to === activeTo;
                  return (
                    <NavLink
                      key={item.to}
                      component={Link}
                      to={item.to}
                      label={item.label}
                      active={active}
                      aria-current={active ? "page" : undefined}
                    />
                  );
                })}
              </Stack>
            ))}
          </Stack>
        </ScrollArea>
      </AppShell.Navbar>

      <AppShell.Main id="main" tabIndex={-1}>
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}

/**
 * The one entry to highlight: the page's own address, else the longest entry the address lies under
 * (so /billing/claims/42 lights "Claims", not "Billing home" too). Null when none matches.
 */
export function activeNavItem(addresses: readonly string[], pathname: string): string | null {
  let best: string | null = null;
  for (const to of addresses) {
    if (pathname !== to && !pathname.startsWith(`${to}/`)) continue;
    if (best === null || to.length > best.length) best = to;
  }
  return best;
}

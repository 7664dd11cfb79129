// Test helpers for components: Mantine needs matchMedia and ResizeObserver, which jsdom lacks.
import { MantineProvider } from "@mantine/core";
import type { SessionView as Session } from "@salus/server/auth/schemas";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactElement, ReactNode } from "react";
import { MemoryRouter } from "react-router-dom";
import { SESSION_KEY } from "../auth/session.ts";
import { theme } from "../theme.ts";

if (typeof window !== "undefined") {
  if (!window.matchMedia) {
    Object.defineProperty(window, "matchMedia", {
      writable: true,
      value: (query: string) => ({
        matches: false,
        media: query,
        onchange: null,
        addListener: () => {},
        removeListener: () => {},
        addEventListener: () => {},
        removeEventListener: () => {},
        dispatchEvent: () => false,
      }),
    });
  }
  if (!("ResizeObserver" in window)) {
    class ResizeObserverStub {
      observe() {}
      unobserve() {}
      disconnect() {}
    }
    Object.defineProperty(window, "ResizeObserver", { writable: true, value: ResizeObserverStub });
  }
  if (!Element.prototype.scrollIntoView) Element.prototype.scrollIntoView = () => {};
}

export function makeSession(overrides: Partial<Session> = {}): Session {
  return {
    user: { id: "u1", email: "manager@demo.salus.test", displayName: "Morgan Manager", mfaEnabled: false },
    organization: { id: "o1", slug: "demo", name: "Demo Family Practice" },
    organizations: [{ slug: "demo", name: "Demo Family Practice" }],
    roles: ["manager"],
    permissions: [
      "org:read",
      "locations:read",
      "staff:read",
      "locations:write",
      "staff:write",
      "patients:read",
      "patients:write",
    ],
    csrfToken: "csrf-test",
    stage: "active",
    ...overrides,
  };
}

export function renderWithProviders(
  ui: ReactElement,
  { session = makeSession(), route = "/" }: { session?: Session | null; route?: string } = {},
) {
  const queryClient = new QueryClient({
    defaultOptions: { queries: { retry: false }, mutations: { retry: false } },
  });
  queryClient.setQueryData(SESSION_KEY, session);
  const wrapper = ({ children }: { children: ReactNode }) => (
    <MantineProvider theme={theme}>
      <QueryClientProvider client={queryClient}>
        <MemoryRouter initialEntries={[route]}>{children}</MemoryRouter>
      </QueryClientProvider>
    </MantineProvider>
  );
  return { queryClient, ...render(ui, { wrapper }) };
}

/** A real-looking JSON Response for a stubbed fetch. */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

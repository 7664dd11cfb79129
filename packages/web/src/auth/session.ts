import type { SessionView as Session } from "@salus/server/auth/schemas";
import { type QueryClient, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect } from "react";
import { ApiError, api, setCsrfToken } from "../api/client.ts";
import { auth } from "../api/endpoints.ts";

export const SESSION_KEY = ["session"] as const;

/** The current session, or null when nobody is signed in (401). */
export async function fetchSessionOrNull(): Promise<Session | null> {
  try {
    return await auth.session();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

/** The session's stage, when it is still in the middle of signing in (the server's stage names). */
export type PendingStage = "mfa" | "mfa_enrollment" | "password_change";

export function pendingStage(session: Session | null | undefined): PendingStage | null {
  // Older servers named the stages after the sign-in status; both spellings are read.
  switch (session?.stage as string | undefined) {
    case "mfa":
    case "mfa_required":
      return "mfa";
    case "mfa_enrollment":
    case "mfa_enrollment_required":
      return "mfa_enrollment";
    case "password_change":
    case "password_change_required":
      return "password_change";
    default:
      return null;
  }
}

/** Signed in: a session exists and has finished signing in (stage `active`). */
export function isSignedIn(session: Session | null | undefined): session is Session {
  return !!session && pendingStage(session) === null;
}

export function useSession() {
  return useQuery({
    queryKey: SESSION_KEY,
    queryFn: fetchSessionOrNull,
    staleTime: 5 * 60_000,
    retry: false,
    refetchOnWindowFocus: true,
  });
}

/** The signed-in session; only for components rendered inside RequireSession. */
export function useCurrentSession(): Session {
  const { data } = useSession();
  if (!data) throw new Error("useCurrentSession used outside a signed-in area");
  return data;
}

/** Forgets everything the browser holds for the session: PHI must not outlive it. */
export function forgetSession(queryClient: QueryClient): void {
  setCsrfToken(null);
  void queryClient.cancelQueries();
  queryClient.clear();
  queryClient.setQueryData(SESSION_KEY, null);
}

export function useSignOut(): () => Promise<void> {
  const queryClient = useQueryClient();
  return useCallback(async () => {
    try {
      await auth.logout();
    } catch {
      // Signing out locally matters most; the server session ends on its own timeout otherwise.
    }
    forgetSession(queryClient);
  }, [queryClient]);
}

/**
 * Checks the session in the background (without extending the idle timeout), so that when it ends
 * (idle timeout, absolute lifetime, user disabled) the app forgets what is on screen and asks to sign
 * in, instead of leaving health information visible on an unattended screen.
 */
function checkSession(): void {
  if (document.visibilityState === "hidden") return;
  api("/api/auth/session", { background: true }).catch(() => undefined);
}

export function useSessionWatch(pathname: string, intervalMs = 60_000): void {
  // Moving to another page may be answered from the cache: check that the session still holds.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on navigation
  useEffect(() => {
    checkSession();
  }, [pathname]);

  useEffect(() => {
    const check = checkSession;
    const timer = window.setInterval(check, intervalMs);
    document.addEventListener("visibilitychange", check);
    return () => {
      window.clearInterval(timer);
      document.removeEventListener("visibilitychange", check);
    };
  }, [intervalMs]);
}

/**
 * Automatic logoff (45 CFR 164.312(a)(2)(iii)): a session ends after a period without user activity and,
 * whatever the activity, after an absolute lifetime. Pure, so tests drive it with any clock.
 */
export interface SessionTimes {
  createdAt: string;
  lastActivityAt: string;
}

export interface SessionLimits {
  idleTimeoutMinutes: number;
  absoluteTimeoutHours: number;
}

export type SessionState = "active" | "idle-expired" | "absolute-expired";

export function sessionState(session: SessionTimes, now: Date, limits: SessionLimits): SessionState {
  const t = now.getTime();
  if (t - Date.parse(session.createdAt) >= limits.absoluteTimeoutHours * 3_600_000) return "absolute-expired";
  if (t - Date.parse(session.lastActivityAt) >= limits.idleTimeoutMinutes * 60_000) return "idle-expired";
  return "active";
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { idleTimeoutMinutes: 15, absoluteTimeoutHours: 12 };

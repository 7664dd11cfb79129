/**
 * Sign-in throttling: after a few free attempts, each further failure doubles the wait before the next
 * attempt is evaluated, capped at 15 minutes. Counted per account name (known or not, so the answer
 * never reveals which accounts exist) and per network address.
 */
export interface ThrottleState {
  failures: number;
  lastFailureAt: string | null;
}

export const FREE_ATTEMPTS = 5;
const BASE_DELAY_MS = 1_000;
const MAX_DELAY_MS = 15 * 60_000;

/** Milliseconds the caller must still wait before another attempt is evaluated (0 = may try now). */
export function throttleWait(state: ThrottleState, now: Date, freeAttempts = FREE_ATTEMPTS): number {
  if (state.failures < freeAttempts || !state.lastFailureAt) return 0;
  const delay = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.min(30, state.failures - freeAttempts));
  const last = Date.parse(state.lastFailureAt);
  // An unreadable time must not read as "long ago" (that would let the caller retry at once).
  if (Number.isNaN(last)) return delay;
  return Math.max(0, last + delay - now.getTime());
}

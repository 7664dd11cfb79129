/**
 * Guessing limits for passwords and MFA codes: after a few free attempts, each further failure doubles
 * the wait before the next attempt is evaluated (30 s, 1 min, 2 min, ... capped at 15 minutes). Counted
 * per account (an account name, known or not, so the answer never reveals which accounts exist) and per
 * network address. A counter untouched for a day starts again from zero, so the occasional typo of a busy
 * office address never adds up to a lockout months later.
 *
 * The server reserves an attempt (`reserveAttempt`) in a write transaction BEFORE it runs the expensive
 * check, so parallel requests see each other's attempts: that is what bounds guesses sent all at once.
 */
export interface ThrottleState {
  failures: number;
  lastFailureAt: string | null;
}

export interface ThrottlePolicy {
  /** Attempts evaluated without any wait (the limit). */
  freeAttempts: number;
  /** The first lockout; each further failure doubles it. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A counter whose last attempt is at least this old counts from zero again. */
  forgetAfterMs: number;
}

export const FREE_ATTEMPTS = 5;

/** Per account: passwords (sign-in and change-password share it), and MFA codes (verify and enrolment). */
export const ACCOUNT_THROTTLE: ThrottlePolicy = {
  freeAttempts: FREE_ATTEMPTS,
  baseDelayMs: 30_000,
  maxDelayMs: 15 * 60_000,
  forgetAfterMs: 24 * 60 * 60_000,
};

/**
 * Per network address: more free attempts, since a whole office shares one address, and forgotten after
 * an hour without failures (a day would let a busy office's occasional typos add up to a lockout of
 * everyone there). A guesser who keeps going from one address still waits, doubling, between attempts.
 */
export const ADDRESS_THROTTLE: ThrottlePolicy = {
  ...ACCOUNT_THROTTLE,
  freeAttempts: 20,
  forgetAfterMs: 60 * 60_000,
};

function forgotten(state: ThrottleState, now: Date, policy: ThrottlePolicy): boolean {
  if (!state.lastFailureAt) return false;
  const last = Date.parse(state.lastFailureAt);
  return !Number.isNaN(last) && now.getTime() - last >= policy.forgetAfterMs;
}

/** The lockout that follows the failure that brought the count to `failures` (0 while attempts are free). */
export function lockoutDelay(failures: number, policy: ThrottlePolicy = ACCOUNT_THROTTLE): number {
  if (failures < policy.freeAttempts) return 0;
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(30, failures - policy.freeAttempts));
}

/** Milliseconds the caller must still wait before another attempt is evaluated (0 = may try now). */
export function throttleWait(
  state: ThrottleState,
  now: Date,
  policy: ThrottlePolicy = ACCOUNT_THROTTLE,
): number {
  if (state.failures < policy.freeAttempts || !state.lastFailureAt) return 0;
  if (forgotten(state, now, policy)) return 0;
  const delay = lockoutDelay(state.failures, policy);
  const last = Date.parse(state.lastFailureAt);
  // An unreadable time must not read as "long ago" (that would let the caller retry at once).
  if (Number.isNaN(last)) return delay;
  return Math.max(0, last + delay - now.getTime());
}

export type Reservation =
  | { ok: true /** the state to store */; state: ThrottleState /** this attempt's number */; attempt: number }
  | { ok: false; waitMs: number };

/**
 * Decides whether one more attempt may be evaluated now and, if so, the counter to store: the attempt
 * counts as a failure until the caller reports a success (then the counter is reset or the attempt
 * released). Refused attempts are not counted, so waiting out a lockout is always enough.
 */
export function reserveAttempt(
  state: ThrottleState,
  now: Date,
  policy: ThrottlePolicy = ACCOUNT_THROTTLE,
): Reservation {
  const current = forgotten(state, now, policy) ? { failures: 0, lastFailureAt: null } : state;
  const waitMs = throttleWait(current, now, policy);
  if (waitMs > 0) return { ok: false, waitMs };
  const attempt = Math.max(0, current.failures) + 1;
  return { ok: true, state: { failures: attempt, lastFailureAt: now.toISOString() }, attempt };
}

/**
 * Whether the failed attempt numbered `attempt` starts a lockout worth telling people about: the first
 * one, then every tenth failure after it (a long attack keeps reminding; a burst does not flood).
 */
export function lockoutNotice(attempt: number, policy: ThrottlePolicy = ACCOUNT_THROTTLE): boolean {
  const beyond = attempt - policy.freeAttempts;
  return beyond >= 0 && beyond % 10 === 0;
}

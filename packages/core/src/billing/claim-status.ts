import { DomainError } from "../shared/domain-error.ts";

/**
 * The claim's life as one declarative table (the pattern of scheduling/appointment-status.ts): every
 * status, every action that changes it, and from which statuses each action is allowed. The server's
 * `transitionClaim` asks this table and writes the history row; the property test beside it proves no
 * sequence of actions reaches a move the table does not allow.
 *
 *   draft ──scrub──▶ scrubbed (errors) / ready (clean) ──batch──▶ submitted ──999/277CA──▶ accepted
 *   │                 ▲  edit sends any unsent claim back to draft           └─▶ rejected ─fix─▶ draft
 *   └─ close (abandoned)                     accepted ──835──▶ paid / denied ──▶ closed
 *
 * A submitted, accepted, paid or denied claim is never edited: it is corrected by a replacement claim
 * (frequency 7) or cancelled by a void claim (frequency 8), and the original is closed.
 */
export const CLAIM_STATUSES = [
  "draft",
  "scrubbed",
  "ready",
  "submitted",
  "accepted",
  "rejected",
  "paid",
  "denied",
  "closed",
] as const;

export type ClaimStatus = (typeof CLAIM_STATUSES)[number];

/** Statuses in which the claim has not left the practice: its fields and lines may still change. */
export const UNSENT_CLAIM_STATUSES = [
  "draft",
  "scrubbed",
  "ready",
  "rejected",
] as const satisfies readonly ClaimStatus[];

/** Statuses a claim can be replaced (frequency 7) or voided (frequency 8) from: the payer has it. */
export const CORRECTABLE_CLAIM_STATUSES = [
  "submitted",
  "accepted",
  "paid",
  "denied",
] as const satisfies readonly ClaimStatus[];

interface ClaimTransition {
  readonly from: readonly ClaimStatus[];
  readonly to: ClaimStatus;
}

/**
 * Every allowed move. Scrubbing may run again on any unsent claim (a fixed claim is re-scrubbed); a
 * rejected claim was never adjudicated, so it is fixed and sent again as an original; `close` ends a
 * claim for good (paid or denied and worked, a draft abandoned, an original replaced or voided).
 */
export const CLAIM_TRANSITIONS = {
  "scrub-errors": { from: ["draft", "scrubbed", "ready", "rejected"], to: "scrubbed" },
  "scrub-clean": { from: ["draft", "scrubbed", "ready", "rejected"], to: "ready" },
  edit: { from: ["scrubbed", "ready", "rejected"], to: "draft" },
  submit: { from: ["ready"], to: "submitted" },
  accept: { from: ["submitted"], to: "accepted" },
  reject: { from: ["submitted", "accepted"], to: "rejected" },
  pay: { from: ["submitted", "accepted", "denied"], to: "paid" },
  deny: { from: ["submitted", "accepted"], to: "denied" },
  close: {
    from: ["draft", "scrubbed", "ready", "rejected", "submitted", "accepted", "paid", "denied"],
    to: "closed",
  },
} as const satisfies Record<string, ClaimTransition>;

export type ClaimAction = keyof typeof CLAIM_TRANSITIONS;

export const CLAIM_ACTIONS = Object.keys(CLAIM_TRANSITIONS) as ClaimAction[];

/** Whether `value` is one of the claim statuses. */
export function isClaimStatus(value: string): value is ClaimStatus {
  return (CLAIM_STATUSES as readonly string[]).includes(value);
}

/** The status after `action`, or null when the table does not allow it from `from`. */
export function nextClaimStatus(from: ClaimStatus, action: ClaimAction): ClaimStatus | null {
  const t: ClaimTransition = CLAIM_TRANSITIONS[action];
  return t.from.includes(from) ? t.to : null;
}

/** The actions allowed from `status`. */
export function claimActionsFrom(status: ClaimStatus): ClaimAction[] {
  return CLAIM_ACTIONS.filter((a) => nextClaimStatus(status, a) !== null);
}

/** The action a move from `from` to `to` stands for, or null when the table has none. */
export function claimActionFor(from: ClaimStatus, to: ClaimStatus): ClaimAction | null {
  return CLAIM_ACTIONS.find((a) => nextClaimStatus(from, a) === to) ?? null;
}

/** Whether the claim's fields and lines may still change (it has not left the practice). */
export function isUnsentClaim(status: ClaimStatus): boolean {
  return (UNSENT_CLAIM_STATUSES as readonly ClaimStatus[]).includes(status);
}

/**
 * Refuses a move from `from` to `to` the table does not allow (409 conflict, naming both and what is
 * allowed), and answers the action it stands for. `transitionClaim` calls this once before writing.
 */
export function requireClaimMove(from: ClaimStatus, to: ClaimStatus): ClaimAction {
  const action = claimActionFor(from, to);
  if (action) return action;
  const allowed = claimActionsFrom(from).map((a) => CLAIM_TRANSITIONS[a].to);
  const message =
    from === "closed"
      ? "This claim is closed; nothing more can happen to it. Correct a sent claim with a replacement or a void."
      : `A claim that is ${from} cannot become ${to}${
          allowed.length > 0 ? ` (from ${from} it can become: ${[...new Set(allowed)].join(", ")})` : ""
        }.`;
  throw new DomainError("conflict", message, [{ path: "status", message: `is ${from}` }]);
}

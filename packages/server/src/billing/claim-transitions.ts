import { randomUUID } from "node:crypto";
import { DomainError, notFound } from "@salus/core";
import { type ClaimStatus, requireClaimMove } from "@salus/core/billing/claim-status";
import type { ScopedTrx } from "../db/scoped.ts";
import type { Actor } from "../platform/services.ts";

/** Who moved a claim, as claim_transitions.source: 'user:<id>', 'batch:<id>', 'ack:<id>', 'remittance:<id>'. */
export type ClaimMover = Actor | string;

export interface ClaimTransitionResult {
  claimId: string;
  from: ClaimStatus;
  to: ClaimStatus;
  /** The claim's version after the move. */
  version: number;
  transitionId: string;
}

export interface TransitionOptions {
  /** The instant recorded; defaults to the wall clock (pass services.clock() from a use case). */
  now?: Date;
  /** Refuse (409) when the claim's version is no longer this one: someone changed it meanwhile. */
  expectedVersion?: number;
}

/** claim_transitions.source for an actor: the signed-in user, or the CLI's label. */
export function moverSource(by: ClaimMover): string {
  if (typeof by === "string") return by;
  return by.userId ? `user:${by.userId}` : `${by.via}:${by.label}`;
}

/**
 * Moves one claim to `to` inside the caller's transaction: checks the core table (409 conflict naming
 * the statuses when it does not allow the move), writes the history row in claim_transitions, sets the
 * status and bumps the version (optimistically: a claim changed by another transaction since it was
 * read is refused, never moved twice). Moving to `submitted` stamps `submitted_at`.
 */
export async function transitionClaim(
  trx: ScopedTrx,
  by: ClaimMover,
  claimId: string,
  to: ClaimStatus,
  reason?: string | null,
  options: TransitionOptions = {},
): Promise<ClaimTransitionResult> {
  const claim = await trx
    .selectFrom("claims")
    .select(["id", "organization_id", "status", "version"])
    .where("id", "=", claimId)
    .executeTakeFirst();
  if (!claim) throw notFound("claim");
  if (options.expectedVersion !== undefined && options.expectedVersion !== claim.version) {
    throw new DomainError(
      "conflict",
      "This claim was changed by someone else since you opened it; reload it and try again.",
      [{ path: "version", message: `is ${claim.version}, expected ${options.expectedVersion}` }],
    );
  }
  const from = claim.status as ClaimStatus;
  requireClaimMove(from, to);
  // Strictly after the claim's last transition, so its history reads in order even when two moves
  // share a millisecond (or callers pass clocks that disagree).
  const last = await trx
    .selectFrom("claim_transitions")
    .select("at")
    .where("claim_id", "=", claimId)
    .orderBy("at", "desc")
    .limit(1)
    .executeTakeFirst();
  let atMs = (options.now ?? new Date()).getTime();
  if (last && Date.parse(last.at) >= atMs) atMs = Date.parse(last.at) + 1;
  const at = new Date(atMs).toISOString();
  const updated = await trx
    .updateTable("claims")
    .set({
      status: to,
      version: claim.version + 1,
      updated_at: at,
      ...(to === "submitted" ? { submitted_at: at } : {}),
    })
    .where("id", "=", claimId)
    .where("version", "=", claim.version)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) !== 1) {
    throw new DomainError("conflict", "This claim was changed while it was being moved; try again.");
  }
  const transitionId = randomUUID();
  await trx
    .insertInto("claim_transitions")
    .values({
      organization_id: claim.organization_id,
      id: transitionId,
      claim_id: claimId,
      from_status: from,
      to_status: to,
      reason: reason ?? null,
      source: moverSource(by),
      at,
    })
    .execute();
  return { claimId, from, to, version: claim.version + 1, transitionId };
}

import { DomainError, notFound } from "@salus/core";
import type { ProfessionalClaim } from "@salus/core/billing/claim-model";
import { type ClaimStatus, isUnsentClaim } from "@salus/core/billing/claim-status";
import { scrubClaim as scrubPure } from "@salus/core/billing/scrubber/index";
import { audited, notePatient } from "../audit/audited.ts";
import type { ScopedTrx } from "../db/scoped.ts";
import type { Actor, Services } from "../platform/services.ts";
import { transitionClaim } from "./claim-transitions.ts";
import { loadProfessionalClaims } from "./load-professional-claims.ts";
import type { ScrubResultView } from "./schemas.ts";
import { loadScrubInputs, type ScrubInputs } from "./scrub-context.ts";

/**
 * Scrubs a stored claim: builds its ProfessionalClaim, reads what the rules need (code set of the date of
 * service, place-of-service list, licenses, claims already sent, the payer's rule settings), runs the
 * pure rules, saves the findings on the claim and moves it to `scrubbed` (errors) or `ready` (clean)
 * through transitionClaim, all in one audited transaction. The first scrub of a claim sets
 * `first_scrub_clean` once (the first-pass rate); a later scrub never changes it.
 */
export async function scrubClaim(
  services: Services,
  actor: Actor,
  claimId: string,
  options: { version?: number | undefined } = {},
): Promise<ScrubResultView> {
  return audited(
    services,
    actor,
    { action: "billing.claim.scrub", resourceType: "Claim", resourceId: claimId },
    async (trx) => scrubClaimIn(trx, services, actor, claimId, options.version),
  );
}

/** The same inside the caller's transaction (a batch of claims, the demo seed). */
export async function scrubClaimIn(
  trx: ScopedTrx,
  services: Services,
  actor: Actor | string,
  claimId: string,
  expectedVersion?: number,
): Promise<ScrubResultView> {
  const row = await trx
    .selectFrom("claims")
    .select(["id", "patient_id", "status", "version", "scrub_count", "first_scrub_clean"])
    .where("id", "=", claimId)
    .executeTakeFirst();
  if (!row) throw notFound("claim");
  notePatient(trx, row.patient_id);
  if (expectedVersion !== undefined && expectedVersion !== row.version)
    throw new DomainError(
      "conflict",
      "This claim was changed by someone else since you opened it; reload it and scrub again.",
      [{ path: "version", message: `is ${row.version}, expected ${expectedVersion}` }],
    );
  const status = row.status as ClaimStatus;
  if (!isUnsentClaim(status))
    throw new DomainError(
      "conflict",
      `This claim is ${status}: it has left the practice and is no longer scrubbed. Correct it with a replacement or a void claim.`,
      [{ path: "status", message: `is ${status}` }],
    );
  const claim = (await loadProfessionalClaims(trx, [claimId])).get(claimId);
  if (!claim) throw notFound("claim");
  const now = services.clock();
  const inputs = await loadScrubInputs(trx, [claim], now);
  return applyScrub(trx, actor, row, claim, inputs, now);
}

interface ClaimRow {
  id: string;
  version: number;
  scrub_count: number;
  first_scrub_clean: number | null;
}

/**
 * Scrubs one loaded claim and records it: the findings, the scrub count, the first-pass flag (set once,
 * by the first scrub), and the move to `scrubbed` or `ready` through transitionClaim (which refuses a
 * claim changed since `row` was read).
 */
export async function applyScrub(
  trx: ScopedTrx,
  actor: Actor | string,
  row: ClaimRow,
  claim: ProfessionalClaim,
  inputs: ScrubInputs,
  now: Date,
): Promise<ScrubResultView> {
  const result = scrubPure(claim, inputs.contextOf(claim), inputs.rulesOf(claim));
  const at = now.toISOString();
  const firstClean = row.first_scrub_clean === null ? result.clean : row.first_scrub_clean === 1;
  await trx
    .updateTable("claims")
    .set({
      scrub_findings: JSON.stringify(result.findings),
      scrubbed_at: at,
      scrub_count: row.scrub_count + 1,
      first_scrub_clean: firstClean ? 1 : 0,
    })
    .where("id", "=", row.id)
    .where("version", "=", row.version)
    .execute();
  const moved = await transitionClaim(
    trx,
    actor,
    row.id,
    result.clean ? "ready" : "scrubbed",
    result.clean
      ? result.warnings
        ? `scrubbed clean, ${result.warnings} warning${result.warnings === 1 ? "" : "s"}`
        : "scrubbed clean"
      : `scrubbed: ${result.errors} error${result.errors === 1 ? "" : "s"}`,
    { now, expectedVersion: row.version },
  );
  return {
    claimId: row.id,
    status: moved.to,
    version: moved.version,
    findings: result.findings,
    errors: result.errors,
    warnings: result.warnings,
    clean: result.clean,
    scrubbedAt: at,
    scrubCount: row.scrub_count + 1,
    firstScrubClean: firstClean,
  };
}

import { DomainError, notFound } from "@salus/core";
import {
  type ClaimStatus,
  CORRECTABLE_CLAIM_STATUSES,
  isUnsentClaim,
} from "@salus/core/billing/claim-status";
import { bucketBalance } from "@salus/core/billing/ledger";
import { audited } from "../audit/audited.ts";
import type { ClaimsTable } from "../db/schema-billing.ts";
import type { ScopedTrx } from "../db/scoped.ts";
import type { Actor, Services } from "../platform/services.ts";
import { insertClaim, type NewClaim } from "./build-claims.ts";
import { transitionClaim } from "./claim-transitions.ts";
import { loadClaimView, secondaryCoverageFor } from "./claim-view.ts";
import { claimLineAccount, entriesOfCharges, postLedgerIn, unclaimed } from "./ledger-posting.ts";
import type { ClaimView } from "./ledger-schemas.ts";

/**
 * What happens to a claim after it is built, apart from scrubbing and batching: a replacement
 * (frequency 7) or a void (frequency 8) of a claim the payer has, the secondary claim once the primary
 * has paid, and closing a claim. Every one moves the lines' balances on the ledger with transfers, so a
 * claim's balance is always what is still owed on it.
 */

async function loadClaim(trx: ScopedTrx, id: string, version?: number): Promise<ClaimsTable> {
  const claim = await trx.selectFrom("claims").selectAll().where("id", "=", id).executeTakeFirst();
  if (!claim) throw notFound("claim");
  if (version !== undefined && version !== claim.version) {
    throw new DomainError(
      "conflict",
      "This claim was changed by someone else since you opened it; reload it and try again.",
    );
  }
  return claim;
}

async function linesOf(trx: ScopedTrx, claimId: string) {
  return trx
    .selectFrom("claim_lines")
    .selectAll()
    .where("claim_id", "=", claimId)
    .orderBy("line_number")
    .execute();
}

function copyOf(
  claim: ClaimsTable,
  lines: Awaited<ReturnType<typeof linesOf>>,
): Omit<NewClaim, "frequencyCode" | "reason"> {
  return {
    patientId: claim.patient_id,
    payerRef: claim.payer_ref,
    coverageId: claim.coverage_id,
    sequence: claim.sequence,
    primaryClaimId: claim.primary_claim_id,
    renderingStaffId: claim.rendering_staff_id,
    locationId: claim.location_id,
    dateOfService: claim.date_of_service,
    placeOfService: claim.place_of_service,
    originalClaimId: claim.id,
    diagnosisCodes: JSON.parse(claim.diagnosis_codes),
    lines: lines.map((l) => ({
      chargeId: l.charge_id,
      procedureCode: l.procedure_code,
      modifiers: l.modifiers,
      units: l.units,
      chargeCents: l.charge_cents,
      diagnosisPointers: JSON.parse(l.diagnosis_pointers),
      dateOfService: l.date_of_service,
      placeOfService: l.place_of_service,
    })),
  };
}

/** Moves what is still owed on each line of `from` to the same line of claim `to` (or back off any claim). */
async function moveLineBalances(
  trx: ScopedTrx,
  services: Services,
  actor: Actor,
  from: ClaimsTable,
  lines: Awaited<ReturnType<typeof linesOf>>,
  to: { claimId: string; payerRef: string } | null,
  memo: string,
): Promise<void> {
  const entries = await entriesOfCharges(
    trx,
    lines.map((l) => l.charge_id),
  );
  for (const l of lines) {
    const account = claimLineAccount(from.payer_ref, from.id, l.line_number);
    const balance = bucketBalance(entries, l.charge_id, account);
    if (balance <= 0) continue;
    await postLedgerIn(
      trx,
      services,
      actor,
      {
        kind: "transfer",
        chargeId: l.charge_id,
        patientId: from.patient_id,
        from: account,
        to: to ? claimLineAccount(to.payerRef, to.claimId, l.line_number) : unclaimed(from.payer_ref),
        amountCents: balance,
        memo,
      },
      { source: `claim:${to?.claimId ?? from.id}` },
    );
  }
}

function requireCorrectable(claim: ClaimsTable, what: string): void {
  if (!(CORRECTABLE_CLAIM_STATUSES as readonly string[]).includes(claim.status)) {
    throw new DomainError(
      "conflict",
      isUnsentClaim(claim.status as ClaimStatus)
        ? `This claim is ${claim.status}: it has not reached the payer, so edit it instead of sending a ${what}.`
        : `A ${claim.status} claim cannot be given a ${what}.`,
    );
  }
}

async function requireNotCorrectedYet(trx: ScopedTrx, claim: ClaimsTable): Promise<void> {
  const later = await trx
    .selectFrom("claims")
    .select("patient_control_number")
    .where("original_claim_id", "=", claim.id)
    .executeTakeFirst();
  if (later)
    throw new DomainError(
      "conflict",
      `This claim was already corrected by claim ${later.patient_control_number}.`,
    );
}

/**
 * A replacement claim (frequency 7) for a claim the payer has: a draft copy with the same lines and the
 * original's reference, to fix and send; the lines' balances move onto it, the charges follow it, and
 * the original is closed.
 */
export async function replaceClaimIn(
  trx: ScopedTrx,
  services: Services,
  actor: Actor,
  id: string,
  input: { version?: number; reason: string },
): Promise<ClaimView> {
  return correctSentClaim(trx, services, actor, id, input, "7");
}

/**
 * A void claim (frequency 8) for a claim the payer has: a draft copy to send, telling the payer to
 * cancel it. What was still owed on its lines goes back to the payer's unclaimed account and its
 * charges back to approved (claim them again, or void them); the original is closed.
 */
export async function voidClaimIn(
  trx: ScopedTrx,
  services: Services,
  actor: Actor,
  id: string,
  input: { version?: number; reason: string },
): Promise<ClaimView> {
  return correctSentClaim(trx, services, actor, id, input, "8");
}

/** Replacement (7) and void (8) differ only in where the balances and charges go; the rest is one path. */
async function correctSentClaim(
  trx: ScopedTrx,
  services: Services,
  actor: Actor,
  id: string,
  input: { version?: number; reason: string },
  frequency: "7" | "8",
): Promise<ClaimView> {
  const replace = frequency === "7";
  const claim = await loadClaim(trx, id, input.version);
  requireCorrectable(claim, replace ? "replacement" : "void");
  await requireNotCorrectedYet(trx, claim);
  const lines = await linesOf(trx, id);
  const created = await insertClaim(trx, services, actor, {
    ...copyOf(claim, lines),
    frequencyCode: frequency,
    reason: `${replace ? "Replaces" : "Voids"} ${claim.patient_control_number}: ${input.reason}`,
  });
  await moveLineBalances(
    trx,
    services,
    actor,
    claim,
    lines,
    replace ? { claimId: created.id, payerRef: claim.payer_ref } : null,
    `${replace ? "replaced" : "voided"} by ${created.patientControlNumber}`,
  );
  const now = services.clock().toISOString();
  await trx
    .updateTable("charges")
    .set(
      replace
        ? { claim_id: created.id, updated_at: now }
        : { status: "approved", claim_id: null, updated_at: now },
    )
    .where("claim_id", "=", id)
    .execute();
  await transitionClaim(
    trx,
    actor,
    id,
    "closed",
    `${replace ? "Replaced" : "Voided"} by ${created.patientControlNumber}: ${input.reason}`,
    { now: services.clock() },
  );
  return loadClaimView(trx, created.id);
}

/**
 * The secondary claim, once the primary has paid: the same lines billed to the patient's next coverage,
 * with what the primary left moved onto it (loop 2320 carries the primary's payment when it is written).
 */
export async function prepareSecondaryClaimIn(
  trx: ScopedTrx,
  services: Services,
  actor: Actor,
  id: string,
): Promise<ClaimView> {
  const claim = await loadClaim(trx, id);
  if (claim.status !== "paid" || claim.sequence !== "primary") {
    throw new DomainError(
      "conflict",
      `A secondary claim is prepared from a paid primary claim; this one is a ${claim.status} ${claim.sequence} claim.`,
    );
  }
  const existing = await trx
    .selectFrom("claims")
    .select("patient_control_number")
    .where("primary_claim_id", "=", id)
    .executeTakeFirst();
  if (existing)
    throw new DomainError(
      "conflict",
      `The secondary claim ${existing.patient_control_number} was already prepared.`,
    );
  const coverage = await secondaryCoverageFor(trx, claim);
  if (!coverage) {
    throw new DomainError(
      "conflict",
      `The patient has no second coverage linked to a payer on ${claim.date_of_service}.`,
    );
  }
  const lines = await linesOf(trx, id);
  const entries = await entriesOfCharges(
    trx,
    lines.map((l) => l.charge_id),
  );
  const left = lines.reduce(
    (s, l) => s + bucketBalance(entries, l.charge_id, claimLineAccount(claim.payer_ref, id, l.line_number)),
    0,
  );
  if (left <= 0)
    throw new DomainError(
      "conflict",
      "The primary payer left nothing owed on this claim: there is nothing to bill a secondary payer.",
    );
  const created = await insertClaim(trx, services, actor, {
    ...copyOf(claim, lines),
    payerRef: coverage.payer_ref,
    coverageId: coverage.id,
    sequence: "secondary",
    primaryClaimId: id,
    originalClaimId: null,
    frequencyCode: "1",
    reason: `Secondary to ${claim.patient_control_number}`,
  });
  await moveLineBalances(
    trx,
    services,
    actor,
    claim,
    lines,
    { claimId: created.id, payerRef: coverage.payer_ref },
    `to secondary ${created.patientControlNumber}`,
  );
  return loadClaimView(trx, created.id);
}

/**
 * Closes a claim. An unsent claim is abandoned: its lines' balances go back to the payer's unclaimed
 * account and its charges back to approved. A paid or denied claim is closed as worked (what is still
 * owed stays on its lines until written off or transferred).
 */
export async function closeClaimIn(
  trx: ScopedTrx,
  services: Services,
  actor: Actor,
  id: string,
  input: { version?: number; reason: string },
): Promise<ClaimView> {
  const claim = await loadClaim(trx, id, input.version);
  if (isUnsentClaim(claim.status as ClaimStatus)) {
    const lines = await linesOf(trx, id);
    await moveLineBalances(trx, services, actor, claim, lines, null, "claim abandoned");
    if (claim.sequence === "primary") {
      await trx
        .updateTable("charges")
        .set({ status: "approved", claim_id: null, updated_at: services.clock().toISOString() })
        .where("claim_id", "=", id)
        .execute();
    }
  }
  await transitionClaim(trx, actor, id, "closed", input.reason, {
    now: services.clock(),
    expectedVersion: claim.version,
  });
  return loadClaimView(trx, id);
}

type Correction = "replace" | "void" | "secondary" | "close";

export async function correctClaim(
  services: Services,
  actor: Actor,
  id: string,
  what: Correction,
  input: { version?: number; reason?: string },
): Promise<ClaimView> {
  return audited(
    services,
    actor,
    {
      action: `billing.claim.${what}`,
      resourceType: "Claim",
      resourceId: id,
      detail: input.reason ? { reason: input.reason } : null,
      fromResult: (c: ClaimView) => ({ patientId: c.patientId, detail: { claimId: c.id, status: c.status } }),
    },
    (trx) => {
      const reason = input.reason ?? "";
      switch (what) {
        case "replace":
          return replaceClaimIn(trx, services, actor, id, { ...input, reason });
        case "void":
          return voidClaimIn(trx, services, actor, id, { ...input, reason });
        case "secondary":
          return prepareSecondaryClaimIn(trx, services, actor, id);
        case "close":
          return closeClaimIn(trx, services, actor, id, { ...input, reason });
      }
    },
  );
}

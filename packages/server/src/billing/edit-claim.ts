import { DomainError, normalizeIcd10 } from "@salus/core";
import { type ClaimStatus, isUnsentClaim } from "@salus/core/billing/claim-status";
import { audited } from "../audit/audited.ts";
import type { ScopedTrx } from "../db/scoped.ts";
import type { Actor, Services } from "../platform/services.ts";
import { transitionClaim } from "./claim-transitions.ts";
import { loadClaimView } from "./claim-view.ts";
import type { ClaimEditRequest, ClaimView } from "./ledger-schemas.ts";

/**
 * Fixes a claim that has not left the practice (draft, scrubbed, ready or rejected): its diagnosis
 * codes, place of service, and each line's modifiers and diagnosis pointers. Amounts are not edited
 * here (they are the ledger's: correct the charge). A scrubbed, ready or rejected claim goes back to
 * draft, so it is scrubbed again before it can be batched.
 */
export async function editClaimIn(
  trx: ScopedTrx,
  services: Services,
  actor: Actor,
  id: string,
  input: ClaimEditRequest,
): Promise<ClaimView> {
  const claim = await trx.selectFrom("claims").selectAll().where("id", "=", id).executeTakeFirst();
  if (!claim) throw new DomainError("not_found", "No claim with that id.");
  if (claim.version !== input.version) {
    throw new DomainError(
      "conflict",
      "This claim was changed by someone else since you opened it; reload it and try again.",
      [{ path: "version", message: `is ${claim.version}, expected ${input.version}` }],
    );
  }
  const status = claim.status as ClaimStatus;
  if (!isUnsentClaim(status)) {
    throw new DomainError(
      "conflict",
      `This claim is ${status}: the payer has it. Correct it with a replacement claim, or cancel it with a void.`,
    );
  }
  let codes: string[] = JSON.parse(claim.diagnosis_codes);
  if (input.diagnosisCodes) {
    codes = input.diagnosisCodes.map((raw, i) => {
      const code = normalizeIcd10(raw);
      if (!code) {
        throw new DomainError(
          "invalid_code",
          `"${raw}" is not an ICD-10-CM code (a letter, two characters, then up to four more).`,
          [{ path: `diagnosisCodes.${i}`, message: "not an ICD-10-CM code" }],
        );
      }
      return code;
    });
    if (new Set(codes).size !== codes.length) {
      throw new DomainError("invalid_request", "A diagnosis code is listed twice.", [
        { path: "diagnosisCodes", message: "repeated" },
      ]);
    }
  }
  const lines = await trx.selectFrom("claim_lines").selectAll().where("claim_id", "=", id).execute();
  for (const [i, change] of (input.lines ?? []).entries()) {
    const line = lines.find((l) => l.line_number === change.lineNumber);
    if (!line) {
      throw new DomainError("invalid_request", `The claim has no line ${change.lineNumber}.`, [
        { path: `lines.${i}.lineNumber`, message: "no such line" },
      ]);
    }
    for (const [k, p] of (change.diagnosisPointers ?? []).entries()) {
      if (p > codes.length) {
        throw new DomainError(
          "invalid_request",
          `Line ${change.lineNumber}: diagnosis pointer ${p} points nowhere; the claim has ${codes.length} diagnosis code(s).`,
          [{ path: `lines.${i}.diagnosisPointers.${k}`, message: "points nowhere" }],
        );
      }
    }
    await trx
      .updateTable("claim_lines")
      .set({
        modifiers: change.modifiers
          ? JSON.stringify(change.modifiers.map((m) => m.toUpperCase()))
          : line.modifiers,
        diagnosis_pointers: change.diagnosisPointers
          ? JSON.stringify(change.diagnosisPointers)
          : line.diagnosis_pointers,
      })
      .where("claim_id", "=", id)
      .where("line_number", "=", line.line_number)
      .execute();
  }
  const updated = await trx
    .updateTable("claims")
    .set({
      diagnosis_codes: JSON.stringify(codes),
      place_of_service: input.placeOfService ?? claim.place_of_service,
      version: claim.version + 1,
      updated_at: services.clock().toISOString(),
    })
    .where("id", "=", id)
    .where("version", "=", claim.version)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) !== 1)
    throw new DomainError("conflict", "This claim changed while it was being saved; try again.");
  if (status !== "draft") {
    await transitionClaim(trx, actor, id, "draft", input.reason ?? "Edited: to be scrubbed again", {
      now: services.clock(),
    });
  }
  return loadClaimView(trx, id);
}

export async function editClaim(
  services: Services,
  actor: Actor,
  id: string,
  input: ClaimEditRequest,
): Promise<ClaimView> {
  return audited(
    services,
    actor,
    {
      action: "billing.claim.edit",
      resourceType: "Claim",
      resourceId: id,
      fromResult: (c: ClaimView) => ({ patientId: c.patientId, detail: { status: c.status } }),
    },
    (trx) => editClaimIn(trx, services, actor, id, input),
  );
}

import { createHash, randomUUID } from "node:crypto";
import { DomainError } from "@salus/core";
import type { ProfessionalClaim } from "@salus/core/billing/claim-model";
import { write837P } from "@salus/core/billing/x12/write-837p";
import { audited } from "../audit/audited.ts";
import type { ScopedTrx } from "../db/scoped.ts";
import type { Actor, Services } from "../platform/services.ts";
import type { CreatedBatchView } from "./batch-schemas.ts";
import { presentBatch } from "./batch-view.ts";
import { transitionClaim } from "./claim-transitions.ts";
import { loadProfessionalClaims } from "./load-professional-claims.ts";

/** ISA13 and GS06 are at most nine digits. */
const MAX_CONTROL = 999_999_999;
/** SQLite caps bound parameters per statement. */
const SLICE = 500;

export interface CreateBatchOptions {
  /** When given, must be exactly the claims that are ready (the list the biller saw): else 409. */
  claimIds?: readonly string[] | undefined;
}

/**
 * Writes one 837P batch from every claim that is ready, in one audited transaction: takes the next
 * interchange and group control numbers from billing_settings (increasing; the unique index on
 * claim_batches refuses a reuse), writes the file (refused whole, naming the claim, when a claim does not
 * fit the 005010X222A1 loop map), stores it with its SHA-256, and moves every claim to submitted through
 * transitionClaim with the version read at the start: a claim edited, scrubbed or batched by someone else
 * meanwhile makes the whole batch refuse (409), so nothing is half-batched and no claim is sent twice.
 */
export async function createClaimBatch(
  services: Services,
  actor: Actor,
  options: CreateBatchOptions = {},
): Promise<CreatedBatchView> {
  return audited(
    services,
    actor,
    {
      action: "billing.batch.create",
      resourceType: "ClaimBatch",
      fromResult: (r: CreatedBatchView) => ({
        resourceId: r.batchId,
        detail: { claims: r.claims, interchangeControlNumber: r.interchangeControlNumber },
      }),
    },
    (trx) => createClaimBatchIn(trx, services, actor, options),
  );
}

export async function createClaimBatchIn(
  trx: ScopedTrx,
  services: Services,
  actor: Actor,
  options: CreateBatchOptions = {},
): Promise<CreatedBatchView> {
  const settings = await trx.selectFrom("billing_settings").selectAll().executeTakeFirst();
  if (!settings) {
    throw new DomainError(
      "invalid_request",
      "Billing settings are not set up: enter the practice's billing identity, submitter and receiver first.",
    );
  }
  const ready = await trx
    .selectFrom("claims")
    .select(["id", "version", "patient_control_number"])
    .where("status", "=", "ready")
    .orderBy("date_of_service")
    .orderBy("patient_control_number")
    .execute();
  if (ready.length === 0) {
    throw new DomainError("invalid_request", "No claim is ready to batch: scrub claims clean first.");
  }
  if (options.claimIds) {
    const wanted = new Set(options.claimIds);
    const have = new Set(ready.map((c) => c.id));
    const changed =
      [...wanted].filter((id) => !have.has(id)).length + [...have].filter((id) => !wanted.has(id)).length;
    if (changed > 0) {
      throw new DomainError(
        "conflict",
        `The ready claims changed since the list was loaded (${changed} differ); reload and create the batch again.`,
      );
    }
  }
  const loaded = await loadProfessionalClaims(
    trx,
    ready.map((c) => c.id),
  );
  const claims: ProfessionalClaim[] = ready.map((c) => {
    const claim = loaded.get(c.id);
    if (!claim)
      throw new DomainError(
        "conflict",
        `Claim ${c.patient_control_number} changed while the batch was made.`,
      );
    return claim;
  });
  const icn = settings.last_interchange_control + 1;
  const gcn = settings.last_group_control + 1;
  if (icn > MAX_CONTROL || gcn > MAX_CONTROL) {
    throw new DomainError(
      "conflict",
      "The interchange control numbers are used up (999999999); ask the clearinghouse how to restart them.",
    );
  }
  const now = services.clock();
  const at = now.toISOString();
  const batchId = randomUUID();
  const written = write837P(claims, {
    submitter: {
      id: settings.submitter_id,
      name: settings.billing_name,
      contactName: settings.submitter_contact_name,
      contactEmail: settings.submitter_contact_email,
      contactPhone: settings.phone,
    },
    receiver: { id: settings.receiver_id, name: settings.receiver_name },
    usageIndicator: settings.usage_indicator,
    interchangeControlNumber: icn,
    groupControlNumber: gcn,
    createdAt: at,
    reference: `B${icn}`,
  });
  // The counters move only if nobody else took them meanwhile (a second batch at the same moment).
  const bumped = await trx
    .updateTable("billing_settings")
    .set({ last_interchange_control: icn, last_group_control: gcn })
    .where("last_interchange_control", "=", settings.last_interchange_control)
    .where("last_group_control", "=", settings.last_group_control)
    .executeTakeFirst();
  if (Number(bumped.numUpdatedRows) !== 1) {
    throw new DomainError("conflict", "Another batch was being created at the same time; try again.");
  }
  const sha256 = createHash("sha256").update(written.text).digest("hex");
  const row = {
    organization_id: actor.organizationId,
    id: batchId,
    interchange_control_number: icn,
    group_control_number: gcn,
    claims: written.claims,
    total_charge_cents: written.totalChargeCents,
    sha256,
    content: written.text,
    status: "written" as const,
    created_by: actor.userId,
    created_at: at,
  };
  await trx.insertInto("claim_batches").values(row).execute();
  const source = `batch:${batchId}`;
  for (const c of ready) {
    await transitionClaim(trx, source, c.id, "submitted", `837P batch ${icn}`, {
      now,
      expectedVersion: c.version,
    });
  }
  for (let i = 0; i < ready.length; i += SLICE) {
    await trx
      .updateTable("claims")
      .set({ batch_id: batchId })
      .where(
        "id",
        "in",
        ready.slice(i, i + SLICE).map((c) => c.id),
      )
      .execute();
  }
  return {
    batchId,
    claims: written.claims,
    interchangeControlNumber: icn,
    totalChargeCents: written.totalChargeCents,
    batch: presentBatch(row),
  };
}

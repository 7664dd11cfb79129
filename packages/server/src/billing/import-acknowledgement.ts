import { createHash, randomUUID } from "node:crypto";
import { DomainError } from "@salus/core";
import type { ClaimStatus } from "@salus/core/billing/claim-status";
import { type Ack277CA, type Ack999, readAcknowledgement } from "@salus/core/billing/x12/read-ack";
import { tokenizeX12 } from "@salus/core/billing/x12/tokenizer";
import { audited } from "../audit/audited.ts";
import type { ScopedTrx } from "../db/scoped.ts";
import type { Actor, Services } from "../platform/services.ts";
import type { AcknowledgementView, ImportAckView } from "./batch-schemas.ts";
import { transitionClaim } from "./claim-transitions.ts";

type ClaimResult = AcknowledgementView["claims"][number];

/** What claim_acknowledgements.summary holds: the view without the row's own columns. */
type Summary = Pick<AcknowledgementView, "verdict" | "accepted" | "rejected" | "claims" | "warnings">;

interface Context {
  trx: ScopedTrx;
  actor: Actor;
  ackId: string;
  now: Date;
  source: string;
  rejections: { claimId: string | null; batchId: string | null; code: string | null; reason: string }[];
}

/**
 * Imports a 999 or 277CA file: reads it whole first (a malformed or truncated file is refused naming the
 * segment, before anything is written), then in one audited transaction stores it, moves the claims it
 * speaks of (rejected → `rejected` with a row on the rejection worklist giving the reason in words;
 * accepted by a 277CA → `accepted` with the payer's claim number) and sets the batch's status from a 999.
 * The same file (same SHA-256) imports once: a second import changes nothing and answers the first's
 * result with `duplicate: true`.
 */
export async function importAcknowledgement(
  services: Services,
  actor: Actor,
  input: { content: string },
): Promise<ImportAckView> {
  const sha256 = createHash("sha256").update(input.content).digest("hex");
  return audited(
    services,
    actor,
    {
      action: "billing.ack.import",
      resourceType: "ClaimAcknowledgement",
      fromResult: (r: ImportAckView) => ({
        resourceId: r.id,
        detail: { kind: r.kind, accepted: r.accepted, rejected: r.rejected, duplicate: r.duplicate, sha256 },
      }),
    },
    async (trx) => {
      const existing = await trx
        .selectFrom("claim_acknowledgements")
        .selectAll()
        .where("sha256", "=", sha256)
        .executeTakeFirst();
      if (existing) return { ...(await presentAck(trx, existing)), duplicate: true };
      const ack = readAcknowledgement(input.content);
      const ctx: Context = {
        trx,
        actor,
        ackId: randomUUID(),
        now: services.clock(),
        source: "",
        rejections: [],
      };
      ctx.source = `ack:${ctx.ackId}`;
      const { summary, batchId } = ack.kind === "999" ? await apply999(ctx, ack) : await apply277(ctx, ack);
      const at = ctx.now.toISOString();
      const row = {
        organization_id: actor.organizationId,
        id: ctx.ackId,
        kind: ack.kind,
        sha256,
        batch_id: batchId,
        summary: JSON.stringify(summary),
        content: input.content,
        imported_by: actor.userId,
        imported_at: at,
      };
      await trx.insertInto("claim_acknowledgements").values(row).execute();
      for (const r of ctx.rejections) {
        await trx
          .insertInto("claim_rejections")
          .values({
            organization_id: actor.organizationId,
            id: randomUUID(),
            claim_id: r.claimId,
            batch_id: r.batchId,
            acknowledgement_id: ctx.ackId,
            code: r.code,
            reason: r.reason.slice(0, 2000),
            status: "open",
            resolved_by: null,
            resolved_at: null,
            created_at: at,
          })
          .execute();
      }
      return { ...(await presentAck(trx, row)), duplicate: false };
    },
  );
}

/** Moves a claim to `to` when the state table allows it; answers what happened. */
async function moveClaim(
  ctx: Context,
  claim: { id: string; status: string; version: number },
  to: ClaimStatus,
  reason: string,
): Promise<ClaimResult["outcome"]> {
  if (claim.status === to) return "unchanged";
  const allowed: Record<string, readonly string[]> = {
    accepted: ["submitted"],
    rejected: ["submitted", "accepted"],
  };
  if (!allowed[to]?.includes(claim.status)) return "not-movable";
  await transitionClaim(ctx.trx, ctx.source, claim.id, to, reason.slice(0, 500), {
    now: ctx.now,
    expectedVersion: claim.version,
  });
  return "moved";
}

/** Which claims (CLM01) each transaction set (ST02) of a stored batch carried. */
function claimsPerTransactionSet(content: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | null = null;
  for (const s of tokenizeX12(content).segments) {
    if (s.id === "ST") {
      current = [];
      out.set(s.elements[2] ?? "", current);
    } else if (s.id === "CLM" && current) current.push(s.elements[1] ?? "");
  }
  return out;
}

async function apply999(
  ctx: Context,
  ack: Ack999 & { warnings: string[] },
): Promise<{ summary: Summary; batchId: string | null }> {
  const group = Number(ack.groupControlNumber);
  const batch = Number.isSafeInteger(group)
    ? await ctx.trx
        .selectFrom("claim_batches")
        .select(["id", "interchange_control_number", "content"])
        .where("group_control_number", "=", group)
        .executeTakeFirst()
    : undefined;
  if (!batch) {
    throw new DomainError(
      "invalid_request",
      `This 999 acknowledges functional group ${ack.groupControlNumber} (AK102), which is not one of this practice's batches.`,
      [{ path: "AK102", message: `no batch with group control number ${ack.groupControlNumber}` }],
    );
  }
  const sets = claimsPerTransactionSet(batch.content);
  const claimRows = await ctx.trx
    .selectFrom("claims")
    .select(["id", "patient_control_number", "status", "version"])
    .where("batch_id", "=", batch.id)
    .execute();
  const byPcn = new Map(claimRows.map((c) => [c.patient_control_number.toUpperCase(), c]));
  const results: ClaimResult[] = [];
  let accepted = 0;
  let rejected = 0;
  for (const set of ack.transactionSets) {
    const pcns = sets.get(set.controlNumber);
    if (!pcns) {
      throw new DomainError(
        "invalid_request",
        `This 999 answers transaction set ${set.controlNumber} (AK202), which batch ${batch.interchange_control_number} does not contain.`,
        [{ path: "AK202", message: `no transaction set ${set.controlNumber} in the batch` }],
      );
    }
    const isRejected = set.verdict === "rejected";
    const reasons = set.errors.map((e) => e.reason);
    const reason = `999: transaction set ${set.controlNumber} ${isRejected ? "rejected" : "accepted"}${reasons.length ? `: ${reasons.join("; ")}` : ""}`;
    for (const pcn of pcns) {
      const claim = byPcn.get(pcn);
      if (isRejected) rejected++;
      else accepted++;
      if (!claim) {
        results.push({
          patientControlNumber: pcn,
          claimId: null,
          verdict: isRejected ? "rejected" : "accepted",
          outcome: "not-found",
          status: null,
          reasons,
        });
        continue;
      }
      // A 999 acceptance is syntactic: the claim stays submitted until the 277CA says the payer took it.
      const outcome = isRejected ? await moveClaim(ctx, claim, "rejected", reason) : "unchanged";
      if (isRejected && outcome === "moved") {
        ctx.rejections.push({
          claimId: claim.id,
          batchId: batch.id,
          code: set.errors[0]?.code ?? "999",
          reason: reasons.length
            ? `The clearinghouse rejected the batch's transaction set: ${reasons.join("; ")}.`
            : "The clearinghouse rejected the batch's transaction set.",
        });
      }
      results.push({
        patientControlNumber: pcn,
        claimId: claim.id,
        verdict: isRejected ? "rejected" : "accepted",
        outcome,
        status: outcome === "moved" ? "rejected" : claim.status,
        reasons,
      });
    }
  }
  const status =
    ack.verdict === "rejected"
      ? "rejected"
      : ack.verdict === "partially-accepted" || (rejected > 0 && accepted > 0)
        ? "partially-accepted"
        : rejected > 0
          ? "rejected"
          : "accepted";
  await ctx.trx.updateTable("claim_batches").set({ status }).where("id", "=", batch.id).execute();
  return {
    summary: { verdict: ack.verdict, accepted, rejected, claims: results, warnings: ack.warnings },
    batchId: batch.id,
  };
}

async function apply277(
  ctx: Context,
  ack: Ack277CA & { warnings: string[] },
): Promise<{ summary: Summary; batchId: string | null }> {
  const pcns = [...new Set(ack.claims.map((c) => c.patientControlNumber))];
  const rows =
    pcns.length === 0
      ? []
      : await ctx.trx
          .selectFrom("claims")
          .select(["id", "patient_control_number", "status", "version", "batch_id"])
          .where("patient_control_number", "in", pcns)
          .execute();
  const byPcn = new Map(rows.map((c) => [c.patient_control_number, c]));
  const results: ClaimResult[] = [];
  const batches = new Set<string>();
  let accepted = 0;
  let rejected = 0;
  for (const c of ack.claims) {
    const claim = byPcn.get(c.patientControlNumber);
    const reasons = c.statuses.map((s) => s.reason);
    if (c.verdict === "rejected") rejected++;
    else accepted++;
    if (!claim) {
      results.push({
        patientControlNumber: c.patientControlNumber,
        claimId: null,
        verdict: c.verdict,
        outcome: "not-found",
        status: null,
        reasons,
      });
      continue;
    }
    if (claim.batch_id) batches.add(claim.batch_id);
    const reason = `277CA: ${reasons.join("; ")}`;
    const to: ClaimStatus = c.verdict === "rejected" ? "rejected" : "accepted";
    const outcome = await moveClaim(ctx, claim, to, reason);
    if (outcome === "moved" && c.payerClaimNumber) {
      await ctx.trx
        .updateTable("claims")
        .set({ payer_claim_number: c.payerClaimNumber.slice(0, 50) })
        .where("id", "=", claim.id)
        .execute();
    }
    if (outcome === "moved" && to === "rejected") {
      ctx.rejections.push({
        claimId: claim.id,
        batchId: claim.batch_id,
        code: c.statuses[0]?.code ?? null,
        reason: `The payer rejected the claim: ${reasons.join("; ")}.`,
      });
    }
    results.push({
      patientControlNumber: c.patientControlNumber,
      claimId: claim.id,
      verdict: c.verdict,
      outcome,
      status: outcome === "moved" ? to : claim.status,
      reasons,
    });
  }
  for (const e of ack.batchErrors) {
    ctx.rejections.push({
      claimId: null,
      batchId: null,
      code: e.code,
      reason: `277CA (above claim level): ${e.reason}.`,
    });
  }
  const verdict =
    rejected === 0 && ack.batchErrors.length === 0
      ? "accepted"
      : accepted === 0
        ? "rejected"
        : "partially-accepted";
  return {
    summary: { verdict, accepted, rejected, claims: results, warnings: ack.warnings },
    batchId: batches.size === 1 ? ([...batches][0] as string) : null,
  };
}

/** An imported acknowledgement as the API shows it. */
export async function presentAck(
  trx: ScopedTrx,
  row: {
    id: string;
    kind: "999" | "277CA";
    sha256: string;
    batch_id: string | null;
    summary: string;
    imported_at: string;
    imported_by: string | null;
  },
): Promise<AcknowledgementView> {
  const summary = JSON.parse(row.summary) as Summary;
  const batch = row.batch_id
    ? await trx
        .selectFrom("claim_batches")
        .select("interchange_control_number")
        .where("id", "=", row.batch_id)
        .executeTakeFirst()
    : undefined;
  return {
    id: row.id,
    kind: row.kind,
    sha256: row.sha256,
    batchId: row.batch_id,
    batchInterchangeControlNumber: batch?.interchange_control_number ?? null,
    importedAt: row.imported_at,
    importedBy: row.imported_by,
    verdict: summary.verdict,
    accepted: summary.accepted,
    rejected: summary.rejected,
    claims: summary.claims,
    warnings: summary.warnings ?? [],
  };
}

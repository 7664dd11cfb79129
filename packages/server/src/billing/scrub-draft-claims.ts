import { audited } from "../audit/audited.ts";
import type { Actor, Services } from "../platform/services.ts";
import { loadProfessionalClaims } from "./load-professional-claims.ts";
import type { ScrubDraftsView } from "./schemas.ts";
import { applyScrub } from "./scrub-claim.ts";
import { loadScrubInputs } from "./scrub-context.ts";

/** At most this many claims per call: one transaction stays short; the biller presses again for more. */
export const SCRUB_DRAFTS_LIMIT = 500;

/**
 * Scrubs every draft claim (oldest date of service first, at most SCRUB_DRAFTS_LIMIT) in one audited
 * transaction, with what the rules need read once for all of them: each becomes ready or scrubbed as
 * a single scrub would make it. Answers the counts and each claim's outcome.
 */
export async function scrubDraftClaims(services: Services, actor: Actor): Promise<ScrubDraftsView> {
  return audited(
    services,
    actor,
    {
      action: "billing.claim.scrub-drafts",
      resourceType: "Claim",
      fromResult: (r: ScrubDraftsView) => ({
        detail: { scrubbed: r.scrubbed, ready: r.ready, withErrors: r.withErrors },
      }),
    },
    async (trx) => {
      const rows = await trx
        .selectFrom("claims")
        .select(["id", "version", "scrub_count", "first_scrub_clean", "patient_control_number"])
        .where("status", "=", "draft")
        .orderBy("date_of_service")
        .orderBy("id")
        .limit(SCRUB_DRAFTS_LIMIT + 1)
        .execute();
      const batch = rows.slice(0, SCRUB_DRAFTS_LIMIT);
      const claims = await loadProfessionalClaims(
        trx,
        batch.map((r) => r.id),
      );
      const now = services.clock();
      const inputs = await loadScrubInputs(trx, [...claims.values()], now);
      const results: ScrubDraftsView["claims"] = [];
      for (const row of batch) {
        const claim = claims.get(row.id);
        if (!claim) continue;
        const r = await applyScrub(trx, actor, row, claim, inputs, now);
        results.push({
          claimId: row.id,
          patientControlNumber: row.patient_control_number,
          status: r.status,
          errors: r.errors,
          warnings: r.warnings,
        });
      }
      return {
        scrubbed: results.length,
        ready: results.filter((r) => r.errors === 0).length,
        withErrors: results.filter((r) => r.errors > 0).length,
        more: rows.length > SCRUB_DRAFTS_LIMIT,
        claims: results,
      };
    },
  );
}

import { periodOf } from "@salus/core/billing/ledger";
import { audited } from "../audit/audited.ts";
import type { Actor, Services } from "../platform/services.ts";
import { practiceToday } from "./ledger-posting.ts";
import type { BillerHomeView } from "./ledger-schemas.ts";

/**
 * What waits for the biller: charges to review and held, approved charges not yet on a claim, claims by
 * where they stand (with errors after a scrub, ready to batch, rejected, denied), open rejections,
 * paid primaries with a second coverage and no secondary claim yet, and what payers and patients owe.
 * Counts only (no patient data), from every billing area's tables.
 */
export async function billerHome(services: Services, actor: Actor): Promise<BillerHomeView> {
  return audited(
    services,
    actor,
    { action: "billing.home.read", resourceType: "Billing", readOnly: true },
    async (trx) => {
      const charges = await trx
        .selectFrom("charges")
        .select(["status", "responsibility", (eb) => eb.fn.countAll<number>().as("n")])
        .groupBy(["status", "responsibility"])
        .execute();
      const countCharges = (status: string, responsibility?: string) =>
        charges
          .filter((c) => c.status === status && (!responsibility || c.responsibility === responsibility))
          .reduce((s, c) => s + Number(c.n), 0);
      const claims = await trx
        .selectFrom("claims")
        .select(["status", (eb) => eb.fn.countAll<number>().as("n")])
        .groupBy("status")
        .execute();
      const countClaims = (status: string) => Number(claims.find((c) => c.status === status)?.n ?? 0);
      const ready = await trx
        .selectFrom("claim_lines")
        .innerJoin("claims", "claims.id", "claim_lines.claim_id")
        .select((eb) => eb.fn.sum<number>("claim_lines.charge_cents").as("cents"))
        .where("claims.status", "=", "ready")
        .executeTakeFirst();
      const rejections = await trx
        .selectFrom("claim_rejections")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("status", "=", "open")
        .executeTakeFirst();
      const owed = await trx
        .selectFrom("ledger_entries")
        .select(["responsibility", (eb) => eb.fn.sum<number>("amount_cents").as("cents")])
        .groupBy("responsibility")
        .execute();
      const paidPrimaries = await trx
        .selectFrom("claims as c")
        .innerJoin("coverages as v", (j) =>
          j.onRef("v.patient_id", "=", "c.patient_id").on("v.priority", ">", 1).on("v.status", "=", "active"),
        )
        .leftJoin("claims as s", "s.primary_claim_id", "c.id")
        .select((eb) => eb.fn.count<number>("c.id").distinct().as("n"))
        .where("c.status", "=", "paid")
        .where("c.sequence", "=", "primary")
        .where("v.payer_ref", "is not", null)
        .where("s.id", "is", null)
        .executeTakeFirst();
      const today = await practiceToday(trx, services);
      return {
        chargesToReview: countCharges("review"),
        chargesHeld: countCharges("held"),
        approvedNotClaimed: countCharges("approved", "insurance"),
        claimsDraft: countClaims("draft"),
        claimsWithErrors: countClaims("scrubbed"),
        claimsReady: countClaims("ready"),
        readyTotalCents: Number(ready?.cents ?? 0),
        claimsSubmitted: countClaims("submitted") + countClaims("accepted"),
        claimsRejected: countClaims("rejected"),
        openRejections: Number(rejections?.n ?? 0),
        claimsDenied: countClaims("denied"),
        paidWithSecondaryToPrepare: Number(paidPrimaries?.n ?? 0),
        insuranceOwedCents: Number(owed.find((o) => o.responsibility === "payer")?.cents ?? 0),
        patientOwedCents: Number(owed.find((o) => o.responsibility === "patient")?.cents ?? 0),
        openPeriod: periodOf(today),
      };
    },
  );
}

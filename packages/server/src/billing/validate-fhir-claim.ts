import { effectiveRules, scrubClaim, scrubRule } from "@salus/core/billing/scrubber/index";
import { audited } from "../audit/audited.ts";
import type { Actor, Services } from "../platform/services.ts";
import { claimFromFhir, scrubOutcome } from "./fhir-claim-input.ts";
import {
  claimDate,
  diagnosisCodeSets,
  loadScrubSettings,
  placeOfServiceCodes,
  practiceToday,
} from "./scrub-context.ts";

/**
 * `POST /fhir/R4/Claim/$validate`: scrubs a FHIR Claim that Salus does not hold, with the same rules and
 * the same context as a stored claim where the request lets it: the ICD-10-CM list of the date of
 * service, the place-of-service list, the practice's payer (found by its electronic payer id: its filing
 * limit, member-id pattern and rule settings) and the rendering practitioner's licenses (found by NPI).
 * Duplicates are not checked (the claim is not the practice's). Nothing is written but the audit entry.
 */
export async function validateFhirClaim(services: Services, actor: Actor, resource: unknown) {
  return audited(
    services,
    actor,
    {
      action: "fhir.claim.validate",
      resourceType: "Claim",
      readOnly: true,
      fromResult: (r: { issue: { severity: string }[] }) => ({
        detail: {
          errors: r.issue.filter((i) => i.severity === "error").length,
          warnings: r.issue.filter((i) => i.severity === "warning").length,
        },
      }),
    },
    async (trx) => {
      const { claim, payerId } = claimFromFhir(resource);
      const payer = payerId
        ? await trx.selectFrom("payers").selectAll().where("payer_id", "=", payerId).executeTakeFirst()
        : undefined;
      const input = payer
        ? {
            ...claim,
            payer: {
              ...claim.payer,
              ref: payer.id,
              name: claim.payer.name ?? payer.name,
              claimFilingIndicator: payer.claim_filing_indicator,
              timelyFilingDays: payer.timely_filing_days,
              memberIdPattern: payer.member_id_pattern,
            },
          }
        : claim;
      const npi = claim.renderingProvider.npi;
      const staff = npi
        ? await trx.selectFrom("staff_members").select("id").where("npi", "=", npi).executeTakeFirst()
        : undefined;
      const licenses = staff
        ? (
            await trx
              .selectFrom("practitioner_licenses")
              .select(["state", "expires_on"])
              .where("staff_id", "=", staff.id)
              .execute()
          ).map((l) => ({ state: l.state, expiresOn: l.expires_on }))
        : null;
      const now = services.clock();
      const today = await practiceToday(trx, now);
      const date = claimDate(input);
      const codeSetFor = await diagnosisCodeSets(trx, date ? [{ date, codes: input.diagnosisCodes }] : []);
      const rules = effectiveRules(await loadScrubSettings(trx), payer?.id ?? null);
      const result = scrubClaim(
        input,
        {
          today,
          diagnosisCodeSetFor: codeSetFor,
          placeOfServiceCodes: await placeOfServiceCodes(trx, today),
          renderingLicenses: licenses,
        },
        rules,
      );
      return scrubOutcome(result.findings, (id) => scrubRule(id)?.title ?? id);
    },
  );
}

import { DomainError, notFound } from "@salus/core";
import { checkScrubRuleSetting } from "@salus/core/billing/scrubber/index";
import { audited } from "../audit/audited.ts";
import type { Actor, Services } from "../platform/services.ts";
import { scrubRulesView } from "./list-scrub-rules.ts";
import type { ScrubRulesView } from "./schemas.ts";

export interface ScrubRuleSettingInput {
  payerRef: string;
  enabled: boolean;
  severity: "error" | "warning" | null;
  params: Record<string, number | string | string[] | null>;
}

/**
 * Switches or tunes one rule for every payer (payerRef '') or for one payer: checked against the rule's
 * declared parameters (a pattern must compile, numbers in range) before it is stored. Takes effect on the
 * next scrub; findings already saved on claims stay until the claim is scrubbed again.
 */
export async function setScrubRule(
  services: Services,
  actor: Actor,
  ruleId: string,
  input: ScrubRuleSettingInput,
): Promise<ScrubRulesView> {
  const params = Object.fromEntries(Object.entries(input.params).filter(([, v]) => v !== null));
  const problems = checkScrubRuleSetting({ ruleId, severity: input.severity, params });
  if (problems.length) throw new DomainError("invalid_request", problems[0]!.message, problems);
  return audited(
    services,
    actor,
    {
      action: "billing.scrub-rules.update",
      resourceType: "ScrubRule",
      resourceId: ruleId,
      detail: { payerRef: input.payerRef, enabled: input.enabled, severity: input.severity, params },
    },
    async (trx) => {
      if (input.payerRef !== "") {
        const payer = await trx
          .selectFrom("payers")
          .select("id")
          .where("id", "=", input.payerRef)
          .executeTakeFirst();
        if (!payer) throw notFound("payer");
      }
      const values = {
        enabled: input.enabled ? 1 : 0,
        severity: input.severity,
        params: Object.keys(params).length ? JSON.stringify(params) : null,
        updated_at: services.clock().toISOString(),
      };
      await trx
        .insertInto("scrub_rule_settings")
        .values({
          organization_id: actor.organizationId,
          payer_ref: input.payerRef,
          rule_id: ruleId,
          ...values,
        })
        .onConflict((oc) => oc.columns(["organization_id", "payer_ref", "rule_id"]).doUpdateSet(values))
        .execute();
      return scrubRulesView(trx);
    },
  );
}

/** Removes a setting: the rule goes back to the practice-wide setting (for a payer) or its default. */
export async function resetScrubRule(
  services: Services,
  actor: Actor,
  ruleId: string,
  payerRef: string,
): Promise<ScrubRulesView> {
  return audited(
    services,
    actor,
    {
      action: "billing.scrub-rules.reset",
      resourceType: "ScrubRule",
      resourceId: ruleId,
      detail: { payerRef },
    },
    async (trx) => {
      await trx
        .deleteFrom("scrub_rule_settings")
        .where("payer_ref", "=", payerRef)
        .where("rule_id", "=", ruleId)
        .execute();
      return scrubRulesView(trx);
    },
  );
}

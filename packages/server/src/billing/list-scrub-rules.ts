import { SCRUB_RULES } from "@salus/core/billing/scrubber/index";
import { audited } from "../audit/audited.ts";
import type { ScopedTrx } from "../db/scoped.ts";
import type { Actor, Services } from "../platform/services.ts";
import type { ScrubRulesView } from "./schemas.ts";

/** The scrubber's rules with their parameters and the practice's settings (practice-wide and per payer). */
export async function listScrubRules(services: Services, actor: Actor): Promise<ScrubRulesView> {
  return audited(
    services,
    actor,
    { action: "billing.scrub-rules.read", resourceType: "ScrubRules", readOnly: true },
    (trx) => scrubRulesView(trx),
  );
}

export async function scrubRulesView(trx: ScopedTrx): Promise<ScrubRulesView> {
  const rows = await trx
    .selectFrom("scrub_rule_settings")
    .leftJoin("payers", "payers.id", "scrub_rule_settings.payer_ref")
    .select([
      "scrub_rule_settings.payer_ref",
      "scrub_rule_settings.rule_id",
      "scrub_rule_settings.enabled",
      "scrub_rule_settings.severity",
      "scrub_rule_settings.params",
      "scrub_rule_settings.updated_at",
      "payers.name as payer_name",
    ])
    .orderBy("scrub_rule_settings.payer_ref")
    .execute();
  return {
    items: SCRUB_RULES.map((r) => ({
      id: r.id,
      title: r.title,
      description: r.description,
      defaultSeverity: r.defaultSeverity,
      params: Object.entries(r.params).map(([name, spec]) => ({
        name,
        kind: spec.kind,
        label: spec.label,
        min: spec.kind === "integer" ? spec.min : null,
        max: spec.kind === "integer" ? spec.max : null,
        ...(spec.default === null
          ? {}
          : { default: spec.kind === "code-list" ? [...spec.default] : spec.default }),
      })),
      settings: rows
        .filter((s) => s.rule_id === r.id)
        .map((s) => ({
          payerRef: s.payer_ref,
          payerName: s.payer_ref === "" ? null : (s.payer_name ?? null),
          enabled: s.enabled === 1,
          severity: (s.severity as "error" | "warning" | null) ?? null,
          params: s.params ? (JSON.parse(s.params) as Record<string, number | string | string[]>) : {},
          updatedAt: s.updated_at,
        })),
    })),
  };
}

import { DomainError, dateInZone } from "@salus/core";
import { scrubRule } from "@salus/core/billing/scrubber/index";
import { audited } from "../audit/audited.ts";
import type { Actor, Services } from "../platform/services.ts";
import type { FirstPassReportView } from "./schemas.ts";

const rate = (clean: number, scrubbed: number) => (scrubbed ? clean / scrubbed : null);

/**
 * The first-pass rate: of the claims scrubbed at least once with a date of service in [from, to], the
 * share whose first scrub found no error (claims.first_scrub_clean, set once by the first scrub). Also
 * the rules behind the errors of claims waiting in 'scrubbed', so the practice sees what to fix upstream.
 * Defaults: the last 30 days up to today (UTC date).
 */
export async function firstPassReport(
  services: Services,
  actor: Actor,
  query: { from?: string | undefined; to?: string | undefined },
): Promise<FirstPassReportView> {
  const now = services.clock();
  const to = query.to ?? dateInZone(now, "UTC");
  const from = query.from ?? dateInZone(new Date(now.getTime() - 29 * 86_400_000), "UTC");
  if (from > to)
    throw new DomainError("invalid_request", "from must not be after to.", [
      { path: "from", message: "is after to" },
    ]);
  return audited(
    services,
    actor,
    {
      action: "billing.scrub-report.read",
      resourceType: "ScrubReport",
      detail: { from, to },
      readOnly: true,
    },
    async (trx) => {
      const rows = await trx
        .selectFrom("claims")
        .leftJoin("payers", "payers.id", "claims.payer_ref")
        .select(["claims.payer_ref", "payers.name as payer_name", "claims.first_scrub_clean"])
        .where("claims.first_scrub_clean", "is not", null)
        .where("claims.date_of_service", ">=", from)
        .where("claims.date_of_service", "<=", to)
        .execute();
      const byPayer = new Map<
        string,
        { payerRef: string; payerName: string; scrubbed: number; clean: number }
      >();
      let scrubbed = 0;
      let clean = 0;
      for (const r of rows) {
        const p = byPayer.get(r.payer_ref) ?? {
          payerRef: r.payer_ref,
          payerName: r.payer_name ?? r.payer_ref,
          scrubbed: 0,
          clean: 0,
        };
        p.scrubbed++;
        scrubbed++;
        if (r.first_scrub_clean === 1) {
          p.clean++;
          clean++;
        }
        byPayer.set(r.payer_ref, p);
      }
      const waiting = await trx
        .selectFrom("claims")
        .select("scrub_findings")
        .where("status", "=", "scrubbed")
        .where("scrub_findings", "is not", null)
        .execute();
      const perRule = new Map<string, number>();
      for (const w of waiting) {
        const findings = JSON.parse(w.scrub_findings ?? "[]") as { ruleId: string; severity: string }[];
        for (const id of new Set(findings.filter((f) => f.severity === "error").map((f) => f.ruleId)))
          perRule.set(id, (perRule.get(id) ?? 0) + 1);
      }
      return {
        from,
        to,
        total: { scrubbed, clean, rate: rate(clean, scrubbed) },
        byPayer: [...byPayer.values()]
          .sort((a, b) => a.payerName.localeCompare(b.payerName))
          .map((p) => ({ ...p, rate: rate(p.clean, p.scrubbed) })),
        openFindings: [...perRule.entries()]
          .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
          .map(([ruleId, claims]) => ({ ruleId, title: scrubRule(ruleId)?.title ?? ruleId, claims })),
      };
    },
  );
}

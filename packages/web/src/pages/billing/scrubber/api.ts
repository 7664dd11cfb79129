// The claim scrubber's API (packages/server/src/billing/scrub-routes.ts; shapes in billing/schemas.ts,
// scrubber section): rule settings per payer, the first-pass report, scrubbing a claim.
import type {
  FirstPassReportView,
  ScrubDraftsView,
  ScrubResultView,
  ScrubRuleSettingRequest,
  ScrubRulesView,
} from "@salus/server/billing/schemas";
import { api } from "../../../api/client.ts";

export type { FirstPassReportView, ScrubDraftsView, ScrubResultView, ScrubRulesView };
export type ScrubRule = ScrubRulesView["items"][number];
export type ScrubRuleSetting = ScrubRule["settings"][number];
export type ScrubParam = ScrubRule["params"][number];

/** The payers a setting may name (GET /api/billing/payers, the prices part's list: only id and name used). */
export interface PayerChoice {
  id: string;
  name: string;
}

export const scrubber = {
  rules: (signal?: AbortSignal) => api<ScrubRulesView>("/api/billing/scrub-rules", { signal }),
  setRule: (ruleId: string, body: ScrubRuleSettingRequest) =>
    api<ScrubRulesView>(`/api/billing/scrub-rules/${encodeURIComponent(ruleId)}`, { method: "PUT", body }),
  resetRule: (ruleId: string, payerRef: string) =>
    api<ScrubRulesView>(
      `/api/billing/scrub-rules/${encodeURIComponent(ruleId)}?payerRef=${encodeURIComponent(payerRef)}`,
      { method: "DELETE" },
    ),
  firstPass: (signal?: AbortSignal) =>
    api<FirstPassReportView>("/api/billing/reports/first-pass", { signal }),
  payers: (signal?: AbortSignal) => api<{ items: PayerChoice[] }>("/api/billing/payers", { signal }),
  scrubDrafts: () => api<ScrubDraftsView>("/api/billing/claims/scrub-drafts", { method: "POST", body: {} }),
  scrubClaim: (claimId: string, version?: number) =>
    api<ScrubResultView>(`/api/billing/claims/${encodeURIComponent(claimId)}/scrub`, {
      method: "POST",
      body: version === undefined ? {} : { version },
    }),
};

import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { actorOf } from "../http/guard.ts";
import { idParams } from "../http/schemas.ts";
import type { Services } from "../platform/services.ts";
import { firstPassReport } from "./first-pass-report.ts";
import { listScrubRules } from "./list-scrub-rules.ts";
import {
  firstPassQuery,
  firstPassReportOut,
  scrubClaimIn,
  scrubDraftsOut,
  scrubResultOut,
  scrubRuleParams,
  scrubRuleSettingDeleteQuery,
  scrubRuleSettingIn,
  scrubRulesOut,
} from "./schemas.ts";
import { scrubClaim } from "./scrub-claim.ts";
import { scrubDraftClaims } from "./scrub-draft-claims.ts";
import { resetScrubRule, setScrubRule } from "./set-scrub-rule.ts";

/** The claim scrubber: scrub a stored claim, the rule settings per payer, the first-pass rate. */
export function billingScrubRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ["Billing"];

  r.post("/api/billing/claims/:id/scrub", {
    config: { permission: "billing:write" },
    schema: {
      tags,
      summary:
        "Scrub a claim: run every rule, save the findings, move it to scrubbed (errors) or ready (clean)",
      params: idParams,
      body: scrubClaimIn.optional(),
      response: { 200: scrubResultOut },
    },
    handler: async (req) => scrubClaim(services, actorOf(req), req.params.id, { version: req.body?.version }),
  });

  r.post("/api/billing/claims/scrub-drafts", {
    config: { permission: "billing:write" },
    schema: {
      tags,
      summary: "Scrub every draft claim (at most 500 a call): each becomes ready or scrubbed",
      response: { 200: scrubDraftsOut },
    },
    handler: async (req) => scrubDraftClaims(services, actorOf(req)),
  });

  r.get("/api/billing/scrub-rules", {
    config: { permission: "billing:read" },
    schema: {
      tags,
      summary: "The scrubber's rules and the practice's settings per payer",
      response: { 200: scrubRulesOut },
    },
    handler: async (req) => listScrubRules(services, actorOf(req)),
  });

  r.put("/api/billing/scrub-rules/:ruleId", {
    config: { permission: "billing:manage" },
    schema: {
      tags,
      summary: "Switch or tune a rule for every payer (payerRef empty) or one payer",
      params: scrubRuleParams,
      body: scrubRuleSettingIn,
      response: { 200: scrubRulesOut },
    },
    handler: async (req) => setScrubRule(services, actorOf(req), req.params.ruleId, req.body),
  });

  r.delete("/api/billing/scrub-rules/:ruleId", {
    config: { permission: "billing:manage" },
    schema: {
      tags,
      summary: "Remove a rule's setting (for one payer, or the practice-wide one): back to the default",
      params: scrubRuleParams,
      querystring: scrubRuleSettingDeleteQuery,
      response: { 200: scrubRulesOut },
    },
    handler: async (req) => resetScrubRule(services, actorOf(req), req.params.ruleId, req.query.payerRef),
  });

  r.get("/api/billing/reports/first-pass", {
    config: { permission: "billing:read" },
    schema: {
      tags,
      summary: "First-pass rate: claims scrubbed clean the first time, by payer; open findings by rule",
      querystring: firstPassQuery,
      response: { 200: firstPassReportOut },
    },
    handler: async (req) => firstPassReport(services, actorOf(req), req.query),
  });
}

import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { actorOf } from "../http/guard.ts";
import { id, idParams } from "../http/schemas.ts";
import type { Services } from "../platform/services.ts";
import { billerHome } from "./biller-home.ts";
import { buildClaims } from "./build-claims.ts";
import { captureCharges } from "./capture-charges.ts";
import { getClaim, listClaims } from "./claim-view.ts";
import { closeMonth, listPeriods } from "./close-month.ts";
import { correctClaim } from "./correct-claim.ts";
import { editClaim } from "./edit-claim.ts";
import {
  accountOut,
  billerHomeOut,
  buildClaimsIn,
  buildClaimsOut,
  bulkApproveIn,
  bulkApproveOut,
  captureIn,
  captureOut,
  chargeActionIn,
  chargeEditIn,
  chargeListOut,
  chargeListQuery,
  chargeOut,
  claimCloseIn,
  claimCorrectIn,
  claimEditIn,
  claimListOut,
  claimListQuery,
  claimOut,
  closeMonthIn,
  periodOut,
  postingIn,
  reverseIn,
} from "./ledger-schemas.ts";
import { listCharges } from "./list-charges.ts";
import { getAccount, postToAccount } from "./patient-account.ts";
import { approveCharges, reviewCharge } from "./review-charge.ts";

/** Billing's work: charges and their review queue, the ledger and accounting months, claims. */
export function billingRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ["Billing"];

  r.get("/api/billing/home", {
    config: { permission: "billing:read" },
    schema: { tags, summary: "What waits for the biller (counts)", response: { 200: billerHomeOut } },
    handler: async (req) => billerHome(services, actorOf(req)),
  });

  // Charges
  r.post("/api/billing/charges/capture", {
    config: { permission: "billing:write" },
    schema: {
      tags,
      summary: "Turn finished visits' procedures into charges for review, and post no-show fees (idempotent)",
      body: captureIn,
      response: { 200: captureOut },
    },
    handler: async (req) =>
      captureCharges(
        services,
        actorOf(req),
        req.body.encounterId ? { encounterId: req.body.encounterId } : {},
      ),
  });
  r.get("/api/billing/charges", {
    config: { permission: "billing:read" },
    schema: {
      tags,
      summary: "Charges by status, patient and date of service",
      querystring: chargeListQuery,
      response: { 200: chargeListOut },
    },
    handler: async (req) => listCharges(services, actorOf(req), req.query),
  });
  r.post("/api/billing/charges/approve", {
    config: { permission: "billing:write" },
    schema: {
      tags,
      summary: "Approve several charges (all or none)",
      body: bulkApproveIn,
      response: { 200: bulkApproveOut },
    },
    handler: async (req) => approveCharges(services, actorOf(req), req.body.ids),
  });
  for (const decision of ["approve", "hold", "void"] as const) {
    r.post(`/api/billing/charges/:id/${decision}`, {
      config: { permission: "billing:write" },
      schema: {
        tags,
        summary:
          decision === "approve"
            ? "Approve a charge: it posts to the ledger"
            : decision === "hold"
              ? "Hold a charge with a note"
              : "Void a charge (an approved charge's postings are reversed)",
        params: idParams,
        body: chargeActionIn,
        response: { 200: chargeOut },
      },
      handler: async (req) => reviewCharge(services, actorOf(req), req.params.id, decision, req.body),
    });
  }
  r.patch("/api/billing/charges/:id", {
    config: { permission: "billing:write" },
    schema: {
      tags,
      summary: "Correct a charge under review",
      params: idParams,
      body: chargeEditIn,
      response: { 200: chargeOut },
    },
    handler: async (req) => reviewCharge(services, actorOf(req), req.params.id, "edit", req.body),
  });

  // Claims
  r.post("/api/billing/claims/build", {
    config: { permission: "billing:write" },
    schema: {
      tags,
      summary:
        "Build draft claims from approved insurance charges (per patient, date, practitioner and payer)",
      body: buildClaimsIn,
      response: { 200: buildClaimsOut },
    },
    handler: async (req) =>
      buildClaims(services, actorOf(req), req.body.chargeIds ? { chargeIds: req.body.chargeIds } : {}),
  });
  r.get("/api/billing/claims", {
    config: { permission: "billing:read" },
    schema: {
      tags,
      summary: "Claims by status or patient",
      querystring: claimListQuery,
      response: { 200: claimListOut },
    },
    handler: async (req) => listClaims(services, actorOf(req), req.query),
  });
  r.get("/api/billing/claims/:id", {
    config: { permission: "billing:read" },
    schema: {
      tags,
      summary: "A claim: fields, lines, last scrub's findings, history",
      params: idParams,
      response: { 200: claimOut },
    },
    handler: async (req) => getClaim(services, actorOf(req), req.params.id),
  });
  r.patch("/api/billing/claims/:id", {
    config: { permission: "billing:write" },
    schema: {
      tags,
      summary:
        "Fix an unsent claim (diagnoses, place of service, lines' modifiers and pointers); it goes back to draft",
      params: idParams,
      body: claimEditIn,
      response: { 200: claimOut },
    },
    handler: async (req) => editClaim(services, actorOf(req), req.params.id, req.body),
  });
  for (const what of ["replace", "void", "close"] as const) {
    r.post(`/api/billing/claims/:id/${what}`, {
      config: { permission: "billing:write" },
      schema: {
        tags,
        summary:
          what === "replace"
            ? "Make a replacement claim (frequency 7) of a sent claim; answers the new claim"
            : what === "void"
              ? "Make a void claim (frequency 8) of a sent claim; answers the new claim"
              : "Close a claim (an unsent claim is abandoned and its charges freed)",
        params: idParams,
        body: what === "close" ? claimCloseIn : claimCorrectIn,
        response: { 200: claimOut },
      },
      handler: async (req) => correctClaim(services, actorOf(req), req.params.id, what, req.body),
    });
  }
  r.post("/api/billing/claims/:id/secondary", {
    config: { permission: "billing:write" },
    schema: {
      tags,
      summary: "Prepare the secondary claim of a paid primary claim; answers the new claim",
      params: idParams,
      body: z.strictObject({}).optional(),
      response: { 200: claimOut },
    },
    handler: async (req) => correctClaim(services, actorOf(req), req.params.id, "secondary", {}),
  });

  // Patient accounts and the ledger
  const patientParams = z.strictObject({ patientId: id });
  r.get("/api/billing/accounts/:patientId", {
    config: { permission: "billing:read" },
    schema: {
      tags,
      summary: "A patient's account: balances by responsibility, open items, entries",
      params: patientParams,
      response: { 200: accountOut },
    },
    handler: async (req) => getAccount(services, actorOf(req), req.params.patientId),
  });
  r.post("/api/billing/accounts/:patientId/postings", {
    config: { permission: "billing:write" },
    schema: {
      tags,
      summary: "Post a payment, adjustment, write-off, refund or transfer on a patient's charge",
      params: patientParams,
      body: postingIn,
      response: { 200: accountOut },
    },
    handler: async (req) => postToAccount(services, actorOf(req), req.params.patientId, req.body),
  });
  r.post("/api/billing/accounts/:patientId/reversals", {
    config: { permission: "billing:write" },
    schema: {
      tags,
      summary: "Reverse an earlier posting (entries are never changed)",
      params: patientParams,
      body: reverseIn,
      response: { 200: accountOut },
    },
    handler: async (req) =>
      postToAccount(services, actorOf(req), req.params.patientId, {
        reverse: req.body.transactionId,
        memo: req.body.memo ?? null,
      }),
  });

  // Accounting months
  r.get("/api/billing/periods", {
    config: { permission: "billing:read" },
    schema: {
      tags,
      summary: "Accounting months with their totals, open or closed",
      response: { 200: z.object({ items: z.array(periodOut) }) },
    },
    handler: async (req) => ({ items: await listPeriods(services, actorOf(req)) }),
  });
  r.post("/api/billing/periods/close", {
    config: { permission: "billing:manage" },
    schema: {
      tags,
      summary: "Close a past month: nothing posts into it afterwards",
      body: closeMonthIn,
      response: { 200: z.object({ items: z.array(periodOut) }) },
    },
    handler: async (req) => ({ items: await closeMonth(services, actorOf(req), req.body.period) }),
  });
}

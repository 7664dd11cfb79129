import { ROLES } from "@salus/core";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { auditActions, exportAuditCsv, searchAudit } from "../audit/query-audit.ts";
import { actorOf } from "../http/guard.ts";
import { fileAnswer, id, idParams, noContent, page, text } from "../http/schemas.ts";
import type { Services } from "../platform/services.ts";
import { cancelInvitation, inviteUser, listInvitations } from "./invitations.ts";
import { getOrganization, updateOrganization } from "./organizations.ts";
import {
  auditFilters,
  auditOut,
  createdTokenOut,
  invitationOut,
  inviteAnswer,
  orgOut,
  tokenOut,
  userOut,
} from "./schemas.ts";
import { createToken, listTokens, revokeToken } from "./tokens.ts";
import { createServiceAccount, listUsers, resetUserMfa, resetUserPassword, updateUser } from "./users.ts";

export function adminRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get("/api/organization", {
    config: { permission: "org:read" },
    schema: {
      tags: ["Organization"],
      summary: "Your organization and its security settings",
      response: { 200: orgOut },
    },
    handler: async (req) => getOrganization(services, actorOf(req)),
  });
  r.patch("/api/organization", {
    config: { permission: "org:manage" },
    schema: {
      tags: ["Organization"],
      summary: "Change the organization's name or security settings",
      body: z
        .strictObject({
          name: text(200).optional(),
          mfaRequired: z.boolean().optional(),
          idleTimeoutMinutes: z
            .number("must be a whole number of minutes")
            .int("must be a whole number of minutes")
            .min(1, "must be at least 1 minute")
            .max(60, "must be at most 60 minutes")
            .optional(),
          absoluteTimeoutHours: z
            .number("must be a whole number of hours")
            .int("must be a whole number of hours")
            .min(1, "must be at least 1 hour")
            .max(24, "must be at most 24 hours")
            .optional(),
        })
        .refine((v) => Object.keys(v).length > 0, "send at least one field to change"),
      response: { 200: orgOut },
    },
    handler: async (req) => updateOrganization(services, actorOf(req), req.body),
  });

  const ut = ["Users"];
  r.get("/api/users", {
    config: { permission: "users:manage" },
    schema: { tags: ut, summary: "Users of the organization", response: { 200: page(userOut) } },
    handler: async (req) => {
      const items = await listUsers(services, actorOf(req));
      return { items, total: items.length };
    },
  });
  r.post("/api/users", {
    config: { permission: "users:manage" },
    schema: {
      tags: ut,
      summary:
        "Invite a person by email (they accept through a signed link; the answer is the same whether or not the email has an account)",
      body: z.strictObject({
        email: text(320),
        displayName: text(200),
        roles: z.array(z.enum(ROLES)).min(1).max(ROLES.length),
      }),
      response: { 201: inviteAnswer },
    },
    handler: async (req, reply) => reply.status(201).send(await inviteUser(services, actorOf(req), req.body)),
  });
  r.get("/api/invitations", {
    config: { permission: "users:manage" },
    schema: {
      tags: ut,
      summary: "Invitations of the organization (pending, and those of the last 30 days)",
      response: { 200: page(invitationOut) },
    },
    handler: async (req) => {
      const items = await listInvitations(services, actorOf(req));
      return { items, total: items.length };
    },
  });
  r.delete("/api/invitations/:id", {
    config: { permission: "users:manage" },
    schema: {
      tags: ut,
      summary: "Cancel a pending invitation (its link stops working)",
      params: idParams,
      response: { 204: noContent },
    },
    handler: async (req, reply) => {
      await cancelInvitation(services, actorOf(req), req.params.id);
      return reply.status(204).send();
    },
  });
  r.post("/api/service-accounts", {
    config: { permission: "users:manage" },
    schema: {
      tags: ut,
      summary: "Create a service account (an integration's own name and roles; no password sign-in)",
      body: z.strictObject({ name: text(200), roles: z.array(z.enum(ROLES)).min(1).max(ROLES.length) }),
      response: { 201: userOut },
    },
    handler: async (req, reply) =>
      reply.status(201).send(await createServiceAccount(services, actorOf(req), req.body)),
  });
  r.patch("/api/users/:id", {
    config: { permission: "users:manage" },
    schema: {
      tags: ut,
      summary: "Change a user's roles or name, or disable them (ends their sessions at once)",
      params: idParams,
      body: z
        .strictObject({
          roles: z.array(z.enum(ROLES)).max(ROLES.length).optional(),
          disabled: z.boolean().optional(),
          displayName: text(200).optional(),
        })
        .refine((v) => Object.keys(v).length > 0, "send at least one field to change"),
      response: { 200: userOut, 204: z.null() },
    },
    handler: async (req, reply) => {
      const user = await updateUser(services, actorOf(req), req.params.id, req.body);
      return user ? user : reply.status(204).send(null);
    },
  });

  r.post("/api/users/:id/reset-password", {
    config: { permission: "users:manage" },
    schema: {
      tags: ut,
      summary: "Give the user a new one-time password (shown once); their sessions end",
      params: idParams,
      response: { 200: z.object({ oneTimePassword: z.string() }) },
    },
    handler: async (req) => resetUserPassword(services, actorOf(req), req.params.id),
  });
  r.post("/api/users/:id/reset-mfa", {
    config: { permission: "users:manage" },
    schema: {
      tags: ut,
      summary: "Turn off the user's MFA (lost authenticator); their sessions end",
      params: idParams,
      response: { 204: noContent },
    },
    handler: async (req, reply) => {
      await resetUserMfa(services, actorOf(req), req.params.id);
      return reply.status(204).send();
    },
  });

  const tt = ["Tokens"];
  r.get("/api/tokens", {
    config: { permission: "tokens:manage" },
    schema: { tags: tt, summary: "Integration tokens", response: { 200: page(tokenOut) } },
    handler: async (req) => {
      const items = await listTokens(services, actorOf(req));
      return { items, total: items.length };
    },
  });
  r.post("/api/tokens", {
    config: { permission: "tokens:manage" },
    schema: {
      tags: tt,
      summary:
        "Issue a token for yourself or a service account, with one of its roles (the secret is shown once)",
      body: z.strictObject({ name: text(100), userId: id.optional(), role: z.enum(ROLES).optional() }),
      response: { 201: createdTokenOut },
    },
    handler: async (req, reply) =>
      reply.status(201).send(await createToken(services, actorOf(req), req.body)),
  });
  r.delete("/api/tokens/:id", {
    config: { permission: "tokens:manage" },
    schema: { tags: tt, summary: "Revoke a token", params: idParams, response: { 204: noContent } },
    handler: async (req, reply) => {
      await revokeToken(services, actorOf(req), req.params.id);
      return reply.status(204).send();
    },
  });

  const at = ["Audit"];
  r.get("/api/audit", {
    config: { permission: "audit:read" },
    schema: {
      tags: at,
      summary: "Search the audit trail",
      querystring: auditFilters.extend({
        limit: z.coerce.number().int().min(1).max(500).default(100),
        offset: z.coerce.number().int().min(0).default(0),
      }),
      response: { 200: page(auditOut) },
    },
    handler: async (req) => searchAudit(services, actorOf(req), req.query),
  });
  r.get("/api/audit/export.csv", {
    config: { permission: "audit:read" },
    schema: {
      tags: at,
      summary: "Export the filtered audit trail as CSV",
      querystring: auditFilters,
      response: { 200: fileAnswer("The entries as CSV (an attachment)", ["text/csv"]) },
    },
    handler: async (req, reply) => {
      const csv = await exportAuditCsv(services, actorOf(req), req.query);
      return reply
        .type("text/csv; charset=utf-8")
        .header("content-disposition", 'attachment; filename="salus-audit.csv"')
        .send(csv);
    },
  });
  r.get("/api/audit/actions", {
    config: { permission: "audit:read" },
    schema: {
      tags: at,
      summary: "Action names present in the trail",
      response: { 200: z.array(z.string()) },
    },
    handler: async (req) => auditActions(services, actorOf(req)),
  });
}

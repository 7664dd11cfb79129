import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { chooseDefaultOrganization } from "../auth/landing.ts";
import { actorOf, requestInfo } from "../http/guard.ts";
import { noContent, text } from "../http/schemas.ts";
import type { Services } from "../platform/services.ts";
import { acceptInvitation, acceptInvitationWithPassword, previewInvitation } from "./invitations.ts";
import { invitationPreviewOut, invitationToken } from "./schemas.ts";

/**
 * The person's own account across organizations: accepting an invitation (signed in, or by choosing a
 * password for an email that has no account yet) and choosing where a plain sign-in lands. The link's
 * token travels in the body, never in a URL (it sits after `#` in the emailed link).
 */
export function accountRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ["Account"];
  // The public steps are limited like sign-in: a link is a credential.
  const limited = { max: 30, timeWindow: "1 minute" };

  r.post("/api/invitations/preview", {
    config: { permission: "public", rateLimit: limited },
    schema: {
      tags,
      summary: "What an invitation link offers (organization, roles, whether a password must be chosen)",
      body: invitationToken,
      response: { 200: invitationPreviewOut },
    },
    handler: async (req) => previewInvitation(services, req.body.token),
  });

  r.post("/api/invitations/accept", {
    config: { permission: "org:read" },
    schema: {
      tags,
      summary: "Accept an invitation, signed in to the account it was sent to",
      body: invitationToken,
      response: { 200: z.object({ organization: z.object({ slug: z.string(), name: z.string() }) }) },
    },
    handler: async (req) => acceptInvitation(services, actorOf(req), req.body.token),
  });

  r.post("/api/invitations/accept-new", {
    config: { permission: "public", rateLimit: limited },
    schema: {
      tags,
      summary: "Accept an invitation sent to an email with no account yet, choosing the account's password",
      body: invitationToken.extend({ password: z.string().min(1).max(1024) }),
      response: { 200: z.object({ email: z.string() }) },
    },
    handler: async (req) => acceptInvitationWithPassword(services, requestInfo(req), req.body),
  });

  r.put("/api/account/default-organization", {
    config: { permission: "org:read" },
    schema: {
      tags,
      summary: "Choose the organization your sign-in lands in (one of yours)",
      body: z.strictObject({ organization: text(40) }),
      response: { 204: noContent },
    },
    handler: async (req, reply) => {
      await chooseDefaultOrganization(services, actorOf(req), req.body.organization);
      return reply.status(204).send();
    },
  });
}

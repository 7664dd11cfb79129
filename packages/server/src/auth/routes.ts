import type { FastifyInstance, FastifyReply } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { OrganizationRow } from "../db/schema.ts";
import { requestInfo, sessionCookieName, sessionOf } from "../http/guard.ts";
import { noContent, text } from "../http/schemas.ts";
import type { Services } from "../platform/services.ts";
import { changePassword } from "./change-password.ts";
import { confirmMfaEnrollment } from "./confirm-mfa-enrollment.ts";
import { memberOrganizations } from "./member-organizations.ts";
import type { ResolvedSession } from "./resolve-session.ts";
import {
  code,
  mfaEnrollmentOut,
  passwordChangeIn,
  type SessionView,
  sessionAnswer,
  signInIn,
  stepAnswer,
} from "./schemas.ts";
import type { SignInResult } from "./session-stage.ts";
import { signIn } from "./sign-in.ts";
import { signOut } from "./sign-out.ts";
import { startMfaEnrollment } from "./start-mfa-enrollment.ts";
import { switchOrganization } from "./switch-organization.ts";
import { verifyMfa } from "./verify-mfa.ts";

const statusOf = {
  active: "signed_in",
  mfa: "mfa_required",
  mfa_enrollment: "mfa_enrollment_required",
  password_change: "password_change_required",
} as const;

export function presentSession(r: ResolvedSession, organizations: readonly OrganizationRow[]): SessionView {
  return {
    user: {
      id: r.user.id,
      email: r.user.email,
      displayName: r.user.display_name,
      mfaEnabled: r.user.mfa_enabled === 1,
    },
    organization: { id: r.organization.id, slug: r.organization.slug, name: r.organization.name },
    organizations: organizations.map((o) => ({ slug: o.slug, name: o.name })),
    // Until the session is active it grants nothing, and the answer says so.
    roles: r.session.stage === "active" ? r.roles : [],
    permissions: r.session.stage === "active" ? r.permissions : [],
    csrfToken: r.session.csrf_token,
    stage: r.session.stage,
  };
}

export function authRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const cookie = sessionCookieName(services.config.secureCookies);
  const setSession = (reply: FastifyReply, result: SignInResult) => {
    reply.setCookie(cookie, result.token, {
      httpOnly: true,
      sameSite: "strict",
      secure: services.config.secureCookies,
      path: "/",
    });
    return { status: statusOf[result.stage], csrfToken: result.csrfToken };
  };
  const tags = ["Authentication"];

  r.post("/api/auth/login", {
    config: { permission: "public", rateLimit: { max: 30, timeWindow: "1 minute" } },
    schema: {
      tags,
      summary: "Sign in with email and password",
      body: signInIn,
      response: { 200: stepAnswer },
    },
    handler: async (request, reply) =>
      setSession(reply, await signIn(services, requestInfo(request), request.body)),
  });

  r.post("/api/auth/mfa/verify", {
    config: { permission: "session", rateLimit: { max: 30, timeWindow: "1 minute" } },
    schema: {
      tags,
      summary: "Answer the MFA challenge with a TOTP code",
      body: code,
      response: { 200: stepAnswer },
    },
    handler: async (request, reply) =>
      setSession(
        reply,
        await verifyMfa(services, sessionOf(request), request.body.code, requestInfo(request)),
      ),
  });

  r.post("/api/auth/mfa/enroll", {
    config: { permission: "session" },
    schema: {
      tags,
      summary: "Start MFA enrolment (a new TOTP secret)",
      body: z.strictObject({}).optional(),
      response: { 200: mfaEnrollmentOut },
    },
    handler: async (request) => startMfaEnrollment(services, sessionOf(request)),
  });

  r.post("/api/auth/mfa/enroll/confirm", {
    config: { permission: "session", rateLimit: { max: 30, timeWindow: "1 minute" } },
    schema: {
      tags,
      summary: "Finish MFA enrolment with a code from the app",
      body: code,
      response: { 200: stepAnswer },
    },
    handler: async (request, reply) =>
      setSession(
        reply,
        await confirmMfaEnrollment(services, sessionOf(request), request.body.code, requestInfo(request)),
      ),
  });

  r.post("/api/auth/password", {
    config: { permission: "session", rateLimit: { max: 30, timeWindow: "1 minute" } },
    schema: {
      tags,
      summary: "Change your password",
      body: passwordChangeIn,
      response: { 200: stepAnswer },
    },
    handler: async (request, reply) =>
      setSession(
        reply,
        await changePassword(services, sessionOf(request), request.body, requestInfo(request)),
      ),
  });

  r.post("/api/auth/logout", {
    config: { permission: "session" },
    schema: { tags, summary: "Sign out", body: z.strictObject({}).optional(), response: { 204: noContent } },
    handler: async (request, reply) => {
      await signOut(services, sessionOf(request), requestInfo(request));
      reply.clearCookie(cookie, { path: "/" });
      return reply.status(204).send();
    },
  });

  r.get("/api/auth/session", {
    config: { permission: "session" },
    schema: {
      tags,
      summary: "The current session, its roles and permissions",
      response: { 200: sessionAnswer },
    },
    handler: async (request) => {
      const r = sessionOf(request);
      return presentSession(r, await memberOrganizations(services.systemDb, r.user.id));
    },
  });

  r.post("/api/auth/switch-organization", {
    config: { permission: "session" },
    schema: {
      tags,
      summary: "Work in another of your organizations",
      body: z.strictObject({ organization: text(40) }),
      response: { 200: stepAnswer },
    },
    handler: async (request, reply) =>
      setSession(
        reply,
        await switchOrganization(
          services,
          sessionOf(request),
          request.body.organization,
          requestInfo(request),
        ),
      ),
  });
}

import { timingSafeEqual } from "node:crypto";
import { DomainError, type Permission } from "@salus/core";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { auditEvent } from "../audit/audited.ts";
import { patientOfTarget } from "../audit/refusal-target.ts";
import { resolveBearer } from "../auth/bearer.ts";
import type { RequestInfo } from "../auth/request-info.ts";
import { type ResolvedSession, resolveSession } from "../auth/resolve-session.ts";
import { grants } from "../auth/role-permissions.ts";
import type { Actor, Services } from "../platform/services.ts";

/**
 * Deny by default. Every route declares `config.permission`: a permission from the role matrix,
 * `"public"` (health check, sign-in, FHIR metadata) or `"session"` (the sign-in steps, which work before
 * the session is fully active). A route without a declaration fails at start-up, so none can slip in.
 */
export type RoutePermission = Permission | "public" | "session";

declare module "fastify" {
  interface FastifyContextConfig {
    permission?: RoutePermission;
  }
  interface FastifyRequest {
    actor: Actor | null;
    authSession: ResolvedSession | null;
  }
}

export const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function requestInfo(request: FastifyRequest): RequestInfo {
  const ua = request.headers["user-agent"];
  return {
    ip: request.ip ?? null,
    userAgent: typeof ua === "string" ? ua : null,
    requestId: String(request.id),
  };
}

export function sessionCookieName(secure: boolean): string {
  // The __Host- prefix makes the browser refuse the cookie unless Secure, path=/ and no Domain.
  return secure ? "__Host-salus_session" : "salus_session";
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The actor for a fully signed-in session. */
export function sessionActor(r: ResolvedSession, info: RequestInfo): Actor {
  return {
    organizationId: r.organization.id,
    userId: r.user.id,
    label: r.user.email,
    roles: r.roles,
    permissions: r.permissions,
    via: "session",
    ip: info.ip,
    requestId: info.requestId,
  };
}

export function installGuard(app: FastifyInstance, services: Services, routes: RouteRecord[]): void {
  app.decorateRequest("actor", null);
  app.decorateRequest("authSession", null);

  app.addHook("onRoute", (route) => {
    const permission = (route.config as { permission?: RoutePermission } | undefined)?.permission;
    const url = route.url ?? route.path;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const guarded = url.startsWith("/api") || url.startsWith("/fhir") || url.startsWith("/healthz");
    if (guarded && !permission && !url.startsWith("/api/docs")) {
      throw new Error(`Route ${methods.join(",")} ${url} declares no permission (config.permission).`);
    }
    for (const method of methods)
      routes.push({ method: String(method), url, permission: permission ?? "public" });
  });

  app.addHook("onRequest", async (request) => {
    const permission = request.routeOptions.config.permission;
    if (!permission || permission === "public") return;
    const info = requestInfo(request);
    const authorization = request.headers.authorization;
    if (authorization !== undefined) {
      const match = /^Bearer ([A-Za-z0-9_\-.~+/]+=*)$/.exec(authorization);
      if (!match || permission === "session") {
        throw new DomainError("unauthenticated", "Send a valid `Authorization: Bearer <token>` header.");
      }
      request.actor = await resolveBearer(services, match[1]!, info);
    } else {
      const token = request.cookies[sessionCookieName(services.config.secureCookies)];
      if (!token) throw new DomainError("unauthenticated", "Please sign in.");
      // Background polling (the web app's session check) must not keep an idle session alive.
      const background = request.headers["x-salus-background"] === "1";
      const resolved = await resolveSession(services, token, info, !background);
      request.authSession = resolved;
      if (!SAFE_METHODS.has(request.method)) {
        const sent = request.headers["x-csrf-token"];
        if (typeof sent !== "string" || !sameToken(sent, resolved.session.csrf_token)) {
          await auditEvent(
            services,
            sessionActor(resolved, info),
            {
              action: "auth.csrf",
              resourceType: "Route",
              resourceId: `${request.method} ${request.routeOptions.url}`,
            },
            "denied",
          );
          throw new DomainError(
            "csrf_failed",
            "The request is missing its CSRF token; reload the page and try again.",
          );
        }
      }
      if (permission === "session") return;
      if (resolved.session.stage !== "active") {
        throw new DomainError("unauthenticated", "Finish signing in first.");
      }
      request.actor = sessionActor(resolved, info);
    }
    if (!grants(request.actor.permissions, permission)) {
      await auditEvent(
        services,
        request.actor,
        {
          action: "permission.denied",
          resourceType: "Route",
          resourceId: `${request.method} ${request.routeOptions.url}`,
          // An attempt on one patient's record goes in their access report (the caller learns nothing).
          patientId: await patientOfTarget(
            services.systemDb,
            request.actor.organizationId,
            request.routeOptions.url,
            request.params,
          ),
          detail: { permission },
        },
        "denied",
      );
      throw new DomainError(
        "forbidden",
        "Your role does not allow this. Ask your administrator if you need it.",
      );
    }
  });
}

export interface RouteRecord {
  method: string;
  url: string;
  permission: RoutePermission;
}

/** The actor of a guarded route (the guard has already refused requests without one). */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new DomainError("unauthenticated", "Please sign in.");
  return request.actor;
}

export function sessionOf(request: FastifyRequest): ResolvedSession {
  if (!request.authSession) throw new DomainError("unauthenticated", "Please sign in.");
  return request.authSession;
}

import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import cookie from "@fastify/cookie";
import rateLimit from "@fastify/rate-limit";
import fastifyStatic from "@fastify/static";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyInstance } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import helmet from "helmet";
import { sql } from "kysely";
import { z } from "zod";
import { DOMAINS } from "../domains.ts";
import { fhirRoutes } from "../fhir/fhir-routes.ts";
import type { Services } from "../platform/services.ts";
import { sendError } from "./errors.ts";
import { installGuard, type RouteRecord } from "./guard.ts";
import { installIdempotency } from "./idempotency.ts";
import { openApiTransform, openApiTransformObject } from "./openapi.ts";

export interface AppOptions {
  /** Directory of the built web app; served with an SPA fallback when it exists. */
  webDist?: string | undefined;
  /** Pino logger options, or false for none (tests). */
  logger?: boolean | object;
}

export interface SalusApp {
  app: FastifyInstance;
  /** Every route with its declared permission (the deny-by-default test walks this). */
  routes: RouteRecord[];
}

/**
 * Builds the Fastify application: security headers, rate limits, body limits, the authorization guard,
 * the JSON API, FHIR, OpenAPI docs and the web app. Log lines never carry request bodies, cookies,
 * tokens or query strings (a patient search puts a name in the query string).
 */
export async function buildApp(services: Services, options: AppOptions = {}): Promise<SalusApp> {
  const routes: RouteRecord[] = [];
  const app = Fastify({
    logger:
      options.logger === false
        ? false
        : {
            level: services.config.logLevel,
            redact: [
              "req.headers.authorization",
              "req.headers.cookie",
              'req.headers["x-csrf-token"]',
              'res.headers["set-cookie"]',
            ],
            serializers: {
              req: (req: { method: string; url: string; id: string }) => ({
                method: req.method,
                url: req.url.split("?")[0],
                id: req.id,
              }),
            },
            ...(typeof options.logger === "object" ? options.logger : {}),
          },
    bodyLimit: services.config.bodyLimitBytes,
    onProtoPoisoning: "error",
    onConstructorPoisoning: "error",
    genReqId: () => randomUUID(),
    trustProxy: false,
    routerOptions: { maxParamLength: 200 },
    // Errors raised by the router itself (an over-long path parameter, a malformed URL encoding) would
    // otherwise answer in Fastify's own shape, bypassing the error handler; give them ours (found by
    // http/bad-input.int.test.ts).
    frameworkErrors: (error, request, reply) => {
      sendError(error, request, reply);
    },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // Only JSON bodies: a text/plain "simple" request from another site cannot reach a mutating route.
  app.removeContentTypeParser("text/plain");
  app.addContentTypeParser(
    "application/fhir+json",
    { parseAs: "string" },
    app.getDefaultJsonParser("error", "error"),
  );

  app.setErrorHandler((error, request, reply) => sendError(error, request, reply));
  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split("?")[0] ?? "";
    const webIndex = options.webDist ? resolve(options.webDist, "index.html") : null;
    // A missing asset stays a 404 (a tab open across a deploy would otherwise get index.html as its
    // JavaScript); any other unknown GET is a page of the single-page app.
    if (
      request.method === "GET" &&
      webIndex &&
      existsSync(webIndex) &&
      !/^\/(api|fhir|healthz|assets)(\/|$)/.test(path)
    ) {
      return reply.type("text/html").sendFile("index.html");
    }
    return sendError(Object.assign(new Error("not found"), { statusCode: 404 }), request, reply);
  });

  // The security headers' middleware is built once: @fastify/helmet built it anew on every request (its
  // options parsed, the CSP string joined), 5% of a patient read's CPU. Same headers, every response.
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        fontSrc: ["'self'", "data:"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        // Upgrading to https only makes sense when Salus is served over TLS (a plain-http localhost
        // install would otherwise have every asset request rewritten to an https URL that fails).
        upgradeInsecureRequests: services.config.secureCookies ? [] : null,
      },
    },
    referrerPolicy: { policy: "no-referrer" },
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
  });
  app.addHook("onRequest", (request, reply, done) =>
    securityHeaders(request.raw, reply.raw, (error) => done(error as Error | undefined)),
  );
  await app.register(rateLimit, {
    global: true,
    max: services.config.rateLimitPerMinute > 0 ? services.config.rateLimitPerMinute : 1_000_000_000,
    timeWindow: "1 minute",
    errorResponseBuilder: (_req, ctx) => ({
      statusCode: 429,
      code: "rate_limited",
      message: `Too many requests; try again in ${Math.ceil(ctx.ttl / 1000)} seconds.`,
    }),
  });
  await app.register(cookie);

  // PHI must not linger in browser or proxy caches.
  app.addHook("onSend", async (request, reply) => {
    if (/^\/(api|fhir)\//.test(request.url)) reply.header("cache-control", "no-store");
    reply.header("x-request-id", request.id);
  });

  await app.register(swagger, {
    openapi: {
      info: {
        title: "Salus API",
        version: "0.1.0",
        description:
          "Salus practice management: the JSON API (/api) and FHIR R4 (/fhir/R4). Conventions, errors and operationIds: docs/api.md.",
      },
      components: {
        securitySchemes: {
          bearer: { type: "http", scheme: "bearer" },
          session: { type: "apiKey", in: "cookie", name: "salus_session" },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    transform: openApiTransform,
    transformObject: openApiTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: "/api/docs", staticCSP: true });

  installGuard(app, services, routes);
  installIdempotency(app, services);

  const health = z.object({ status: z.enum(["ok", "unavailable"]), database: z.string() });
  app.get(
    "/healthz",
    {
      config: { permission: "public" },
      schema: {
        tags: ["Health"],
        summary: "Whether the server and its database answer",
        response: { 200: health, 503: health.describe("The database does not answer") },
      },
    },
    async (_request, reply) => {
      try {
        await sql`select 1`.execute(services.systemDb);
        return { status: "ok", database: services.db.dialect };
      } catch {
        return reply.status(503).send({ status: "unavailable", database: services.db.dialect });
      }
    },
  );

  for (const domain of DOMAINS) for (const register of domain.routes) register(app, services);
  await app.register(async (fhir) => fhirRoutes(fhir, services));

  if (options.webDist && existsSync(options.webDist)) {
    await app.register(fastifyStatic, {
      root: resolve(options.webDist),
      // Files are looked up per request, so a rebuilt web app is served without a restart.
      wildcard: true,
      index: "index.html",
    });
  }
  await app.ready();
  return { app, routes };
}

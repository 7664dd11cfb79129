import { randomUUID } from "node:crypto";
import { PERMISSIONS } from "@salus/core";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  closeTestServices,
  createTestApp,
  createTestServices,
  dialect,
  type TestServices,
} from "../testing/harness.ts";
import type { RouteRecord } from "./guard.ts";

/** SEC-AZ-01: deny by default, checked against the router's own inventory. */
describe(`deny by default (${dialect})`, () => {
  let services: TestServices;
  let app: FastifyInstance;
  let routes: RouteRecord[];

  beforeAll(async () => {
    services = await createTestServices();
    ({ app, routes } = await createTestApp(services));
  });
  afterAll(async () => {
    await app?.close();
    await closeTestServices(services);
  });

  const fill = (url: string) => url.replace(/:[A-Za-z]+/g, () => randomUUID());
  const isApiOrFhir = (r: RouteRecord) => r.url.startsWith("/api") || r.url.startsWith("/fhir");
  const guarded = () => routes.filter((r) => r.permission !== "public" && isApiOrFhir(r));

  function expectUnauthenticated(route: RouteRecord, response: LightMyRequestResponse) {
    expect(response.statusCode, `${route.method} ${route.url}`).toBe(401);
    if (route.method === "HEAD") return;
    if (route.url.startsWith("/fhir/")) {
      const body = response.json();
      expect(body.resourceType).toBe("OperationOutcome");
      expect(body.issue[0].code).toBe("login");
      expect(body.issue[0].details.text).toEqual(expect.any(String));
    } else {
      const body = response.json();
      expect(body.error.code, `${route.method} ${route.url}`).toBe("unauthenticated");
      expect(body.error.message).toEqual(expect.any(String));
      expect(body.error.requestId).toEqual(response.headers["x-request-id"]);
    }
  }

  it("the inventory covers the API and FHIR, and every route declares a permission", () => {
    expect(routes.length).toBeGreaterThan(40);
    const allowed = new Set<string>([...PERMISSIONS, "public", "session"]);
    for (const r of routes.filter(isApiOrFhir)) {
      expect(allowed.has(r.permission), `${r.method} ${r.url}: ${r.permission}`).toBe(true);
    }
    // Spot-check that the inventory is the real router (a route missing here would escape this test).
    const names = routes.map((r) => `${r.method} ${r.url}`);
    for (const n of [
      "GET /api/patients/:id",
      "PATCH /api/users/:id",
      "DELETE /api/tokens/:id",
      "GET /api/audit/export.csv",
      "GET /fhir/R4/Patient",
    ])
      expect(names).toContain(n);
  });

  it("public routes are exactly /healthz, POST /api/auth/login, GET /fhir/R4/metadata and the reminder links", () => {
    const pub = routes
      .filter((r) => r.permission === "public")
      .map((r) => `${r.method} ${r.url}`)
      .sort();
    expect(pub).toEqual(
      [
        "GET /fhir/R4/metadata",
        "GET /healthz",
        "HEAD /fhir/R4/metadata",
        "HEAD /healthz",
        "POST /api/auth/login",
        // Invitation links: the signed, single-use link is the credential (account-routes.ts).
        "POST /api/invitations/preview",
        "POST /api/invitations/accept-new",
        // Reminder confirm/cancel links: the signed link is the credential (appointment-response-routes.ts).
        "GET /r/:appointmentId",
        "HEAD /r/:appointmentId",
        "POST /r/:appointmentId",
        // Waitlist offer links: the signed link is the credential (waitlist-offer-routes.ts).
        "GET /w/:offerId",
        "HEAD /w/:offerId",
        "POST /w/:offerId",
        // A practitioner's iCalendar feed: the 256-bit secret in the URL is the credential (calendar-feed-routes.ts).
        "GET /calendar/:file",
        "HEAD /calendar/:file",
      ].sort(),
    );
  });

  it("public routes answer without credentials", async () => {
    expect((await app.inject({ method: "GET", url: "/healthz" })).statusCode).toBe(200);
    const meta = await app.inject({ method: "GET", url: "/fhir/R4/metadata" });
    expect(meta.statusCode).toBe(200);
    expect(meta.json().resourceType).toBe("CapabilityStatement");
  });

  it("every guarded route answers 401 with no cookie and no token", async () => {
    expect(guarded().length).toBeGreaterThan(40);
    for (const route of guarded()) {
      const response = await app.inject({
        method: route.method as "GET",
        url: fill(route.url),
        ...(["POST", "PATCH", "PUT"].includes(route.method) ? { payload: {} } : {}),
      });
      expectUnauthenticated(route, response);
    }
  });

  it("every guarded route answers 401 to a malformed or unknown bearer token", async () => {
    const bad = [
      "Bearer",
      "Bearer ",
      "Bearer a b",
      "Basic dXNlcjpwYXNz",
      "bearer xyz",
      "Bearer ???",
      "Token abc",
    ];
    for (const route of guarded()) {
      for (const authorization of [...bad, `Bearer salus_${"A".repeat(43)}`]) {
        const response = await app.inject({
          method: route.method as "GET",
          url: fill(route.url),
          headers: { authorization },
          ...(["POST", "PATCH", "PUT"].includes(route.method) ? { payload: {} } : {}),
        });
        expectUnauthenticated(route, response);
      }
    }
  });

  it("a session cookie that names no session answers 401", async () => {
    for (const route of guarded().filter((r) => r.method === "GET")) {
      const response = await app.inject({
        method: "GET",
        url: fill(route.url),
        headers: { cookie: `salus_session=${"x".repeat(43)}` },
      });
      expectUnauthenticated(route, response);
    }
  });

  it("no route answers to a GET that changes something, and unknown paths are 404 JSON errors", async () => {
    const mutating = routes.filter((r) => ["POST", "PATCH", "DELETE", "PUT"].includes(r.method));
    for (const r of mutating) {
      const hasGet = routes.some((x) => x.method === "GET" && x.url === r.url);
      if (hasGet) continue;
      // A read whose pattern takes this path (GET /fhir/R4/Claim/:id for POST Claim/$validate, GET
      // /api/billing/claims/:id for POST claims/build) answers it: that GET is a read, guarded like any.
      const readOf = (x: RouteRecord) =>
        new RegExp(`^${x.url.replace(/[.$]/g, "\\$&").replace(/:[A-Za-z]+/g, "[^/]+")}$`).test(r.url);
      if (routes.some((x) => x.method === "GET" && x.url.includes(":") && readOf(x))) continue;
      const response = await app.inject({ method: "GET", url: fill(r.url) });
      expect(response.statusCode, `GET ${r.url}`).toBe(404);
    }
    const unknown = await app.inject({ method: "GET", url: "/api/nothing-here" });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe("not_found");
  });
});

import { type Permission, ROLE_PERMISSIONS, ROLES, type Role } from "@salus/core";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  asBearer,
  asSession,
  auditAfter,
  auditSeq,
  bearer,
  closeTestServices,
  createTestApp,
  createTestServices,
  dialect,
  type Method,
  type Seed,
  type SeededOrg,
  type SignedIn,
  seedTwoOrgs,
  signIn,
  type TestServices,
} from "../testing/harness.ts";
import type { RouteRecord } from "./guard.ts";

// Each test walks the whole route inventory (every role x every route), which grows with every slice:
// minutes on PostgreSQL on a loaded 2-core machine, so this file gets a longer limit than the default.
vi.setConfig({ testTimeout: 600_000 });

/**
 * SEC-AZ-01/03: for every role and every guarded route, 403 exactly when ROLE_PERMISSIONS lacks the
 * route's permission, and each refusal is on the audit trail.
 */
describe(`permission matrix per role (${dialect})`, () => {
  let services: TestServices;
  let app: FastifyInstance;
  let routes: RouteRecord[];
  let seed: Seed;
  const sessions = {} as Record<Role, SignedIn>;
  const tokens = {} as Record<Role, string>;

  beforeAll(async () => {
    services = await createTestServices();
    seed = await seedTwoOrgs(services);
    ({ app, routes } = await createTestApp(services));
    for (const role of ROLES) {
      sessions[role] = await signIn(app, seed.alpha.users[role].email);
      expect(sessions[role].status).toBe("signed_in");
      tokens[role] = await bearer(services, seed.alpha, seed.alpha.users[role].email, role);
    }
  });
  afterAll(async () => {
    await app?.close();
    await closeTestServices(services);
  });

  const MISSING_ID = "00000000-0000-4000-8000-000000000000";

  /** Path parameters filled with real ids of the caller's organization. */
  function fill(url: string, org: SeededOrg): string {
    const ids: Record<string, string> = {
      "/api/locations/:id": org.locationId,
      "/api/rooms/:id": org.roomId,
      "/api/equipment/:id": org.equipmentId,
      "/api/staff/:id": org.practitionerId,
      "/api/patients/:id": org.patientIds[0],
      "/api/users/:id": org.users.biller.id,
      "/api/tokens/:id": org.tokenId,
      "/fhir/R4/Patient/:id": org.patientIds[0],
      "/fhir/R4/Practitioner/:id": org.practitionerId,
      "/fhir/R4/Organization/:id": org.id,
      "/fhir/R4/Location/:id": org.locationId,
    };
    let out = url.replace(":licenseId", org.licenseId);
    for (const [pattern, id] of Object.entries(ids)) {
      if (out === pattern) out = pattern.replace(":id", id);
    }
    out = out.replace("/api/staff/:id/", `/api/staff/${org.practitionerId}/`);
    // A permitted reset would end that user's sessions mid-test: use an id that does not exist.
    out = out.replace("/api/users/:id/reset-password", `/api/users/${MISSING_ID}/reset-password`);
    // Scheduling records are not seeded here; for the matrix only "403 or not" matters, and a permitted
    // caller answers 404 for an id that does not exist, which is still "not 403".
    if (
      /^\/api\/(appointment-types|appointments|appointment-series|waitlist|waitlist\/offers|availability\/\w+|calendar-feeds)\/:id/.test(
        out,
      ) ||
      /^\/fhir\/R4\/(Schedule|Appointment)\/:id$/.test(out)
    )
      out = out.replace(":id", MISSING_ID);
    // Routes under one patient use the seeded patient (a clinician without a relation to that patient
    // answers 404, which is still "not 403"); any other id is one that does not exist.
    out = out.replace(/^\/api\/patients\/:id\//, `/api/patients/${org.patientIds[0]}/`);
    out = out.replace(/:[A-Za-z]+/g, MISSING_ID);
    if (out.includes(":")) throw new Error(`no id for ${url}`);
    return out;
  }

  const permissionRoutes = () =>
    routes.filter((r) => r.permission !== "public" && r.permission !== "session");

  // An empty body: a permitted caller gets a validation answer (400) and nothing changes; a refused
  // caller gets 403 before the body is even looked at.
  const payloadFor = (method: string) => (["POST", "PATCH", "PUT"].includes(method) ? {} : undefined);

  for (const via of ["session", "bearer token"] as const) {
    it(`answers 403 exactly when the role lacks the permission, and audits each refusal (${via})`, async () => {
      const checked: string[] = [];
      for (const role of ROLES) {
        let forbidden = 0;
        let allowed = 0;
        for (const route of permissionRoutes()) {
          const url = fill(route.url, seed.alpha);
          const before = await auditSeq(services, seed.alpha.id);
          const response =
            via === "session"
              ? await asSession(app, sessions[role], route.method as Method, url, payloadFor(route.method))
              : await asBearer(app, tokens[role], route.method as Method, url, payloadFor(route.method));
          const permitted = ROLE_PERMISSIONS[role].includes(route.permission as Permission);
          const label = `${role} ${route.method} ${route.url} (${route.permission}) via ${via}: ${response.body}`;
          const entries = await auditAfter(services, seed.alpha.id, before);
          const denials = entries.filter((e) => e.action === "permission.denied");
          if (permitted) {
            allowed++;
            expect(response.statusCode, label).not.toBe(403);
            expect(response.statusCode, label).toBeLessThan(500);
            expect(denials, label).toEqual([]);
          } else {
            forbidden++;
            expect(response.statusCode, label).toBe(403);
            if (route.method !== "HEAD" && route.url.startsWith("/fhir")) {
              expect(response.json().resourceType, label).toBe("OperationOutcome");
              expect(response.json().issue[0].code, label).toBe("forbidden");
            } else if (route.method !== "HEAD") {
              expect(response.json().error.code, label).toBe("forbidden");
            }
            expect(denials, label).toHaveLength(1);
            const d = denials[0]!;
            expect(d.outcome).toBe("denied");
            expect(d.organization_id).toBe(seed.alpha.id);
            expect(d.user_id).toBe(seed.alpha.users[role].id);
            expect(d.actor).toBe(seed.alpha.users[role].email);
            expect(d.resource_type).toBe("Route");
            expect(d.resource_id).toBe(`${route.method} ${route.url}`);
            expect(d.ip).toBe("127.0.0.1");
            expect(d.request_id).toBe(response.headers["x-request-id"]);
            expect(JSON.parse(d.detail ?? "{}")).toMatchObject({
              permission: route.permission,
              via: via === "session" ? "session" : "token",
            });
          }
          checked.push(label);
        }
        // Every role is refused something and allowed something (admin reads no patients; everyone reads
        // the organization), so neither branch above is vacuous.
        expect(forbidden, role).toBeGreaterThan(0);
        expect(allowed, role).toBeGreaterThan(0);
      }
      expect(checked.length).toBe(ROLES.length * permissionRoutes().length);
    });
  }

  it("a user with several roles has the union of their permissions", async () => {
    const all = await signIn(app, seed.alpha.allRoles.email);
    for (const route of permissionRoutes()) {
      const response = await asSession(
        app,
        all,
        route.method as Method,
        fill(route.url, seed.alpha),
        payloadFor(route.method),
      );
      expect(response.statusCode, `${route.method} ${route.url}`).not.toBe(403);
    }
    const session = await asSession(app, all, "GET", "/api/auth/session");
    expect(session.json().roles).toEqual([...ROLES]);
  });

  it("the session answer lists exactly the role's permissions", async () => {
    for (const role of ROLES) {
      const response = await asSession(app, sessions[role], "GET", "/api/auth/session");
      expect(response.statusCode).toBe(200);
      expect([...response.json().permissions].sort()).toEqual([...ROLE_PERMISSIONS[role]].sort());
    }
  });
});

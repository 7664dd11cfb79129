import { Validator } from "@seriousme/openapi-schema-validator";
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  asBearer,
  asSession,
  bearer,
  closeTestServices,
  createTestApp,
  createTestServices,
  dialect,
  type Seed,
  type SignedIn,
  seedTwoOrgs,
  signIn,
  type TestServices,
} from "../testing/harness.ts";
import { operationIdOf } from "./openapi.ts";

type Json = Record<string, unknown>;
interface Operation {
  operationId?: string;
  responses: Record<string, { description: string; content?: Record<string, { schema: Json }> }>;
}
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>>; components: Json };

const METHODS = ["get", "put", "post", "delete", "patch"];

/**
 * Issue 10 item 7: the API reference answers (it was a 500: a recursive notes schema without an id), is a
 * valid OpenAPI 3 document, names every operation and its error answers, and says what the server
 * really sends.
 */
describe(`OpenAPI document (${dialect})`, () => {
  let services: TestServices;
  let app: FastifyInstance;
  let seed: Seed;
  let doc: Doc;
  let admin: SignedIn;
  let clinician: string;
  const checked: string[] = [];

  beforeAll(async () => {
    services = await createTestServices();
    seed = await seedTwoOrgs(services);
    ({ app } = await createTestApp(services));
    const db = services.systemDb;
    await db
      .updateTable("staff_members")
      .set({ user_id: seed.alpha.users.clinician.id })
      .where("id", "=", seed.alpha.practitionerId)
      .execute();
    await db
      .updateTable("patients")
      .set({ primary_practitioner_id: seed.alpha.practitionerId })
      .where("id", "=", seed.alpha.patientIds[0])
      .execute();
    admin = await signIn(app, seed.alpha.allRoles.email);
    clinician = await bearer(services, seed.alpha, seed.alpha.users.clinician.email);
    const r = await app.inject({ method: "GET", url: "/api/docs/json" });
    expect(r.statusCode, r.body.slice(0, 300)).toBe(200);
    doc = r.json() as Doc;
  });
  afterAll(async () => {
    await app?.close();
    await closeTestServices(services);
  });

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([m]) => METHODS.includes(m))
        .map(([method, op]) => ({ path, method, op })),
    );

  it("answers as JSON and as YAML, and validates as OpenAPI 3", async () => {
    expect(doc.openapi).toMatch(/^3\.0\./);
    const yaml = await app.inject({ method: "GET", url: "/api/docs/yaml" });
    expect(yaml.statusCode).toBe(200);
    expect(yaml.body).toContain("openapi: 3.0");
    const validator = new Validator();
    const result = await validator.validate(doc as never);
    expect(result.valid, JSON.stringify(result.errors ?? []).slice(0, 2000)).toBe(true);
    // Every reference resolves (the validator does not follow $refs).
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const ref of new Set(refs)) {
      const name = /#\/components\/schemas\/([^"]+)"/.exec(ref)?.[1];
      expect(name, ref).toBeDefined();
      expect((doc.components.schemas as Json)[name!], ref).toBeDefined();
    }
    expect((doc.components.schemas as Json).Note).toBeDefined();
  });

  it("gives every operation a unique operationId derived from its method and path", () => {
    const ops = operations();
    expect(ops.length).toBeGreaterThan(150);
    const ids = ops.map((o) => o.op.operationId);
    expect(ids.filter((id) => !id)).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.paths["/api/notes/{id}"]?.get?.operationId).toBe("getNotesById");
    expect(doc.paths["/fhir/R4/Patient/{id}/$everything"]?.get?.operationId).toBe(
      "fhirGetPatientByIdEverything",
    );
    expect(operationIdOf("POST", "/api/appointments/:id/reschedule")).toBe("postAppointmentsByIdReschedule");
  });

  it("documents a success answer and the error answers of every operation", () => {
    const missing: string[] = [];
    for (const { path, method, op } of operations()) {
      const label = `${method.toUpperCase()} ${path}`;
      const statuses = Object.keys(op.responses);
      const success = statuses.filter((s) => s.startsWith("2"));
      if (success.length === 0) missing.push(`${label}: no 2xx`);
      for (const s of success) {
        const answer = op.responses[s]!;
        if (s !== "204" && !answer.content) missing.push(`${label}: ${s} has no content`);
        if (s === "204" && answer.content) missing.push(`${label}: 204 with content`);
        if (answer.description === "Default Response") missing.push(`${label}: ${s} not described`);
      }
      const errorType = path.startsWith("/fhir/") ? "application/fhir+json" : "application/json";
      const errorRef = path.startsWith("/fhir/")
        ? "#/components/schemas/OperationOutcome"
        : "#/components/schemas/Error";
      const errors = statuses.filter((s) => /^[45]/.test(s) || s === "default");
      if (!errors.includes("default") || !errors.some((s) => s.startsWith("4")))
        missing.push(`${label}: error answers missing`);
      for (const s of errors) {
        const schema = op.responses[s]?.content?.[errorType]?.schema;
        // A route may declare its own error shape (the duplicate-patient 409 names the candidates).
        // The health check's 503 keeps its own small shape (load balancers read `status`).
        const own = schema?.anyOf || (path === "/healthz" && s === "503");
        if (!schema || (schema.$ref !== errorRef && !own)) missing.push(`${label}: ${s} shape`);
      }
      if (path.includes("{") && !statuses.includes("404")) missing.push(`${label}: no 404`);
    }
    expect(missing).toEqual([]);
  });

  // ---------------------------------------------------------------------------------------------------
  // What the server sends matches what the document says.

  function ajvFor(): Ajv {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema({ ...doc, $id: "salus-openapi" } as never);
    return ajv;
  }
  let ajv: Ajv;
  const compiled = new Map<string, ValidateFunction>();

  function findOperation(method: string, url: string): { path: string; op: Operation } {
    const pathname = url.split("?")[0]!;
    const candidates = Object.keys(doc.paths).filter((p) =>
      new RegExp(`^${p.replace(/[$.]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}$`).test(pathname),
    );
    // A literal segment beats a parameter (`/api/waitlist/offers` before `/api/waitlist/{id}`).
    candidates.sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0));
    for (const path of candidates) {
      const op = doc.paths[path]?.[method.toLowerCase()];
      if (op) return { path, op };
    }
    throw new Error(`no documented operation for ${method} ${pathname}`);
  }

  /** Asserts the answer is one the document describes: status, media type and body. */
  function conforms(method: string, url: string, r: LightMyRequestResponse): void {
    const { path, op } = findOperation(method, url);
    const label = `${method} ${url} → ${r.statusCode}: ${r.body.slice(0, 300)}`;
    const status = String(r.statusCode);
    const key = op.responses[status] ? status : "default";
    expect(
      op.responses[status] ?? (r.statusCode >= 500 ? op.responses.default : undefined),
      label,
    ).toBeDefined();
    const answer = op.responses[key]!;
    if (r.statusCode === 204) {
      expect(answer.content, label).toBeUndefined();
      expect(r.body).toBe("");
      checked.push(`${method} ${path} ${status}`);
      return;
    }
    const type = String(r.headers["content-type"] ?? "")
      .split(";")[0]!
      .trim();
    expect(Object.keys(answer.content ?? {}), label).toContain(type);
    if (type.endsWith("json")) {
      const pointer = `salus-openapi#/paths/${path.replaceAll("~", "~0").replaceAll("/", "~1")}/${method.toLowerCase()}/responses/${key}/content/${type.replace("/", "~1")}/schema`;
      let validate = compiled.get(pointer);
      if (!validate) {
        validate = ajv.compile({ $ref: pointer });
        compiled.set(pointer, validate);
      }
      const ok = validate(r.json());
      expect(ok, `${label}\n${JSON.stringify(validate.errors?.slice(0, 5))}`).toBe(true);
    }
    checked.push(`${method} ${path} ${status}`);
  }

  it("every JSON response schema in the document compiles", () => {
    ajv = ajvFor();
    for (const { path, method, op } of operations()) {
      for (const [status, answer] of Object.entries(op.responses)) {
        for (const type of Object.keys(answer.content ?? {})) {
          if (!type.endsWith("json")) continue;
          const pointer = `salus-openapi#/paths/${path.replaceAll("~", "~0").replaceAll("/", "~1")}/${method}/responses/${status}/content/${type.replace("/", "~1")}/schema`;
          expect(() => compiled.set(pointer, ajv.compile({ $ref: pointer })), pointer).not.toThrow();
        }
      }
    }
  });

  it("the JSON API's answers match their documented schemas, errors included", async () => {
    ajv ??= ajvFor();
    const s = admin;
    const get = async (url: string) => {
      const r = await asSession(app, s, "GET", url);
      conforms("GET", url, r);
      return r;
    };
    await get("/api/auth/session");
    await get("/api/organization");
    await get("/api/locations");
    await get(`/api/locations/${seed.alpha.locationId}`);
    await get("/api/staff");
    await get(`/api/staff/${seed.alpha.practitionerId}`);
    await get("/api/patients?q=a");
    await get(`/api/patients/${seed.alpha.patientIds[0]}`);
    await get("/api/users");
    await get("/api/tokens");
    await get("/api/audit?limit=5");
    await get("/api/audit/actions");
    await get("/api/audit/export.csv");
    await get("/api/scheduling/settings");
    await get("/api/appointment-types");
    await get("/api/flow/settings");
    await get("/api/disclosure-categories");
    // Errors: a missing id, a bad body, no session, a role without the permission.
    await get("/api/patients/00000000-0000-4000-8000-000000000000");
    const bad = await asSession(app, s, "POST", "/api/patients", { givenName: "" });
    conforms("POST", "/api/patients", bad);
    expect(bad.statusCode).toBe(400);
    const created = await asSession(app, s, "POST", "/api/patients", {
      givenName: "Openapi",
      familyName: "Conformance",
      dateOfBirth: "1970-01-01",
      sex: "female",
    });
    conforms("POST", "/api/patients", created);
    expect(created.statusCode).toBe(201);
    const anonymous = await app.inject({ method: "GET", url: "/api/patients" });
    conforms("GET", "/api/patients", anonymous);
    expect(anonymous.statusCode).toBe(401);
    const forbidden = await asBearer(app, clinician, "GET", "/api/audit");
    conforms("GET", "/api/audit", forbidden);
    expect(forbidden.statusCode).toBe(403);
    const revoked = await asSession(app, s, "DELETE", `/api/tokens/${seed.alpha.tokenId}`);
    conforms("DELETE", `/api/tokens/${seed.alpha.tokenId}`, revoked);
    expect(revoked.statusCode).toBe(204);
    const p0 = seed.alpha.patientIds[0];
    await get(`/api/patients/${p0}/access-report`);
    await get(`/api/patients/${p0}/disclosures/accounting`);
    await get(`/api/patients/${p0}/export`);
    await get(`/api/reports/flow?locationId=${seed.alpha.locationId}&from=2026-03-01&to=2026-03-02`);
    await get(
      `/api/reports/flow?locationId=${seed.alpha.locationId}&from=2026-03-01&to=2026-03-02&format=csv`,
    );
    const simulation = await asSession(app, s, "POST", "/api/reports/simulate", {
      patients: 4,
      interval: 15,
      rule: "individual",
      service: "exp:15",
      runs: 5,
    });
    expect(simulation.statusCode, simulation.body).toBe(200);
    expect(simulation.json().ci95).toBeDefined();
    conforms("POST", "/api/reports/simulate", simulation);
    const health = await app.inject({ method: "GET", url: "/healthz" });
    conforms("GET", "/healthz", health);
  });

  it("a note with its addenda (the recursive schema) matches the Note component", async () => {
    ajv ??= ajvFor();
    const encounter = await asBearer(
      app,
      clinician,
      "POST",
      `/api/patients/${seed.alpha.patientIds[0]}/encounters`,
      {
        date: "2026-03-02",
        practitionerId: seed.alpha.practitionerId,
        locationId: seed.alpha.locationId,
        type: "office-visit",
      },
    );
    conforms("POST", `/api/patients/${seed.alpha.patientIds[0]}/encounters`, encounter);
    expect(encounter.statusCode, encounter.body).toBe(201);
    const encounterId = encounter.json().id as string;
    const note = await asBearer(app, clinician, "POST", `/api/encounters/${encounterId}/notes`, {
      text: "Seen today.",
    });
    conforms("POST", `/api/encounters/${encounterId}/notes`, note);
    const noteId = note.json().id as string;
    conforms(
      "POST",
      `/api/notes/${noteId}/sign`,
      await asBearer(app, clinician, "POST", `/api/notes/${noteId}/sign`, {}),
    );
    const addendum = await asBearer(app, clinician, "POST", `/api/notes/${noteId}/addenda`, {
      text: "Later.",
    });
    conforms("POST", `/api/notes/${noteId}/addenda`, addendum);
    const read = await asBearer(app, clinician, "GET", `/api/notes/${noteId}`);
    conforms("GET", `/api/notes/${noteId}`, read);
    expect(read.json().addenda).toHaveLength(1);
    const signedAgain = await asBearer(app, clinician, "POST", `/api/notes/${noteId}/sign`, {});
    expect(signedAgain.statusCode).toBe(409);
    conforms("POST", `/api/notes/${noteId}/sign`, signedAgain);
    conforms(
      "GET",
      `/api/encounters/${encounterId}/notes`,
      await asBearer(app, clinician, "GET", `/api/encounters/${encounterId}/notes`),
    );
  });

  it("FHIR answers match the documented Bundle, resource and OperationOutcome", async () => {
    ajv ??= ajvFor();
    const token = await bearer(services, seed.alpha, seed.alpha.users["front-desk"].email);
    for (const url of [
      "/fhir/R4/Patient?name=a",
      `/fhir/R4/Patient/${seed.alpha.patientIds[0]}`,
      "/fhir/R4/Patient/00000000-0000-4000-8000-000000000000",
      "/fhir/R4/Patient?unknown=1",
      "/fhir/R4/Location",
    ]) {
      conforms("GET", url, await asBearer(app, token, "GET", url));
    }
    conforms("GET", "/fhir/R4/metadata", await app.inject({ method: "GET", url: "/fhir/R4/metadata" }));
    expect(checked).toContain("GET /fhir/R4/Patient/{id} 404");
  });
});

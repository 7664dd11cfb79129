import type { SwaggerTransform, SwaggerTransformObject } from "@fastify/swagger";
import { jsonSchemaTransform, jsonSchemaTransformObject } from "fastify-type-provider-zod";
import { z } from "zod";
import { STATUS } from "./errors.ts";
import type { RoutePermission } from "./guard.ts";
import { errorBody } from "./schemas.ts";

/**
 * The OpenAPI document at /api/docs/json: what the zod schemas beside each route say, plus what every
 * route shares and would otherwise be left out (an operationId, the error answers, FHIR's shapes), so an
 * integrator can generate a client from it. Documentation only: nothing here changes what a route sends.
 */

type Json = Record<string, unknown>;

const ERROR_REF = { $ref: "#/components/schemas/Error" };
const OUTCOME_REF = { $ref: "#/components/schemas/OperationOutcome" };
const FHIR_RESOURCE_REF = { $ref: "#/components/schemas/FhirResource" };
const FHIR_BUNDLE_REF = { $ref: "#/components/schemas/FhirBundle" };

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * A stable operationId from the method and the path: `GET /api/notes/:id/addenda` is
 * `getNotesByIdAddenda`, `GET /fhir/R4/Patient/:id/$everything` is `fhirGetPatientByIdEverything`. It
 * changes only when the route does, and two routes never share a method and a path, so the ids are
 * unique (the OpenAPI test checks that too).
 */
export function operationIdOf(method: string, url: string): string {
  const fhir = url.startsWith("/fhir/R4");
  const rest = url.replace(/^\/fhir\/R4/, "").replace(/^\/api(?=\/|$)/, "");
  const words = rest
    .split("/")
    .filter(Boolean)
    .map((segment) => {
      const param = segment.startsWith(":");
      const name = segment
        .replace(/^:/, "")
        .split(/[^A-Za-z0-9]+/)
        .filter(Boolean)
        .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
        .join("");
      return param ? `By${name}` : name;
    })
    .join("");
  const verb = method.toLowerCase();
  return fhir ? `fhir${verb.charAt(0).toUpperCase()}${verb.slice(1)}${words}` : `${verb}${words}`;
}

/** The error codes answered with each status, from the one status table (http/errors.ts). */
function codesFor(status: number): string {
  return Object.entries(STATUS)
    .filter(([, s]) => s === status)
    .map(([code]) => `\`${code}\``)
    .join(", ");
}

const WHY: Record<number, string> = {
  400: "The request is not valid (the message and `details` name each field)",
  401: "Not signed in, or the session has ended",
  403: "Your role does not allow this, or the CSRF token is missing",
  404: "No such record (another organization's id answers exactly the same)",
  409: "The change conflicts with the record's current state (the message says which)",
  413: "The request body is too large",
  415: "The request body is not of an accepted type",
  422: "The `Idempotency-Key` was already used for another request (docs/api.md, Conventions)",
  429: "Too many requests; the message says how long to wait",
  503: "The database is unavailable",
};

function errorResponse(status: number, fhir: boolean): Json {
  const codes = codesFor(status);
  return {
    description: `${WHY[status] ?? "Error"}. Codes: ${codes}.`,
    content: fhir
      ? { "application/fhir+json": { schema: OUTCOME_REF } }
      : { "application/json": { schema: ERROR_REF } },
  };
}

/** Which error answers a route can give, from what it declares: its inputs, permission and method. */
function errorStatuses(method: string, url: string, schema: Json, permission: RoutePermission): number[] {
  const statuses = [429];
  const hasInput = Boolean(schema.body || schema.querystring || schema.params || url.includes(":"));
  if (hasInput) statuses.push(400);
  if (permission !== "public") statuses.push(401);
  // A permission from the matrix can be refused; so can any cookie-authenticated change without its
  // CSRF token.
  if (permission !== "public" && (permission !== "session" || MUTATING.has(method))) statuses.push(403);
  if (url.includes(":")) statuses.push(404);
  // A signed-in change can carry an Idempotency-Key (http/idempotency.ts): 409 while its first request
  // runs, 422 when the key was used for another request.
  if (MUTATING.has(method) && permission !== "public" && permission !== "session") statuses.push(409, 422);
  if (schema.body || MUTATING.has(method)) statuses.push(413, 415);
  if (url === "/healthz") statuses.push(503);
  return statuses.sort((a, b) => a - b);
}

/** The documented success answer of a FHIR route: a search is a Bundle, anything else a resource. */
function fhirSuccess(method: string, url: string): [string, Json] {
  const path = url.replace(/^\/fhir\/R4/, "");
  const bundle =
    method === "GET" && path !== "/metadata" && (/^\/[A-Za-z]+$/.test(path) || path.endsWith("$everything"));
  const resource = path.split("/")[1] ?? "";
  const what = path === "/metadata" ? "The CapabilityStatement" : bundle ? "A Bundle" : `The ${resource}`;
  return [
    method === "POST" ? "201" : "200",
    {
      description: `${what} (FHIR R4 JSON)`,
      content: { "application/fhir+json": { schema: bundle ? FHIR_BUNDLE_REF : FHIR_RESOURCE_REF } },
    },
  ];
}

const SUCCESS: Record<string, string> = {
  "200": "OK",
  "201": "Created",
  "202": "Accepted",
  "204": "Done; the answer has no body",
};

function describedAnswer(status: string, declared: Json, fhir: boolean): Json {
  const description =
    typeof declared.description === "string" ? declared.description : (SUCCESS[status] ?? "Answer");
  // A 204 has no body: `type: null` makes swagger leave out the content.
  if (status === "204") return { type: "null", description };
  if (declared.content && typeof declared.content === "object") return { ...declared, description };
  return {
    description,
    content: { [fhir ? "application/fhir+json" : "application/json"]: { schema: declared } },
  };
}

/** The per-route transform: zod to JSON Schema, then the operationId and the shared answers. */
export const openApiTransform: SwaggerTransform = (input) => {
  const out = jsonSchemaTransform(input as Parameters<typeof jsonSchemaTransform>[0]) as {
    schema: Json & { hide?: boolean; response?: Json; operationId?: string };
    url: string;
  };
  const schema = out.schema;
  if (!schema || schema.hide) return out;
  const route = input.route as { method: string | string[]; config?: { permission?: RoutePermission } };
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const method = String(methods[0]).toUpperCase();
  const url = input.url;
  const fhir = url.startsWith("/fhir/");
  if (!schema.operationId && methods.length === 1) schema.operationId = operationIdOf(method, url);
  const response: Json = {};
  // Every answer in the explicit form (a description and a media type): swagger would otherwise label
  // each "Default Response" and call a FHIR answer application/json.
  for (const [status, declared] of Object.entries(schema.response ?? {})) {
    response[status] = describedAnswer(status, declared as Json, fhir);
  }
  if (fhir && !Object.keys(response).some((s) => s.startsWith("2"))) {
    const [status, answer] = fhirSuccess(method, url);
    response[status] = answer;
  }
  for (const status of errorStatuses(method, url, schema, route.config?.permission ?? "public")) {
    response[String(status)] ??= errorResponse(status, fhir);
  }
  response.default ??= {
    description: "Something went wrong on the server (`internal`, never with details): quote the requestId",
    content: fhir
      ? { "application/fhir+json": { schema: OUTCOME_REF } }
      : { "application/json": { schema: ERROR_REF } },
  };
  return { ...out, schema: { ...schema, response } };
};

function toOpenApi30(schema: z.ZodType): Json {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { target: "openapi-3.0", io: "output" }) as Json;
  return rest;
}

const fhirResource = {
  type: "object",
  description: "A FHIR R4 resource (see https://hl7.org/fhir/R4/); the shape depends on resourceType.",
  required: ["resourceType"],
  properties: { resourceType: { type: "string" }, id: { type: "string" } },
  additionalProperties: true,
};

/**
 * OpenAPI 3.0.3: `nullable: true` beside an `enum` accepts null only if the enum lists it; zod leaves it
 * out, so a nullable enum field (a patient's `contactMethod: null`) did not match its own schema.
 */
function nullableEnums(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(nullableEnums);
  if (value === null || typeof value !== "object") return value;
  const out: Json = {};
  for (const [key, child] of Object.entries(value)) out[key] = key === "enum" ? child : nullableEnums(child);
  if (out.nullable === true && Array.isArray(out.enum) && !out.enum.includes(null))
    out.enum = [...out.enum, null];
  return out;
}

/** The whole-document transform: registered zod schemas (Note), plus the shared error and FHIR shapes. */
export const openApiTransformObject: SwaggerTransformObject = (input) => {
  const doc = nullableEnums(jsonSchemaTransformObject(input)) as Json & {
    components?: { schemas?: Json };
  };
  return {
    ...doc,
    components: {
      ...doc.components,
      schemas: {
        ...doc.components?.schemas,
        Error: toOpenApi30(errorBody),
        OperationOutcome: {
          type: "object",
          required: ["resourceType", "issue"],
          properties: {
            resourceType: { type: "string", enum: ["OperationOutcome"] },
            issue: {
              type: "array",
              minItems: 1,
              items: {
                type: "object",
                required: ["severity", "code"],
                properties: {
                  severity: { type: "string", enum: ["fatal", "error", "warning", "information"] },
                  code: { type: "string" },
                  details: { type: "object", properties: { text: { type: "string" } } },
                  diagnostics: { type: "string" },
                  expression: { type: "array", items: { type: "string" } },
                },
              },
            },
          },
        },
        FhirResource: fhirResource,
        FhirBundle: {
          type: "object",
          required: ["resourceType", "type"],
          properties: {
            resourceType: { type: "string", enum: ["Bundle"] },
            type: { type: "string" },
            total: { type: "integer" },
            link: {
              type: "array",
              items: {
                type: "object",
                properties: { relation: { type: "string" }, url: { type: "string" } },
              },
            },
            entry: {
              type: "array",
              items: {
                type: "object",
                properties: { fullUrl: { type: "string" }, resource: FHIR_RESOURCE_REF },
                additionalProperties: true,
              },
            },
          },
          additionalProperties: true,
        },
      },
    },
  } as ReturnType<SwaggerTransformObject>;
};

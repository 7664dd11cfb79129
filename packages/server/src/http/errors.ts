import { DomainError, type ErrorCode, type ErrorDetail } from "@salus/core";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";

/** The one place where error codes become HTTP statuses. */
export const STATUS: Record<ErrorCode, number> = {
  invalid_request: 400,
  weak_password: 400,
  invalid_credentials: 401,
  invalid_code: 401,
  unauthenticated: 401,
  session_expired: 401,
  forbidden: 403,
  platform_operator_required: 403,
  token_for_another_person: 403,
  csrf_failed: 403,
  not_found: 404,
  conflict: 409,
  patient_overlap: 409,
  no_show_too_early: 409,
  slot_held: 409,
  invalid_amount: 400,
  idempotency_key_invalid: 400,
  idempotency_key_reused: 422,
  idempotency_key_in_flight: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

const FHIR_ISSUE: Record<ErrorCode, string> = {
  invalid_request: "invalid",
  weak_password: "invalid",
  invalid_credentials: "login",
  invalid_code: "login",
  unauthenticated: "login",
  session_expired: "login",
  forbidden: "forbidden",
  platform_operator_required: "forbidden",
  token_for_another_person: "forbidden",
  csrf_failed: "forbidden",
  not_found: "not-found",
  conflict: "conflict",
  patient_overlap: "conflict",
  no_show_too_early: "business-rule",
  slot_held: "conflict",
  invalid_amount: "invalid",
  idempotency_key_invalid: "invalid",
  idempotency_key_reused: "business-rule",
  idempotency_key_in_flight: "conflict",
  payload_too_large: "too-costly",
  unsupported_media_type: "not-supported",
  rate_limited: "throttled",
  unavailable: "transient",
  internal: "exception",
};

function fromStatus(status: number): ErrorCode {
  switch (status) {
    case 401:
      return "unauthenticated";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 409:
      return "conflict";
    case 413:
      return "payload_too_large";
    case 415:
      return "unsupported_media_type";
    case 429:
      return "rate_limited";
    case 503:
      return "unavailable";
    default:
      return status >= 400 && status < 500 ? "invalid_request" : "internal";
  }
}

interface Normalized {
  code: ErrorCode;
  message: string;
  details: ErrorDetail[];
}

/** Turns anything thrown into a client-safe error: 5xx never carry internals, only a reference. */
export function normalizeError(error: unknown): Normalized {
  if (error instanceof DomainError)
    return { code: error.code, message: error.message, details: error.details };
  if (hasZodFastifySchemaValidationErrors(error)) {
    const details = error.validation.map((v) => {
      const path = (v.instancePath ?? "").replace(/^\//, "").replaceAll("/", ".");
      const unknownKeys = (v.params as { keys?: string[] } | undefined)?.keys;
      if (v.keyword === "unrecognized_keys" && unknownKeys) {
        const names = unknownKeys.map((k) => (path ? `${path}.${k}` : k)).join(", ");
        return {
          path: names,
          message:
            unknownKeys.length > 1 ? "are not fields of this request" : "is not a field of this request",
        };
      }
      return { path: path || "(body)", message: v.message ?? "is invalid" };
    });
    const first = details[0];
    const where = (error as { validationContext?: string }).validationContext;
    const message = first
      ? `The ${where ?? "request"} is not valid: ${first.path} ${first.message}${details.length > 1 ? ` (and ${details.length - 1} more)` : ""}.`
      : "The request is not valid.";
    return { code: "invalid_request", message, details };
  }
  const e = error as Partial<FastifyError> & { statusCode?: number };
  // A uniqueness race the use case's own check could not see (two writers at once) is a conflict for the
  // caller to resolve, not a server fault.
  if (
    e.code === "23505" ||
    e.code === "SQLITE_CONSTRAINT_UNIQUE" ||
    e.code === "SQLITE_CONSTRAINT_PRIMARYKEY"
  ) {
    return {
      code: "conflict",
      message: "That conflicts with a record saved at the same moment; reload and try again.",
      details: [],
    };
  }
  const status = typeof e.statusCode === "number" ? e.statusCode : 500;
  if (status >= 500) {
    return {
      code: "internal",
      message: "Something went wrong on our side. It has been logged; quote the request id if it persists.",
      details: [],
    };
  }
  const code = fromStatus(status);
  let message: string;
  switch (e.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      message = "The request body is too large.";
      break;
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      message = "Send the request body as application/json.";
      break;
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      message = "The request body is empty; send a JSON object.";
      break;
    default:
      if (/prototype|constructor/i.test(String(e.message)))
        message = "The request body contains a forbidden key (__proto__ or constructor).";
      else if (error instanceof SyntaxError || /JSON/.test(String(e.message)))
        message = "The request body is not valid JSON.";
      else if (code === "rate_limited") message = "Too many requests. Slow down and try again in a minute.";
      else if (code === "not_found") message = "There is nothing at this address.";
      else message = "The request is not valid.";
  }
  return { code, message, details: [] };
}

export function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const n = normalizeError(error);
  const status = STATUS[n.code];
  if (status >= 500) request.log.error({ err: error }, "unhandled error");
  // A guessing lockout (auth/attempt-guard.ts) says how long to wait, for clients that read the header.
  const retryAfter = (error as { retryAfterSeconds?: unknown } | null)?.retryAfterSeconds;
  if (typeof retryAfter === "number" && Number.isFinite(retryAfter))
    reply.header("retry-after", String(Math.max(1, Math.ceil(retryAfter))));
  if (request.url.startsWith("/fhir/")) {
    return reply
      .status(status)
      .type("application/fhir+json")
      .send({
        resourceType: "OperationOutcome",
        issue: [
          {
            severity: "error",
            code: FHIR_ISSUE[n.code],
            details: { text: n.message },
            diagnostics: `request ${request.id}`,
            ...(n.details.length ? { expression: n.details.map((d) => d.path) } : {}),
          },
        ],
      });
  }
  return reply.status(status).send({
    error: {
      code: n.code,
      message: n.message,
      requestId: request.id,
      ...(n.details.length ? { details: n.details } : {}),
    },
  });
}

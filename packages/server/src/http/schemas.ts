import { unstorableTextReason } from "@salus/core";
import { z } from "zod";

/**
 * Building blocks for request schemas. Every string has a maximum length and refuses NUL bytes and lone
 * surrogates; every object is strict (an unknown field is an error, so a typo or a mass-assignment
 * attempt never passes silently).
 */
export function text(max: number, min = 1) {
  return z
    .string()
    .min(min, min === 1 ? "must not be empty" : `must be at least ${min} characters`)
    .max(max, `must be at most ${max} characters`)
    .superRefine((value, ctx) => {
      const reason = unstorableTextReason(value);
      if (reason) ctx.addIssue({ code: "custom", message: reason });
    });
}

/** Optional free text that may be cleared with null (or an empty string, stored as null). */
export function optionalText(max: number) {
  return z
    .union([text(max, 0), z.null()])
    .optional()
    .transform((v) => (v === "" ? null : v));
}

/** A US state or territory as its two-letter code (`TX`). */
export const STATE_CODE = /^[A-Z]{2}$/;
export const STATE_CODE_MESSAGE = "must be a two-letter state code such as TX, not the state's name";

/**
 * An optional address state: the two-letter code, or empty/null to clear it. A name ("Texas") is
 * refused with a message, never cut to two letters or replaced (issue 10 item 10).
 */
export const stateCode = z
  .union([z.string().regex(STATE_CODE, STATE_CODE_MESSAGE), z.literal(""), z.null()])
  .optional()
  .transform((v) => (v === "" ? null : v));

export const plainDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date written YYYY-MM-DD");
export const id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9-]+$/, "is not a valid id");
export const idParams = z.strictObject({ id });

export const listQuery = z.strictObject({
  q: text(200, 0).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

/** A PATCH body: every field of `schema` optional, at least one sent. */
export function patchOf<T extends z.ZodObject>(schema: T) {
  return schema.partial().refine((v) => Object.keys(v).length > 0, "send at least one field to change");
}

export function page<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), total: z.number().int() });
}

/** Every JSON API error (http/errors.ts sends it; the OpenAPI document names it `Error`). */
export const errorBody = z.object({
  error: z.object({
    code: z.string().describe("Stable code, e.g. invalid_request, not_found, conflict"),
    message: z.string().describe("What went wrong and what to do, for a person"),
    requestId: z.string().describe("Quote it when asking for help; also in the x-request-id header"),
    details: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .describe("One entry per refused field (never on a 500)"),
  }),
});

export type ErrorBody = z.output<typeof errorBody>;

/** A 204 answer, for the OpenAPI document (Fastify sends no body, so nothing is serialized). */
export const noContent = z.undefined().describe("Done; the answer has no body");

/**
 * An answer that is not a JSON object (a file, CSV, iCalendar, an event stream), for the OpenAPI
 * document. The handler sends a string or bytes with its own type, which Fastify passes through as is.
 * `json` documents the JSON variant of a route that offers several formats; keep it loose (it is
 * applied to what is sent).
 */
export function fileAnswer(
  description: string,
  types: string[],
  json?: z.ZodType,
  jsonType = "application/json",
) {
  const bytes = z.string().meta({ format: "binary" });
  return {
    description,
    content: {
      ...(json ? { [jsonType]: { schema: json } } : {}),
      ...Object.fromEntries(types.map((t) => [t, { schema: bytes }])),
    },
  };
}

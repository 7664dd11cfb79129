import type { ErrorBody } from "@salus/server/http/schemas";

// Web-side helpers for the API's shapes; the shapes themselves are the server's (server/src/<domain>/schemas.ts),
// imported type-only, so the bundle holds no server code.

/** A plain date `YYYY-MM-DD`. */
export type IsoDate = string;
/** An ISO 8601 instant. */
export type IsoInstant = string;

/** A page of a list (the server's `page()`). */
export interface ListResponse<T> {
  items: T[];
  total: number;
}

export interface ListParams {
  q?: string;
  limit?: number;
  offset?: number;
}

export type ApiErrorBody = ErrorBody;
/** A refused field, read tolerantly (a proxy or an older server may send the path as an array, or none). */
export type ApiErrorDetail = { path?: string | (string | number)[]; message: string };

/** An error answered by the API (`{ error: { code, message, details } }`), or a network failure. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | undefined;
  readonly details: ApiErrorDetail[];

  constructor(status: number, code: string, message: string, requestId?: string, details?: ApiErrorDetail[]) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.details = details ?? [];
  }

  /** The field a detail names, normalised to a dotted path without a leading `/` or `body.`. */
  static fieldOf(detail: ApiErrorDetail): string | undefined {
    const raw = Array.isArray(detail.path) ? detail.path.join(".") : detail.path;
    if (!raw) return undefined;
    const path = raw
      .replace(/^\//, "")
      .replace(/\//g, ".")
      .replace(/^body\./, "");
    return path === "" ? undefined : path;
  }

  /** Messages keyed by field (first message per field wins). */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const detail of this.details) {
      const field = ApiError.fieldOf(detail);
      if (field && out[field] === undefined) out[field] = detail.message;
    }
    return out;
  }
}

/** Codes that mean "the session is gone": the app signs out locally and goes to the sign-in page. */
export const SESSION_ENDED_CODES: ReadonlySet<string> = new Set(["unauthenticated", "session_expired"]);

// The CSRF token lives in this module's memory only: never in localStorage or sessionStorage.
let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export function getCsrfToken(): string | null {
  return csrfToken;
}

type SessionEndedHandler = (error: ApiError) => void;
let onSessionEnded: SessionEndedHandler | null = null;

/** Registers what to do when a request answers 401 unauthenticated/session_expired. */
export function setSessionEndedHandler(handler: SessionEndedHandler | null): void {
  onSessionEnded = handler;
}

export interface RequestOptions {
  method?: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  body?: unknown;
  query?: Record<string, string | number | boolean | null | undefined>;
  signal?: AbortSignal;
  /** Do not run the session-ended handler on a 401 (used by the session probe and sign-in steps). */
  quietOn401?: boolean;
  /** Background polling: sends `x-salus-background: 1` so the request does not extend the idle timeout. */
  background?: boolean;
  /**
   * The `Idempotency-Key` of a change (docs/api.md): the server runs a change at most once per key. A
   * form may pass the key it made for one submission (newIdempotencyKey()) and keep it while the user
   * retries that submission; without one, each change gets a fresh key, shared only with an identical
   * change still in flight (a double click) and with the automatic retry after a network error.
   */
  idempotencyKey?: string;
}

/** A fresh random key (128 bits, hex); crypto.randomUUID needs a secure context, getRandomValues not. */
export function newIdempotencyKey(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Keys of changes still in flight, by method, URL and body: a second identical submit reuses the key. */
const keysInFlight = new Map<string, string>();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function buildQuery(query: RequestOptions["query"]): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

async function parseError(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const error = (body as Partial<ApiErrorBody> | null)?.error;
  if (error && typeof error.code === "string") {
    return new ApiError(
      response.status,
      error.code,
      typeof error.message === "string" && error.message ? error.message : defaultMessage(response.status),
      error.requestId,
      Array.isArray(error.details) ? error.details : undefined,
    );
  }
  return new ApiError(response.status, `http_${response.status}`, defaultMessage(response.status));
}

function defaultMessage(status: number): string {
  if (status === 401) return "Please sign in.";
  if (status === 403) return "You are not permitted to do that.";
  if (status === 404) return "Not found.";
  if (status === 429) return "Too many requests. Please wait a moment and try again.";
  if (status >= 500) return "The server could not complete the request. Please try again.";
  return `The request failed (HTTP ${status}).`;
}

/** Calls the Salus API and answers the parsed JSON (or `undefined` for 204). Throws ApiError. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? (options.body === undefined ? "GET" : "POST");
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["x-csrf-token"] = csrfToken;
  if (options.background) headers["x-salus-background"] = "1";

  const url = path + buildQuery(options.query);
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  // A change carries an Idempotency-Key, so a double click or a retry after a lost answer runs it once.
  const change = method !== "GET";
  const signature = `${method} ${url} ${body ?? ""}`;
  const shared = change && !options.idempotencyKey ? keysInFlight.get(signature) : undefined;
  const key = change ? (options.idempotencyKey ?? shared ?? newIdempotencyKey()) : undefined;
  if (key) headers["idempotency-key"] = key;
  const owner = change && !options.idempotencyKey && !shared;
  if (owner && key) keysInFlight.set(signature, key);

  let response: Response;
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        response = await fetch(url, {
          method,
          headers,
          body,
          credentials: "same-origin",
          signal: options.signal,
        });
      } catch (cause) {
        if (cause instanceof DOMException && cause.name === "AbortError") throw cause;
        // The change may have arrived and only its answer been lost: once more with the same key is safe.
        if (change && attempt === 1) {
          await sleep(500);
          continue;
        }
        throw new ApiError(
          0,
          "network_error",
          "Salus cannot be reached. Check the connection and try again.",
        );
      }
      // The same key is still being answered (the first click, or the attempt whose answer was lost):
      // wait for it, then get its answer replayed.
      if (response.status === 409 && change && attempt < 10) {
        const error = await parseError(response.clone());
        if (error.code === "idempotency_key_in_flight") {
          await sleep(1000);
          continue;
        }
      }
      break;
    }
  } finally {
    if (owner) keysInFlight.delete(signature);
  }

  if (!response.ok) {
    const error = await parseError(response);
    if (response.status === 401 && SESSION_ENDED_CODES.has(error.code)) {
      csrfToken = null;
      if (!options.quietOn401) onSessionEnded?.(error);
    }
    throw error;
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

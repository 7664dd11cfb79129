import { createHash } from "node:crypto";
import { DomainError } from "@salus/core";
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { auditEvent } from "../audit/audited.ts";
import { openText, sealText } from "../platform/field-crypto.ts";
import type { Actor, Services } from "../platform/services.ts";

/**
 * Idempotency keys for HTTP writes (issue 11, item 4). A client that may send a write twice (a double
 * click, a retry after a network error whose answer never arrived) sends `Idempotency-Key: <fresh random
 * string>` with it; the write then runs at most once per key:
 *
 * - the first request with a key reserves it (a row in `idempotency_keys`, answer still unknown), runs,
 *   and its answer (status, content type, body exactly as sent, the body sealed with the field key) is
 *   stored when it is sent;
 * - the same key with the same method, path and body gets that answer again (header
 *   `idempotent-replayed: true`), without running anything, and the replay is audited;
 * - the same key with another method, path or body: `422 idempotency_key_reused`;
 * - while the first is still running: `409 idempotency_key_in_flight` with `Retry-After: 1`;
 * - a key is kept 24 hours (KEY_LIFETIME_MS), then forgotten: a later request with it runs afresh.
 *
 * Keys are scoped to the organization, the user and the set of roles the request acted with, so one
 * caller can never be answered with another's response (a token with fewer roles than its owner's session
 * does not see the session's answers). Writes without an authenticated actor (sign-in, invitations) are
 * not covered: replaying their answers would replay session cookies. Answers of 500 and above are not
 * stored (the reservation is released): the transaction of a failed write rolled back, so a retry should
 * run again rather than be told the failure for a day.
 */
export const KEY_LIFETIME_MS = 24 * 60 * 60 * 1000;

/**
 * A reservation still without an answer after this long belongs to a process that died mid-request (its
 * onSend never ran): a new request with the key takes it over. Longer than any request should run.
 */
export const ABANDONED_AFTER_MS = 5 * 60 * 1000;

/** Answers bigger than this are not stored (the reservation is released): 1 MiB. */
export const MAX_STORED_BODY_BYTES = 1024 * 1024;

export const MAX_KEY_LENGTH = 255;

const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const COVERED_PATH = /^\/(api|fhir)\//;
/** Printable ASCII without spaces: UUIDs, ULIDs, base64url and Stripe-style keys all fit. */
const KEY_SHAPE = /^[\x21-\x7e]+$/;

interface Reservation {
  organizationId: string;
  principal: string;
  key: string;
}

declare module "fastify" {
  interface FastifyRequest {
    idempotency: Reservation | null;
  }
}

/** The caller a key belongs to: user (or CLI label), how it signed in, and its roles. */
export function principalOf(actor: Actor): string {
  const who = actor.userId ? `user:${actor.userId}` : `label:${actor.label}`;
  return `${who}|${actor.via}|${[...actor.roles].sort().join(",")}`;
}

/** The value of the header, checked: 1-255 printable ASCII characters, sent once. */
export function parseIdempotencyKey(header: string | string[] | undefined): string | null {
  if (header === undefined) return null;
  if (Array.isArray(header)) {
    throw new DomainError(
      "idempotency_key_invalid",
      "Send the Idempotency-Key header once, not several times.",
    );
  }
  if (header.length === 0) {
    throw new DomainError(
      "idempotency_key_invalid",
      "The Idempotency-Key header is empty; send a fresh random value (a UUID) or leave the header out.",
    );
  }
  if (header.length > MAX_KEY_LENGTH) {
    throw new DomainError(
      "idempotency_key_invalid",
      `The Idempotency-Key header is ${header.length} characters long; at most ${MAX_KEY_LENGTH} are allowed (a UUID is 36).`,
    );
  }
  if (!KEY_SHAPE.test(header)) {
    throw new DomainError(
      "idempotency_key_invalid",
      "The Idempotency-Key header may only contain printable ASCII characters without spaces (a UUID fits).",
    );
  }
  return header;
}

/** JSON with object keys sorted, so the same body sent with its fields in another order is the same. */
function canonical(value: unknown): string {
  if (value === undefined) return "";
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

function requestHash(request: FastifyRequest): string {
  return createHash("sha256")
    .update(`${request.method}\n${request.url}\n${canonical(request.body)}`)
    .digest("hex");
}

function inFlight(reply: FastifyReply): DomainError {
  reply.header("retry-after", "1");
  return new DomainError(
    "idempotency_key_in_flight",
    "A request with this Idempotency-Key is still being answered; try again in a moment to get its answer.",
  );
}

export function installIdempotency(app: FastifyInstance, services: Services): void {
  const db = services.systemDb;
  app.decorateRequest("idempotency", null);

  // preHandler: after the guard (onRequest) knows the actor and the body is parsed and validated, before
  // the handler runs. An invalid body is refused before any key is reserved (nothing ran to replay).
  app.addHook("preHandler", async (request, reply) => {
    if (!WRITE_METHODS.has(request.method) || !COVERED_PATH.test(request.url)) return;
    const key = parseIdempotencyKey(request.headers["idempotency-key"]);
    if (key === null || !request.actor) return;
    const actor = request.actor;
    const now = services.clock();
    const reservation: Reservation = {
      organizationId: actor.organizationId,
      principal: principalOf(actor),
      key,
    };
    const hash = requestHash(request);
    const requestLine = `${request.method} ${request.url.split("?")[0]}`;
    // Two attempts: the second follows the deletion of an expired or abandoned reservation.
    for (let attempt = 0; attempt < 2; attempt++) {
      const inserted = await db
        .insertInto("idempotency_keys")
        .values({
          organization_id: reservation.organizationId,
          principal: reservation.principal,
          key,
          request_hash: hash,
          request_line: requestLine,
          response_status: null,
          response_content_type: null,
          response_body_enc: null,
          created_at: now.toISOString(),
          expires_at: new Date(now.getTime() + KEY_LIFETIME_MS).toISOString(),
        })
        // The primary key decides which of two concurrent requests runs: the other inserts nothing.
        .onConflict((oc) => oc.doNothing())
        .returning("key")
        .executeTakeFirst();
      if (inserted) {
        request.idempotency = reservation;
        return;
      }
      const row = await db
        .selectFrom("idempotency_keys")
        .selectAll()
        .where("organization_id", "=", reservation.organizationId)
        .where("principal", "=", reservation.principal)
        .where("key", "=", key)
        .executeTakeFirst();
      if (!row) continue; // cleaned up between the insert and the select: reserve again
      const expired = Date.parse(row.expires_at) <= now.getTime();
      const abandoned =
        row.response_status === null && Date.parse(row.created_at) + ABANDONED_AFTER_MS <= now.getTime();
      if (expired || abandoned) {
        // Deleted only as it was read, so two requests taking over one stale key cannot both delete a
        // fresh reservation: the loser's insert then conflicts and it answers in-flight or replays.
        await db
          .deleteFrom("idempotency_keys")
          .where("organization_id", "=", reservation.organizationId)
          .where("principal", "=", reservation.principal)
          .where("key", "=", key)
          .where("created_at", "=", row.created_at)
          .execute();
        continue;
      }
      if (row.request_hash !== hash) {
        throw new DomainError(
          "idempotency_key_reused",
          `This Idempotency-Key was already used for another request (${row.request_line} with another body or query); send a fresh key for each new request.`,
        );
      }
      if (row.response_status === null) throw inFlight(reply);
      await auditEvent(
        services,
        actor,
        {
          action: "request.replay",
          resourceType: "Request",
          resourceId: row.request_line,
          detail: { idempotencyKey: key, status: row.response_status, firstAt: row.created_at },
        },
        "success",
      );
      reply.header("idempotent-replayed", "true");
      if (row.response_content_type) reply.header("content-type", row.response_content_type);
      // A string with its content type set is sent as is (no serializer runs), so the bytes are the same.
      return reply
        .status(row.response_status)
        .send(row.response_body_enc === null ? undefined : openText(services.secrets, row.response_body_enc));
    }
    throw inFlight(reply);
  });

  app.addHook("onSend", async (request, reply, payload) => {
    const r = request.idempotency;
    if (!r) return payload;
    request.idempotency = null;
    const status = reply.statusCode;
    const body = payload === null || payload === undefined || payload === "" ? null : payload;
    const storable =
      status < 500 &&
      (body === null || (typeof body === "string" && Buffer.byteLength(body) <= MAX_STORED_BODY_BYTES));
    try {
      if (storable) {
        const type = reply.getHeader("content-type");
        await db
          .updateTable("idempotency_keys")
          .set({
            response_status: status,
            response_content_type: typeof type === "string" ? type : null,
            response_body_enc: body === null ? null : sealText(services.secrets, body as string),
          })
          .where("organization_id", "=", r.organizationId)
          .where("principal", "=", r.principal)
          .where("key", "=", r.key)
          .execute();
      } else {
        await releaseReservation(services, r);
      }
    } catch (error) {
      // The answer itself must still go out; at worst a retry with the key waits for the reservation
      // to be taken over (ABANDONED_AFTER_MS) or runs again.
      request.log.warn(
        { err: error instanceof Error ? error.message : String(error) },
        "idempotency key not stored",
      );
    }
    return payload;
  });

  // A request that ended without a reply (the client hung up, an error before onSend) frees its key.
  app.addHook("onResponse", async (request) => {
    const r = request.idempotency;
    if (!r) return;
    request.idempotency = null;
    await releaseReservation(services, r).catch(() => {});
  });
}

async function releaseReservation(services: Services, r: Reservation): Promise<void> {
  await services.systemDb
    .deleteFrom("idempotency_keys")
    .where("organization_id", "=", r.organizationId)
    .where("principal", "=", r.principal)
    .where("key", "=", r.key)
    .where("response_status", "is", null)
    .execute();
}

/** Deletes every key past its expiry (all organizations); answers how many went. */
export async function purgeExpiredIdempotencyKeys(services: Services): Promise<number> {
  const result = await services.systemDb
    .deleteFrom("idempotency_keys")
    .where("expires_at", "<=", services.clock().toISOString())
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Started by `salus serve` beside the other jobs: every hour, keys past their 24 hours are deleted (a
 * key past its expiry already counts as absent, so the job only keeps the table small). Returns a
 * function that stops the job and waits for a run in progress.
 */
export function startIdempotencyCleanupJob(
  services: Services,
  log: Pick<FastifyBaseLogger, "info" | "warn">,
  everyMs = 60 * 60 * 1000,
): () => Promise<void> {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const run = () => {
    if (stopped) return;
    running = running.then(async () => {
      if (stopped) return;
      try {
        const purged = await purgeExpiredIdempotencyKeys(services);
        if (purged) log.info({ purged }, "expired idempotency keys deleted");
      } catch (error) {
        log.warn(
          { job: "idempotency-keys", err: error instanceof Error ? error.message : String(error) },
          "idempotency key clean-up failed",
        );
      }
    });
  };
  run();
  const timer = setInterval(run, everyMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}

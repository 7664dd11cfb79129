import type { FastifyReply, FastifyRequest } from "fastify";
import { resolveBearer } from "../auth/bearer.ts";
import { resolveSession } from "../auth/resolve-session.ts";
import { inOrganizationSnapshot } from "../db/scoped.ts";
import { requestInfo, sessionCookieName } from "../http/guard.ts";
import type { Actor, Services } from "../platform/services.ts";
import { computeDayVersion, type LocationDay } from "./day-version.ts";
import { subscribeDay, subscribeLocation } from "./flow-events.ts";

/** How long after a scheduling change's hint the stream re-checks (the change's transaction commits meanwhile). */
export const POKE_DELAY_MS = 250;

/**
 * How often an open stream sends a comment line (proxies drop silent connections) and re-checks access
 * and the day version. A setting object (not a constant) so a test can shorten it.
 */
export const boardStreamTiming = { heartbeatMs: 20_000 };

/** The open streams of one app, ended by `closeBoardStreams` before the server closes. */
export type StreamRegistry = Set<() => void>;

/**
 * Still allowed? Re-checks, without extending the idle timeout, the session (or token) that opened the
 * stream: a stream must not outlive a sign-out, an idle timeout, a disabled user or a role change.
 */
async function stillAllowed(services: Services, request: FastifyRequest, actor: Actor): Promise<boolean> {
  try {
    const info = requestInfo(request);
    if (actor.via === "token") {
      const match = /^Bearer (.+)$/.exec(request.headers.authorization ?? "");
      if (!match?.[1]) return false;
      const again = await resolveBearer(services, match[1], info);
      return again.permissions.includes("flow:read");
    }
    const token = request.cookies[sessionCookieName(services.config.secureCookies)];
    if (!token) return false;
    const again = await resolveSession(services, token, info, false);
    return again.session.stage === "active" && again.permissions.includes("flow:read");
  } catch {
    return false;
  }
}

/**
 * Serves `text/event-stream` for one location-day: an `event: board` with `{"dayVersion": …}` at once
 * and whenever the day changes (published on the in-process bus after a commit, or noticed by the
 * re-check on every heartbeat), and a comment line every heartbeat (20 s). The reply is hijacked (Fastify
 * no longer manages it), so the headers the security hooks set so far are copied onto the raw response.
 * Ends on client disconnect, on loss of access, and when the app closes.
 */
export async function serveBoardStream(
  services: Services,
  request: FastifyRequest,
  reply: FastifyReply,
  actor: Actor,
  day: LocationDay,
  registry: StreamRegistry,
): Promise<void> {
  let version = await inOrganizationSnapshot(services.db, actor.organizationId, (trx) =>
    computeDayVersion(trx, actor.organizationId, day),
  );
  reply.hijack();
  const raw = reply.raw;
  const inherited: Record<string, string | number | string[]> = {};
  for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) inherited[k] = v as string;
  raw.writeHead(200, {
    ...inherited,
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-store",
    connection: "keep-alive",
    "x-accel-buffering": "no",
    "x-request-id": String(request.id),
  });
  let open = true;
  const send = (v: string) => {
    if (!open) return;
    version = v;
    raw.write(`event: board\ndata: ${JSON.stringify({ dayVersion: v })}\n\n`);
  };
  raw.write("retry: 5000\n\n");
  send(version);
  const unsubscribe = subscribeDay(
    services,
    { organizationId: actor.organizationId, locationId: day.locationId, date: day.date },
    (event) => {
      if (event.dayVersion !== version) send(event.dayVersion);
    },
  );
  let pending: NodeJS.Timeout | null = null;
  const recheck = async () => {
    const now = await inOrganizationSnapshot(services.db, actor.organizationId, (trx) =>
      computeDayVersion(trx, actor.organizationId, day),
    );
    if (now !== version) send(now);
  };
  const unsubscribeLocation = subscribeLocation(
    services,
    { organizationId: actor.organizationId, locationId: day.locationId },
    (poke) => {
      if (pending || !poke.instants.some((t) => t >= day.start && t < day.end)) return;
      pending = setTimeout(() => {
        pending = null;
        if (open) recheck().catch(() => close());
      }, POKE_DELAY_MS);
    },
  );
  const heartbeat = setInterval(() => {
    void (async () => {
      if (!(await stillAllowed(services, request, actor))) return close();
      await recheck();
      if (open) raw.write(": heartbeat\n\n");
    })().catch(() => close());
  }, boardStreamTiming.heartbeatMs);
  heartbeat.unref();
  const close = () => {
    if (!open) return;
    open = false;
    clearInterval(heartbeat);
    if (pending) clearTimeout(pending);
    unsubscribe();
    unsubscribeLocation();
    registry.delete(close);
    raw.end();
  };
  registry.add(close);
  raw.on("close", close);
  raw.on("error", close);
}

/** Ends every open stream (the app's preClose hook), so `app.close()` does not wait on them. */
export function closeBoardStreams(registry: StreamRegistry): void {
  for (const close of [...registry]) close();
}

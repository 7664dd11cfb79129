import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { actorOf, requestInfo } from "../http/guard.ts";
import { fileAnswer, id, idParams, noContent, page } from "../http/schemas.ts";
import type { Services } from "../platform/services.ts";
import { createCalendarFeed } from "./create-calendar-feed.ts";
import { listCalendarFeeds } from "./list-calendar-feeds.ts";
import { renderCalendarFeed } from "./render-calendar-feed.ts";
import { revokeCalendarFeed } from "./revoke-calendar-feed.ts";

const feedOut = z.object({
  id: z.string(),
  practitionerId: z.string(),
  practitionerName: z.string(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});

/**
 * Practitioner iCalendar feeds. Managing them needs `scheduling:manage`; the feed URL itself
 * (`/calendar/{secret}.ics`) is public by design (calendar apps cannot sign in) and is guarded by its
 * 256-bit secret: an unknown, malformed or revoked secret answers the same 404.
 */
export function calendarFeedRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ["Scheduling"];

  r.get("/api/calendar-feeds", {
    config: { permission: "scheduling:manage" },
    schema: { tags, summary: "Practitioner calendar feeds", response: { 200: page(feedOut) } },
    handler: async (req) => {
      const items = await listCalendarFeeds(services, actorOf(req));
      return { items, total: items.length };
    },
  });
  r.post("/api/calendar-feeds", {
    config: { permission: "scheduling:manage" },
    schema: {
      tags,
      summary: "Create a practitioner's iCalendar feed (the URL is shown only once)",
      body: z.strictObject({ practitionerId: id }),
      response: { 201: z.object({ id: z.string(), url: z.string() }) },
    },
    handler: async (req, reply) => {
      const feed = await createCalendarFeed(services, actorOf(req), req.body);
      // Built from the configured public address (SALUS_PUBLIC_URL) when there is one, like reminder links.
      const base = services.config.publicUrl ?? `${req.protocol}://${req.host}`;
      const url = `${base}/calendar/${feed.token}.ics`;
      return reply.status(201).send({ id: feed.id, url });
    },
  });
  r.delete("/api/calendar-feeds/:id", {
    config: { permission: "scheduling:manage" },
    schema: {
      tags,
      summary: "Revoke a calendar feed (its URL answers 404 from now on)",
      params: idParams,
      response: { 204: noContent },
    },
    handler: async (req, reply) => {
      await revokeCalendarFeed(services, actorOf(req), req.params.id);
      return reply.status(204).send();
    },
  });

  r.get("/calendar/:file", {
    config: { permission: "public" },
    schema: {
      tags,
      summary: "A practitioner's appointments as iCalendar (secret URL)",
      params: z.strictObject({ file: z.string().max(100) }),
      response: { 200: fileAnswer("The feed (iCalendar)", ["text/calendar"]) },
    },
    handler: async (req, reply) => {
      const match = /^(.*)\.ics$/.exec(req.params.file);
      const info = requestInfo(req);
      const feed = await renderCalendarFeed(services, match?.[1] ?? "", {
        ip: info.ip,
        requestId: info.requestId,
      });
      return reply
        .header("cache-control", "no-store")
        .header("x-robots-tag", "noindex")
        .type("text/calendar; charset=utf-8")
        .send(feed.body);
    },
  });
}

import { DomainError } from "@salus/core";
import { HOLDING_STATUSES } from "@salus/core/scheduling/appointment-status";
import ical, { ICalEventStatus } from "ical-generator";
import { audited } from "../audit/audited.ts";
import { digestToken } from "../platform/crypto.ts";
import type { Actor, Services } from "../platform/services.ts";

/** Days of appointments the feed covers around now. */
export const FEED_DAYS_BACK = 30;
export const FEED_DAYS_AHEAD = 180;
const DAY = 86_400_000;

/** The secret part of a feed URL: 43 base64url characters (256 bits). */
export const FEED_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** "R.G." from Robin Garcia: the first letter of the given and family names, nothing more. */
export function initials(givenName: string, familyName: string): string {
  const first = (s: string) => {
    const c = [...s.trim()][0];
    return c ? `${c.toLocaleUpperCase()}.` : "";
  };
  return `${first(givenName)}${first(familyName)}` || "?";
}

/** The same answer for an unknown, malformed and revoked secret, so the URL is no existence oracle. */
function noFeed(): DomainError {
  return new DomainError("not_found", "There is nothing at this address.");
}

export interface FeedRequest {
  ip: string | null;
  requestId: string | null;
}

/**
 * The feed itself: resolves the secret, then, as the feed (an actor of the feed's organization with no
 * permissions), reads the practitioner's appointments that hold time from 30 days back to 180 days ahead
 * and renders them as a VCALENDAR with UTC times. Every fetch is audited with the patients it showed.
 */
export async function renderCalendarFeed(
  services: Services,
  token: string,
  request: FeedRequest,
): Promise<{ body: string; count: number }> {
  if (!FEED_TOKEN_PATTERN.test(token)) throw noFeed();
  const feed = await services.systemDb
    .selectFrom("calendar_feeds")
    .select(["organization_id", "id", "practitioner_id", "revoked_at"])
    .where("token_hash", "=", digestToken(token))
    .executeTakeFirst();
  if (!feed || feed.revoked_at !== null) throw noFeed();
  const actor: Actor = {
    organizationId: feed.organization_id,
    userId: null,
    label: `calendar-feed:${feed.id}`,
    roles: [],
    permissions: [],
    via: "token",
    ip: request.ip,
    requestId: request.requestId,
  };
  const now = services.clock().getTime();
  const from = new Date(now - FEED_DAYS_BACK * DAY).toISOString();
  const to = new Date(now + FEED_DAYS_AHEAD * DAY).toISOString();
  return audited(
    services,
    actor,
    {
      action: "calendar_feed.read",
      resourceType: "CalendarFeed",
      resourceId: feed.id,
      detail: { practitionerId: feed.practitioner_id, from, to },
      fromResult: (r: { count: number; patientIds: string[] }) => ({
        detail: { count: r.count, patientIds: r.patientIds },
      }),
    },
    async (trx) => {
      const org = feed.organization_id;
      const practitioner = await trx
        .selectFrom("staff_members")
        .select(["given_name", "family_name"])
        .where("organization_id", "=", org)
        .where("id", "=", feed.practitioner_id)
        .executeTakeFirst();
      if (!practitioner) throw noFeed();
      const rows = await trx
        .selectFrom("appointments as a")
        .innerJoin("patients as p", (j) =>
          j.onRef("p.organization_id", "=", "a.organization_id").onRef("p.id", "=", "a.patient_id"),
        )
        .innerJoin("appointment_types as t", (j) =>
          j.onRef("t.organization_id", "=", "a.organization_id").onRef("t.id", "=", "a.appointment_type_id"),
        )
        .innerJoin("locations as l", (j) =>
          j.onRef("l.organization_id", "=", "a.organization_id").onRef("l.id", "=", "a.location_id"),
        )
        .select([
          "a.id",
          "a.patient_id",
          "a.start_at",
          "a.end_at",
          "a.status",
          "a.version",
          "a.created_at",
          "a.updated_at",
          "p.given_name",
          "p.family_name",
          "t.name as type_name",
          "l.name as location_name",
        ])
        .where("a.organization_id", "=", org)
        .where("a.practitioner_id", "=", feed.practitioner_id)
        .where("a.status", "in", [...HOLDING_STATUSES])
        .where("a.start_at", ">=", from)
        .where("a.start_at", "<", to)
        .orderBy("a.start_at")
        .orderBy("a.id")
        .execute();
      const calendar = ical({
        name: `Salus: ${practitioner.given_name} ${practitioner.family_name}`,
        prodId: { company: "Salus", product: "Salus practice management", language: "EN" },
        ttl: 15 * 60,
      });
      for (const r of rows) {
        calendar.createEvent({
          id: `${r.id}@salus`,
          start: new Date(r.start_at),
          end: new Date(r.end_at),
          stamp: new Date(r.updated_at),
          created: new Date(r.created_at),
          lastModified: new Date(r.updated_at),
          sequence: r.version,
          status:
            r.status === "proposed" || r.status === "pending"
              ? ICalEventStatus.TENTATIVE
              : ICalEventStatus.CONFIRMED,
          summary: `${r.type_name} (${initials(r.given_name, r.family_name)})`,
          location: r.location_name,
        });
      }
      return {
        body: calendar.toString(),
        count: rows.length,
        patientIds: [...new Set(rows.map((r) => r.patient_id))],
      };
    },
  );
}

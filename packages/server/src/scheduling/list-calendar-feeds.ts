import type { Actor, Services } from "../platform/services.ts";

/**
 * iCalendar (RFC 5545) feeds: one practitioner's appointments behind a secret URL that a calendar app
 * subscribes to. The secret is shown once and stored only as a SHA-256 digest (like API tokens); a feed is
 * revocable. What the feed shows is the minimum necessary: the visit type and the patient's initials,
 * never a full name, date of birth or note, because the URL travels to a third-party calendar service.
 */
export interface CalendarFeedView {
  id: string;
  practitionerId: string;
  practitionerName: string;
  createdAt: string;
  revokedAt: string | null;
}

export async function listCalendarFeeds(services: Services, actor: Actor): Promise<CalendarFeedView[]> {
  const rows = await services.systemDb
    .selectFrom("calendar_feeds")
    .innerJoin("staff_members", (j) =>
      j
        .onRef("staff_members.organization_id", "=", "calendar_feeds.organization_id")
        .onRef("staff_members.id", "=", "calendar_feeds.practitioner_id"),
    )
    .select([
      "calendar_feeds.id",
      "calendar_feeds.practitioner_id",
      "calendar_feeds.created_at",
      "calendar_feeds.revoked_at",
      "staff_members.given_name",
      "staff_members.family_name",
    ])
    .where("calendar_feeds.organization_id", "=", actor.organizationId)
    .orderBy("calendar_feeds.created_at", "desc")
    .orderBy("calendar_feeds.id")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    practitionerId: r.practitioner_id,
    practitionerName: `${r.given_name} ${r.family_name}`,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
  }));
}

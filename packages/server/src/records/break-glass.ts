import { randomUUID } from "node:crypto";
import {
  breakGlassReasonProblem,
  type ChartTabName,
  DomainError,
  decideAccess,
  describeActivity,
  notFound,
  seesWithRelation,
} from "@salus/core";
import { audited } from "../audit/audited.ts";
import type { Trx } from "../db/transaction.ts";
import type { Page } from "../directory/list-query.ts";
import type { Actor, Services } from "../platform/services.ts";
import { accessRoles, markAccess } from "./patient-access.ts";
import type { BreakGlassActivityItem, BreakGlassGrantView, BreakGlassQueueItem } from "./schemas.ts";

export type { BreakGlassActivityItem, BreakGlassGrantView, BreakGlassQueueItem } from "./schemas.ts";

/**
 * Break-glass (emergency access, 45 CFR 164.312(a)(2)(ii)): a clinician states a reason and gets
 * time-boxed access to ONE patient's chart. It is a relation with that patient and nothing else: it never
 * changes roles, permissions or audit settings (it is only ever read by records/patient-access.ts). Every
 * privacy officer is alerted through the outbox in the same transaction, every audit entry written under
 * the grant carries its id, and each use waits in the privacy officer's review queue.
 */

export const DEFAULT_BREAK_GLASS_MINUTES = 60;

/** One thing done under a grant, in plain words, with where the reviewer may open it. */

export const MAX_ACTIVITY = 500;
/** Audit entries are timed when their transaction ends, a moment after the grant's last check. */
const ACTIVITY_MARGIN_MS = 5 * 60_000;

function invalid(path: string, message: string): DomainError {
  return new DomainError("invalid_request", `${path} ${message}.`, [{ path, message }]);
}

/** The organization's break-glass window in minutes (setting, default 60). */
export async function breakGlassMinutes(trx: Trx, organizationId: string): Promise<number> {
  const row = await trx
    .selectFrom("records_settings")
    .select("break_glass_minutes")
    .where("organization_id", "=", organizationId)
    .executeTakeFirst();
  return row?.break_glass_minutes ?? DEFAULT_BREAK_GLASS_MINUTES;
}

export async function getRecordsSettings(
  services: Services,
  actor: Actor,
): Promise<{ breakGlassMinutes: number }> {
  return audited(
    services,
    actor,
    { action: "records-settings.read", resourceType: "RecordsSettings" },
    async (trx) => ({
      breakGlassMinutes: await breakGlassMinutes(trx, actor.organizationId),
    }),
  );
}

export async function updateRecordsSettings(
  services: Services,
  actor: Actor,
  input: { breakGlassMinutes: number },
): Promise<{ breakGlassMinutes: number }> {
  if (
    !Number.isInteger(input.breakGlassMinutes) ||
    input.breakGlassMinutes < 5 ||
    input.breakGlassMinutes > 720
  ) {
    throw invalid("breakGlassMinutes", "must be a whole number of minutes from 5 to 720");
  }
  return audited(
    services,
    actor,
    { action: "records-settings.update", resourceType: "RecordsSettings", detail: { ...input } },
    async (trx) => {
      const at = services.clock().toISOString();
      await trx
        .insertInto("records_settings")
        .values({
          organization_id: actor.organizationId,
          break_glass_minutes: input.breakGlassMinutes,
          updated_at: at,
        })
        .onConflict((oc) =>
          oc
            .column("organization_id")
            .doUpdateSet({ break_glass_minutes: input.breakGlassMinutes, updated_at: at }),
        )
        .execute();
      return { breakGlassMinutes: input.breakGlassMinutes };
    },
  );
}

/**
 * Opens break-glass on one patient (by id or MRN) with a reason of a few visible words (core
 * records/break-glass-reason.ts: zero-width and other invisible characters do not count). Refused before
 * anything is written when the reason is not one; `not_found` when no such patient.
 */
export async function openBreakGlass(
  services: Services,
  actor: Actor,
  input: { patientId?: string | undefined; mrn?: string | undefined; reason: string },
): Promise<{ id: string; patientId: string; openedAt: string; expiresAt: string }> {
  const reason = input.reason.trim();
  const problem = breakGlassReasonProblem(reason);
  if (problem) throw invalid("reason", problem);
  if ((input.patientId === undefined) === (input.mrn === undefined)) {
    throw invalid("patientId", "or mrn must be given, not both");
  }
  if (!actor.userId || !seesWithRelation(accessRoles(actor), "clinical")) {
    // Only clinicians have relations with patients; break-glass gives nothing to anyone else.
    throw new DomainError("forbidden", "Break-glass is for clinicians.");
  }
  const id = randomUUID();
  return audited(
    services,
    actor,
    {
      action: "break-glass.open",
      resourceType: "BreakGlass",
      resourceId: id,
      fromResult: (r: { patientId: string; expiresAt: string }) => ({
        patientId: r.patientId,
        detail: { expiresAt: r.expiresAt },
      }),
    },
    async (trx) => {
      let q = trx.selectFrom("patients").select("id").where("organization_id", "=", actor.organizationId);
      q =
        input.patientId !== undefined ? q.where("id", "=", input.patientId) : q.where("mrn", "=", input.mrn!);
      const patient = await q.executeTakeFirst();
      if (!patient) throw notFound("patient");
      const now = services.clock();
      const minutes = await breakGlassMinutes(trx, actor.organizationId);
      const expiresAt = new Date(now.getTime() + minutes * 60_000).toISOString();
      await trx
        .insertInto("break_glass_grants")
        .values({
          organization_id: actor.organizationId,
          id,
          patient_id: patient.id,
          user_id: actor.userId!,
          reason,
          opened_at: now.toISOString(),
          expires_at: expiresAt,
          review_status: "pending",
          review_outcome: null,
          review_note: null,
          reviewed_by: null,
          reviewed_at: null,
        })
        .execute();
      await alertPrivacyOfficers(trx, services, actor, id);
      markAccess(trx, { via: "break-glass", breakGlassId: id });
      return { id, patientId: patient.id, openedAt: now.toISOString(), expiresAt };
    },
  );
}

/**
 * One e-mail per enabled privacy officer, queued in the outbox in the break-glass transaction (so an
 * alert exists exactly when the grant does). It names the user and no patient: the details are in
 * Salus, behind the privacy officer's sign-in.
 */
async function alertPrivacyOfficers(
  trx: Trx,
  services: Services,
  actor: Actor,
  grantId: string,
): Promise<void> {
  const officers = await trx
    .selectFrom("memberships")
    .innerJoin("users", "users.id", "memberships.user_id")
    .select(["users.id", "users.email"])
    .where("memberships.organization_id", "=", actor.organizationId)
    .where("memberships.role", "=", "privacy-officer")
    .where("users.disabled_at", "is", null)
    .execute();
  const who = await trx
    .selectFrom("users")
    .select(["display_name", "email"])
    .where("id", "=", actor.userId!)
    .executeTakeFirst();
  const name = who ? `${who.display_name} (${who.email})` : actor.label;
  const base = (services.config.publicUrl ?? `http://localhost:${services.config.port}`).replace(/\/+$/, "");
  const at = services.clock().toISOString();
  for (const officer of officers) {
    await trx
      .insertInto("outbox_messages")
      .values({
        organization_id: actor.organizationId,
        id: randomUUID(),
        dedupe_key: `break-glass:${grantId}:${officer.id}`,
        channel: "email",
        recipient: officer.email,
        subject: "Emergency access to a record was opened in Salus",
        body: `${name} opened emergency (break-glass) access to a patient record. Review it in Salus: ${base}/privacy/break-glass\n\nThis message contains no patient information on purpose.`,
        appointment_id: null,
        available_at: at,
        attempts: 0,
        lease_until: null,
        last_error: null,
        sent_at: null,
        cancelled_at: null,
        created_at: at,
      })
      .onConflict((oc) => oc.columns(["organization_id", "dedupe_key"]).doNothing())
      .execute();
  }
}

type GrantRow = {
  id: string;
  patient_id: string;
  reason: string;
  opened_at: string;
  expires_at: string;
  review_status: "pending" | "reviewed";
  review_outcome: "appropriate" | "inappropriate" | null;
};

function presentGrant(r: GrantRow, now: Date): BreakGlassGrantView {
  return {
    id: r.id,
    patientId: r.patient_id,
    reason: r.reason,
    openedAt: r.opened_at,
    expiresAt: r.expires_at,
    active: Date.parse(r.expires_at) > now.getTime(),
    reviewStatus: r.review_status,
    reviewOutcome: r.review_outcome,
  };
}

/** The actor's own break-glass grants, newest first (what they opened and until when). */
export async function myBreakGlass(services: Services, actor: Actor): Promise<BreakGlassGrantView[]> {
  return audited(
    services,
    actor,
    {
      action: "break-glass.list-own",
      resourceType: "BreakGlass",
      fromResult: (items: BreakGlassGrantView[]) => ({ detail: { ids: items.map((i) => i.id) } }),
    },
    async (trx) => {
      if (!actor.userId) return [];
      const rows = await trx
        .selectFrom("break_glass_grants")
        .select(["id", "patient_id", "reason", "opened_at", "expires_at", "review_status", "review_outcome"])
        .where("organization_id", "=", actor.organizationId)
        .where("user_id", "=", actor.userId)
        .orderBy("opened_at", "desc")
        .orderBy("id")
        .limit(100)
        .execute();
      const now = services.clock();
      return rows.map((r) => presentGrant(r, now));
    },
  );
}

/** The privacy officer's review queue: pending (oldest first) or reviewed (newest first). */
export async function listBreakGlass(
  services: Services,
  actor: Actor,
  query: { status: "pending" | "reviewed"; limit: number; offset: number },
): Promise<Page<BreakGlassQueueItem>> {
  return audited(
    services,
    actor,
    {
      action: "break-glass.queue",
      resourceType: "BreakGlass",
      detail: { status: query.status },
      fromResult: (page: Page<BreakGlassQueueItem>) => ({
        detail: {
          ids: page.items.map((i) => i.id),
          patientIds: [...new Set(page.items.map((i) => i.patientId))],
        },
      }),
    },
    async (trx) => {
      const base = trx
        .selectFrom("break_glass_grants as g")
        .innerJoin("patients as p", (j) =>
          j.onRef("p.organization_id", "=", "g.organization_id").onRef("p.id", "=", "g.patient_id"),
        )
        .innerJoin("users as u", "u.id", "g.user_id")
        .where("g.organization_id", "=", actor.organizationId)
        .where("g.review_status", "=", query.status);
      const [rows, count] = await Promise.all([
        base
          .select([
            "g.id",
            "g.patient_id",
            "g.reason",
            "g.opened_at",
            "g.expires_at",
            "g.review_status",
            "g.review_outcome",
            "g.review_note",
            "g.reviewed_by",
            "g.reviewed_at",
            "g.user_id",
            "u.email",
            "u.display_name",
            "p.mrn",
            "p.given_name",
            "p.family_name",
            "p.date_of_birth",
          ])
          .orderBy("g.opened_at", query.status === "pending" ? "asc" : "desc")
          .orderBy("g.id")
          .limit(query.limit)
          .offset(query.offset)
          .execute(),
        base.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow(),
      ]);
      const now = services.clock();
      const activities = new Map<string, { items: BreakGlassActivityItem[]; truncated: boolean }>();
      for (const r of rows) activities.set(r.id, await grantActivity(trx, actor, r));
      return {
        items: rows.map((r) => ({
          ...presentGrant(r, now),
          patient: {
            id: r.patient_id,
            mrn: r.mrn,
            givenName: r.given_name,
            familyName: r.family_name,
            dateOfBirth: r.date_of_birth,
          },
          user: { id: r.user_id, email: r.email, displayName: r.display_name },
          reviewNote: r.review_note,
          reviewedBy: r.reviewed_by,
          reviewedAt: r.reviewed_at,
          activity: activities.get(r.id)!.items,
          activityTruncated: activities.get(r.id)!.truncated,
        })),
        total: Number(count.n),
      };
    },
  );
}

/**
 * What the grant's user did under it: every audit entry (read, write, refusal) that names the grant in
 * `detail.breakGlassId` or `detail.breakGlassIds` (records/patient-access.ts#markAccess), described in
 * plain words, with a link only where the reviewer's own roles open that part of the record (a privacy
 * officer sees the patient's details and privacy file, not the clinical content).
 */
async function grantActivity(
  trx: Trx,
  actor: Actor,
  grant: { id: string; user_id: string; opened_at: string; expires_at: string },
): Promise<{ items: BreakGlassActivityItem[]; truncated: boolean }> {
  const until = new Date(Date.parse(grant.expires_at) + ACTIVITY_MARGIN_MS).toISOString();
  // A UUID in quotes matches only that id, so the LIKE narrows to this grant; the JSON check confirms.
  const rows = await trx
    .selectFrom("audit_entries")
    .select(["at", "seq", "action", "outcome", "resource_type", "resource_id", "patient_id", "detail"])
    .where("organization_id", "=", actor.organizationId)
    .where("user_id", "=", grant.user_id)
    .where("at", ">=", grant.opened_at)
    .where("at", "<=", until)
    .where("detail", "like", `%"${grant.id.replace(/[%_"\\]/g, "")}"%`)
    .orderBy("at")
    .orderBy("seq")
    .limit(MAX_ACTIVITY + 1)
    .execute();
  const reviewer = accessRoles(actor);
  const items: BreakGlassActivityItem[] = [];
  for (const r of rows.slice(0, MAX_ACTIVITY)) {
    let detail: { breakGlassId?: unknown; breakGlassIds?: unknown } = {};
    try {
      detail = JSON.parse(r.detail ?? "{}");
    } catch {
      continue;
    }
    const named =
      detail.breakGlassId === grant.id ||
      (Array.isArray(detail.breakGlassIds) && detail.breakGlassIds.includes(grant.id));
    if (!named) continue;
    const d = describeActivity({ action: r.action, outcome: r.outcome });
    const patientId = r.patient_id;
    items.push({
      at: r.at,
      action: r.action,
      text: d.text,
      wrote: d.wrote,
      outcome: r.outcome,
      resourceType: r.resource_type,
      resourceId: r.resource_id,
      open:
        patientId && d.section && d.tab && decideAccess(reviewer, d.section, []) !== null
          ? { patientId, tab: d.tab }
          : null,
    });
  }
  return { items, truncated: rows.length > MAX_ACTIVITY };
}

/** Records the privacy officer's review of one use. Nobody reviews their own break-glass. */
export async function reviewBreakGlass(
  services: Services,
  actor: Actor,
  id: string,
  input: { outcome: "appropriate" | "inappropriate"; note?: string | null | undefined },
): Promise<BreakGlassGrantView> {
  return audited(
    services,
    actor,
    {
      action: "break-glass.review",
      resourceType: "BreakGlass",
      resourceId: id,
      detail: { outcome: input.outcome },
      fromResult: (g: BreakGlassGrantView) => ({ patientId: g.patientId }),
    },
    async (trx) => {
      const grant = await trx
        .selectFrom("break_glass_grants")
        .selectAll()
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", id)
        .executeTakeFirst();
      if (!grant) throw notFound("break-glass use");
      if (grant.user_id === actor.userId) {
        throw new DomainError("conflict", "Another privacy officer must review your own use of break-glass.");
      }
      if (grant.review_status === "reviewed")
        throw new DomainError("conflict", "This use was already reviewed.");
      const at = services.clock().toISOString();
      await trx
        .updateTable("break_glass_grants")
        .set({
          review_status: "reviewed",
          review_outcome: input.outcome,
          review_note: input.note ?? null,
          reviewed_by: actor.userId,
          reviewed_at: at,
        })
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", id)
        .execute();
      return presentGrant(
        { ...grant, review_status: "reviewed", review_outcome: input.outcome },
        services.clock(),
      );
    },
  );
}

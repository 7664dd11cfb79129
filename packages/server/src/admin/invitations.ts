import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { DomainError, notFound, ROLE_LABELS, type Role } from "@salus/core";
import { appendAudit } from "../audit/append-audit.ts";
import { audited, auditInput } from "../audit/audited.ts";
import { landingOrganizationId } from "../auth/landing.ts";
import { assertAcceptablePassword, hashPassword } from "../auth/passwords.ts";
import type { RequestInfo } from "../auth/request-info.ts";
import { systemTrx } from "../db/scoped.ts";
import type { Trx } from "../db/transaction.ts";
import { inTransaction } from "../db/transaction.ts";
import { publicBaseUrl } from "../platform/public-url.ts";
import type { Actor, Services } from "../platform/services.ts";
import { organizationsOf } from "./account-scope.ts";
import type { InvitationPreview, InvitationView } from "./schemas.ts";
import { parseNewMember } from "./users.ts";

export type { InvitationPreview, InvitationView } from "./schemas.ts";

/**
 * Adding a person to an organization is an invitation they accept (issue 9, item 1). The administrator's
 * answer is the same whether or not the email already has a Salus account (same status, same fields),
 * and so is the email: it carries a signed link, valid for 7 days and usable once, to `/invitation`. The
 * person accepts signed in to their own account, or, for an email that has no account yet, by choosing
 * their password through the link. Until then nothing changes: no membership, no account, and the
 * inviting administrator can neither reset, rename nor issue tokens for the person.
 *
 * The link is `/invitation#token=<id>.<expiry>.<HMAC-SHA256(key, "salus-invitation:<id>:<expiry>")>`:
 * the key is the encryption key (outside the database), the token sits after `#` so browsers never send
 * it to a server or in a Referer, and acceptance is a conditional update (`accepted_at is null`) so two
 * parallel uses cannot both pass.
 */
const INVITATION_DAYS = 7;
const DAY = 86_400_000;

type InvitationRow = {
  organization_id: string;
  id: string;
  email: string;
  email_normalized: string;
  display_name: string;
  roles: string;
  invited_by_label: string;
  created_at: string;
  expires_at: string;
  accepted_at: string | null;
  revoked_at: string | null;
};

function statusOf(r: InvitationRow, now: Date): InvitationView["status"] {
  if (r.accepted_at) return "accepted";
  if (r.revoked_at) return "cancelled";
  return Date.parse(r.expires_at) <= now.getTime() ? "expired" : "pending";
}

function present(r: InvitationRow, now: Date): InvitationView {
  return {
    id: r.id,
    email: r.email,
    displayName: r.display_name,
    roles: JSON.parse(r.roles) as Role[],
    invitedBy: r.invited_by_label,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    status: statusOf(r, now),
  };
}

function sign(key: Buffer, id: string, exp: number): string {
  return createHmac("sha256", key).update(`salus-invitation:${id}:${exp}`).digest("base64url");
}

/** The token of an invitation's link (what follows `#token=`). */
export function invitationToken(key: Buffer, id: string, expiresAt: string): string {
  const exp = Math.floor(Date.parse(expiresAt) / 1000);
  return `${id}.${exp}.${sign(key, id, exp)}`;
}

const BAD_LINK =
  "This invitation link is not valid. Copy the whole link from the email, or ask for a new invitation.";

/** Checks a link's signature (constant time); answers the invitation id. */
function verifyToken(services: Services, token: string): string {
  const parts = token.split(".");
  const [id, expText, sig] = parts;
  if (parts.length !== 3 || !id || !expText || !sig || !/^\d{1,12}$/.test(expText))
    throw new DomainError("invalid_request", BAD_LINK, [{ path: "token", message: "is not a valid link" }]);
  const expected = Buffer.from(sign(services.secrets.encryptionKey, id, Number(expText)));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    throw new DomainError("invalid_request", BAD_LINK, [{ path: "token", message: "is not a valid link" }]);
  return id;
}

async function loadInvitation(trx: Trx, id: string): Promise<InvitationRow> {
  const row = await trx.selectFrom("account_invitations").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row)
    throw new DomainError("invalid_request", BAD_LINK, [{ path: "token", message: "is not a valid link" }]);
  return row;
}

/** Refuses an invitation that was used, cancelled or has expired, saying which. */
function assertPending(r: InvitationRow, now: Date): void {
  const status = statusOf(r, now);
  if (status === "pending") return;
  const why = {
    accepted: "This invitation was already accepted; the link works once. Sign in to Salus.",
    cancelled:
      "This invitation was cancelled or replaced by a newer one; use the newest email, or ask for a new invitation.",
    expired: `This invitation has expired (links are valid for ${INVITATION_DAYS} days); ask the administrator to invite you again.`,
  }[status];
  throw new DomainError("invalid_request", why, [{ path: "token", message: status }]);
}

function invitationEmail(orgName: string, invitedBy: string, roles: Role[], link: string, expiresAt: string) {
  const roleText = roles.map((r) => ROLE_LABELS[r]).join(", ");
  return {
    subject: `You are invited to ${orgName} in Salus`,
    body:
      `${invitedBy} invited you to work in ${orgName} in Salus as ${roleText}.\n\n` +
      `To accept, open this link: ${link}\n\n` +
      "If you already have a Salus account, sign in to it and accept there; if you do not, you choose your " +
      "password on that page. Nothing changes until you accept.\n\n" +
      `The link works once and expires on ${expiresAt.slice(0, 10)} (UTC). If you did not expect this ` +
      "invitation, ignore this email.",
  };
}

/**
 * Invites a person (by email) to the actor's organization with the given roles: the answer never says
 * whether the email has a Salus account. A pending invitation to the same email here is replaced (the
 * older link stops working). An email that is already a member here is refused (409): the
 * administrator sees their own members anyway.
 */
export async function inviteUser(
  services: Services,
  actor: Actor,
  input: { email: string; displayName: string; roles: string[] },
): Promise<{ invitation: InvitationView }> {
  const { email, normalized, displayName, roles } = parseNewMember(input);
  const now = services.clock();
  const id = randomUUID();
  const expiresAt = new Date(now.getTime() + INVITATION_DAYS * DAY).toISOString();
  return audited(
    services,
    actor,
    {
      action: "user.invite",
      resourceType: "Invitation",
      resourceId: id,
      detail: { email: normalized, roles },
    },
    async (trx) => {
      const member = await trx
        .selectFrom("users")
        .innerJoin("memberships", "memberships.user_id", "users.id")
        .select("users.id")
        .where("users.email_normalized", "=", normalized)
        .where("memberships.organization_id", "=", actor.organizationId)
        .executeTakeFirst();
      if (member)
        throw new DomainError(
          "conflict",
          `${email} is already a user of this organization; change their roles instead.`,
        );
      const at = now.toISOString();
      await trx
        .updateTable("account_invitations")
        .set({ revoked_at: at })
        .where("organization_id", "=", actor.organizationId)
        .where("email_normalized", "=", normalized)
        .where("accepted_at", "is", null)
        .where("revoked_at", "is", null)
        .execute();
      const org = await trx
        .selectFrom("organizations")
        .select("name")
        .where("id", "=", actor.organizationId)
        .executeTakeFirstOrThrow();
      const inviter = actor.userId
        ? await trx
            .selectFrom("users")
            .select("display_name")
            .where("id", "=", actor.userId)
            .executeTakeFirst()
        : undefined;
      const invitedBy = inviter ? `${inviter.display_name} (${actor.label})` : actor.label;
      await trx
        .insertInto("account_invitations")
        .values({
          organization_id: actor.organizationId,
          id,
          email,
          email_normalized: normalized,
          display_name: displayName,
          roles: JSON.stringify(roles),
          invited_by: actor.userId,
          invited_by_label: invitedBy,
          created_at: at,
          expires_at: expiresAt,
          accepted_at: null,
          accepted_by: null,
          revoked_at: null,
        })
        .execute();
      const link = `${publicBaseUrl(services)}/invitation#token=${invitationToken(services.secrets.encryptionKey, id, expiresAt)}`;
      const text = invitationEmail(org.name, invitedBy, roles, link, expiresAt);
      await trx
        .insertInto("outbox_messages")
        .values({
          organization_id: actor.organizationId,
          id: randomUUID(),
          dedupe_key: `invitation:${id}`,
          channel: "email",
          recipient: email,
          subject: text.subject,
          body: text.body,
          appointment_id: null,
          available_at: at,
          attempts: 0,
          lease_until: null,
          last_error: null,
          sent_at: null,
          cancelled_at: null,
          created_at: at,
        })
        .execute();
      const row = await trx
        .selectFrom("account_invitations")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
      return { invitation: present(row, now) };
    },
  );
}

/** The organization's invitations still pending, and those of the last 30 days, newest first. */
export async function listInvitations(services: Services, actor: Actor): Promise<InvitationView[]> {
  const now = services.clock();
  const since = new Date(now.getTime() - 30 * DAY).toISOString();
  const rows = await services.systemDb
    .selectFrom("account_invitations")
    .selectAll()
    .where("organization_id", "=", actor.organizationId)
    .where((eb) =>
      eb.or([
        eb("created_at", ">=", since),
        eb.and([
          eb("accepted_at", "is", null),
          eb("revoked_at", "is", null),
          eb("expires_at", ">", now.toISOString()),
        ]),
      ]),
    )
    .orderBy("created_at", "desc")
    .execute();
  return rows.map((r) => present(r, now));
}

/** Cancels a pending invitation of the organization: its link stops working. */
export async function cancelInvitation(services: Services, actor: Actor, id: string): Promise<void> {
  await audited(
    services,
    actor,
    { action: "user.invitation.cancel", resourceType: "Invitation", resourceId: id },
    async (trx) => {
      const r = await trx
        .updateTable("account_invitations")
        .set({ revoked_at: services.clock().toISOString() })
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", id)
        .where("accepted_at", "is", null)
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) throw notFound("pending invitation");
    },
  );
}

/** What the invitation page shows to whoever holds the link (the email's owner). */
export async function previewInvitation(services: Services, token: string): Promise<InvitationPreview> {
  const id = verifyToken(services, token);
  const db = services.systemDb;
  const inv = await loadInvitation(db, id);
  assertPending(inv, services.clock());
  const org = await db
    .selectFrom("organizations")
    .select("name")
    .where("id", "=", inv.organization_id)
    .executeTakeFirstOrThrow();
  const account = await db
    .selectFrom("users")
    .select("id")
    .where("email_normalized", "=", inv.email_normalized)
    .executeTakeFirst();
  return {
    organizationName: org.name,
    email: inv.email,
    roles: JSON.parse(inv.roles) as Role[],
    expiresAt: inv.expires_at,
    needsPassword: !account,
  };
}

/** Marks the invitation used; a second (or parallel) use finds it already accepted. */
async function markAccepted(trx: Trx, inv: InvitationRow, userId: string, at: string): Promise<void> {
  const r = await trx
    .updateTable("account_invitations")
    .set({ accepted_at: at, accepted_by: userId })
    .where("organization_id", "=", inv.organization_id)
    .where("id", "=", inv.id)
    .where("accepted_at", "is", null)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1)
    throw new DomainError("invalid_request", "This invitation was already accepted; the link works once.");
}

async function addRoles(trx: Trx, organizationId: string, userId: string, roles: Role[], at: string) {
  const held = await trx
    .selectFrom("memberships")
    .select("role")
    .where("organization_id", "=", organizationId)
    .where("user_id", "=", userId)
    .execute();
  const missing = roles.filter((r) => !held.some((h) => h.role === r));
  if (missing.length > 0)
    await trx
      .insertInto("memberships")
      .values(
        missing.map((role) => ({ organization_id: organizationId, user_id: userId, role, created_at: at })),
      )
      .execute();
}

/**
 * The person, signed in to their own account, accepts: they get the invitation's roles in its
 * organization. Only a signed-in session of the account the email belongs to can accept (403 otherwise,
 * the inviting administrator included). Where they land at sign-in does not change. Audited as the
 * membership added on the trail of every organization the account belongs to (and as the invitation
 * accepted on the inviting organization's).
 */
export async function acceptInvitation(
  services: Services,
  actor: Actor,
  token: string,
): Promise<{ organization: { slug: string; name: string } }> {
  const id = verifyToken(services, token);
  const now = services.clock();
  const at = now.toISOString();
  return audited(
    services,
    actor,
    {
      action: "account.membership.add",
      resourceType: "User",
      resourceId: actor.userId,
      detail: { invitationId: id },
    },
    async (scoped) => {
      // SYSTEM ACCESS: accepting crosses organizations by nature (the invitation, the new membership and
      // the audit entries belong to the inviting organization, the actor may be signed in to another).
      const trx = systemTrx(scoped);
      if (actor.via !== "session" || !actor.userId)
        throw new DomainError("forbidden", "Open the invitation link signed in to your own account.");
      const inv = await loadInvitation(trx, id);
      const user = await trx
        .selectFrom("users")
        .selectAll()
        .where("id", "=", actor.userId)
        .executeTakeFirstOrThrow();
      if (user.email_normalized !== inv.email_normalized)
        throw new DomainError(
          "forbidden",
          "This invitation was sent to another email address. Sign in with the account of that address to accept it.",
        );
      assertPending(inv, now);
      const before = await organizationsOf(trx, user.id);
      // Freeze where the person lands before they join: joining never moves it.
      if (user.default_organization_id === null) {
        const home = await landingOrganizationId(trx, user);
        if (home)
          await trx
            .updateTable("users")
            .set({ default_organization_id: home })
            .where("id", "=", user.id)
            .execute();
      }
      const roles = JSON.parse(inv.roles) as Role[];
      await addRoles(trx, inv.organization_id, user.id, roles, at);
      await markAccepted(trx, inv, user.id, at);
      const spec = {
        resourceType: "User",
        resourceId: user.id,
        detail: {
          invitationId: inv.id,
          organizationId: inv.organization_id,
          roles,
          fromOrganizationId: actor.organizationId,
        },
      };
      for (const organizationId of new Set([...before, inv.organization_id])) {
        if (organizationId === actor.organizationId) continue;
        const action =
          organizationId === inv.organization_id ? "user.invitation.accept" : "account.membership.add";
        await appendAudit(
          trx,
          services.audit,
          auditInput(services, { ...actor, organizationId }, { action, ...spec }, "success"),
        );
      }
      const org = await trx
        .selectFrom("organizations")
        .select(["slug", "name"])
        .where("id", "=", inv.organization_id)
        .executeTakeFirstOrThrow();
      return { organization: org };
    },
  );
}

/**
 * For an email with no Salus account: the person accepts by choosing their password through the link,
 * which creates the account (a member of the inviting organization only, landing there). Never sets the
 * password of an existing account: that answers 409 (sign in and accept instead). Refusals of a genuine
 * link are audited on the inviting organization's trail.
 */
export async function acceptInvitationWithPassword(
  services: Services,
  info: RequestInfo,
  input: { token: string; password: string },
): Promise<{ email: string }> {
  const id = verifyToken(services, input.token);
  const db = services.systemDb;
  const inv = await loadInvitation(db, id);
  const audit = (
    trx: Trx,
    outcome: "success" | "failure",
    userId: string | null,
    detail: Record<string, unknown>,
  ) =>
    appendAudit(trx, services.audit, {
      at: services.clock().toISOString(),
      organizationId: inv.organization_id,
      userId,
      actor: inv.email_normalized,
      action: "user.invitation.accept",
      resourceType: "Invitation",
      resourceId: inv.id,
      patientId: null,
      outcome,
      ip: info.ip,
      requestId: info.requestId,
      detail: JSON.stringify({ via: "invitation", ...detail }),
    });
  try {
    const now = services.clock();
    assertPending(inv, now);
    const org = await db
      .selectFrom("organizations")
      .select(["name", "slug"])
      .where("id", "=", inv.organization_id)
      .executeTakeFirstOrThrow();
    assertAcceptablePassword(input.password, [inv.email_normalized, inv.display_name, org.name, org.slug]);
    const hash = await hashPassword(input.password);
    return await inTransaction(
      services.db,
      async (trx) => {
        const fresh = await loadInvitation(trx, id);
        assertPending(fresh, now);
        const existing = await trx
          .selectFrom("users")
          .select("id")
          .where("email_normalized", "=", inv.email_normalized)
          .executeTakeFirst();
        if (existing)
          throw new DomainError(
            "conflict",
            "This email already has a Salus account. Sign in to it, then open the invitation link again to accept.",
          );
        const userId = randomUUID();
        const at = now.toISOString();
        await trx
          .insertInto("users")
          .values({
            id: userId,
            email: inv.email,
            email_normalized: inv.email_normalized,
            display_name: inv.display_name,
            password_hash: hash,
            must_change_password: 0,
            mfa_secret_enc: null,
            mfa_enabled: 0,
            mfa_last_step: null,
            disabled_at: null,
            last_sign_in_at: null,
            created_at: at,
            updated_at: at,
            default_organization_id: inv.organization_id,
          })
          .execute();
        await addRoles(trx, inv.organization_id, userId, JSON.parse(inv.roles) as Role[], at);
        await markAccepted(trx, fresh, userId, at);
        await audit(trx, "success", userId, { newAccount: true, roles: JSON.parse(inv.roles) });
        return { email: inv.email };
      },
      { serializeOn: inv.organization_id },
    );
  } catch (error) {
    if (error instanceof DomainError)
      await inTransaction(services.db, (trx) => audit(trx, "failure", null, { error: error.code }), {
        serializeOn: inv.organization_id,
      });
    throw error;
  }
}

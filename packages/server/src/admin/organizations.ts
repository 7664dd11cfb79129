import { randomUUID } from "node:crypto";
import { DomainError, notFound } from "@salus/core";
import { appendAudit, ensureChain } from "../audit/append-audit.ts";
import { audited, auditInput } from "../audit/audited.ts";
import type { OrganizationRow } from "../db/schema.ts";
import { inTransaction } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import type { OrganizationView } from "./schemas.ts";

export type { OrganizationView } from "./schemas.ts";

export function presentOrganization(r: OrganizationRow): OrganizationView {
  return {
    id: r.id,
    slug: r.slug,
    name: r.name,
    mfaRequired: r.mfa_required === 1,
    idleTimeoutMinutes: r.idle_timeout_minutes,
    absoluteTimeoutHours: r.absolute_timeout_hours,
  };
}

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;

/** Creates a tenant. A platform operation (CLI), audited on the new organization's own chain. */
export async function createOrganization(
  services: Services,
  input: { slug: string; name: string },
): Promise<OrganizationView> {
  if (!SLUG.test(input.slug)) {
    throw new DomainError(
      "invalid_request",
      "The slug must be 1-40 lower-case letters, digits or hyphens, not starting or ending with a hyphen.",
      [{ path: "slug", message: "must be lower-case letters, digits and hyphens" }],
    );
  }
  const name = input.name.trim();
  if (!name || name.length > 200)
    throw new DomainError("invalid_request", "The name must be 1-200 characters.");
  const id = randomUUID();
  const at = services.clock().toISOString();
  const actor: Actor = cliActor(id);
  const created = await inTransaction(services.db, async (trx) => {
    const exists = await trx
      .selectFrom("organizations")
      .select("id")
      .where("slug", "=", input.slug)
      .executeTakeFirst();
    if (exists)
      throw new DomainError("conflict", `An organization with slug "${input.slug}" already exists.`);
    await trx
      .insertInto("organizations")
      .values({
        id,
        slug: input.slug,
        name,
        mfa_required: 0,
        idle_timeout_minutes: 15,
        absolute_timeout_hours: 12,
        created_at: at,
        updated_at: at,
      })
      .execute();
    await ensureChain(trx, services.audit, id);
    // Entry 1 of every organization's chain, in the transaction that creates the organization: `salus
    // audit verify` relies on it to recognise a chain that was deleted and started again.
    await appendAudit(
      trx,
      services.audit,
      auditInput(
        services,
        actor,
        { action: "organization.create", resourceType: "Organization", resourceId: id },
        "success",
      ),
    );
    return trx.selectFrom("organizations").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
  });
  return presentOrganization(created);
}

export async function findOrganizationBySlug(services: Services, slug: string): Promise<OrganizationRow> {
  const row = await services.systemDb
    .selectFrom("organizations")
    .selectAll()
    .where("slug", "=", slug)
    .executeTakeFirst();
  if (!row) throw new DomainError("not_found", `No organization with slug "${slug}".`);
  return row;
}

export async function getOrganization(services: Services, actor: Actor): Promise<OrganizationView> {
  const row = await services.systemDb
    .selectFrom("organizations")
    .selectAll()
    .where("id", "=", actor.organizationId)
    .executeTakeFirst();
  if (!row) throw notFound("organization");
  return presentOrganization(row);
}

export interface OrganizationSettings {
  name?: string | undefined;
  mfaRequired?: boolean | undefined;
  idleTimeoutMinutes?: number | undefined;
  absoluteTimeoutHours?: number | undefined;
}

/** Settings changes are security events (MFA, timeouts), audited with the old and new values. */
export async function updateOrganization(
  services: Services,
  actor: Actor,
  changes: OrganizationSettings,
): Promise<OrganizationView> {
  return audited(
    services,
    actor,
    {
      action: "organization.update",
      resourceType: "Organization",
      resourceId: actor.organizationId,
      detail: { changes },
      fromResult: (after: OrganizationView & { before: OrganizationView }) => ({
        detail: { before: after.before },
      }),
    },
    async (trx) => {
      const before = await trx
        .selectFrom("organizations")
        .selectAll()
        .where("id", "=", actor.organizationId)
        .executeTakeFirstOrThrow();
      const set: Partial<OrganizationRow> = { updated_at: services.clock().toISOString() };
      if (changes.name !== undefined) set.name = changes.name;
      if (changes.mfaRequired !== undefined) set.mfa_required = changes.mfaRequired ? 1 : 0;
      if (changes.idleTimeoutMinutes !== undefined) set.idle_timeout_minutes = changes.idleTimeoutMinutes;
      if (changes.absoluteTimeoutHours !== undefined)
        set.absolute_timeout_hours = changes.absoluteTimeoutHours;
      await trx.updateTable("organizations").set(set).where("id", "=", actor.organizationId).execute();
      const row = await trx
        .selectFrom("organizations")
        .selectAll()
        .where("id", "=", actor.organizationId)
        .executeTakeFirstOrThrow();
      return { ...presentOrganization(row), before: presentOrganization(before) };
    },
  ).then(({ before: _before, ...view }) => view);
}

/** The actor for command-line operations: attributable (label `cli`), scoped to one organization. */
export function cliActor(organizationId: string): Actor {
  return {
    organizationId,
    userId: null,
    label: "cli",
    roles: ["admin"],
    permissions: [],
    via: "cli",
    ip: null,
    requestId: null,
  };
}

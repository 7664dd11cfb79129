import { randomUUID } from "node:crypto";
import { DomainError, isPlainDate, isValidNpi, notFound } from "@salus/core";
import { audited } from "../audit/audited.ts";
import type { LicenseRow, StaffRow } from "../db/schema.ts";
import { organizationDb } from "../db/scoped.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import { type ListQuery, likePattern, lowerLike, type Page } from "./list-query.ts";
import type { LicenseView, StaffView } from "./schemas.ts";

export type { LicenseView, StaffView } from "./schemas.ts";

/**
 * Staff members: practitioners (NPI with a valid check digit, taxonomy, state licenses) and non-clinical
 * staff. Staff records are workforce data, not PHI (45 CFR 160.103); their changes are still audited.
 */
/** Input: nullable fields may be omitted (stored as null). */
export type StaffInput = Pick<StaffView, "kind" | "givenName" | "familyName"> &
  Partial<Pick<StaffView, "jobTitle" | "email" | "phone" | "npi" | "taxonomy">> & {
    active?: boolean | undefined;
  };
export type LicenseInput = Omit<LicenseView, "id">;

export function presentLicense(r: LicenseRow): LicenseView {
  return { id: r.id, state: r.state, number: r.number, expiresOn: r.expires_on };
}
export function presentStaff(r: StaffRow, licenses: LicenseRow[]): StaffView {
  return {
    id: r.id,
    kind: r.kind,
    givenName: r.given_name,
    familyName: r.family_name,
    jobTitle: r.job_title,
    email: r.email,
    phone: r.phone,
    npi: r.npi,
    taxonomy: r.taxonomy,
    userId: r.user_id,
    active: r.active === 1,
    licenses: licenses.map(presentLicense),
  };
}

function checkNpi(npi: string | null | undefined): void {
  if (npi && !isValidNpi(npi)) {
    throw new DomainError(
      "invalid_request",
      `NPI ${npi} is not valid: it must be 10 digits with a correct check digit.`,
      [{ path: "npi", message: "must be 10 digits with a valid check digit" }],
    );
  }
}

function checkLicense(input: Partial<LicenseInput>): void {
  if (input.expiresOn !== undefined && !isPlainDate(input.expiresOn)) {
    throw new DomainError("invalid_request", "License expiry must be a real date written YYYY-MM-DD.", [
      { path: "expiresOn", message: "must be a real date written YYYY-MM-DD" },
    ]);
  }
}

async function licensesOf(
  trx: Trx,
  organizationId: string,
  staffIds: string[],
): Promise<Map<string, LicenseRow[]>> {
  const map = new Map<string, LicenseRow[]>();
  if (staffIds.length === 0) return map;
  const rows = await trx
    .selectFrom("practitioner_licenses")
    .selectAll()
    .where("organization_id", "=", organizationId)
    .where("staff_id", "in", staffIds)
    .orderBy("expires_on")
    .execute();
  for (const r of rows) map.set(r.staff_id, [...(map.get(r.staff_id) ?? []), r]);
  return map;
}

export async function listStaff(
  services: Services,
  actor: Actor,
  query: ListQuery & { kind?: "practitioner" | "staff" | undefined },
): Promise<Page<StaffView>> {
  const db = organizationDb(services.db, actor.organizationId);
  let q = db.selectFrom("staff_members").where("organization_id", "=", actor.organizationId);
  if (query.kind) q = q.where("kind", "=", query.kind);
  for (const term of (query.q ?? "")
    .split(/[\s,]+/)
    .filter(Boolean)
    .slice(0, 4)) {
    const p = likePattern(term);
    q = q.where((eb) =>
      eb.or([lowerLike("given_name", p), lowerLike("family_name", p), eb("npi", "=", term)]),
    );
  }
  const rows = await q
    .selectAll()
    .orderBy("family_name")
    .orderBy("given_name")
    .orderBy("id")
    .limit(query.limit)
    .offset(query.offset)
    .execute();
  const count = await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  const licenses = await licensesOf(
    db,
    actor.organizationId,
    rows.map((r) => r.id),
  );
  return { items: rows.map((r) => presentStaff(r, licenses.get(r.id) ?? [])), total: Number(count.n) };
}

async function loadStaff(trx: Trx, actor: Actor, id: string): Promise<StaffView> {
  const row = await trx
    .selectFrom("staff_members")
    .selectAll()
    .where("organization_id", "=", actor.organizationId)
    .where("id", "=", id)
    .executeTakeFirst();
  if (!row) throw notFound("staff member");
  const licenses = await licensesOf(trx, actor.organizationId, [id]);
  return presentStaff(row, licenses.get(id) ?? []);
}

export async function getStaff(services: Services, actor: Actor, id: string): Promise<StaffView> {
  return loadStaff(organizationDb(services.db, actor.organizationId), actor, id);
}

async function checkNpiFree(trx: Trx, actor: Actor, npi: string | null | undefined, selfId: string | null) {
  if (!npi) return;
  let q = trx
    .selectFrom("staff_members")
    .select("id")
    .where("organization_id", "=", actor.organizationId)
    .where("npi", "=", npi);
  if (selfId) q = q.where("id", "!=", selfId);
  if (await q.executeTakeFirst()) {
    throw new DomainError("conflict", `Another staff member already has NPI ${npi}.`, [
      { path: "npi", message: "is already in use" },
    ]);
  }
}

export async function createStaff(services: Services, actor: Actor, input: StaffInput): Promise<StaffView> {
  checkNpi(input.npi);
  const id = randomUUID();
  const at = services.clock().toISOString();
  return audited(
    services,
    actor,
    { action: "staff.create", resourceType: "StaffMember", resourceId: id },
    async (trx) => {
      await checkNpiFree(trx, actor, input.npi, null);
      await trx
        .insertInto("staff_members")
        .values({
          organization_id: actor.organizationId,
          id,
          kind: input.kind,
          given_name: input.givenName,
          family_name: input.familyName,
          job_title: input.jobTitle ?? null,
          email: input.email ?? null,
          phone: input.phone ?? null,
          npi: input.npi || null,
          taxonomy: input.taxonomy ?? null,
          user_id: null,
          active: input.active === false ? 0 : 1,
          created_at: at,
          updated_at: at,
        })
        .execute();
      return loadStaff(trx, actor, id);
    },
  );
}

export async function updateStaff(
  services: Services,
  actor: Actor,
  id: string,
  changes: Partial<StaffInput>,
): Promise<StaffView> {
  checkNpi(changes.npi);
  return audited(
    services,
    actor,
    {
      action: "staff.update",
      resourceType: "StaffMember",
      resourceId: id,
      detail: { fields: Object.keys(changes).sort() },
    },
    async (trx) => {
      await loadStaff(trx, actor, id);
      await checkNpiFree(trx, actor, changes.npi, id);
      const set: Partial<StaffRow> = { updated_at: services.clock().toISOString() };
      if (changes.kind !== undefined) set.kind = changes.kind;
      if (changes.givenName !== undefined) set.given_name = changes.givenName;
      if (changes.familyName !== undefined) set.family_name = changes.familyName;
      if (changes.jobTitle !== undefined) set.job_title = changes.jobTitle;
      if (changes.email !== undefined) set.email = changes.email;
      if (changes.phone !== undefined) set.phone = changes.phone;
      if (changes.npi !== undefined) set.npi = changes.npi || null;
      if (changes.taxonomy !== undefined) set.taxonomy = changes.taxonomy;
      if (changes.active !== undefined) set.active = changes.active ? 1 : 0;
      await trx
        .updateTable("staff_members")
        .set(set)
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", id)
        .execute();
      return loadStaff(trx, actor, id);
    },
  );
}

export async function addLicense(services: Services, actor: Actor, staffId: string, input: LicenseInput) {
  checkLicense(input);
  const id = randomUUID();
  return audited(
    services,
    actor,
    {
      action: "staff.license.create",
      resourceType: "StaffMember",
      resourceId: staffId,
      detail: { licenseId: id },
    },
    async (trx) => {
      await loadStaff(trx, actor, staffId);
      await trx
        .insertInto("practitioner_licenses")
        .values({
          organization_id: actor.organizationId,
          id,
          staff_id: staffId,
          state: input.state,
          number: input.number,
          expires_on: input.expiresOn,
          created_at: services.clock().toISOString(),
        })
        .execute();
      return loadStaff(trx, actor, staffId);
    },
  );
}

export async function updateLicense(
  services: Services,
  actor: Actor,
  staffId: string,
  licenseId: string,
  changes: Partial<LicenseInput>,
) {
  checkLicense(changes);
  return audited(
    services,
    actor,
    {
      action: "staff.license.update",
      resourceType: "StaffMember",
      resourceId: staffId,
      detail: { licenseId },
    },
    async (trx) => {
      const set: Partial<LicenseRow> = {};
      if (changes.state !== undefined) set.state = changes.state;
      if (changes.number !== undefined) set.number = changes.number;
      if (changes.expiresOn !== undefined) set.expires_on = changes.expiresOn;
      if (Object.keys(set).length === 0)
        throw new DomainError("invalid_request", "Send at least one field to change.");
      const result = await trx
        .updateTable("practitioner_licenses")
        .set(set)
        .where("organization_id", "=", actor.organizationId)
        .where("staff_id", "=", staffId)
        .where("id", "=", licenseId)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) throw notFound("license");
      return loadStaff(trx, actor, staffId);
    },
  );
}

export async function removeLicense(services: Services, actor: Actor, staffId: string, licenseId: string) {
  return audited(
    services,
    actor,
    {
      action: "staff.license.delete",
      resourceType: "StaffMember",
      resourceId: staffId,
      detail: { licenseId },
    },
    async (trx) => {
      const result = await trx
        .deleteFrom("practitioner_licenses")
        .where("organization_id", "=", actor.organizationId)
        .where("staff_id", "=", staffId)
        .where("id", "=", licenseId)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) throw notFound("license");
      return loadStaff(trx, actor, staffId);
    },
  );
}

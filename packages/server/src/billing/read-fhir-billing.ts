import type { ChargeItem, Claim, Organization } from "@medplum/fhirtypes";
import { DomainError, notFound, seesPracticeWide } from "@salus/core";
import { type Expression, type ExpressionBuilder, type SqlBool, sql } from "kysely";
import { audited } from "../audit/audited.ts";
import type { Database } from "../db/schema.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import {
  accessRoles,
  markListAccess,
  requirePatientAccess,
  visiblePatients,
} from "../records/patient-access.ts";
import {
  type ChargeRow,
  type ClaimFacts,
  type ClaimRow,
  DRAFT_CLAIM_STATUSES,
  type FhirClaimStatus,
  SENT_CLAIM_STATUSES,
  toChargeItem,
  toClaim,
  toPayerOrganization,
} from "./fhir-billing-resources.ts";

/**
 * Reading billing's tables for FHIR (Claim, ChargeItem, payer Organization) through the scoped handle
 * `audited()` hands out, every read audited in its own transaction. Claims and charges are the patient's
 * codes (diagnoses and procedures), so they follow the records slice's rule for the `codes` section
 * (records/patient-access.ts): the SQL filter `visiblePatients` for searches, `requirePatientAccess` by
 * id, and the restricted-visit rule (a claim or charge from a sensitive visit only for someone who sees
 * codes practice-wide, the visit's own practitioner, or under break-glass). A claim or charge the caller
 * may not see is absent from searches and totals and answers the same 404 as an id that does not exist.
 */

export interface Page<T> {
  items: T[];
  total: number;
}

export interface ClaimQuery {
  id?: string | undefined;
  patientId?: string | undefined;
  statuses?: readonly FhirClaimStatus[] | undefined;
  createdFrom?: string | undefined;
  createdTo?: string | undefined;
  /** The rendering practitioner (careTeam). */
  providerId?: string | undefined;
  /** Claim.provider named an organization other than the practice: nothing matches. */
  noMatch?: boolean | undefined;
  insurerId?: string | undefined;
  controlNumber?: string | undefined;
  limit: number;
  offset: number;
}

export interface ChargeQuery {
  id?: string | undefined;
  patientId?: string | undefined;
  encounterId?: string | undefined;
  /** Plain dates, inclusive / exclusive. */
  from?: string | undefined;
  to?: string | undefined;
  limit: number;
  offset: number;
}

type ClaimsEb = ExpressionBuilder<Database, "claims">;
type ChargesEb = ExpressionBuilder<Database, "charges">;

/** Whether the caller needs the restricted-visit filter (they see codes only through relations). */
function restrictedApplies(actor: Actor): boolean {
  return !seesPracticeWide(accessRoles(actor), "codes");
}

/**
 * The sensitive visits hidden from a caller who sees codes through relations: not their own visit, and
 * no break-glass grant open on the patient (core records/access-policy.ts#canSeeEncounterSection).
 */
function hiddenSensitive<EB extends ClaimsEb | ChargesEb>(
  eb: EB,
  services: Services,
  actor: Actor,
  encounterId: "claims" | "charges",
): Expression<SqlBool> {
  const e = eb as unknown as ExpressionBuilder<Database, "claims" | "charges">;
  const userId = actor.userId ?? "";
  const now = services.clock().toISOString();
  const myStaff = e
    .selectFrom("staff_members")
    .select("staff_members.id")
    .where("staff_members.user_id", "=", userId);
  const glass = e
    .selectFrom("break_glass_grants")
    .select("break_glass_grants.patient_id")
    .where("break_glass_grants.user_id", "=", userId)
    .where("break_glass_grants.expires_at", ">", now);
  const sensitive = (q: ReturnType<typeof e.selectFrom<"encounters">>) =>
    q
      .where("encounters.sensitive", "=", 1)
      .where("encounters.practitioner_id", "not in", myStaff)
      .where("encounters.patient_id", "not in", glass);
  if (encounterId === "charges") {
    return e.exists(
      sensitive(
        e
          .selectFrom("encounters")
          .select("encounters.id")
          .whereRef("encounters.id", "=", "charges.encounter_id"),
      ),
    );
  }
  return e.exists(
    sensitive(
      e
        .selectFrom("encounters")
        .innerJoin("charges as sc", (j) =>
          j
            .onRef("sc.organization_id", "=", "encounters.organization_id")
            .onRef("sc.encounter_id", "=", "encounters.id"),
        )
        .innerJoin("claim_lines as sl", (j) =>
          j.onRef("sl.organization_id", "=", "sc.organization_id").onRef("sl.charge_id", "=", "sc.id"),
        )
        .select("encounters.id")
        .whereRef("sl.claim_id", "=", "claims.id"),
    ),
  );
}

/** A void (frequency 8) of this claim has been sent. */
function voidedExpr(eb: ClaimsEb) {
  return eb.exists(
    eb
      .selectFrom("claims as v")
      .select("v.id")
      .whereRef("v.original_claim_id", "=", "claims.id")
      .where("v.frequency_code", "=", "8")
      .where("v.status", "in", [...SENT_CLAIM_STATUSES]),
  );
}

function claimFilter(services: Services, actor: Actor, q: ClaimQuery) {
  return (eb: ClaimsEb): Expression<SqlBool> => {
    const and: Expression<SqlBool>[] = [];
    if (q.noMatch) and.push(sql<SqlBool>`1 = 0`);
    if (q.id) and.push(eb("claims.id", "=", q.id));
    if (q.patientId) and.push(eb("claims.patient_id", "=", q.patientId));
    if (q.providerId) and.push(eb("claims.rendering_staff_id", "=", q.providerId));
    if (q.insurerId) and.push(eb("claims.payer_ref", "=", q.insurerId));
    if (q.controlNumber) and.push(eb("claims.patient_control_number", "=", q.controlNumber));
    if (q.createdFrom) and.push(eb("claims.created_at", ">=", q.createdFrom));
    if (q.createdTo) and.push(eb("claims.created_at", "<", q.createdTo));
    if (q.statuses) {
      const drafts = [...DRAFT_CLAIM_STATUSES];
      const or: Expression<SqlBool>[] = [];
      if (q.statuses.includes("draft")) or.push(eb("claims.status", "in", drafts));
      if (q.statuses.includes("active"))
        or.push(eb.and([eb("claims.status", "not in", drafts), eb.not(voidedExpr(eb))]));
      if (q.statuses.includes("cancelled"))
        or.push(eb.and([eb("claims.status", "not in", drafts), voidedExpr(eb)]));
      // entered-in-error: Salus never marks a claim so (a wrong claim is voided), so it matches nothing.
      and.push(or.length ? eb.or(or) : sql<SqlBool>`1 = 0`);
    }
    const visible = visiblePatients(services, actor, "codes");
    if (visible) and.push(visible("claims.patient_id"));
    if (restrictedApplies(actor)) and.push(eb.not(hiddenSensitive(eb, services, actor, "claims")));
    return eb.and(and);
  };
}

async function claimPage(trx: Trx, services: Services, actor: Actor, q: ClaimQuery): Promise<Page<Claim>> {
  const where = claimFilter(services, actor, q);
  const rows = await trx
    .selectFrom("claims")
    .leftJoin("payers", (j) =>
      j
        .onRef("payers.organization_id", "=", "claims.organization_id")
        .onRef("payers.id", "=", "claims.payer_ref"),
    )
    .leftJoin("staff_members", (j) =>
      j
        .onRef("staff_members.organization_id", "=", "claims.organization_id")
        .onRef("staff_members.id", "=", "claims.rendering_staff_id"),
    )
    .leftJoin("billing_settings", "billing_settings.organization_id", "claims.organization_id")
    .where(where)
    .select((eb) => [
      "claims.id",
      "claims.patient_control_number",
      "claims.patient_id",
      "claims.payer_ref",
      "claims.coverage_id",
      "claims.sequence",
      "claims.rendering_staff_id",
      "claims.location_id",
      "claims.date_of_service",
      "claims.place_of_service",
      "claims.frequency_code",
      "claims.original_claim_id",
      "claims.payer_claim_number",
      "claims.diagnosis_codes",
      "claims.status",
      "claims.version",
      "claims.created_at",
      "claims.updated_at",
      "payers.name as payer_name",
      "billing_settings.billing_name",
      "staff_members.given_name",
      "staff_members.family_name",
      voidedExpr(eb).as("voided"),
    ])
    .orderBy("claims.created_at", "desc")
    .orderBy("claims.id", "desc")
    .limit(q.limit)
    .offset(q.offset)
    .execute();
  const count = await trx
    .selectFrom("claims")
    .where(where)
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  const ids = rows.map((r) => r.id);
  const lines = ids.length
    ? await trx
        .selectFrom("claim_lines")
        .leftJoin("charges", (j) =>
          j
            .onRef("charges.organization_id", "=", "claim_lines.organization_id")
            .onRef("charges.id", "=", "claim_lines.charge_id"),
        )
        .leftJoin("encounters", (j) =>
          j
            .onRef("encounters.organization_id", "=", "charges.organization_id")
            .onRef("encounters.id", "=", "charges.encounter_id"),
        )
        .select([
          "claim_lines.claim_id",
          "claim_lines.line_number",
          "claim_lines.procedure_code",
          "claim_lines.modifiers",
          "claim_lines.units",
          "claim_lines.charge_cents",
          "claim_lines.diagnosis_pointers",
          "claim_lines.date_of_service",
          "claim_lines.place_of_service",
          "charges.code_system",
          "charges.unit_price_cents",
          "encounters.sensitive",
        ])
        .where("claim_lines.claim_id", "in", ids)
        .execute()
    : [];
  await markListAccess(trx, services, actor, [...new Set(rows.map((r) => r.patient_id))]);
  const items = rows.map((r) => {
    const own = lines.filter((l) => l.claim_id === r.id);
    const facts: ClaimFacts = {
      organizationId: actor.organizationId,
      billingName: r.billing_name,
      payerName: r.payer_name,
      practitionerName:
        r.given_name || r.family_name ? [r.given_name, r.family_name].filter(Boolean).join(" ") : null,
      // SQLite answers 0/1 for `exists`, PostgreSQL a boolean.
      voided: Boolean(r.voided),
      sensitive: own.some((l) => Number(l.sensitive) === 1),
      lines: own,
    };
    return toClaim(r as ClaimRow, facts);
  });
  return { items, total: Number(count.n) };
}

function chargeFilter(services: Services, actor: Actor, q: ChargeQuery) {
  return (eb: ChargesEb): Expression<SqlBool> => {
    const and: Expression<SqlBool>[] = [];
    if (q.id) and.push(eb("charges.id", "=", q.id));
    if (q.patientId) and.push(eb("charges.patient_id", "=", q.patientId));
    if (q.encounterId) and.push(eb("charges.encounter_id", "=", q.encounterId));
    if (q.from) and.push(eb("charges.date_of_service", ">=", q.from));
    if (q.to) and.push(eb("charges.date_of_service", "<", q.to));
    const visible = visiblePatients(services, actor, "codes");
    if (visible) and.push(visible("charges.patient_id"));
    if (restrictedApplies(actor)) and.push(eb.not(hiddenSensitive(eb, services, actor, "charges")));
    return eb.and(and);
  };
}

async function chargePage(
  trx: Trx,
  services: Services,
  actor: Actor,
  q: ChargeQuery,
): Promise<Page<ChargeItem>> {
  const where = chargeFilter(services, actor, q);
  const rows = await trx
    .selectFrom("charges")
    .leftJoin("staff_members", (j) =>
      j
        .onRef("staff_members.organization_id", "=", "charges.organization_id")
        .onRef("staff_members.id", "=", "charges.rendering_staff_id"),
    )
    .leftJoin("encounters", (j) =>
      j
        .onRef("encounters.organization_id", "=", "charges.organization_id")
        .onRef("encounters.id", "=", "charges.encounter_id"),
    )
    .where(where)
    .select([
      "charges.id",
      "charges.source_key",
      "charges.source",
      "charges.patient_id",
      "charges.encounter_id",
      "charges.rendering_staff_id",
      "charges.date_of_service",
      "charges.place_of_service",
      "charges.code_system",
      "charges.procedure_code",
      "charges.modifiers",
      "charges.units",
      "charges.diagnosis_codes",
      "charges.diagnosis_pointers",
      "charges.unit_price_cents",
      "charges.amount_cents",
      "charges.status",
      "charges.claim_id",
      "charges.version",
      "charges.created_at",
      "charges.updated_at",
      "staff_members.given_name",
      "staff_members.family_name",
      "encounters.sensitive",
    ])
    .orderBy("charges.date_of_service", "desc")
    .orderBy("charges.created_at", "desc")
    .orderBy("charges.id", "desc")
    .limit(q.limit)
    .offset(q.offset)
    .execute();
  const count = await trx
    .selectFrom("charges")
    .where(where)
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  await markListAccess(trx, services, actor, [...new Set(rows.map((r) => r.patient_id))]);
  const items = rows.map((r) =>
    toChargeItem(r as ChargeRow, {
      organizationId: actor.organizationId,
      practitionerName:
        r.given_name || r.family_name ? [r.given_name, r.family_name].filter(Boolean).join(" ") : null,
      sensitive: Number(r.sensitive) === 1,
    }),
  );
  return { items, total: Number(count.n) };
}

const patientsOf = (items: { patient?: { reference?: string }; subject?: { reference?: string } }[]) => [
  ...new Set(
    items
      .map((r) => (r.patient ?? r.subject)?.reference?.replace(/^Patient\//, ""))
      .filter((x): x is string => !!x),
  ),
];

/** Claims the caller may see, newest first. Audited with the patients returned. */
export function searchFhirClaims(services: Services, actor: Actor, q: ClaimQuery): Promise<Page<Claim>> {
  return audited(
    services,
    actor,
    {
      action: "fhir.claim.search",
      resourceType: "Claim",
      patientId: q.patientId ?? null,
      detail: { query: { ...q } },
      fromResult: (page: Page<Claim>) => ({
        detail: { count: page.items.length, total: page.total, patientIds: patientsOf(page.items) },
      }),
    },
    (trx) => claimPage(trx, services, actor, q),
  );
}

/**
 * One claim by id, or the same `not_found` whether it does not exist, belongs to another organization,
 * or is of a patient (or a restricted visit) the caller may not see.
 */
export function readFhirClaim(services: Services, actor: Actor, id: string): Promise<Claim> {
  return audited(
    services,
    actor,
    { action: "fhir.claim.read", resourceType: "Claim", resourceId: id },
    async (trx) => {
      const row = await trx.selectFrom("claims").select("patient_id").where("id", "=", id).executeTakeFirst();
      if (!row) throw notFound("Claim");
      await requireCodes(trx, services, actor, row.patient_id, "Claim");
      const page = await claimPage(trx, services, actor, { id, limit: 1, offset: 0 });
      if (!page.items[0]) throw notFound("Claim");
      return page.items[0];
    },
  );
}

export function searchFhirChargeItems(
  services: Services,
  actor: Actor,
  q: ChargeQuery,
): Promise<Page<ChargeItem>> {
  return audited(
    services,
    actor,
    {
      action: "fhir.chargeitem.search",
      resourceType: "ChargeItem",
      patientId: q.patientId ?? null,
      detail: { query: { ...q } },
      fromResult: (page: Page<ChargeItem>) => ({
        detail: { count: page.items.length, total: page.total, patientIds: patientsOf(page.items) },
      }),
    },
    (trx) => chargePage(trx, services, actor, q),
  );
}

export function readFhirChargeItem(services: Services, actor: Actor, id: string): Promise<ChargeItem> {
  return audited(
    services,
    actor,
    { action: "fhir.chargeitem.read", resourceType: "ChargeItem", resourceId: id },
    async (trx) => {
      const row = await trx
        .selectFrom("charges")
        .select("patient_id")
        .where("id", "=", id)
        .executeTakeFirst();
      if (!row) throw notFound("ChargeItem");
      await requireCodes(trx, services, actor, row.patient_id, "ChargeItem");
      const page = await chargePage(trx, services, actor, { id, limit: 1, offset: 0 });
      if (!page.items[0]) throw notFound("ChargeItem");
      return page.items[0];
    },
  );
}

/** The records slice's access check for the codes section; its not_found becomes the resource's own. */
async function requireCodes(trx: Trx, services: Services, actor: Actor, patientId: string, type: string) {
  try {
    await requirePatientAccess(trx, services, actor, patientId, "codes");
  } catch (error) {
    if (error instanceof DomainError && error.code === "not_found") throw notFound(type);
    throw error;
  }
}

export interface PayerQuery {
  id?: string | undefined;
  name?: string | undefined;
  payerId?: string | undefined;
}

const PAYER_COLUMNS = [
  "id",
  "name",
  "payer_id",
  "claim_filing_indicator",
  "address_line1",
  "address_line2",
  "city",
  "state",
  "postal_code",
  "phone",
  "active",
  "version",
  "updated_at",
] as const;

/** Case and accents aside, as the Patient name search compares. */
function fold(s: string): string {
  return s.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
}

/**
 * Every payer matching the query as an Organization (type pay), by name: a practice has a few dozen, so
 * the caller (the Organization search, which also lists the practice itself) pages the list. No health
 * information; audited like every FHIR read.
 */
export function searchFhirPayers(services: Services, actor: Actor, q: PayerQuery): Promise<Organization[]> {
  return audited(
    services,
    actor,
    {
      action: "fhir.payer.search",
      resourceType: "Organization",
      detail: { query: { ...q } },
      fromResult: (items: Organization[]) => ({ detail: { count: items.length } }),
    },
    async (trx) => {
      let query = trx.selectFrom("payers").select([...PAYER_COLUMNS]);
      if (q.id) query = query.where("id", "=", q.id);
      if (q.payerId) query = query.where("payer_id", "=", q.payerId);
      const rows = await query.orderBy("name").orderBy("id").execute();
      const name = q.name ? fold(q.name.trim()) : "";
      return rows.filter((p) => !name || fold(p.name).includes(name)).map(toPayerOrganization);
    },
  );
}

export function readFhirPayer(services: Services, actor: Actor, id: string): Promise<Organization> {
  return audited(
    services,
    actor,
    { action: "fhir.payer.read", resourceType: "Organization", resourceId: id },
    async (trx) => {
      const row = await trx
        .selectFrom("payers")
        .select([...PAYER_COLUMNS])
        .where("id", "=", id)
        .executeTakeFirst();
      if (!row) throw notFound("organization");
      return toPayerOrganization(row);
    },
  );
}

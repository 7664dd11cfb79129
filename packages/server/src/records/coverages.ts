import { randomUUID } from "node:crypto";
import { DomainError, isPlainDate, notFound } from "@salus/core";
import { audited } from "../audit/audited.ts";
import type { CoverageRelationship, CoveragesTable } from "../db/schema-records.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import { requirePatientAccess } from "./patient-access.ts";
import { COVERAGE_ORDERS, type CoverageOrder, type CoverageView } from "./schemas.ts";

export { COVERAGE_ORDERS, type CoverageOrder, type CoverageView } from "./schemas.ts";

/**
 * Insurance coverages of a patient: payer, member and group ids, subscriber and relationship, order
 * (primary, secondary, tertiary) and effective dates. Two active coverages of one patient may not hold
 * the same order over overlapping dates (billing must know which payer is primary on a date of service).
 * Never deleted: a mistake is marked entered-in-error.
 */

export interface CoverageInput {
  order: CoverageOrder;
  payerName: string;
  payerId?: string | null | undefined;
  planName?: string | null | undefined;
  memberId: string;
  groupId?: string | null | undefined;
  subscriberRelationship: CoverageRelationship;
  subscriberGivenName?: string | null | undefined;
  subscriberFamilyName?: string | null | undefined;
  subscriberDateOfBirth?: string | null | undefined;
  payerRef?: string | null | undefined;
  subscriberSex?: string | null | undefined;
  subscriberAddressLine1?: string | null | undefined;
  subscriberCity?: string | null | undefined;
  subscriberState?: string | null | undefined;
  subscriberPostalCode?: string | null | undefined;
  effectiveFrom: string;
  effectiveTo?: string | null | undefined;
}

type CoverageRow = Omit<CoveragesTable, never>;

export function presentCoverage(r: CoverageRow): CoverageView {
  return {
    id: r.id,
    patientId: r.patient_id,
    order: COVERAGE_ORDERS[r.priority - 1] ?? "primary",
    payerName: r.payer_name,
    payerId: r.payer_id,
    planName: r.plan_name,
    memberId: r.member_id,
    groupId: r.group_id,
    subscriberRelationship: r.subscriber_relationship,
    subscriberGivenName: r.subscriber_given_name,
    subscriberFamilyName: r.subscriber_family_name,
    subscriberDateOfBirth: r.subscriber_date_of_birth,
    payerRef: r.payer_ref,
    subscriberSex: r.subscriber_sex,
    subscriberAddressLine1: r.subscriber_address_line1,
    subscriberCity: r.subscriber_city,
    subscriberState: r.subscriber_state,
    subscriberPostalCode: r.subscriber_postal_code,
    effectiveFrom: r.effective_from,
    effectiveTo: r.effective_to,
    status: r.status,
  };
}

/** The columns billing added (0020-billing): the payer row and the subscriber's sex and address. */
function billingColumns(c: CoverageInput) {
  return {
    payer_ref: c.payerRef ?? null,
    subscriber_sex: c.subscriberSex ?? null,
    subscriber_address_line1: c.subscriberAddressLine1 ?? null,
    subscriber_city: c.subscriberCity ?? null,
    subscriber_state: c.subscriberState ?? null,
    subscriber_postal_code: c.subscriberPostalCode ? c.subscriberPostalCode.replace(/\D/g, "") : null,
  };
}

function invalid(path: string, message: string): DomainError {
  return new DomainError("invalid_request", `${path} ${message}.`, [{ path, message }]);
}

/** Checks a complete coverage (after a change is applied). */
function checkCoverage(c: CoverageInput): void {
  if (!isPlainDate(c.effectiveFrom)) throw invalid("effectiveFrom", "must be a real date written YYYY-MM-DD");
  if (c.effectiveTo != null) {
    if (!isPlainDate(c.effectiveTo)) throw invalid("effectiveTo", "must be a real date written YYYY-MM-DD");
    if (c.effectiveTo < c.effectiveFrom) throw invalid("effectiveTo", "must not be before effectiveFrom");
  }
  if (c.subscriberDateOfBirth != null && !isPlainDate(c.subscriberDateOfBirth)) {
    throw invalid("subscriberDateOfBirth", "must be a real date written YYYY-MM-DD");
  }
  if (c.subscriberRelationship !== "self" && (!c.subscriberGivenName || !c.subscriberFamilyName)) {
    throw invalid(
      "subscriberGivenName",
      "and subscriberFamilyName are needed when the patient is not the subscriber",
    );
  }
}

/**
 * A coverage that names a payer (billing's payers.id): the payer must be this practice's and active
 * (an inactive one only if the coverage already named it), and the electronic payer id is taken from it
 * when none was entered.
 */
async function checkPayerRef(trx: Trx, c: CoverageInput, before: string | null): Promise<CoverageInput> {
  if (!c.payerRef) return c;
  const payer = await trx
    .selectFrom("payers")
    .select(["name", "payer_id", "active"])
    .where("id", "=", c.payerRef)
    .executeTakeFirst();
  if (!payer) throw invalid("payerRef", "is not a payer of this practice");
  if (payer.active !== 1 && c.payerRef !== before)
    throw invalid("payerRef", `names ${payer.name}, which is no longer active; choose another payer`);
  return { ...c, payerId: c.payerId ?? payer.payer_id };
}

/** Refuses a second active coverage of the same order over an overlapping period. */
async function checkOrderFree(
  trx: Trx,
  actor: Actor,
  patientId: string,
  c: CoverageInput,
  exceptId: string | null,
): Promise<void> {
  let q = trx
    .selectFrom("coverages")
    .select(["id", "payer_name", "effective_from", "effective_to"])
    .where("organization_id", "=", actor.organizationId)
    .where("patient_id", "=", patientId)
    .where("status", "=", "active")
    .where("priority", "=", COVERAGE_ORDERS.indexOf(c.order) + 1);
  if (exceptId) q = q.where("id", "!=", exceptId);
  for (const other of await q.execute()) {
    // Closed date ranges [from, to]; an open end is "until further notice".
    const overlaps =
      (other.effective_to === null || other.effective_to >= c.effectiveFrom) &&
      (c.effectiveTo == null || c.effectiveTo >= other.effective_from);
    if (overlaps) {
      throw new DomainError(
        "conflict",
        `The patient already has a ${c.order} coverage (${other.payer_name}) over these dates; end it or choose another order.`,
        [{ path: "order", message: `another ${c.order} coverage is active over these dates` }],
      );
    }
  }
}

export async function listCoverages(
  services: Services,
  actor: Actor,
  patientId: string,
): Promise<CoverageView[]> {
  return audited(
    services,
    actor,
    { action: "coverage.list", resourceType: "Coverage", patientId },
    async (trx) => {
      await requirePatientAccess(trx, services, actor, patientId, "coverage");
      const rows = await trx
        .selectFrom("coverages")
        .selectAll()
        .where("organization_id", "=", actor.organizationId)
        .where("patient_id", "=", patientId)
        .orderBy("status")
        .orderBy("priority")
        .orderBy("effective_from", "desc")
        .orderBy("id")
        .execute();
      return rows.map(presentCoverage);
    },
  );
}

export async function createCoverage(
  services: Services,
  actor: Actor,
  patientId: string,
  input: CoverageInput,
): Promise<CoverageView> {
  checkCoverage(input);
  const id = randomUUID();
  return audited(
    services,
    actor,
    { action: "coverage.create", resourceType: "Coverage", resourceId: id, patientId },
    async (trx) => {
      await requirePatientAccess(trx, services, actor, patientId, "coverage");
      await checkOrderFree(trx, actor, patientId, input, null);
      const withPayer = await checkPayerRef(trx, input, null);
      const at = services.clock().toISOString();
      await trx
        .insertInto("coverages")
        .values({
          organization_id: actor.organizationId,
          id,
          patient_id: patientId,
          priority: COVERAGE_ORDERS.indexOf(input.order) + 1,
          payer_name: input.payerName,
          payer_id: withPayer.payerId ?? null,
          plan_name: input.planName ?? null,
          member_id: input.memberId,
          group_id: input.groupId ?? null,
          subscriber_relationship: input.subscriberRelationship,
          subscriber_given_name: input.subscriberGivenName ?? null,
          subscriber_family_name: input.subscriberFamilyName ?? null,
          subscriber_date_of_birth: input.subscriberDateOfBirth ?? null,
          ...billingColumns(input),
          effective_from: input.effectiveFrom,
          effective_to: input.effectiveTo ?? null,
          status: "active",
          created_at: at,
          updated_at: at,
        })
        .execute();
      const row = await trx
        .selectFrom("coverages")
        .selectAll()
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
      return presentCoverage(row);
    },
  );
}

export async function updateCoverage(
  services: Services,
  actor: Actor,
  patientId: string,
  coverageId: string,
  changes: Partial<CoverageInput> & { status?: "active" | "entered-in-error" | undefined },
): Promise<CoverageView> {
  return audited(
    services,
    actor,
    {
      action: "coverage.update",
      resourceType: "Coverage",
      resourceId: coverageId,
      patientId,
      detail: { fields: Object.keys(changes).sort() },
    },
    async (trx) => {
      await requirePatientAccess(trx, services, actor, patientId, "coverage");
      const before = await trx
        .selectFrom("coverages")
        .selectAll()
        .where("organization_id", "=", actor.organizationId)
        .where("patient_id", "=", patientId)
        .where("id", "=", coverageId)
        .executeTakeFirst();
      if (!before) throw notFound("coverage");
      const current = presentCoverage(before);
      let next = { ...current, ...changes };
      checkCoverage(next);
      if (next.status === "active") await checkOrderFree(trx, actor, patientId, next, coverageId);
      next = { ...next, ...(await checkPayerRef(trx, next, before.payer_ref)) };
      await trx
        .updateTable("coverages")
        .set({
          priority: COVERAGE_ORDERS.indexOf(next.order) + 1,
          payer_name: next.payerName,
          payer_id: next.payerId ?? null,
          plan_name: next.planName ?? null,
          member_id: next.memberId,
          group_id: next.groupId ?? null,
          subscriber_relationship: next.subscriberRelationship,
          subscriber_given_name: next.subscriberGivenName ?? null,
          subscriber_family_name: next.subscriberFamilyName ?? null,
          subscriber_date_of_birth: next.subscriberDateOfBirth ?? null,
          ...billingColumns(next),
          effective_from: next.effectiveFrom,
          effective_to: next.effectiveTo ?? null,
          status: next.status,
          updated_at: services.clock().toISOString(),
        })
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", coverageId)
        .execute();
      const row = await trx
        .selectFrom("coverages")
        .selectAll()
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", coverageId)
        .executeTakeFirstOrThrow();
      return presentCoverage(row);
    },
  );
}

import { patientSearchTerms, prefixEnd, type SearchTermKind } from "@salus/core/records/patient-search";
import type { Expression, ExpressionBuilder, SqlBool } from "kysely";
import type { Database } from "../db/schema.ts";
import type { Trx } from "../db/transaction.ts";

/**
 * The stored search terms of patients' names (table `patient_search_terms`, migration 0012). Every write
 * of a patient's names calls `refreshSearchTerms` in the same transaction, so a name is findable the
 * moment it is saved and never by a name it no longer has.
 */
export async function refreshSearchTerms(
  trx: Trx,
  organizationId: string,
  patientIds: string[],
): Promise<void> {
  for (let i = 0; i < patientIds.length; i += 200) {
    const ids = patientIds.slice(i, i + 200);
    await trx
      .deleteFrom("patient_search_terms")
      .where("organization_id", "=", organizationId)
      .where("patient_id", "in", ids)
      .execute();
    const rows = await trx
      .selectFrom("patients")
      .select(["id", "given_name", "family_name", "middle_name", "preferred_name"])
      .where("organization_id", "=", organizationId)
      .where("id", "in", ids)
      .execute();
    const values = rows.flatMap((r) =>
      patientSearchTerms({
        givenName: r.given_name,
        familyName: r.family_name,
        middleName: r.middle_name,
        preferredName: r.preferred_name,
      }).map((t) => ({ organization_id: organizationId, term: t.term, kind: t.kind, patient_id: r.id })),
    );
    for (let j = 0; j < values.length; j += 500)
      await trx
        .insertInto("patient_search_terms")
        .values(values.slice(j, j + 500))
        .execute();
  }
}

/**
 * `patients.id` has a stored term of one of `kinds` that begins with `key` (a `searchKey`): an index range
 * on (organization_id, term), scoped to the organization like every query.
 */
export function hasTermStartingWith(
  eb: ExpressionBuilder<Database, "patients">,
  organizationId: string,
  key: string,
  kinds: readonly SearchTermKind[],
): Expression<SqlBool> {
  let sub = eb
    .selectFrom("patient_search_terms")
    .select("patient_search_terms.patient_id")
    .where("patient_search_terms.organization_id", "=", organizationId)
    .where("patient_search_terms.term", ">=", key)
    .where("patient_search_terms.term", "<", prefixEnd(key));
  if (kinds.length < 3) sub = sub.where("patient_search_terms.kind", "in", [...kinds]);
  return eb("patients.id", "in", sub);
}

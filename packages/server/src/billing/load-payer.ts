import { notFound } from "@salus/core";
import { CLAIM_FILING_INDICATORS } from "@salus/core/billing/payers";
import type { PayersTable } from "../db/schema-billing.ts";
import type { ScopedTrx } from "../db/scoped.ts";
import type { PayerView } from "./price-schemas.ts";

/**
 * Payer rows for every part of billing: the presenter (every field that leaves the server is named
 * here), one payer by id, the list. All take a scoped handle, so another organization's payer is
 * simply not found.
 */

export function presentPayer(r: PayersTable): PayerView {
  return {
    id: r.id,
    name: r.name,
    payerId: r.payer_id,
    kind: r.kind,
    claimFilingIndicator: r.claim_filing_indicator,
    claimFilingIndicatorLabel: CLAIM_FILING_INDICATORS[r.claim_filing_indicator] ?? r.claim_filing_indicator,
    timelyFilingDays: r.timely_filing_days,
    memberIdPattern: r.member_id_pattern,
    addressLine1: r.address_line1,
    addressLine2: r.address_line2,
    city: r.city,
    state: r.state,
    postalCode: r.postal_code,
    phone: r.phone,
    active: r.active === 1,
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The payer row, or null when the organization has none with that id. */
export async function findPayerRow(trx: ScopedTrx, payerRef: string): Promise<PayersTable | null> {
  return (await trx.selectFrom("payers").selectAll().where("id", "=", payerRef).executeTakeFirst()) ?? null;
}

/** The payer, or `not_found`. */
export async function loadPayer(trx: ScopedTrx, payerRef: string): Promise<PayerView> {
  const row = await findPayerRow(trx, payerRef);
  if (!row) throw notFound("payer");
  return presentPayer(row);
}

/** The payers of several ids at once (claims and coverages name many), keyed by id. */
export async function loadPayers(
  trx: ScopedTrx,
  payerRefs: readonly string[],
): Promise<Map<string, PayerView>> {
  const ids = [...new Set(payerRefs)];
  if (!ids.length) return new Map();
  const rows = await trx.selectFrom("payers").selectAll().where("id", "in", ids).execute();
  return new Map(rows.map((r) => [r.id, presentPayer(r)]));
}

/** The organization's payers by name (active ones only unless asked). */
export async function listPayers(
  db: ScopedTrx,
  options: { includeInactive?: boolean } = {},
): Promise<PayerView[]> {
  let q = db.selectFrom("payers").selectAll().orderBy("name").orderBy("id");
  if (!options.includeInactive) q = q.where("active", "=", 1);
  return (await q.execute()).map(presentPayer);
}

/**
 * The practice's active self-pay payer, or null. A visit billed to the patient (no coverage, or a
 * self-pay visit) is priced from this payer's practice schedule when one exists:
 * `priceFor(trx, { ..., payerRef: await selfPayPayerRef(trx) })`.
 */
export async function selfPayPayerRef(trx: ScopedTrx): Promise<string | null> {
  const row = await trx
    .selectFrom("payers")
    .select("id")
    .where("kind", "=", "self-pay")
    .where("active", "=", 1)
    .orderBy("created_at")
    .orderBy("id")
    .executeTakeFirst();
  return row?.id ?? null;
}

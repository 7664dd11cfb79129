import { randomUUID } from "node:crypto";
import { dateInZone } from "@salus/core";
import {
  type LedgerAccount,
  type LedgerEntry,
  type Posting,
  post,
  postingPeriod,
} from "@salus/core/billing/ledger";
import type { LedgerEntriesTable } from "../db/schema-billing.ts";
import type { ScopedTrx } from "../db/scoped.ts";
import type { Actor, Services } from "../platform/services.ts";

/**
 * The server side of the ledger: loads what a posting needs (the entries of the charges it touches, the
 * closed months, the practice's today), decides with core's pure `post`, and inserts the entries in the
 * caller's transaction. Entries are never updated or deleted.
 */

export function entryOf(r: LedgerEntriesTable): LedgerEntry {
  return {
    id: r.id,
    transactionId: r.transaction_id,
    kind: r.kind,
    amountCents: r.amount_cents,
    patientId: r.patient_id,
    responsibility: r.responsibility,
    payerRef: r.payer_ref,
    claimId: r.claim_id,
    claimLine: r.claim_line,
    chargeId: r.charge_id ?? "",
    source: r.source,
    groupCode: r.group_code,
    reasonCode: r.reason_code,
    memo: r.memo,
    reversesId: r.reverses_id,
    period: r.period,
    effectiveDate: r.effective_date,
  };
}

/** The practice's local date today: in the zone of its first location (UTC when it has none yet). */
export async function practiceToday(trx: ScopedTrx, services: Services): Promise<string> {
  const loc = await trx
    .selectFrom("locations")
    .select("time_zone")
    .orderBy("created_at")
    .orderBy("id")
    .limit(1)
    .executeTakeFirst();
  return dateInZone(services.clock(), loc?.time_zone ?? "UTC");
}

export async function closedPeriods(trx: ScopedTrx): Promise<Set<string>> {
  return new Set(
    (await trx.selectFrom("accounting_periods").select("period").execute()).map((r) => r.period),
  );
}

/** Every entry posted for these charges. */
export async function entriesOfCharges(trx: ScopedTrx, chargeIds: readonly string[]): Promise<LedgerEntry[]> {
  if (chargeIds.length === 0) return [];
  const rows = await trx
    .selectFrom("ledger_entries")
    .selectAll()
    .where("charge_id", "in", [...new Set(chargeIds)])
    .orderBy("posted_at")
    .orderBy("id")
    .execute();
  return rows.map(entryOf);
}

export interface PostOptions {
  /** ledger_entries.source: 'charge:<id>', 'claim:<id>', 'manual:<user>', 'remittance:<id>'... */
  source: string;
  /** The date the entry is about (defaults to the practice's today); its month, or the next open one. */
  effectiveDate?: string;
}

/** Posts one posting in the caller's transaction; answers the entries written. */
export async function postLedgerIn(
  trx: ScopedTrx,
  services: Services,
  actor: Actor,
  posting: Posting,
  options: PostOptions,
): Promise<LedgerEntry[]> {
  let chargeIds: string[];
  if (posting.kind === "reverse") {
    chargeIds = (
      await trx
        .selectFrom("ledger_entries")
        .select("charge_id")
        .where("transaction_id", "=", posting.transactionId)
        .execute()
    ).flatMap((r) => (r.charge_id ? [r.charge_id] : []));
  } else chargeIds = [posting.chargeId];
  const existing = await entriesOfCharges(trx, chargeIds);
  const today = await practiceToday(trx, services);
  const effectiveDate = options.effectiveDate ?? today;
  const period = postingPeriod(effectiveDate, today, await closedPeriods(trx));
  const added = post(existing, posting, {
    transactionId: randomUUID(),
    newId: randomUUID,
    source: options.source,
    period,
    effectiveDate,
  });
  const postedAt = services.clock().toISOString();
  for (const e of added) {
    await trx
      .insertInto("ledger_entries")
      .values({
        organization_id: actor.organizationId,
        id: e.id,
        transaction_id: e.transactionId,
        kind: e.kind,
        amount_cents: e.amountCents,
        patient_id: e.patientId,
        responsibility: e.responsibility,
        payer_ref: e.payerRef,
        claim_id: e.claimId,
        claim_line: e.claimLine,
        charge_id: e.chargeId || null,
        source: e.source,
        group_code: e.groupCode,
        reason_code: e.reasonCode,
        memo: e.memo,
        reverses_id: e.reversesId,
        period: e.period,
        effective_date: e.effectiveDate,
        posted_by: actor.userId ?? actor.label,
        posted_at: postedAt,
      })
      .execute();
  }
  return added;
}

/** The account a payer owes a charge on while it waits for a claim. */
export function unclaimed(payerRef: string): LedgerAccount {
  return { responsibility: "payer", payerRef, claimId: null, claimLine: null };
}

export const PATIENT_ACCOUNT: LedgerAccount = {
  responsibility: "patient",
  payerRef: null,
  claimId: null,
  claimLine: null,
};

export function claimLineAccount(payerRef: string, claimId: string, line: number): LedgerAccount {
  return { responsibility: "payer", payerRef, claimId, claimLine: line };
}

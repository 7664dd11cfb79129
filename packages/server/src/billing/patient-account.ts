import { DomainError, notFound, parseMoney } from "@salus/core";
import {
  accountBalances,
  bucketBalances,
  bucketKey,
  type Posting,
  paidNotRefunded,
} from "@salus/core/billing/ledger";
import { audited } from "../audit/audited.ts";
import type { ScopedTrx } from "../db/scoped.ts";
import type { Actor, Services } from "../platform/services.ts";
import { requirePatientAccess } from "../records/patient-access.ts";
import { type ChargeRow, chargeQuery, presentCharge } from "./charge-view.ts";
import { entryOf, postLedgerIn } from "./ledger-posting.ts";
import type { AccountView, LedgerEntryView, PostingRequest } from "./ledger-schemas.ts";

async function payerNames(trx: ScopedTrx): Promise<Map<string, string>> {
  return new Map(
    (await trx.selectFrom("payers").select(["id", "name"]).execute()).map((p) => [p.id, p.name]),
  );
}

/** The patient account: balances by responsibility (derived from entries), what is open, every entry, every charge. */
export async function loadAccount(trx: ScopedTrx, patientId: string): Promise<AccountView> {
  const patient = await trx
    .selectFrom("patients")
    .select(["id", "given_name", "family_name", "mrn"])
    .where("id", "=", patientId)
    .executeTakeFirst();
  if (!patient) throw notFound("patient");
  const rows = await trx
    .selectFrom("ledger_entries")
    .selectAll()
    .where("patient_id", "=", patientId)
    .orderBy("posted_at")
    .orderBy("id")
    .execute();
  const entries = rows.map(entryOf);
  const names = await payerNames(trx);
  const balances = accountBalances(entries);
  const reversed = new Set(rows.flatMap((r) => (r.reverses_id ? [r.reverses_id] : [])));
  const buckets = bucketBalances(entries);
  const seen = new Set<string>();
  const open: AccountView["open"] = [];
  for (const e of entries) {
    const key = bucketKey(e.chargeId, e);
    if (seen.has(key)) continue;
    seen.add(key);
    const balance = buckets.get(key) ?? 0;
    const paid = paidNotRefunded(entries, e.chargeId, e);
    if (balance === 0 && paid === 0) continue;
    open.push({
      chargeId: e.chargeId,
      responsibility: e.responsibility,
      payerRef: e.payerRef,
      payerName: e.payerRef ? (names.get(e.payerRef) ?? null) : null,
      claimId: e.claimId,
      claimLine: e.claimLine,
      balanceCents: balance,
      paidCents: paid,
    });
  }
  const charges = await chargeQuery(trx)
    .where("c.patient_id", "=", patientId)
    .orderBy("c.date_of_service", "desc")
    .orderBy("c.source_key")
    .execute();
  return {
    patientId,
    patientName: `${patient.family_name}, ${patient.given_name}`,
    mrn: patient.mrn,
    totalCents: balances.totalCents,
    patientCents: balances.patientCents,
    insuranceCents: balances.insuranceCents,
    byPayer: Object.entries(balances.payerCents)
      .filter(([, v]) => v !== 0)
      .map(([ref, v]) => ({ payerRef: ref, payerName: names.get(ref) ?? null, balanceCents: v })),
    open,
    entries: rows
      .map(
        (r): LedgerEntryView => ({
          id: r.id,
          transactionId: r.transaction_id,
          kind: r.kind,
          amountCents: r.amount_cents,
          responsibility: r.responsibility,
          payerRef: r.payer_ref,
          payerName: r.payer_ref ? (names.get(r.payer_ref) ?? null) : null,
          claimId: r.claim_id,
          claimLine: r.claim_line,
          chargeId: r.charge_id,
          source: r.source,
          groupCode: r.group_code,
          reasonCode: r.reason_code,
          memo: r.memo,
          reversesId: r.reverses_id,
          reversed: reversed.has(r.id),
          period: r.period,
          effectiveDate: r.effective_date,
          postedAt: r.posted_at,
        }),
      )
      .reverse(),
    charges: charges.map((c) => presentCharge(c as ChargeRow)),
  };
}

export async function getAccount(services: Services, actor: Actor, patientId: string): Promise<AccountView> {
  return audited(
    services,
    actor,
    {
      action: "billing.account.read",
      resourceType: "Account",
      resourceId: patientId,
      patientId,
      readOnly: true,
    },
    async (trx) => {
      await requirePatientAccess(trx, services, actor, patientId, "coverage");
      return loadAccount(trx, patientId);
    },
  );
}

/**
 * A posting typed by a biller on a patient's account (a payment at the desk, an adjustment, a
 * write-off, a refund, a transfer such as the payer's remainder to the patient), or the reversal of an
 * earlier posting. Decided by core's ledger rules; answers the account afterwards.
 */
export async function postToAccount(
  services: Services,
  actor: Actor,
  patientId: string,
  input: PostingRequest | { reverse: string; memo?: string | null },
): Promise<AccountView> {
  const action = "reverse" in input ? "billing.ledger.reverse" : "billing.ledger.post";
  return audited(
    services,
    actor,
    {
      action,
      resourceType: "Account",
      resourceId: patientId,
      patientId,
      detail:
        "reverse" in input
          ? { transactionId: input.reverse }
          : { kind: input.kind, chargeId: input.chargeId, amount: input.amount },
    },
    async (trx) => {
      await requirePatientAccess(trx, services, actor, patientId, "coverage");
      const source = `manual:${actor.userId ?? actor.label}`;
      if ("reverse" in input) {
        const belongs = await trx
          .selectFrom("ledger_entries")
          .select("id")
          .where("transaction_id", "=", input.reverse)
          .where("patient_id", "=", patientId)
          .executeTakeFirst();
        if (!belongs)
          throw new DomainError("not_found", "No posting with that id on this patient's account.");
        await postLedgerIn(
          trx,
          services,
          actor,
          { kind: "reverse", transactionId: input.reverse, memo: input.memo ?? null },
          { source },
        );
        return loadAccount(trx, patientId);
      }
      const charge = await trx
        .selectFrom("charges")
        .select(["id", "patient_id"])
        .where("id", "=", input.chargeId)
        .executeTakeFirst();
      if (!charge || charge.patient_id !== patientId)
        throw new DomainError("not_found", "No charge with that id on this patient's account.");
      const amountCents = parseMoney(input.amount, "amount");
      let posting: Posting;
      if (input.kind === "transfer") {
        if (!input.to)
          throw new DomainError("invalid_request", "Say where the amount is transferred to.", [
            { path: "to", message: "required" },
          ]);
        posting = {
          kind: "transfer",
          chargeId: charge.id,
          patientId,
          from: input.account,
          to: input.to,
          amountCents,
          memo: input.memo ?? null,
        };
      } else {
        posting = {
          kind: input.kind,
          chargeId: charge.id,
          patientId,
          account: input.account,
          amountCents,
          groupCode: input.groupCode ?? null,
          reasonCode: input.reasonCode ?? null,
          memo: input.memo ?? null,
        };
      }
      await postLedgerIn(trx, services, actor, posting, {
        source,
        ...(input.effectiveDate ? { effectiveDate: input.effectiveDate } : {}),
      });
      return loadAccount(trx, patientId);
    },
  );
}

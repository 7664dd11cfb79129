import { DomainError } from "../shared/domain-error.ts";
import { addCents, assertCents, type Cents } from "../shared/money.ts";

/**
 * The ledger's posting rules as pure functions. The ledger is append-only: a posting never changes an
 * entry, it adds entries (a mistake is undone by a reversal that negates it). Every balance is a sum of
 * entries, never stored.
 *
 * Money is owed per charge in *buckets*: who owes it (`payer` with its payer ref, or `patient`) and, for
 * a payer, the claim and line it is billed on (none while it waits to be claimed). A charge posts into
 * one bucket; a transfer moves an amount between two buckets of the same charge (onto a claim line, to
 * a secondary payer, to the patient) as two entries that sum to zero; payments, adjustments (reductions)
 * and write-offs lower a bucket; a refund raises it again, by at most what was paid into that bucket.
 * No posting may leave a bucket below zero (an overpayment must be refused, not silently owed back), so
 * a claim line's balance is never negative and a claim's balance is the sum of its lines'.
 */
export type LedgerKind = "charge" | "payment" | "adjustment" | "transfer" | "refund" | "write-off";

export interface LedgerAccount {
  responsibility: "payer" | "patient";
  payerRef: string | null;
  claimId: string | null;
  claimLine: number | null;
}

export interface LedgerEntry extends LedgerAccount {
  id: string;
  transactionId: string;
  kind: LedgerKind;
  /** Positive raises what is owed, negative lowers it. */
  amountCents: Cents;
  patientId: string;
  chargeId: string;
  source: string;
  groupCode: string | null;
  reasonCode: string | null;
  memo: string | null;
  reversesId: string | null;
  /** 'YYYY-MM': the accounting month it posted in (never a closed one). */
  period: string;
  effectiveDate: string;
}

interface Base {
  chargeId: string;
  patientId: string;
  memo?: string | null;
}

export type Posting =
  | (Base & { kind: "charge"; account: LedgerAccount; amountCents: Cents })
  | (Base & {
      kind: "payment" | "adjustment" | "write-off" | "refund";
      account: LedgerAccount;
      /** Always positive: a payment, adjustment or write-off lowers the bucket, a refund raises it. */
      amountCents: Cents;
      groupCode?: string | null;
      reasonCode?: string | null;
    })
  | (Base & { kind: "transfer"; from: LedgerAccount; to: LedgerAccount; amountCents: Cents })
  | { kind: "reverse"; transactionId: string; memo?: string | null };

export interface PostingContext {
  transactionId: string;
  /** Fresh entry ids (the server passes randomUUID). */
  newId: () => string;
  source: string;
  /** The accounting month the entries go into (see postingPeriod). */
  period: string;
  effectiveDate: string;
}

/** The key of a bucket: one charge's debt to one account. */
export function bucketKey(chargeId: string, a: LedgerAccount): string {
  return [chargeId, a.responsibility, a.payerRef ?? "", a.claimId ?? "", a.claimLine ?? ""].join("|");
}

function sameAccount(a: LedgerAccount, b: LedgerAccount): boolean {
  return bucketKey("", a) === bucketKey("", b);
}

function accountOf(e: LedgerAccount): LedgerAccount {
  return {
    responsibility: e.responsibility,
    payerRef: e.payerRef,
    claimId: e.claimId,
    claimLine: e.claimLine,
  };
}

/** Balance of every bucket (key → cents) over `entries`. */
export function bucketBalances(entries: readonly LedgerEntry[]): Map<string, Cents> {
  const out = new Map<string, Cents>();
  for (const e of entries) {
    const k = bucketKey(e.chargeId, e);
    out.set(k, addCents(out.get(k) ?? 0, e.amountCents));
  }
  return out;
}

/** What a bucket holds now. */
export function bucketBalance(
  entries: readonly LedgerEntry[],
  chargeId: string,
  account: LedgerAccount,
): Cents {
  const key = bucketKey(chargeId, account);
  let sum = 0;
  for (const e of entries) if (bucketKey(e.chargeId, e) === key) sum = addCents(sum, e.amountCents);
  return sum;
}

/** What was paid into a bucket and not refunded (payments are negative entries, refunds positive). */
export function paidNotRefunded(
  entries: readonly LedgerEntry[],
  chargeId: string,
  account: LedgerAccount,
): Cents {
  const key = bucketKey(chargeId, account);
  let paid = 0;
  for (const e of entries) {
    if (bucketKey(e.chargeId, e) !== key) continue;
    if (e.kind === "payment" || e.kind === "refund") paid = addCents(paid, -e.amountCents);
  }
  return paid;
}

function positive(amount: Cents, what: string): Cents {
  assertCents(amount, what);
  if (amount <= 0) {
    throw new DomainError("invalid_amount", `The ${what} must be more than zero.`, [
      { path: "amountCents", message: "must be positive" },
    ]);
  }
  return amount;
}

function refuse(message: string, path = "amountCents"): never {
  throw new DomainError("conflict", message, [{ path, message }]);
}

function money(cents: Cents): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  return `${sign}$${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

/**
 * The entries one posting adds, given every entry already posted for the charge(s) it touches (for a
 * reversal: those of the charges of the transaction reversed). Refuses (a DomainError, nothing added)
 * a posting that would leave a bucket below zero, refund more than was paid, charge a charge twice,
 * transfer between the same bucket, or reverse a transaction twice or a reversal.
 */
export function post(existing: readonly LedgerEntry[], posting: Posting, ctx: PostingContext): LedgerEntry[] {
  const base = {
    transactionId: ctx.transactionId,
    source: ctx.source,
    period: ctx.period,
    effectiveDate: ctx.effectiveDate,
    groupCode: null,
    reasonCode: null,
    reversesId: null,
  };
  if (posting.kind === "reverse")
    return reverse(existing, posting.transactionId, posting.memo ?? null, ctx, base);
  const memo = posting.memo ?? null;
  if (posting.kind === "charge") {
    const amount = positive(posting.amountCents, "charge");
    const charged = existing.filter((e) => e.chargeId === posting.chargeId && e.kind === "charge");
    const net = charged.reduce((s, e) => addCents(s, e.amountCents), 0);
    if (net !== 0) refuse("This charge is already on the ledger; a charge posts once.", "chargeId");
    return [
      {
        ...base,
        ...accountOf(posting.account),
        id: ctx.newId(),
        kind: "charge",
        amountCents: amount,
        patientId: posting.patientId,
        chargeId: posting.chargeId,
        memo,
      },
    ];
  }
  if (posting.kind === "transfer") {
    const amount = positive(posting.amountCents, "transfer");
    if (sameAccount(posting.from, posting.to)) refuse("A transfer must move the amount to another account.");
    const held = bucketBalance(existing, posting.chargeId, posting.from);
    if (amount > held) {
      refuse(
        `Only ${money(held)} is owed on that account for this charge; ${money(amount)} cannot be moved.`,
      );
    }
    const common = {
      ...base,
      kind: "transfer" as const,
      patientId: posting.patientId,
      chargeId: posting.chargeId,
      memo,
    };
    return [
      { ...common, ...accountOf(posting.from), id: ctx.newId(), amountCents: -amount },
      { ...common, ...accountOf(posting.to), id: ctx.newId(), amountCents: amount },
    ];
  }
  const amount = positive(posting.amountCents, posting.kind);
  const held = bucketBalance(existing, posting.chargeId, posting.account);
  let signed: Cents;
  if (posting.kind === "refund") {
    const paid = paidNotRefunded(existing, posting.chargeId, posting.account);
    if (amount > paid)
      refuse(`Only ${money(paid)} was paid on that account for this charge; a refund cannot exceed it.`);
    signed = amount;
  } else {
    if (amount > held) {
      refuse(
        `Only ${money(held)} is owed on that account for this charge; a ${posting.kind} of ${money(amount)} would leave it below zero.`,
      );
    }
    signed = -amount;
  }
  return [
    {
      ...base,
      ...accountOf(posting.account),
      id: ctx.newId(),
      kind: posting.kind,
      amountCents: signed,
      patientId: posting.patientId,
      chargeId: posting.chargeId,
      groupCode: posting.kind === "refund" ? null : (posting.groupCode ?? null),
      reasonCode: posting.kind === "refund" ? null : (posting.reasonCode ?? null),
      memo,
    },
  ];
}

function reverse(
  existing: readonly LedgerEntry[],
  transactionId: string,
  memo: string | null,
  ctx: PostingContext,
  base: Omit<
    LedgerEntry,
    "id" | "kind" | "amountCents" | "patientId" | "chargeId" | "memo" | keyof LedgerAccount
  >,
): LedgerEntry[] {
  const originals = existing.filter((e) => e.transactionId === transactionId);
  if (originals.length === 0) throw new DomainError("not_found", "No ledger posting with that id.");
  if (originals.some((e) => e.reversesId !== null))
    refuse("A reversal cannot itself be reversed; post the entry again instead.", "transactionId");
  const reversed = new Set(existing.filter((e) => e.reversesId !== null).map((e) => e.reversesId));
  if (originals.some((e) => reversed.has(e.id)))
    refuse("This posting was already reversed.", "transactionId");
  const added = originals.map((e) => ({
    ...base,
    ...accountOf(e),
    id: ctx.newId(),
    kind: e.kind,
    amountCents: -e.amountCents,
    patientId: e.patientId,
    chargeId: e.chargeId,
    groupCode: e.groupCode,
    reasonCode: e.reasonCode,
    memo: memo ?? `reverses ${e.kind}`,
    reversesId: e.id,
  }));
  const after = bucketBalances([...existing, ...added]);
  for (const e of added) {
    const balance = after.get(bucketKey(e.chargeId, e)) ?? 0;
    if (balance < 0) {
      refuse(
        `Reversing this ${e.kind} would leave ${money(balance)} owed on the ${e.responsibility} account; reverse what was posted after it first.`,
        "transactionId",
      );
    }
  }
  return added;
}

// ---- balances ------------------------------------------------------------------------------------

export interface AccountBalances {
  /** Everything owed for the patient's charges, whoever owes it. */
  totalCents: Cents;
  /** Owed by the patient. */
  patientCents: Cents;
  /** Owed by payers, per payer ref. */
  payerCents: Record<string, Cents>;
  /** Owed by payers, all together. */
  insuranceCents: Cents;
}

/** A patient's balances by responsibility, summed from their entries. */
export function accountBalances(entries: readonly LedgerEntry[]): AccountBalances {
  let patient = 0;
  const payer: Record<string, Cents> = {};
  let insurance = 0;
  for (const e of entries) {
    if (e.responsibility === "patient") patient = addCents(patient, e.amountCents);
    else {
      const ref = e.payerRef ?? "";
      payer[ref] = addCents(payer[ref] ?? 0, e.amountCents);
      insurance = addCents(insurance, e.amountCents);
    }
  }
  return {
    totalCents: addCents(patient, insurance),
    patientCents: patient,
    payerCents: payer,
    insuranceCents: insurance,
  };
}

/** A claim's balance per line and in total, from the entries posted on it. */
export function claimBalances(
  entries: readonly LedgerEntry[],
  claimId: string,
): { lines: Map<number, Cents>; totalCents: Cents } {
  const lines = new Map<number, Cents>();
  let total = 0;
  for (const e of entries) {
    if (e.claimId !== claimId) continue;
    const line = e.claimLine ?? 0;
    lines.set(line, addCents(lines.get(line) ?? 0, e.amountCents));
    total = addCents(total, e.amountCents);
  }
  return { lines, totalCents: total };
}

// ---- accounting months ---------------------------------------------------------------------------

const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;

/** 'YYYY-MM' of a 'YYYY-MM-DD' date. */
export function periodOf(date: string): string {
  return date.slice(0, 7);
}

function nextPeriod(period: string): string {
  const y = Number(period.slice(0, 4));
  const m = Number(period.slice(5, 7));
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, "0")}`;
}

/**
 * The month an entry dated `effectiveDate` posts in, given today's date (the practice's local date) and
 * the closed months: its own month while that is open, else the first open month after it (a
 * correction to a closed month lands in the open month, never in the closed one). Dated in the
 * future: refused.
 */
export function postingPeriod(effectiveDate: string, today: string, closed: ReadonlySet<string>): string {
  if (effectiveDate > today) {
    throw new DomainError("invalid_request", `A posting cannot be dated in the future (${effectiveDate}).`, [
      { path: "effectiveDate", message: "after today" },
    ]);
  }
  let period = periodOf(effectiveDate);
  const current = periodOf(today);
  while (closed.has(period) && period < current) period = nextPeriod(period);
  if (closed.has(period)) {
    throw new DomainError("conflict", `The month ${period} is closed and no later month is open yet.`);
  }
  return period;
}

/**
 * Refuses closing `period` unless it is a past month ('YYYY-MM' before today's), not closed yet, and
 * every earlier month with entries is closed (months close in order, so a correction always has an open
 * month to land in).
 */
export function checkCloseMonth(
  period: string,
  today: string,
  closed: ReadonlySet<string>,
  periodsWithEntries: readonly string[],
): void {
  if (!PERIOD.test(period)) {
    throw new DomainError("invalid_request", `A month is written YYYY-MM; "${period}" is not.`, [
      { path: "period", message: "YYYY-MM" },
    ]);
  }
  if (period >= periodOf(today)) {
    throw new DomainError("conflict", `${period} has not ended yet; only a past month can be closed.`, [
      { path: "period", message: "not a past month" },
    ]);
  }
  if (closed.has(period)) throw new DomainError("conflict", `${period} is already closed.`);
  const open = periodsWithEntries.filter((p) => p < period && !closed.has(p)).sort();
  if (open.length > 0) {
    throw new DomainError("conflict", `Close ${open[0]} first: months close in order.`, [
      { path: "period", message: `${open[0]} is still open` },
    ]);
  }
}

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DomainError } from "../shared/domain-error.ts";
import {
  accountBalances,
  bucketBalances,
  checkCloseMonth,
  claimBalances,
  type LedgerAccount,
  type LedgerEntry,
  type Posting,
  paidNotRefunded,
  post,
  postingPeriod,
} from "./ledger.ts";

const PATIENTS = ["p1", "p2"];
const CHARGES = ["c1", "c2", "c3", "c4"];
const patientOf = (charge: string) => (charge === "c1" || charge === "c2" ? "p1" : "p2");
const ACCOUNTS: LedgerAccount[] = [
  { responsibility: "payer", payerRef: "A", claimId: null, claimLine: null },
  { responsibility: "payer", payerRef: "A", claimId: "k1", claimLine: 1 },
  { responsibility: "payer", payerRef: "A", claimId: "k1", claimLine: 2 },
  { responsibility: "payer", payerRef: "B", claimId: "k2", claimLine: 1 },
  { responsibility: "patient", payerRef: null, claimId: null, claimLine: null },
];

const account = fc.constantFrom(...ACCOUNTS);
const charge = fc.constantFrom(...CHARGES);
const amount = fc.integer({ min: -50, max: 20_000 });

/** A random posting request; many are refused, which is part of what is tested. */
const postingArb: fc.Arbitrary<Posting | { kind: "reverse-nth"; n: number }> = fc
  .oneof(
    fc.record({ kind: fc.constant("charge" as const), chargeId: charge, account, amountCents: amount }),
    fc.record({
      kind: fc.constantFrom(
        "payment" as const,
        "adjustment" as const,
        "write-off" as const,
        "refund" as const,
      ),
      chargeId: charge,
      account,
      amountCents: amount,
    }),
    fc.record({
      kind: fc.constant("transfer" as const),
      chargeId: charge,
      from: account,
      to: account,
      amountCents: amount,
    }),
    fc.record({ kind: fc.constant("reverse-nth" as const), n: fc.nat(60) }),
  )
  .map((p) => (p.kind === "reverse-nth" ? p : ({ ...p, patientId: patientOf(p.chargeId) } as Posting)));

function run(postings: readonly (Posting | { kind: "reverse-nth"; n: number })[]) {
  let entries: LedgerEntry[] = [];
  let seq = 0;
  const transactions: string[] = [];
  for (const [i, p] of postings.entries()) {
    const before = entries;
    const posting: Posting =
      p.kind === "reverse-nth"
        ? { kind: "reverse", transactionId: transactions[p.n % Math.max(1, transactions.length)] ?? "none" }
        : p;
    const tx = `t${i}`;
    try {
      const added = post(entries, posting, {
        transactionId: tx,
        newId: () => `e${seq++}`,
        source: "test",
        period: "2026-03",
        effectiveDate: "2026-03-02",
      });
      entries = [...entries, ...added];
      transactions.push(tx);
      // Append-only: what was there is untouched.
      expect(entries.slice(0, before.length)).toEqual(before);
      // A transfer is two entries summing to zero, within one transaction.
      if (posting.kind === "transfer") {
        expect(added).toHaveLength(2);
        expect(added[0]!.amountCents + added[1]!.amountCents).toBe(0);
      }
    } catch (e) {
      expect(e).toBeInstanceOf(DomainError);
      expect(entries).toBe(before);
    }
  }
  return entries;
}

describe("ledger postings (property)", () => {
  it("any sequence of postings keeps every claim's lines, claim total and account balances consistent", () => {
    fc.assert(
      fc.property(fc.array(postingArb, { maxLength: 60 }), (postings) => {
        const entries = run(postings);
        const buckets = bucketBalances(entries);
        // No bucket is ever below zero: nothing owes a negative amount.
        for (const v of buckets.values()) expect(v).toBeGreaterThanOrEqual(0);
        // Refunds never exceed payments, per bucket.
        for (const c of CHARGES)
          for (const a of ACCOUNTS) expect(paidNotRefunded(entries, c, a)).toBeGreaterThanOrEqual(0);
        // Each claim's total is the sum of its lines, and no line is negative.
        for (const claimId of ["k1", "k2"]) {
          const { lines, totalCents } = claimBalances(entries, claimId);
          expect([...lines.values()].reduce((s, v) => s + v, 0)).toBe(totalCents);
          for (const v of lines.values()) expect(v).toBeGreaterThanOrEqual(0);
        }
        // Every patient's total is their part plus the payers' parts, and equals the sum of the buckets of
        // their charges; all patients together equal all entries.
        let all = 0;
        for (const p of PATIENTS) {
          const mine = entries.filter((e) => e.patientId === p);
          const b = accountBalances(mine);
          const payers = Object.values(b.payerCents).reduce((s, v) => s + v, 0);
          expect(b.totalCents).toBe(b.patientCents + payers);
          expect(b.insuranceCents).toBe(payers);
          const fromBuckets = [...buckets.entries()]
            .filter(([k]) => patientOf(k.split("|")[0]!) === p)
            .reduce((s, [, v]) => s + v, 0);
          expect(b.totalCents).toBe(fromBuckets);
          all += b.totalCents;
        }
        expect(all).toBe(entries.reduce((s, e) => s + e.amountCents, 0));
        // Transfers net to zero in every transaction.
        const byTx = new Map<string, number>();
        for (const e of entries.filter((x) => x.kind === "transfer")) {
          byTx.set(e.transactionId, (byTx.get(e.transactionId) ?? 0) + e.amountCents);
        }
        for (const v of byTx.values()) expect(v).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it("reversing every posting, newest first, brings every balance back to zero", () => {
    fc.assert(
      fc.property(fc.array(postingArb, { maxLength: 40 }), (postings) => {
        let entries = run(postings);
        const txs = [
          ...new Set(entries.filter((e) => e.reversesId === null).map((e) => e.transactionId)),
        ].reverse();
        const reversed = new Set(entries.filter((e) => e.reversesId).map((e) => e.reversesId));
        let seq = 0;
        for (const tx of txs) {
          if (entries.some((e) => e.transactionId === tx && reversed.has(e.id))) continue;
          entries = [
            ...entries,
            ...post(
              entries,
              { kind: "reverse", transactionId: tx },
              {
                transactionId: `r${seq}`,
                newId: () => `r${seq++}`,
                source: "t",
                period: "2026-03",
                effectiveDate: "2026-03-02",
              },
            ),
          ];
        }
        for (const v of bucketBalances(entries).values()) expect(v).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});

describe("ledger postings (examples)", () => {
  const ctx = (i: number) => ({
    transactionId: `t${i}`,
    newId: () => `e${i}-${Math.random()}`,
    source: "test",
    period: "2026-03",
    effectiveDate: "2026-03-02",
  });
  const payer = ACCOUNTS[0]!;
  const line = ACCOUNTS[1]!;
  const patient = ACCOUNTS[4]!;

  it("charges once, moves it onto a claim line, takes a payment, moves the rest to the patient", () => {
    let es: LedgerEntry[] = [];
    const add = (p: Posting, i: number) => {
      es = [...es, ...post(es, p, ctx(i))];
    };
    add({ kind: "charge", chargeId: "c1", patientId: "p1", account: payer, amountCents: 12500 }, 1);
    expect(() =>
      post(es, { kind: "charge", chargeId: "c1", patientId: "p1", account: payer, amountCents: 1 }, ctx(2)),
    ).toThrow(/once/);
    add({ kind: "transfer", chargeId: "c1", patientId: "p1", from: payer, to: line, amountCents: 12500 }, 3);
    add({ kind: "payment", chargeId: "c1", patientId: "p1", account: line, amountCents: 8000 }, 4);
    add(
      {
        kind: "adjustment",
        chargeId: "c1",
        patientId: "p1",
        account: line,
        amountCents: 2500,
        groupCode: "CO",
        reasonCode: "45",
      },
      5,
    );
    add({ kind: "transfer", chargeId: "c1", patientId: "p1", from: line, to: patient, amountCents: 2000 }, 6);
    expect(() =>
      post(
        es,
        { kind: "payment", chargeId: "c1", patientId: "p1", account: patient, amountCents: 2001 },
        ctx(7),
      ),
    ).toThrow(/\$20\.00/);
    const b = accountBalances(es);
    expect(b).toEqual({ totalCents: 2000, patientCents: 2000, payerCents: { A: 0 }, insuranceCents: 0 });
    expect(claimBalances(es, "k1").totalCents).toBe(0);
  });

  it("refuses a refund larger than what was paid and zero or fractional amounts", () => {
    const es = post(
      [],
      { kind: "charge", chargeId: "c1", patientId: "p1", account: patient, amountCents: 500 },
      ctx(1),
    );
    expect(() =>
      post(es, { kind: "refund", chargeId: "c1", patientId: "p1", account: patient, amountCents: 1 }, ctx(2)),
    ).toThrow(/refund/);
    expect(() =>
      post(
        es,
        { kind: "payment", chargeId: "c1", patientId: "p1", account: patient, amountCents: 0 },
        ctx(3),
      ),
    ).toThrow(DomainError);
    expect(() =>
      post(
        es,
        { kind: "payment", chargeId: "c1", patientId: "p1", account: patient, amountCents: 1.5 },
        ctx(4),
      ),
    ).toThrow(DomainError);
  });
});

describe("accounting months", () => {
  it("posts in the entry's own month while it is open, else in the first open month after it", () => {
    expect(postingPeriod("2026-02-27", "2026-03-02", new Set())).toBe("2026-02");
    expect(postingPeriod("2026-02-27", "2026-03-02", new Set(["2026-02"]))).toBe("2026-03");
    expect(postingPeriod("2025-12-31", "2026-03-02", new Set(["2025-12", "2026-01"]))).toBe("2026-02");
    expect(() => postingPeriod("2026-03-03", "2026-03-02", new Set())).toThrow(/future/);
  });

  it("closes past months only, in order, once", () => {
    expect(() => checkCloseMonth("2026-03", "2026-03-02", new Set(), [])).toThrow(/not ended/);
    expect(() => checkCloseMonth("2026-02", "2026-03-02", new Set(), ["2026-01", "2026-02"])).toThrow(
      /2026-01 first/,
    );
    expect(() => checkCloseMonth("2026-02", "2026-03-02", new Set(["2026-02"]), [])).toThrow(/already/);
    expect(() => checkCloseMonth("2026-13", "2027-03-02", new Set(), [])).toThrow(/YYYY-MM/);
    expect(() =>
      checkCloseMonth("2026-02", "2026-03-02", new Set(["2026-01"]), ["2026-01", "2026-02"]),
    ).not.toThrow();
  });

  it("never answers a closed month (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 28 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 11 }), { maxLength: 11 }),
        (m, d, closedMonths) => {
          const closed = new Set(closedMonths.map((c) => `2026-${String(c).padStart(2, "0")}`));
          const date = `2026-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
          const period = postingPeriod(date, "2026-12-31", closed);
          expect(closed.has(period)).toBe(false);
          expect(period >= date.slice(0, 7)).toBe(true);
        },
      ),
    );
  });
});

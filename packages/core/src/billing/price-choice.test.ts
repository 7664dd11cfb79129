import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { choosePrice, type PriceCandidate } from "./price-choice.ts";

const MODS = ["", "26", "TC", "25", "59"];
const candidate = fc.record({
  feeScheduleId: fc.constantFrom("a", "b", "c", "d"),
  payerRef: fc.constantFrom(null, "self", "acme"),
  effectiveFrom: fc.constantFrom("2025-01-01", "2026-01-01"),
  modifier: fc.constantFrom(...MODS),
  amountCents: fc.integer({ min: 0, max: 100_000 }),
});
// One entry per schedule, code and modifier (the table's key), and one start date per schedule.
const candidates = fc
  .uniqueArray(candidate, { selector: (c) => `${c.feeScheduleId}|${c.modifier}`, maxLength: 12 })
  .map((cs) => {
    const first = new Map<string, PriceCandidate>();
    return cs.map((c) => {
      const s = first.get(c.feeScheduleId) ?? c;
      first.set(c.feeScheduleId, s);
      return { ...c, payerRef: s.payerRef, effectiveFrom: s.effectiveFrom };
    });
  });
const line = fc.record({
  modifiers: fc.uniqueArray(fc.constantFrom<string>("26", "TC", "25", "59", "RT"), { maxLength: 4 }),
  payerRef: fc.constantFrom(null, "self", "acme"),
});

describe("choosePrice", () => {
  it("answers the same whatever order the entries come in", () => {
    fc.assert(
      fc.property(candidates, line, fc.integer(), (cs, l, seed) => {
        const shuffled = [...cs].sort(
          (a, b) => ((a.amountCents * 31 + seed) % 7) - ((b.amountCents * 31 + seed) % 7),
        );
        expect(choosePrice(shuffled, l)).toEqual(choosePrice(cs, l));
      }),
    );
  });

  it("finds a price exactly when an entry has the plain price or one of the line's modifiers", () => {
    fc.assert(
      fc.property(candidates, line, (cs, l) => {
        const usable = cs.filter((c) => c.modifier === "" || l.modifiers.includes(c.modifier));
        const chosen = choosePrice(cs, l);
        expect(chosen === null).toBe(usable.length === 0);
        if (chosen) expect(usable).toContain(chosen);
      }),
    );
  });

  it("prefers the payer's own schedule, then the first listed modifier it has", () => {
    fc.assert(
      fc.property(candidates, line, (cs, l) => {
        const chosen = choosePrice(cs, l);
        if (!chosen) return;
        const usable = cs.filter((c) => c.modifier === "" || l.modifiers.includes(c.modifier));
        const own = usable.filter((c) => l.payerRef !== null && c.payerRef === l.payerRef);
        if (own.length) expect(chosen.payerRef).toBe(l.payerRef);
        const tier = own.length ? own : usable;
        const rank = (m: string) => (m === "" ? l.modifiers.length : l.modifiers.indexOf(m));
        expect(rank(chosen.modifier)).toBe(Math.min(...tier.map((c) => rank(c.modifier))));
      }),
    );
  });

  it("a line with 26 then TC takes the 26 price; with a modifier nobody prices, the plain price", () => {
    const cs: PriceCandidate[] = [
      { feeScheduleId: "std", payerRef: null, effectiveFrom: "2026-01-01", modifier: "", amountCents: 9500 },
      {
        feeScheduleId: "std",
        payerRef: null,
        effectiveFrom: "2026-01-01",
        modifier: "26",
        amountCents: 3000,
      },
      {
        feeScheduleId: "std",
        payerRef: null,
        effectiveFrom: "2026-01-01",
        modifier: "TC",
        amountCents: 6500,
      },
    ];
    expect(choosePrice(cs, { modifiers: ["26", "TC"], payerRef: null })?.amountCents).toBe(3000);
    expect(choosePrice(cs, { modifiers: ["59"], payerRef: null })?.amountCents).toBe(9500);
  });
});

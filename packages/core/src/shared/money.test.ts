import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DomainError } from "./domain-error.ts";
import {
  addCents,
  allocateCents,
  assertCents,
  formatCents,
  formatMoney,
  multiplyCents,
  parseMoney,
  splitCentsEvenly,
  subtractCents,
} from "./money.ts";

const MAX = Number.MAX_SAFE_INTEGER;
const cents = fc.integer({ min: -MAX, max: MAX });
/** Amounts a practice actually sees (±$100M), where products with rates stay in range. */
const everyday = fc.integer({ min: -10_000_000_000, max: 10_000_000_000 });

function refusal(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    expect((e as DomainError).code).toBe("invalid_amount");
    return e as DomainError;
  }
  throw new Error("expected invalid_amount");
}

describe("parseMoney and formatting", () => {
  it("reads the ways people and the API write amounts", () => {
    expect(parseMoney("12")).toBe(1200);
    expect(parseMoney("12.5")).toBe(1250);
    expect(parseMoney("12.34")).toBe(1234);
    expect(parseMoney("0.01")).toBe(1);
    expect(parseMoney("-0.99")).toBe(-99);
    expect(parseMoney("$1,234.56")).toBe(123456);
    expect(parseMoney("-$5.00")).toBe(-500);
    expect(parseMoney("  7.10 ")).toBe(710);
    expect(Object.is(parseMoney("-0.00"), 0)).toBe(true);
    expect(parseMoney("90071992547409.91")).toBe(MAX);
  });

  it("refuses anything else, a third decimal included, instead of rounding it", () => {
    for (const bad of [
      "",
      " ",
      "abc",
      "1.234",
      "0.001",
      "1.",
      ".5",
      "1,23.00",
      "1,2345",
      "12,34",
      "--1",
      "+1",
      "$-1",
      "1e3",
      "NaN",
      "Infinity",
      "1 000",
      "１２",
      "90071992547409.92",
      "99999999999999999999",
    ]) {
      refusal(() => parseMoney(bad));
    }
    expect(refusal(() => parseMoney("1.234")).message).toMatch(/more than two decimals/);
    expect(refusal(() => parseMoney("1.234", "fee")).details).toEqual([
      { path: "fee", message: expect.stringMatching(/more than two decimals/) },
    ]);
    expect(refusal(() => parseMoney("90071992547409.92")).message).toMatch(/beyond the largest/);
  });

  it("formats for machines and for people", () => {
    expect(formatCents(0)).toBe("0.00");
    expect(formatCents(5)).toBe("0.05");
    expect(formatCents(-5)).toBe("-0.05");
    expect(formatCents(123456)).toBe("1234.56");
    expect(formatMoney(123456789)).toBe("$1,234,567.89");
    expect(formatMoney(-100)).toBe("-$1.00");
    expect(formatMoney(99)).toBe("$0.99");
    expect(formatMoney(MAX)).toBe("$90,071,992,547,409.91");
  });

  it("format then parse is the identity over the whole range (both formats)", () => {
    fc.assert(
      fc.property(cents, (c) => {
        expect(parseMoney(formatCents(c))).toBe(c);
        expect(parseMoney(formatMoney(c))).toBe(c);
      }),
      { numRuns: 2000 },
    );
  });

  it("parse then format gives back a canonical spelling of the same amount", () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 10_000_000 }),
        fc.integer({ min: 0, max: 99 }),
        fc.boolean(),
        (dollars, c, negative) => {
          const text = `${negative ? "-" : ""}${dollars}.${String(c).padStart(2, "0")}`;
          const parsed = parseMoney(text);
          const expected = dollars === 0 && c === 0 ? "0.00" : text;
          expect(formatCents(parsed)).toBe(expected);
        },
      ),
    );
  });
});

describe("guards", () => {
  it("refuses fractions of a cent, NaN, Infinity and values beyond MAX_SAFE_INTEGER", () => {
    for (const bad of [0.5, 1.01, Number.NaN, Number.POSITIVE_INFINITY, MAX + 1, -(MAX + 1), 2 ** 60]) {
      refusal(() => assertCents(bad));
      refusal(() => addCents(bad, 1));
      refusal(() => formatCents(bad));
      refusal(() => multiplyCents(bad, 1, "half-even"));
      refusal(() => allocateCents(bad, [1, 1]));
    }
    refusal(() => assertCents("12" as unknown));
    expect(Object.is(assertCents(-0), 0)).toBe(true);
  });

  it("sums and differences past the exact range are refused, never wrapped or rounded", () => {
    expect(addCents(MAX, -1, 1)).toBe(MAX);
    refusal(() => addCents(MAX, 1));
    refusal(() => subtractCents(-MAX, 1));
    expect(subtractCents(10, 25)).toBe(-15);
    expect(addCents()).toBe(0);
    fc.assert(
      fc.property(cents, cents, (a, b) => {
        const exact = BigInt(a) + BigInt(b);
        if (exact > BigInt(MAX) || exact < -BigInt(MAX)) refusal(() => addCents(a, b));
        else expect(BigInt(addCents(a, b))).toBe(exact);
      }),
    );
  });
});

describe("multiplyCents", () => {
  it("rounds in the direction it is told", () => {
    // 0.5 cent ties: 5 × 0.1 = 0.5, 15 × 0.1 = 1.5, -5 × 0.1 = -0.5
    expect(multiplyCents(5, "0.1", "half-even")).toBe(0);
    expect(multiplyCents(15, "0.1", "half-even")).toBe(2);
    expect(multiplyCents(25, "0.1", "half-even")).toBe(2);
    expect(multiplyCents(5, "0.1", "half-up")).toBe(1);
    expect(multiplyCents(-5, "0.1", "half-up")).toBe(-1);
    expect(multiplyCents(-15, "0.1", "half-even")).toBe(-2);
    expect(multiplyCents(101, "0.5", "up")).toBe(51);
    expect(multiplyCents(101, "0.5", "down")).toBe(50);
    expect(multiplyCents(-101, "0.5", "up")).toBe(-50);
    expect(multiplyCents(-101, "0.5", "down")).toBe(-51);
    // 8.25% tax on $19.99 = 164.9175 cents
    expect(multiplyCents(1999, "0.0825", "half-even")).toBe(165);
    expect(multiplyCents(1999, 0.0825, "down")).toBe(164);
  });

  it("takes a number rate as the decimal it prints as (0.1 is one tenth, not the nearest double)", () => {
    // 0.1 * 5 as doubles is 0.5 exactly, but 0.07 * 100 = 7.000000000000001: exactness matters at ties.
    expect(multiplyCents(50, 0.07, "up")).toBe(4); // 3.5 → up 4
    expect(multiplyCents(100, 0.07, "up")).toBe(7); // not 8
    expect(multiplyCents(1, 1e-7, "up")).toBe(1);
    expect(multiplyCents(3, "2e2", "half-even")).toBe(600);
    expect(multiplyCents(3, "-1.5", "half-even")).toBe(-4); // -4.5 → even -4
  });

  it("refuses a rate that is not a number and a product out of range", () => {
    refusal(() => multiplyCents(1, "abc", "half-even"));
    refusal(() => multiplyCents(1, Number.NaN, "half-even"));
    refusal(() => multiplyCents(1, "1/3", "half-even"));
    refusal(() => multiplyCents(MAX, 2, "half-even"));
  });

  it("each mode lands within one cent of the exact product, on the side it names", () => {
    fc.assert(
      fc.property(everyday, fc.integer({ min: -1_000_000, max: 1_000_000 }), (c, bp) => {
        const rate = `${bp < 0 ? "-" : ""}${Math.floor(Math.abs(bp) / 10_000)}.${String(Math.abs(bp) % 10_000).padStart(4, "0")}`;
        const exact4 = BigInt(c) * BigInt(bp); // the product in 1/10000 cents
        const down = BigInt(multiplyCents(c, rate, "down"));
        const up = BigInt(multiplyCents(c, rate, "up"));
        expect(down * 10_000n <= exact4).toBe(true);
        expect(up * 10_000n >= exact4).toBe(true);
        expect(up - down <= 1n).toBe(true);
        for (const mode of ["half-even", "half-up"] as const) {
          const r = BigInt(multiplyCents(c, rate, mode));
          const off = r * 10_000n - exact4;
          expect(off <= 5_000n && off >= -5_000n).toBe(true);
        }
      }),
    );
  });
});

describe("allocateCents", () => {
  it("splits with the leftover cents to the largest remainders", () => {
    expect(allocateCents(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(splitCentsEvenly(100, 3)).toEqual([34, 33, 33]);
    expect(splitCentsEvenly(-100, 3)).toEqual([-34, -33, -33]);
    expect(allocateCents(1000, [30, 70])).toEqual([300, 700]);
    expect(allocateCents(5, [1, 2])).toEqual([2, 3]); // exact 1.67, 3.33: the larger remainder (.67) wins
    // exact 0.5 and 1.5 (equal remainders): the larger weight gets the cent, wherever it stands
    expect(allocateCents(2, [1, 3])).toEqual([0, 2]);
    expect(allocateCents(2, [3, 1])).toEqual([2, 0]);
    expect(allocateCents(1, [1, 3])).toEqual([0, 1]);
    expect(allocateCents(2, [1, 1, 2])).toEqual([1, 0, 1]); // a tie of equal weights: the earlier part
    expect(allocateCents(7, [0, 5, 0])).toEqual([0, 7, 0]);
    expect(allocateCents(0, [1, 2])).toEqual([0, 0]);
    expect(allocateCents(MAX, [1, 1])).toEqual([Math.ceil(MAX / 2), Math.floor(MAX / 2)]);
  });

  it("refuses weights it cannot split over", () => {
    refusal(() => allocateCents(100, []));
    refusal(() => allocateCents(100, [0, 0]));
    refusal(() => allocateCents(100, [1, -1]));
    refusal(() => allocateCents(100, [0.5, 1]));
    refusal(() => allocateCents(100, [Number.NaN]));
    refusal(() => splitCentsEvenly(100, 0));
  });

  const weights = fc
    .array(fc.nat({ max: 1_000_000 }), { minLength: 1, maxLength: 20 })
    .filter((w) => w.some((x) => x > 0));

  it("always sums to the whole, each part within one cent of its exact share", () => {
    fc.assert(
      fc.property(cents, weights, (total, w) => {
        const parts = allocateCents(total, w);
        expect(parts).toHaveLength(w.length);
        expect(parts.reduce((a, b) => a + BigInt(b), 0n)).toBe(BigInt(total));
        const sum = BigInt(w.reduce((a, b) => a + b, 0));
        for (const [i, part] of parts.entries()) {
          expect(Number.isSafeInteger(part)).toBe(true);
          // |part - total·w/sum| < 1  ⇔  |part·sum - total·w| < sum
          const diff = BigInt(part) * sum - BigInt(total) * BigInt(w[i]!);
          expect(diff < sum && diff > -sum).toBe(true);
          if (w[i] === 0) expect(part).toBe(0);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("is order-independent: permuting the weights permutes the parts (equal weights may swap)", () => {
    fc.assert(
      fc.property(
        cents,
        weights.chain((w) =>
          fc.tuple(
            fc.constant(w),
            fc.shuffledSubarray(
              w.map((_, i) => i),
              { minLength: w.length },
            ),
          ),
        ),
        (total, [w, perm]) => {
          const original = allocateCents(total, w);
          const permuted = allocateCents(
            total,
            perm.map((i) => w[i]!),
          );
          const pairs = (ws: number[], ps: number[]) => ws.map((x, i) => `${x}:${ps[i]}`).sort();
          expect(
            pairs(
              perm.map((i) => w[i]!),
              permuted,
            ),
          ).toEqual(pairs(w, original));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("a negative total mirrors the positive one, and equal weights differ by at most a cent", () => {
    fc.assert(
      fc.property(cents, weights, (total, w) => {
        expect(allocateCents(-total, w)).toEqual(allocateCents(total, w).map((x) => (x === 0 ? 0 : -x)));
        const even = splitCentsEvenly(total, w.length);
        expect(Math.max(...even) - Math.min(...even)).toBeLessThanOrEqual(1);
      }),
    );
  });
});

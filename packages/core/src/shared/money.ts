import { DomainError } from "./domain-error.ts";

/**
 * Money as integer cents (US dollars), the one module billing, HR and finance build on.
 *
 * - An amount is a JavaScript integer number of cents whose magnitude is at most Number.MAX_SAFE_INTEGER
 *   (about 90 trillion dollars): beyond that a number silently stops being exact, so every function here
 *   refuses such a value (and a fraction of a cent, NaN or Infinity) with `invalid_amount` instead of
 *   computing a wrong total.
 * - Nothing is ever rounded silently: parsing refuses a third decimal; multiplying by a rate takes the
 *   rounding mode as a required argument, so the direction is written at every call site; an allocation
 *   states its own (largest remainder, below).
 * - Intermediate products are computed with BigInt, so `cents × rate` is exact before the one rounding.
 */
export type Cents = number;

/**
 * How a fraction of a cent becomes a whole cent.
 * - `half-even`: to the nearest cent, a tie (exactly half a cent) to the even cent ("banker's rounding").
 *   The right default for a rate applied over many lines (tax, interest, a percentage discount, a payer's
 *   allowed percentage): ties go up and down equally often, so a long statement does not drift upward.
 * - `half-up`: to the nearest cent, a tie away from zero (what a person with a calculator gets; some
 *   contracts and fee schedules name it).
 * - `up`: toward +infinity (a charge computed this way never undercharges, e.g. a late fee).
 * - `down`: toward -infinity (a refund or a discount computed this way never overpays).
 */
export type Rounding = "half-even" | "half-up" | "up" | "down";

const MAX = BigInt(Number.MAX_SAFE_INTEGER);

function invalid(message: string, path?: string): DomainError {
  return new DomainError("invalid_amount", message, path ? [{ path, message }] : []);
}

/** Whether `value` is a valid amount of cents: an integer within ±Number.MAX_SAFE_INTEGER. */
export function isCents(value: unknown): value is Cents {
  return typeof value === "number" && Number.isSafeInteger(value);
}

/** Answers `value` if it is a valid amount of cents, else throws `invalid_amount` naming `what`. */
export function assertCents(value: unknown, what = "amount"): Cents {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw invalid(`The ${what} must be a number of cents, not ${String(value)}.`, what);
  }
  if (!Number.isInteger(value)) {
    throw invalid(`The ${what} must be a whole number of cents, not ${value}.`, what);
  }
  if (!Number.isSafeInteger(value)) {
    throw invalid(`The ${what} is beyond the largest amount Salus can represent exactly.`, what);
  }
  return value === 0 ? 0 : value; // -0 becomes 0, so it formats and compares as zero
}

function fromBig(value: bigint, what: string): Cents {
  if (value > MAX || value < -MAX) {
    throw invalid(`The ${what} is beyond the largest amount Salus can represent exactly.`, what);
  }
  const n = Number(value);
  return n === 0 ? 0 : n;
}

/** The sum of the amounts; throws `invalid_amount` if it is beyond the exact range (never wraps). */
export function addCents(...amounts: readonly Cents[]): Cents {
  let total = 0n;
  for (const [i, a] of amounts.entries()) total += BigInt(assertCents(a, `amount ${i + 1}`));
  return fromBig(total, "sum");
}

/** `a - b`; throws `invalid_amount` if the difference is beyond the exact range. */
export function subtractCents(a: Cents, b: Cents): Cents {
  return fromBig(
    BigInt(assertCents(a, "amount")) - BigInt(assertCents(b, "amount subtracted")),
    "difference",
  );
}

/** Divides `n` by `d` (> 0) rounding as told: exact integer arithmetic throughout. */
function divide(n: bigint, d: bigint, rounding: Rounding): bigint {
  // BigInt division truncates toward zero; derive the floor and the remainder in [0, d).
  let q = n / d;
  let r = n % d;
  if (r < 0n) {
    q -= 1n;
    r += d;
  }
  if (r === 0n) return q;
  switch (rounding) {
    case "down":
      return q;
    case "up":
      return q + 1n;
    case "half-up": {
      const twice = 2n * r;
      if (twice > d) return q + 1n;
      if (twice < d) return q;
      return n < 0n ? q : q + 1n; // a tie goes away from zero
    }
    case "half-even": {
      const twice = 2n * r;
      if (twice > d) return q + 1n;
      if (twice < d) return q;
      return q % 2n === 0n ? q : q + 1n;
    }
    default:
      throw new Error(`unknown rounding ${String(rounding)}`);
  }
}

interface Decimal {
  /** The value is numerator / 10^scale. */
  numerator: bigint;
  denominator: bigint;
}

/** A decimal string (`0.0825`, `-1.5`, `2e-3`, `12`) as an exact fraction; null when it is not one. */
function parseDecimal(text: string): Decimal | null {
  const m = /^([+-]?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d{1,3}))?$/.exec(text);
  if (!m) return null;
  const [, sign, whole, fraction = "", exponent = "0"] = m;
  let numerator = BigInt(`${whole}${fraction}`) * (sign === "-" ? -1n : 1n);
  let scale = fraction.length - Number(exponent);
  if (scale < 0) {
    numerator *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { numerator, denominator: 10n ** BigInt(scale) };
}

/**
 * `cents × rate`, rounded to a whole cent in the direction given (see Rounding). The rate is a decimal
 * string (`"0.0825"` for 8.25%) or a number, taken as the shortest decimal that prints as it (`0.1` is
 * exactly one tenth, not the binary double nearest to it); the product is exact before the one rounding.
 */
export function multiplyCents(cents: Cents, rate: number | string, rounding: Rounding): Cents {
  const amount = BigInt(assertCents(cents));
  if (typeof rate === "number" && !Number.isFinite(rate)) {
    throw invalid(`The rate must be a finite number, not ${rate}.`, "rate");
  }
  const r = parseDecimal(typeof rate === "number" ? String(rate) : rate.trim());
  if (!r) throw invalid(`The rate "${String(rate)}" is not a decimal number.`, "rate");
  return fromBig(divide(amount * r.numerator, r.denominator, rounding), "product");
}

/**
 * Splits `total` over the parts in proportion to `weights` (non-negative safe integers, not all zero:
 * shares, units, minutes; for ratios such as 30% / 70% pass 30 and 70). The parts ALWAYS sum to `total`.
 *
 * Rounding (largest remainder, deterministic): each part first gets its exact share rounded toward zero;
 * the cents left over (fewer than the number of parts) go one each to the parts whose exact share had
 * the largest fraction cut off, ties to the larger weight and then to the earlier part. So each part is
 * within one cent of its exact share, a part of weight 0 gets 0, equal weights get amounts at most one
 * cent apart, and reordering the weights only reorders the result (up to swapping amounts between parts
 * of equal weight). A negative total is split as its magnitude and negated, so refunds mirror charges.
 */
export function allocateCents(total: Cents, weights: readonly number[]): Cents[] {
  const t = BigInt(assertCents(total, "total"));
  if (weights.length === 0) throw invalid("An amount cannot be split over no parts.", "weights");
  const w = weights.map((x, i) => {
    if (!Number.isSafeInteger(x) || x < 0) {
      throw invalid(`Weight ${i + 1} must be a whole number of 0 or more, not ${x}.`, `weights.${i}`);
    }
    return BigInt(x);
  });
  const sum = w.reduce((a, b) => a + b, 0n);
  if (sum === 0n) throw invalid("At least one weight must be more than 0.", "weights");
  const sign = t < 0n ? -1n : 1n;
  const magnitude = t * sign;
  const floors = w.map((x) => (magnitude * x) / sum);
  const remainders = w.map((x) => (magnitude * x) % sum);
  let left = magnitude - floors.reduce((a, b) => a + b, 0n);
  const order = w
    .map((_, i) => i)
    .sort((a, b) => {
      const ra = remainders[a]!;
      const rb = remainders[b]!;
      if (ra !== rb) return ra > rb ? -1 : 1;
      const wa = w[a]!;
      const wb = w[b]!;
      if (wa !== wb) return wa > wb ? -1 : 1;
      return a - b;
    });
  for (const i of order) {
    if (left === 0n) break;
    floors[i] = floors[i]! + 1n;
    left -= 1n;
  }
  return floors.map((x) => {
    const n = Number(x * sign);
    return n === 0 ? 0 : n;
  });
}

/** Splits `total` into `parts` amounts as equal as possible; the earlier parts get the extra cents. */
export function splitCentsEvenly(total: Cents, parts: number): Cents[] {
  if (!Number.isSafeInteger(parts) || parts < 1) {
    throw invalid(`An amount can only be split into 1 or more parts, not ${parts}.`, "parts");
  }
  return allocateCents(total, new Array<number>(parts).fill(1));
}

const AMOUNT = /^(-)?(\$)?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?$/;

/**
 * Parses an amount of dollars as people and the API write it: `12`, `12.5`, `12.34`, `-0.99`, `$1,234.56`,
 * `-$5.00` (a sign first, then an optional `$`; thousands separators only where they belong; spaces around
 * are ignored). Anything else, a third decimal included, is refused with `invalid_amount` (naming `path`
 * in the details when given): an amount is never rounded or clamped to fit.
 */
export function parseMoney(text: string, path?: string): Cents {
  if (typeof text !== "string") throw invalid("The amount must be text such as 12.34.", path);
  const trimmed = text.trim();
  const m = AMOUNT.exec(trimmed);
  if (!m) {
    const why = /^-?\$?[\d,]*\.\d{3,}$/.test(trimmed)
      ? "has more than two decimals (amounts are whole cents)"
      : "is not an amount such as 12.34 or $1,234.56";
    throw invalid(`"${text}" ${why}.`, path);
  }
  const [, minus, , whole = "0", fraction = ""] = m;
  const cents = BigInt(whole.replaceAll(",", "")) * 100n + BigInt(fraction.padEnd(2, "0"));
  if (cents > MAX) {
    throw invalid(`"${text}" is beyond the largest amount Salus can represent exactly.`, path);
  }
  const n = Number(minus ? -cents : cents);
  return n === 0 ? 0 : n;
}

/** An amount as plain decimal dollars for machines and CSV: `1234.56`, `-0.05`, `0.00`. */
export function formatCents(cents: Cents): string {
  const c = BigInt(assertCents(cents));
  const magnitude = c < 0n ? -c : c;
  const dollars = magnitude / 100n;
  const rest = (magnitude % 100n).toString().padStart(2, "0");
  return `${c < 0n ? "-" : ""}${dollars}.${rest}`;
}

/** An amount for people: `$1,234.56`, `-$0.05`. `parseMoney` reads it back to the same cents. */
export function formatMoney(cents: Cents): string {
  const plain = formatCents(cents);
  const negative = plain.startsWith("-");
  const [dollars = "0", rest = "00"] = (negative ? plain.slice(1) : plain).split(".");
  const grouped = dollars.replace(/\B(?=(\d{3})+$)/g, ",");
  return `${negative ? "-" : ""}$${grouped}.${rest}`;
}

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dateInZone, isPlainDate, isValidTimeZone } from "./time-zone.ts";

describe("isValidTimeZone", () => {
  it("accepts IANA names", () => {
    for (const z of [
      "UTC",
      "America/Chicago",
      "America/Argentina/Buenos_Aires",
      "America/Port-au-Prince",
      "Etc/GMT+5",
      "Etc/GMT-14",
      "Pacific/Kiritimati",
      "Pacific/Pago_Pago",
      "Asia/Kolkata",
    ]) {
      expect(isValidTimeZone(z), z).toBe(true);
    }
  });

  it("refuses unknown names, paths, offsets and oversize input", () => {
    for (const z of [
      "",
      "Mars/Olympus_Mons",
      "America/Nowhere",
      "../etc/passwd",
      "America/../UTC",
      "/UTC",
      "UTC/",
      "+05:30",
      "America/Chicago ",
      "America\\Chicago",
      `A/${"b".repeat(70)}`,
    ]) {
      expect(isValidTimeZone(z), JSON.stringify(z)).toBe(false);
    }
  });

  it("never throws", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(typeof isValidTimeZone(s)).toBe("boolean");
      }),
    );
  });
});

describe("isPlainDate", () => {
  it("knows leap years: 2024 and 2000 yes, 2023 and 1900 no", () => {
    expect(isPlainDate("2024-02-29")).toBe(true);
    expect(isPlainDate("2000-02-29")).toBe(true);
    expect(isPlainDate("2023-02-29")).toBe(false);
    expect(isPlainDate("1900-02-29")).toBe(false);
    expect(isPlainDate("2100-02-29")).toBe(false);
    expect(isPlainDate("1900-02-28")).toBe(true);
  });

  it("knows month lengths", () => {
    expect(isPlainDate("2024-01-31")).toBe(true);
    expect(isPlainDate("2024-04-31")).toBe(false);
    expect(isPlainDate("2024-12-31")).toBe(true);
    expect(isPlainDate("2024-12-32")).toBe(false);
    expect(isPlainDate("2024-00-10")).toBe(false);
    expect(isPlainDate("2024-13-01")).toBe(false);
    expect(isPlainDate("2024-01-00")).toBe(false);
  });

  it("refuses other shapes and out-of-range years", () => {
    for (const s of [
      "",
      "2024-2-29",
      "2024-02-9",
      "24-02-29",
      "2024/02/29",
      "2024-02-29T00:00:00Z",
      " 2024-02-29",
      "2024-02-29\n",
      "1799-12-31",
      "2201-01-01",
      "0024-02-29",
      "+02024-02-29",
      "２０２４-02-29",
    ]) {
      expect(isPlainDate(s), JSON.stringify(s)).toBe(false);
    }
    expect(isPlainDate("1800-01-01")).toBe(true);
    expect(isPlainDate("2200-12-31")).toBe(true);
  });

  it("agrees with the proleptic Gregorian calendar for every date 1800-2200", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1800, max: 2200 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 31 }),
        (y, m, d) => {
          const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
          const len = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
          const s = `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
          expect(isPlainDate(s), s).toBe(d <= len);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe("dateInZone", () => {
  it("changes date at local midnight in Pacific/Kiritimati (UTC+14)", () => {
    expect(dateInZone(new Date("2024-03-10T09:59:59.999Z"), "Pacific/Kiritimati")).toBe("2024-03-10");
    expect(dateInZone(new Date("2024-03-10T10:00:00.000Z"), "Pacific/Kiritimati")).toBe("2024-03-11");
  });

  it("changes date at local midnight in Pacific/Pago_Pago (UTC-11)", () => {
    expect(dateInZone(new Date("2024-03-10T10:59:59.999Z"), "Pacific/Pago_Pago")).toBe("2024-03-09");
    expect(dateInZone(new Date("2024-03-10T11:00:00.000Z"), "Pacific/Pago_Pago")).toBe("2024-03-10");
  });

  it("gives dates a whole day apart (Kiritimati vs Pago Pago) for the same instant", () => {
    const instant = new Date("2024-03-10T10:30:00Z");
    expect(dateInZone(instant, "Pacific/Kiritimati")).toBe("2024-03-11");
    expect(dateInZone(instant, "Pacific/Pago_Pago")).toBe("2024-03-09");
    expect(dateInZone(instant, "UTC")).toBe("2024-03-10");
  });

  it("handles leap days and year ends", () => {
    expect(dateInZone(new Date("2024-02-29T12:00:00Z"), "America/Chicago")).toBe("2024-02-29");
    expect(dateInZone(new Date("2024-01-01T04:59:59Z"), "America/New_York")).toBe("2023-12-31");
    expect(dateInZone(new Date("2024-12-31T10:00:00Z"), "Pacific/Kiritimati")).toBe("2025-01-01");
  });

  it("does not depend on the process time zone, and always answers a plain date", () => {
    // Compare with an offset computed independently: Kiritimati is UTC+14 and Pago Pago UTC-11 all year.
    fc.assert(
      fc.property(
        fc.date({
          min: new Date("1996-01-01T00:00:00Z"),
          max: new Date("2199-12-31T00:00:00Z"),
          noInvalidDate: true,
        }),
        (d) => {
          const shifted = (hours: number) =>
            new Date(d.getTime() + hours * 3_600_000).toISOString().slice(0, 10);
          expect(dateInZone(d, "Pacific/Kiritimati")).toBe(shifted(14));
          expect(dateInZone(d, "Pacific/Pago_Pago")).toBe(shifted(-11));
          expect(dateInZone(d, "UTC")).toBe(shifted(0));
          expect(isPlainDate(dateInZone(d, "UTC"))).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  }, 30_000);
});

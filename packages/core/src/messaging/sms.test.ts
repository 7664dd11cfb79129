import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fitSms, isGsm7, smsLength, toGsm7Ascii } from "./sms.ts";

describe("smsLength", () => {
  it("counts GSM-7 septets, the extension table as two", () => {
    expect(smsLength("Hello")).toEqual({ encoding: "gsm7", units: 5, segments: 1 });
    expect(smsLength("a€b")).toEqual({ encoding: "gsm7", units: 4, segments: 1 });
    expect(smsLength("é and ñ are GSM-7")).toMatchObject({ encoding: "gsm7" });
  });

  it("splits at 160 / 153 septets", () => {
    expect(smsLength("x".repeat(160)).segments).toBe(1);
    expect(smsLength("x".repeat(161)).segments).toBe(2);
    expect(smsLength("x".repeat(306)).segments).toBe(2);
    expect(smsLength("x".repeat(307)).segments).toBe(3);
    // An escape pair is never split across parts: 152 septets + "€" does not fit a 153-septet part.
    expect(smsLength(`${"x".repeat(152)}€${"x".repeat(10)}`).segments).toBe(2);
    expect(smsLength(`${"x".repeat(152)}€${"x".repeat(152)}`).segments).toBe(3);
  });

  it("falls back to UCS-2 (70 / 67) for one character outside the alphabet", () => {
    expect(smsLength("Łukasz")).toEqual({ encoding: "ucs2", units: 6, segments: 1 });
    expect(smsLength(`Ł${"x".repeat(69)}`).segments).toBe(1);
    expect(smsLength(`Ł${"x".repeat(70)}`).segments).toBe(2);
    expect(smsLength(`Ł${"x".repeat(133)}`).segments).toBe(2);
    expect(smsLength(`Ł${"x".repeat(134)}`).segments).toBe(3);
    // A surrogate pair counts two units.
    expect(smsLength("🙂")).toEqual({ encoding: "ucs2", units: 2, segments: 1 });
    // Intl's narrow no-break space before AM is not GSM-7.
    expect(isGsm7("10:00\u202fAM")).toBe(false);
  });

  it("property: segments are the least that hold the units", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 600, unit: "grapheme" }), (s) => {
        const l = smsLength(s);
        const single = l.encoding === "gsm7" ? 160 : 70;
        const part = l.encoding === "gsm7" ? 153 : 67;
        if (l.units <= single) expect(l.segments).toBe(1);
        else {
          expect(l.segments).toBeGreaterThanOrEqual(Math.ceil(l.units / part));
          // Never splitting a pair wastes at most one unit per part.
          expect(l.segments).toBeLessThanOrEqual(Math.ceil(l.units / (part - 1)));
        }
      }),
    );
  });
});

describe("toGsm7Ascii", () => {
  it("removes accents and spells out the letters decomposition cannot", () => {
    expect(toGsm7Ascii("José Hernández-Ñúñez")).toBe("Jose Hernandez-Nunez");
    expect(toGsm7Ascii("Łucja Øster Straße")).toBe("Lucja Oster Strasse");
    expect(toGsm7Ascii("O’Brien – 10:00\u202fAM")).toBe("O'Brien - 10:00 AM");
    expect(toGsm7Ascii("王 Li 🙂 `x`")).toBe(" Li  x");
  });

  it("property: the result is GSM-7, one septet per character", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200, unit: "grapheme" }), (s) => {
        const out = toGsm7Ascii(s);
        const l = smsLength(out);
        expect(l.encoding).toBe("gsm7");
        expect(l.units).toBe(out.length);
      }),
    );
  });
});

describe("fitSms", () => {
  const render = (f: { name: string; place: string }) => `${f.place}: hi ${f.name}, see you soon.`;

  it("keeps a short message as it is (made plain)", () => {
    expect(fitSms(render, { name: "Zoë", place: "Clinic" }, ["name"])).toBe("Clinic: hi Zoe, see you soon.");
  });

  it("shortens fields in order until it fits", () => {
    const out = fitSms(render, { name: "N".repeat(100), place: "P".repeat(100) }, ["place", "name"], 60);
    expect(out.length).toBeLessThanOrEqual(60);
    expect(out).toContain("N".repeat(20));
  });

  it("returns the shortest it can when the fixed text alone does not fit", () => {
    const out = fitSms((f: { name: string }) => `${"x".repeat(161)}${f.name}`, { name: "Ann" }, ["name"]);
    expect(out).toBe("x".repeat(161));
  });

  it("property: any fields give one GSM-7 segment", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 300, unit: "grapheme" }),
        fc.string({ maxLength: 300 }),
        (name, place) => {
          const out = fitSms(render, { name, place }, ["place", "name"]);
          expect(smsLength(out)).toMatchObject({ encoding: "gsm7", segments: 1 });
        },
      ),
    );
  });
});

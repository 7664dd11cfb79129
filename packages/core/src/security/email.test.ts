import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { emailProblem, normalizeEmail } from "./email.ts";

describe("normalizeEmail", () => {
  it("lower-cases and trims", () => {
    expect(normalizeEmail("  Jane.Doe@Example.ORG ")).toBe("jane.doe@example.org");
  });

  it("folds fullwidth and compatibility forms with NFKC", () => {
    expect(normalizeEmail("ａｄｍｉｎ@ｅｘａｍｐｌｅ．ｏｒｇ")).toBe("admin@example.org");
    expect(normalizeEmail("Ａdmin@x.org")).toBe("admin@x.org");
    expect(normalizeEmail("ﬁnance@x.org")).toBe("finance@x.org"); // the fi ligature
  });

  it("composes combining sequences (NFKC), so two spellings of é are one account", () => {
    const composed = "jos\u00e9@x.org";
    const decomposed = "jose\u0301@x.org";
    expect(composed).not.toBe(decomposed);
    expect(normalizeEmail(composed)).toBe(normalizeEmail(decomposed));
  });

  it("is idempotent", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (s) => {
        const once = normalizeEmail(s);
        expect(normalizeEmail(once)).toBe(once);
      }),
      { numRuns: 500 },
    );
  });

  it("maps every case variant of an ASCII address to the same value", () => {
    fc.assert(
      fc.property(fc.emailAddress(), fc.array(fc.boolean(), { minLength: 1 }), (email, flips) => {
        const variant = [...email]
          .map((ch, i) => (flips[i % flips.length] ? ch.toUpperCase() : ch.toLowerCase()))
          .join("");
        expect(normalizeEmail(variant)).toBe(normalizeEmail(email));
      }),
    );
  });
});

describe("emailProblem", () => {
  it("accepts ordinary addresses, including fullwidth ones", () => {
    for (const e of [
      "a@b.co",
      "Jane.Doe+salus@example.org",
      "ａｄｍｉｎ@ｅｘａｍｐｌｅ．ｏｒｇ",
      "josé@exämple.de",
    ]) {
      expect(emailProblem(e), e).toBeNull();
    }
  });

  it("refuses zero-width and other invisible characters, wherever they are", () => {
    for (const ch of [
      "\u200b",
      "\u200c",
      "\u200d",
      "\u200e",
      "\u200f",
      "\u2060",
      "\ufeff",
      "\u00ad",
      "\u202e",
    ]) {
      for (const e of [`admin${ch}@x.org`, `${ch}admin@x.org`, `admin@x.org${ch}`, `admin@x${ch}.org`]) {
        expect(emailProblem(e), JSON.stringify(e)).toBe("must not contain invisible characters");
      }
    }
  });

  it("refuses the other default-ignorable characters too (combining grapheme joiner, fillers, tags)", () => {
    for (const ch of ["\u034f", "\u180e", "\u115f", "\u3164", "\uffa0", "\ufe0f", "\u{e0041}", "\u061c"]) {
      expect(emailProblem(`ad${ch}min@x.org`), JSON.stringify(ch)).toBe(
        "must not contain invisible characters",
      );
    }
  });

  it("lets no default-ignorable character through", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 6 }),
        fc.string({ unit: "binary", maxLength: 6 }),
        (a, b) => {
          const e = `x${a}@y${b}.org`;
          if (/\p{Default_Ignorable_Code_Point}/u.test(e))
            expect(emailProblem(e)).toBe("must not contain invisible characters");
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("refuses things that are not addresses", () => {
    for (const e of [
      "",
      "admin",
      "admin@",
      "@x.org",
      "admin@x",
      "ad min@x.org",
      "a@b@c.org",
      "admin@x .org",
    ]) {
      expect(emailProblem(e), JSON.stringify(e)).toBe("is not an email address");
    }
  });

  it("refuses addresses longer than 254 characters after normalization", () => {
    const local = "a".repeat(64);
    const at254 = `${local}@${"b".repeat(254 - 64 - 1 - 4)}.org`;
    expect(at254).toHaveLength(254);
    expect(emailProblem(at254)).toBeNull();
    expect(emailProblem(`a${at254}`)).toMatch(/too long/);
  });

  it("accepts every address fast-check generates", () => {
    fc.assert(
      fc.property(fc.emailAddress(), (e) => {
        if (e.length <= 254) expect(emailProblem(e)).toBeNull();
      }),
    );
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  type PasswordContext,
  passwordProblem,
} from "./password-policy.ts";

const COMMON = new Set(["password", "iloveyou", "correcthorsebatterystaple", "sunshine12345"]);
const ctx = (personal: string[] = []): PasswordContext => ({ personal, isCommon: (p) => COMMON.has(p) });
const ok = (pw: string, c: PasswordContext = ctx()) => passwordProblem(pw, c);

describe("passwordProblem: length", () => {
  it("uses 12 and 256 as the limits", () => {
    expect(MIN_PASSWORD_LENGTH).toBe(12);
    expect(MAX_PASSWORD_LENGTH).toBe(256);
  });

  it("refuses 11 characters and accepts 12", () => {
    expect(ok("tulip-river")).toMatch(/at least 12 characters/);
    expect(ok("tulip-rivers")).toBeNull();
  });

  it("counts code points, so each emoji is one character", () => {
    // 11 emoji = 22 UTF-16 code units but 11 characters: too short.
    const eleven = "🐙🦊🐢🦉🐝🌵🍄🌊🔥🎈🧩";
    expect(eleven.length).toBe(22);
    expect(ok(eleven)).toMatch(/at least 12/);
    expect(ok(`${eleven}🚲`)).toBeNull();
  });

  it("accepts exactly the maximum and refuses one more, counted in code points", () => {
    const base = "abcdefghijklmnopqrstuvwxyz0123456789";
    const max = base.repeat(8).slice(0, MAX_PASSWORD_LENGTH);
    expect([...max]).toHaveLength(256);
    expect(ok(max)).toBeNull();
    expect(ok(`${max}x`)).toMatch(/at most 256/);
    // 256 emoji are 512 code units and still acceptable.
    const emoji = [..."🐙🦊🐢🦉🐝🌵🍄🌊"];
    const maxEmoji = Array.from({ length: 256 }, (_, i) => emoji[i % emoji.length]).join("");
    expect(ok(maxEmoji)).toBeNull();
    expect(ok(`${maxEmoji}🐙`)).toMatch(/at most 256/);
  });

  it("accepts any characters, with no composition rules", () => {
    for (const pw of [
      "correct horse battery",
      "всё хорошо и ясно",
      "日本語のパスワードです。",
      "lowercase only words here",
      "p@ss w0rd with  spaces",
    ]) {
      expect(ok(pw), pw).toBeNull();
    }
  });
});

describe("passwordProblem: guessable passwords", () => {
  it("asks the injected isCommon with the NFKC, lower-cased password", () => {
    const seen: string[] = [];
    passwordProblem("ＣorrectHorseBatteryStaple", {
      personal: [],
      isCommon: (p) => {
        seen.push(p);
        return false;
      },
    });
    expect(seen[0]).toBe("correcthorsebatterystaple");
  });

  it("refuses a common password whatever its case or width", () => {
    expect(ok("CorrectHorseBatteryStaple")).toMatch(/common/);
    expect(ok("ＣＯＲＲＥＣＴhorsebatterystaple")).toMatch(/common/);
    expect(ok("sunshine12345")).toMatch(/common/);
  });

  it("refuses a common password with digits or symbols appended", () => {
    expect(ok("iloveyou123456")).toMatch(/common/);
    expect(ok("password!!!!2024")).toMatch(/common/);
    // ... but not one merely containing a common word.
    expect(ok("password-kettle-moss")).toBeNull();
  });

  it("refuses passwords of one or two distinct characters", () => {
    expect(ok("aaaaaaaaaaaa")).toMatch(/repeats/);
    expect(ok("abababababababab")).toMatch(/repeats/);
    expect(ok("🐙🐙🐙🐙🐙🐙🐙🐙🐙🐙🐙🐙")).toMatch(/repeats/);
    expect(ok("AaAaAaAaAaAa")).toMatch(/repeats/); // the same letter once lower-cased
    expect(ok("abcabcabcabc")).toBeNull();
  });

  it("refuses keyboard and alphabet runs, forwards and backwards", () => {
    for (const pw of [
      "1234567890qw",
      "qwertyuiopasdf",
      "QWERTYUIOPASDFGH",
      "abcdefghijklmnop",
      "ponmlkjihgfedcba",
      "fdsapoiuytrewq",
      "asdfghjklzxcvbnm",
    ]) {
      expect(ok(pw), pw).toMatch(/common/);
    }
    expect(ok("qwertyuiop-tulip")).toBeNull();
  });

  it("refuses a password that is little more than a personal word", () => {
    const c = ctx(["jane.doe@example.org", "Riverside Family Medicine", "Jane Doe"]);
    expect(ok("jane.doe@example.org", c)).toMatch(/too close/);
    expect(ok("JANE.DOE@EXAMPLE.ORG1", c)).toMatch(/too close/);
    expect(ok("riverside family medicine", c)).toMatch(/too close/);
    // Up to five characters besides the word are refused; six are enough to be accepted.
    expect(ok("Jane Doe 2024", c)).toMatch(/too close/);
    expect(ok("Jane Doe 2024!", c)).toBeNull();
    // Enough other material around the word is acceptable.
    expect(ok("jane doe loves wild mushrooms", c)).toBeNull();
  });

  it("ignores personal words shorter than four characters", () => {
    expect(ok("amy-kettle-pond", ctx(["amy"]))).toBeNull();
  });

  it("checks in order: length first, then repetition, then common, then personal", () => {
    expect(ok("password", ctx(["password"]))).toMatch(/at least/);
    expect(ok("password1234", ctx(["password1234"]))).toMatch(/common/);
  });
});

describe("passwordProblem: property", () => {
  it("accepts every password of random words of enough length, and never crashes", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 300 }), (pw) => {
        const problem = ok(pw);
        const n = [...pw].length;
        if (n < MIN_PASSWORD_LENGTH) expect(problem).toMatch(/at least/);
        else if (n > MAX_PASSWORD_LENGTH) expect(problem).toMatch(/at most/);
        else expect(problem === null || typeof problem === "string").toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

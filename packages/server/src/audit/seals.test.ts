import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkAgainstSeal, decideSeal, type SealedEntry, signSeal } from "./seals.ts";

const key = Buffer.alloc(32, 3);
const hashOf = (chain: string, seq: number) => `${chain}:${seq}`;
const chainOf = (chain: string, n: number): SealedEntry[] =>
  Array.from({ length: n }, (_, i) => ({ seq: i + 1, hash: hashOf(chain, i + 1) }));
const sealAt = (chain: SealedEntry[], k: number) =>
  signSeal(key, {
    chainId: "c",
    seq: k,
    hash: k ? chain[k - 1]!.hash : "genesis",
    firstHash: chain[0]?.hash ?? "",
    sealedAt: "2026-03-02T15:00:00.000Z",
  });

describe("audit seals", () => {
  it("a chain cut below its seal names exactly the entries missing; one that kept them passes", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 60 }), (k, m) => {
        const full = chainOf("a", Math.max(k, m));
        const seal = sealAt(full, k);
        const v = checkAgainstSeal(key, seal, full.slice(0, m));
        if (m >= k) expect(v).toBeNull();
        else {
          expect(v).toMatchObject({ ok: false, problem: "missing", seq: m + 1 });
          const range = m + 1 === k ? `entry ${k}` : `entries ${m + 1}–${k}`;
          expect(v && !v.ok && v.message).toContain(range);
        }
      }),
    );
  });

  it("a chain started again (another entry 1) is named whatever its length", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 80 }), (k, m) => {
        const seal = sealAt(chainOf("old", k), k);
        const v = checkAgainstSeal(key, seal, chainOf("new", m));
        expect(v).toMatchObject({ ok: false, problem: "restarted", seq: 1 });
        expect(v && !v.ok && v.message).toContain(k === 1 ? "entry 1" : `entries 1–${k}`);
      }),
    );
  });

  it("an edited seal is not genuine", () => {
    const full = chainOf("a", 5);
    const seal = { ...sealAt(full, 5), seq: 3, hash: full[2]!.hash };
    expect(checkAgainstSeal(key, seal, full.slice(0, 3))).toMatchObject({
      ok: false,
      problem: "seal-invalid",
    });
  });

  it("a seal only moves forward along the same chain", () => {
    const full = chainOf("a", 10);
    const old = sealAt(full, 6);
    const tip = (n: number, chain = full) => ({
      chainId: "c",
      seq: n,
      hash: chain[n - 1]!.hash,
      firstHash: chain[0]!.hash,
      hashAtOldSeal: chain[5]?.hash ?? null,
    });
    expect(decideSeal(key, old, tip(10), "t")).toMatchObject({ kind: "seal", seal: { seq: 10 } });
    expect(decideSeal(key, old, tip(6), "t")).toEqual({ kind: "keep", reason: "unchanged" });
    expect(decideSeal(key, old, tip(4), "t")).toMatchObject({ kind: "keep" });
    expect(decideSeal(key, old, tip(8, chainOf("b", 8)), "t")).toMatchObject({ kind: "keep" });
    expect(decideSeal(key, null, tip(4), "t")).toMatchObject({ kind: "seal", seal: { seq: 4 } });
  });
});

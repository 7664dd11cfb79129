import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type AuditContent,
  type ChainedEntry,
  type ChainHead,
  entryHash,
  genesisHash,
  headMac,
  verifyChain,
} from "./chain.ts";

const CHAIN = "org-7f3c";

const nullableText = fc.option(fc.string({ unit: "grapheme", maxLength: 16 }), { nil: null });
const content: fc.Arbitrary<Omit<AuditContent, "chainId">> = fc.record({
  at: fc
    .date({
      min: new Date("2020-01-01T00:00:00Z"),
      max: new Date("2030-01-01T00:00:00Z"),
      noInvalidDate: true,
    })
    .map((d) => d.toISOString()),
  organizationId: nullableText,
  userId: nullableText,
  actor: nullableText,
  action: fc.constantFrom("patient.read", "patient.update", "user.create", "session.create", "token.revoke"),
  resourceType: nullableText,
  resourceId: nullableText,
  patientId: nullableText,
  outcome: fc.constantFrom("success" as const, "failure" as const, "denied" as const),
  ip: nullableText,
  requestId: nullableText,
  detail: nullableText,
});
const key = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((a) => Buffer.from(a));
const contents = (min = 1) => fc.array(content, { minLength: min, maxLength: 12 });

/** Builds a chain the way Salus appends: each entry sealed over its content and the previous seal. */
function build(k: Buffer, items: readonly Omit<AuditContent, "chainId">[], chainId = CHAIN) {
  const entries: ChainedEntry[] = [];
  let prevHash = genesisHash(k, chainId);
  items.forEach((c, i) => {
    const full: AuditContent = { chainId, ...c };
    const hash = entryHash(k, full, prevHash);
    entries.push({ ...full, seq: i + 1, prevHash, hash });
    prevHash = hash;
  });
  const last = entries.at(-1);
  const head: ChainHead | null = last
    ? { chainId, seq: last.seq, hash: last.hash, mac: headMac(k, chainId, last.seq, last.hash) }
    : null;
  return { entries, head };
}

/** Reassigns seq 1..n in array order, as rows read back `order by seq` after an attacker renumbers. */
const renumber = (entries: ChainedEntry[]) => entries.map((e, i) => ({ ...e, seq: i + 1 }));

const EDITABLE = [
  "at",
  "organizationId",
  "userId",
  "actor",
  "action",
  "resourceType",
  "resourceId",
  "patientId",
  "outcome",
  "ip",
  "requestId",
  "detail",
  "chainId",
  "prevHash",
  "hash",
] as const;

function edit(e: ChainedEntry, field: (typeof EDITABLE)[number]): ChainedEntry {
  if (field === "outcome") return { ...e, outcome: e.outcome === "success" ? "denied" : "success" };
  const old = e[field];
  return { ...e, [field]: old === null ? "" : `${old}x` };
}

describe("entryHash and genesisHash", () => {
  it("are HMAC-SHA256 hex digests that depend on the key", () => {
    const k1 = Buffer.alloc(32, 1);
    const k2 = Buffer.alloc(32, 2);
    expect(genesisHash(k1, CHAIN)).toMatch(/^[0-9a-f]{64}$/);
    expect(genesisHash(k1, CHAIN)).not.toBe(genesisHash(k2, CHAIN));
    expect(genesisHash(k1, CHAIN)).not.toBe(genesisHash(k1, "platform"));
  });

  it("cover every content field and the previous hash, and no field boundary is ambiguous", () => {
    const k = Buffer.alloc(32, 7);
    const base: AuditContent = {
      chainId: CHAIN,
      at: "2024-03-10T08:00:00.000Z",
      organizationId: "o",
      userId: "u",
      actor: "a",
      action: "patient.read",
      resourceType: "Patient",
      resourceId: "p1",
      patientId: "p1",
      outcome: "success",
      ip: "127.0.0.1",
      requestId: "r",
      detail: null,
    };
    const h = entryHash(k, base, "prev");
    expect(entryHash(k, base, "prev2")).not.toBe(h);
    for (const field of EDITABLE.filter((f) => f !== "prevHash" && f !== "hash")) {
      const changed = edit(base as ChainedEntry, field);
      expect(entryHash(k, changed, "prev"), field).not.toBe(h);
    }
    // Moving text between adjacent fields changes the seal ("ab"+"c" vs "a"+"bc").
    expect(entryHash(k, { ...base, userId: "ab", actor: "c" }, "prev")).not.toBe(
      entryHash(k, { ...base, userId: "a", actor: "bc" }, "prev"),
    );
    // null and "null" are different.
    expect(entryHash(k, { ...base, detail: "null" }, "prev")).not.toBe(h);
  });
});

describe("verifyChain", () => {
  it("accepts an empty chain without a head", () => {
    expect(verifyChain(Buffer.alloc(32), CHAIN, [], null)).toEqual({ ok: true, chainId: CHAIN, entries: 0 });
  });

  it("accepts any intact chain", () => {
    fc.assert(
      fc.property(key, contents(0), (k, items) => {
        const { entries, head } = build(k, items);
        expect(verifyChain(k, CHAIN, entries, head)).toEqual({
          ok: true,
          chainId: CHAIN,
          entries: items.length,
        });
      }),
    );
  });

  it("names an edited entry, whatever field was changed", () => {
    fc.assert(
      fc.property(key, contents(), fc.nat(), fc.constantFrom(...EDITABLE), (k, items, pick, field) => {
        const { entries, head } = build(k, items);
        const i = pick % entries.length;
        entries[i] = edit(entries[i]!, field);
        const v = verifyChain(k, CHAIN, entries, head);
        expect(v).toMatchObject({ ok: false, problem: "edited", seq: i + 1 });
      }),
      { numRuns: 300 },
    );
  });

  it("names a deleted entry in the middle or at the start, with or without renumbering", () => {
    fc.assert(
      fc.property(key, contents(2), fc.nat(), fc.boolean(), (k, items, pick, close) => {
        const { entries, head } = build(k, items);
        const i = pick % (entries.length - 1); // not the last
        let tampered = entries.filter((_, j) => j !== i);
        if (close) tampered = renumber(tampered);
        const v = verifyChain(k, CHAIN, tampered, head);
        expect(v).toMatchObject({ ok: false, problem: "deleted", seq: i + 1 });
      }),
      { numRuns: 300 },
    );
  });

  it("names a deleted last entry (the head still counts it)", () => {
    fc.assert(
      fc.property(key, contents(1), (k, items) => {
        const { entries, head } = build(k, items);
        const v = verifyChain(k, CHAIN, entries.slice(0, -1), head);
        expect(v).toMatchObject({ ok: false, problem: "deleted", seq: entries.length });
        expect(v.ok === false && v.message).toMatch(/deleted/);
      }),
    );
  });

  it("names a forged insertion anywhere, including after the last entry", () => {
    fc.assert(
      fc.property(
        key,
        contents(1),
        fc.nat(),
        content,
        fc.boolean(),
        fc.stringMatching(/^[0-9a-f]{64}$/),
        (k, items, pick, forgedContent, plausibleLink, forgedHash) => {
          const { entries, head } = build(k, items);
          const i = pick % (entries.length + 1); // position of the forged row, 0..n
          const prevHash = i === 0 ? genesisHash(k, CHAIN) : entries[i - 1]!.hash;
          const forged: ChainedEntry = {
            chainId: CHAIN,
            ...forgedContent,
            seq: i + 1,
            // Without the key the forger can copy the right link but cannot compute the seal.
            prevHash: plausibleLink ? prevHash : forgedHash,
            hash: forgedHash,
          };
          const tampered = renumber([...entries.slice(0, i), forged, ...entries.slice(i)]);
          const v = verifyChain(k, CHAIN, tampered, head);
          expect(v).toMatchObject({ ok: false, problem: "inserted", seq: i + 1 });
        },
      ),
      { numRuns: 300 },
    );
  });

  it("names a replayed copy of an earlier genuine entry as inserted, at the copy", () => {
    fc.assert(
      fc.property(key, contents(1), fc.nat(), fc.nat(), (k, items, pickOriginal, pickPosition) => {
        const { entries, head } = build(k, items);
        const j = pickOriginal % entries.length; // the entry copied
        const i = j + 1 + (pickPosition % (entries.length - j)); // where the copy goes: after the original
        const tampered = renumber([...entries.slice(0, i), entries[j]!, ...entries.slice(i)]);
        const v = verifyChain(k, CHAIN, tampered, head);
        expect(v).toMatchObject({ ok: false, problem: "inserted", seq: i + 1 });
      }),
      { numRuns: 300 },
    );
  });

  it("names a swap of two adjacent entries at the first of them", () => {
    fc.assert(
      fc.property(key, contents(2), fc.nat(), (k, items, pick) => {
        const { entries, head } = build(k, items);
        const i = pick % (entries.length - 1);
        const swapped = [...entries];
        [swapped[i], swapped[i + 1]] = [swapped[i + 1]!, swapped[i]!];
        // The attacker exchanges the seq numbers, so the rows read back in the swapped order.
        const v = verifyChain(k, CHAIN, renumber(swapped), head);
        expect(v).toMatchObject({ ok: false, problem: "reordered", seq: i + 1 });
      }),
      { numRuns: 300 },
    );
  });

  it("names a renumbered entry (a gap in seq)", () => {
    fc.assert(
      fc.property(key, contents(1), fc.nat(), fc.integer({ min: 1, max: 1000 }), (k, items, pick, shift) => {
        const { entries, head } = build(k, items);
        const i = pick % entries.length;
        const tampered = entries.map((e, j) => (j >= i ? { ...e, seq: e.seq + shift } : e));
        const v = verifyChain(k, CHAIN, tampered, head);
        expect(v).toMatchObject({ ok: false, problem: "edited", seq: i + 1 });
        expect(v.ok === false && v.message).toMatch(/renumbered/);
      }),
    );
  });

  it("fails under a different key", () => {
    fc.assert(
      fc.property(key, key, contents(1), (k1, k2, items) => {
        fc.pre(!k1.equals(k2));
        const { entries, head } = build(k1, items);
        const v = verifyChain(k2, CHAIN, entries, head);
        expect(v).toMatchObject({ ok: false, seq: 1 });
      }),
    );
  });

  it("refuses a chain verified under another chain's id (no splicing between organizations)", () => {
    fc.assert(
      fc.property(key, contents(1), (k, items) => {
        const { entries, head } = build(k, items, "org-a");
        expect(verifyChain(k, "org-b", entries, head && { ...head, chainId: "org-b" }).ok).toBe(false);
      }),
    );
  });

  it("detects a tampered or missing head", () => {
    fc.assert(
      fc.property(key, contents(1), fc.constantFrom("seq", "hash", "mac", "missing"), (k, items, what) => {
        const { entries, head } = build(k, items);
        const h = head!;
        const tampered =
          what === "missing"
            ? null
            : what === "seq"
              ? { ...h, seq: h.seq + 1 }
              : what === "hash"
                ? { ...h, hash: genesisHash(k, "other") }
                : { ...h, mac: genesisHash(k, "other") };
        const v = verifyChain(k, CHAIN, entries, tampered);
        expect(v).toMatchObject({ ok: false, problem: "head-tampered" });
        if (what === "missing") expect(v).toMatchObject({ seq: 1 });
      }),
    );
  });

  it("reports validly sealed entries beyond the head as inserted after it", () => {
    const k = Buffer.alloc(32, 9);
    const items = fc.sample(content, { numRuns: 4, seed: 42 });
    const { entries } = build(k, items);
    const staleHead = {
      chainId: CHAIN,
      seq: 2,
      hash: entries[1]!.hash,
      mac: headMac(k, CHAIN, 2, entries[1]!.hash),
    };
    expect(verifyChain(k, CHAIN, entries, staleHead)).toMatchObject({
      ok: false,
      problem: "inserted",
      seq: 3,
    });
  });
});

import { createHmac, timingSafeEqual } from "node:crypto";
import type { ChainVerdict } from "./chain.ts";

/**
 * Seals of the audit chains, kept OUTSIDE the database (a file beside the secrets file). The keyed chain
 * (chain.ts) catches any edit, insertion or deletion inside a chain, but not a chain cut consistently at
 * its end (newest entries deleted and an older head row put back from a backup) nor a chain deleted whole
 * and started again: both are internally perfect chains. A seal remembers, per chain, how long it was
 * and the MACs of its first and last entries when it was sealed; each seal is MAC'd with the audit key,
 * which is not in the database either, so someone with only database access can neither forge a seal
 * nor make a shortened or restarted chain agree with one.
 */
export interface ChainSeal {
  chainId: string;
  /** The chain's length when sealed (0: the chain existed without entries). */
  seq: number;
  /** MAC of entry `seq` (the genesis hash when seq is 0). */
  hash: string;
  /** MAC of entry 1 (empty when seq is 0): a chain started again after a wipe has another first entry. */
  firstHash: string;
  sealedAt: string;
  mac: string;
}

export type UnsignedSeal = Omit<ChainSeal, "mac">;

export function sealMac(key: Buffer, s: UnsignedSeal): string {
  return createHmac("sha256", key)
    .update(`salus-audit-seal:${JSON.stringify([s.chainId, s.seq, s.hash, s.firstHash, s.sealedAt])}`)
    .digest("hex");
}

export function signSeal(key: Buffer, s: UnsignedSeal): ChainSeal {
  return { ...s, mac: sealMac(key, s) };
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Whether the seal was written by Salus with this key (not forged, not edited). */
export function sealIsGenuine(key: Buffer, s: ChainSeal): boolean {
  return typeof s.mac === "string" && sameHex(sealMac(key, s), s.mac);
}

/**
 * MAC over the whole list of seals (sorted by chain): a seal removed from the file, or one file's seal
 * copied into another, breaks it. (Putting back a whole older file is not caught here: anchoring the file
 * in write-once storage is what catches that.)
 */
export function sealListMac(key: Buffer, writtenAt: string, seals: readonly ChainSeal[]): string {
  const sorted = [...seals].sort((a, b) => (a.chainId < b.chainId ? -1 : a.chainId > b.chainId ? 1 : 0));
  return createHmac("sha256", key)
    .update(`salus-audit-seal-list:${writtenAt}:${sorted.map((s) => s.mac).join(",")}`)
    .digest("hex");
}

export function sealListIsGenuine(
  key: Buffer,
  writtenAt: string,
  seals: readonly ChainSeal[],
  mac: string,
): boolean {
  return typeof mac === "string" && sameHex(sealListMac(key, writtenAt, seals), mac);
}

/** "entry 7" or "entries 120–151". */
export function entryRange(from: number, to: number): string {
  return from === to ? `entry ${from}` : `entries ${from}–${to}`;
}

/** "Audit entry 7 is missing" or "Audit entries 120–151 are missing". */
function missing(from: number, to: number): string {
  return `Audit ${entryRange(from, to)} ${from === to ? "is" : "are"} missing`;
}

/** The chain as it is now, as far as a seal is concerned: its entries' sequence numbers and MACs. */
export interface SealedEntry {
  seq: number;
  hash: string;
}

/**
 * Compares a chain (its entries ordered by seq; already verified as a chain) with its last seal. Answers
 * null when the chain still holds everything the seal saw, else the verdict naming what is missing.
 */
export function checkAgainstSeal(
  key: Buffer,
  seal: ChainSeal,
  entries: readonly SealedEntry[],
): ChainVerdict | null {
  const chainId = seal.chainId;
  const when = seal.sealedAt;
  if (!sealIsGenuine(key, seal)) {
    return {
      ok: false,
      chainId,
      seq: seal.seq,
      problem: "seal-invalid",
      message: `The seal of this chain (sealed ${when}) is not genuine: the seal file was edited.`,
    };
  }
  if (seal.seq === 0) return null;
  const first = entries[0];
  if (!first) {
    return {
      ok: false,
      chainId,
      seq: 1,
      problem: "missing",
      message: `${missing(1, seal.seq)}: the whole chain was deleted (it held ${seal.seq} entries when sealed ${when}).`,
    };
  }
  if (first.seq !== 1 || first.hash !== seal.firstHash) {
    return {
      ok: false,
      chainId,
      seq: 1,
      problem: "restarted",
      message: `${missing(1, seal.seq)}: the chain was deleted and started again (its entry 1 is not the one sealed ${when}).`,
    };
  }
  const last = entries[entries.length - 1]!;
  if (last.seq < seal.seq) {
    return {
      ok: false,
      chainId,
      seq: last.seq + 1,
      problem: "missing",
      message: `${missing(last.seq + 1, seal.seq)}: the chain ends at ${last.seq} but held ${seal.seq} entries when sealed ${when}.`,
    };
  }
  const atSeal = entries.find((e) => e.seq === seal.seq);
  if (!atSeal || atSeal.hash !== seal.hash) {
    return {
      ok: false,
      chainId,
      seq: seal.seq,
      problem: "restarted",
      message: `Audit entry ${seal.seq} is not the entry sealed ${when}: entries up to ${seal.seq} were replaced.`,
    };
  }
  return null;
}

/** What a chain looks like to the sealing job: its head row agreeing with its newest entry, or why not. */
export interface ChainTip {
  chainId: string;
  /** Sequence number and MAC of the newest entry (0 and the genesis hash when empty). */
  seq: number;
  hash: string;
  /** MAC of entry 1 ("" when empty). */
  firstHash: string;
  /** MAC of the entry at the old seal's seq, when there is an old seal and such an entry. */
  hashAtOldSeal: string | null;
}

export type SealDecision = { kind: "seal"; seal: UnsignedSeal } | { kind: "keep"; reason: string };

/**
 * Whether to move a chain's seal to its current tip. A seal only ever moves forward along the same
 * chain: when the chain no longer holds what the old seal saw (shortened, restarted), the old seal is
 * kept, so evidence of a wipe survives the next periodic sealing. The operator replaces such seals
 * deliberately (`salus audit seal --reset`, after restoring an older backup).
 */
export function decideSeal(
  key: Buffer,
  old: ChainSeal | null,
  tip: ChainTip,
  sealedAt: string,
): SealDecision {
  const next: UnsignedSeal = {
    chainId: tip.chainId,
    seq: tip.seq,
    hash: tip.hash,
    firstHash: tip.firstHash,
    sealedAt,
  };
  if (!old) return { kind: "seal", seal: next };
  if (!sealIsGenuine(key, old)) return { kind: "keep", reason: "its current seal is not genuine" };
  if (old.seq === 0) return { kind: "seal", seal: next };
  if (tip.seq < old.seq) return { kind: "keep", reason: `the chain is shorter than its seal (${old.seq})` };
  if (tip.firstHash !== old.firstHash)
    return { kind: "keep", reason: "the chain's first entry is not the sealed one" };
  if (tip.hashAtOldSeal !== old.hash)
    return { kind: "keep", reason: `entry ${old.seq} is not the sealed one` };
  if (tip.seq === old.seq) return { kind: "keep", reason: "unchanged" };
  return { kind: "seal", seal: next };
}

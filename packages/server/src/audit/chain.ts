import { createHmac } from "node:crypto";

/**
 * The audit trail's tamper evidence: each entry carries an HMAC-SHA256, under a key kept outside the
 * database, of its content and of the previous entry's MAC. Without the key nobody can edit an entry,
 * insert one, delete one or reorder two without the chain breaking at that point; `verifyChain` names the
 * first entry where it breaks and how. The sequence number is not part of the MAC (order is protected by
 * the links); a gap or a renumbering is caught by the contiguity check.
 */
export interface AuditContent {
  chainId: string;
  at: string;
  organizationId: string | null;
  userId: string | null;
  actor: string | null;
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  patientId: string | null;
  outcome: "success" | "failure" | "denied";
  ip: string | null;
  requestId: string | null;
  detail: string | null;
}

export interface ChainedEntry extends AuditContent {
  seq: number;
  prevHash: string;
  hash: string;
}

export interface ChainHead {
  chainId: string;
  seq: number;
  hash: string;
  mac: string;
}

/** The "previous hash" of a chain's first entry: bound to the chain so chains cannot be spliced. */
export function genesisHash(key: Buffer, chainId: string): string {
  return createHmac("sha256", key).update(`salus-audit-genesis:${chainId}`).digest("hex");
}

export function entryHash(key: Buffer, content: AuditContent, prevHash: string): string {
  const canonical = JSON.stringify([
    content.chainId,
    content.at,
    content.organizationId,
    content.userId,
    content.actor,
    content.action,
    content.resourceType,
    content.resourceId,
    content.patientId,
    content.outcome,
    content.ip,
    content.requestId,
    content.detail,
    prevHash,
  ]);
  return createHmac("sha256", key).update(canonical).digest("hex");
}

export function headMac(key: Buffer, chainId: string, seq: number, hash: string): string {
  return createHmac("sha256", key).update(`salus-audit-head:${chainId}:${seq}:${hash}`).digest("hex");
}

/**
 * `missing`: entries the chain's seal (seals.ts, kept outside the database) or its organization's data
 * says must exist are gone; `restarted`: the chain was deleted and begun again; `seal-invalid`: the seal
 * file was edited.
 */
export type ChainProblem =
  | "edited"
  | "deleted"
  | "inserted"
  | "reordered"
  | "head-tampered"
  | "missing"
  | "restarted"
  | "seal-invalid";

export type ChainVerdict =
  | { ok: true; chainId: string; entries: number }
  | { ok: false; chainId: string; seq: number; problem: ChainProblem; message: string };

/**
 * Verifies one chain. `entries` must be the chain's rows ordered by seq ascending; `head` is the stored
 * chain head (null when the chain has none yet).
 */
export function verifyChain(
  key: Buffer,
  chainId: string,
  entries: readonly ChainedEntry[],
  head: ChainHead | null,
): ChainVerdict {
  const fail = (seq: number, problem: ChainProblem, message: string): ChainVerdict => ({
    ok: false,
    chainId,
    seq,
    problem,
    message,
  });
  const position = new Map<string, number>();
  entries.forEach((e, i) => {
    position.set(e.hash, i);
  });
  // Seals of the entries accepted so far: a validly sealed row whose seal was already seen is a replayed
  // copy of a genuine entry, i.e. an insertion (without this it was reported as a deletion, and for a copy
  // of the last entry named an entry that never existed).
  const accepted = new Set<string>();
  let prevHash = genesisHash(key, chainId);
  let expectedSeq = 1;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const macOk = entryHash(key, e, e.prevHash) === e.hash;
    if (!macOk) {
      // A row whose MAC fails is either an edited original or a forged insertion; an insertion is
      // recognisable because the next genuine row still links past it to the row before.
      const next = entries[i + 1];
      if (next && next.prevHash === prevHash && entryHash(key, next, next.prevHash) === next.hash) {
        return fail(e.seq, "inserted", `Audit entry ${e.seq} was inserted: it was not written by Salus.`);
      }
      // A forged row appended after the last genuine one has no next row to link past it, so the test
      // above cannot see it; it is still an insertion (not an edit) when the sealed head says the chain
      // ended exactly at the previous row.
      if (
        head &&
        head.seq === expectedSeq - 1 &&
        head.hash === prevHash &&
        headMac(key, chainId, head.seq, head.hash) === head.mac
      ) {
        return fail(e.seq, "inserted", `Audit entry ${e.seq} was inserted after the chain head.`);
      }
      return fail(
        e.seq,
        "edited",
        `Audit entry ${e.seq} was edited: its content no longer matches its seal.`,
      );
    }
    if (e.prevHash !== prevHash) {
      if (accepted.has(e.hash)) {
        return fail(e.seq, "inserted", `Audit entry ${e.seq} was inserted: it repeats an earlier entry.`);
      }
      const linkedTo = position.get(e.prevHash);
      if (linkedTo !== undefined && linkedTo > i) {
        return fail(e.seq, "reordered", `Audit entry ${e.seq} is out of order: entries were reordered.`);
      }
      // Name the whole gap when the numbering shows it (a chain whose first entries were deleted starts at
      // a later seq); a gap closed by renumbering shows only its first entry.
      if (e.seq > expectedSeq + 1) {
        return fail(
          expectedSeq,
          "deleted",
          `Audit entries ${expectedSeq}–${e.seq - 1} were deleted: the chain skips from ${expectedSeq - 1} to ${e.seq}.`,
        );
      }
      return fail(expectedSeq, "deleted", `Audit entry ${expectedSeq} was deleted: the chain skips it.`);
    }
    if (e.seq !== expectedSeq) {
      return fail(
        expectedSeq,
        "edited",
        `Audit entry ${expectedSeq} was renumbered: the sequence skips to ${e.seq}.`,
      );
    }
    accepted.add(e.hash);
    prevHash = e.hash;
    expectedSeq++;
  }
  if (head) {
    if (headMac(key, chainId, head.seq, head.hash) !== head.mac) {
      return fail(head.seq, "head-tampered", "The audit chain head was edited: its seal does not match.");
    }
    if (head.seq !== expectedSeq - 1 || head.hash !== prevHash) {
      if (head.seq > expectedSeq - 1) {
        return fail(
          expectedSeq,
          "deleted",
          head.seq > expectedSeq
            ? `Audit entries ${expectedSeq}–${head.seq} were deleted: the chain ends before its head (${head.seq}).`
            : `Audit entry ${expectedSeq} was deleted: the chain ends before its head.`,
        );
      }
      return fail(head.seq + 1, "inserted", `Audit entry ${head.seq + 1} was inserted after the chain head.`);
    }
  } else if (entries.length > 0) {
    return fail(1, "head-tampered", "The audit chain head is missing.");
  }
  return { ok: true, chainId, entries: entries.length };
}

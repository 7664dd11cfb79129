import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { dirname, join } from "node:path";
import type { FastifyBaseLogger } from "fastify";
import type { Config } from "../config.ts";
import type { Db } from "../db/connection.ts";
import { baseChainOf, inSnapshot, type Trx } from "../db/transaction.ts";
import type { Services } from "../platform/services.ts";
import { genesisHash, headMac } from "./chain.ts";
import {
  type ChainSeal,
  type ChainTip,
  decideSeal,
  sealIsGenuine,
  sealListIsGenuine,
  sealListMac,
  signSeal,
} from "./seals.ts";
import { retiredChains } from "./verify-audit.ts";

/**
 * The seal file: per audit chain, its length and the MACs of its first and last entries, each record
 * MAC'd with the audit key, kept outside the database beside the secrets file (`SALUS_SEALS_FILE`,
 * default `salus.seals` in the secrets file's directory). `salus serve` refreshes it every minute and at
 * shutdown; `salus audit seal` writes it on demand; `salus audit verify` fails when a chain no longer
 * holds what its seal saw (see core audit/seals.ts). A seal only moves forward: the periodic job never
 * overwrites the evidence of a shortened or restarted chain.
 */
export interface SealFile {
  version: 1;
  writtenAt: string;
  seals: ChainSeal[];
  mac: string;
}

/** Where the seal file lives: SALUS_SEALS_FILE, else `salus.seals` beside the secrets file. */
export function sealsFileOf(
  config: Pick<Config, "secretsFile"> & { sealsFile?: string | undefined },
): string {
  return config.sealsFile ?? join(dirname(config.secretsFile), "salus.seals");
}

export interface LoadedSeals {
  seals: ChainSeal[];
  writtenAt: string;
  /** Set when the file as a whole was altered (a record removed, edited or copied in). */
  problem: string | null;
}

/** Reads the seal file; null when there is none yet. A file that is not a seal file is a problem, not a crash. */
export function readSealFile(file: string, key: Buffer): LoadedSeals | null {
  if (!existsSync(file)) return null;
  let parsed: Partial<SealFile>;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8")) as Partial<SealFile>;
  } catch {
    return {
      seals: [],
      writtenAt: "",
      problem: `The seal file ${file} is not readable JSON: it was damaged or replaced.`,
    };
  }
  const seals = Array.isArray(parsed.seals)
    ? parsed.seals.filter(
        (s): s is ChainSeal =>
          !!s &&
          typeof s.chainId === "string" &&
          Number.isInteger(s.seq) &&
          typeof s.hash === "string" &&
          typeof s.firstHash === "string" &&
          typeof s.sealedAt === "string" &&
          typeof s.mac === "string",
      )
    : [];
  const writtenAt = typeof parsed.writtenAt === "string" ? parsed.writtenAt : "";
  const whole =
    parsed.version === 1 &&
    Array.isArray(parsed.seals) &&
    seals.length === parsed.seals.length &&
    sealListIsGenuine(key, writtenAt, seals, String(parsed.mac ?? "")) &&
    seals.every((x) => sealIsGenuine(key, x));
  return {
    seals,
    writtenAt,
    problem: whole
      ? null
      : `The seal file ${file} was altered: its seal list does not match its MAC (a seal was removed, edited or added).`,
  };
}

/** Writes the file beside itself, fsyncs, renames over the old one and fsyncs the directory. */
function writeSealFile(file: string, key: Buffer, writtenAt: string, seals: ChainSeal[]): void {
  const sorted = [...seals].sort((a, b) => (a.chainId < b.chainId ? -1 : a.chainId > b.chainId ? 1 : 0));
  const content: SealFile = {
    version: 1,
    writtenAt,
    seals: sorted,
    mac: sealListMac(key, writtenAt, sorted),
  };
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const fd = openSync(tmp, "w", 0o600);
    try {
      writeSync(fd, `${JSON.stringify(content, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
  try {
    const dfd = openSync(dir, "r");
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // Some platforms cannot open a directory for fsync; the rename itself is still atomic.
  }
}

/** Every chain's tip as the sealing job sees it; `problem` when its head row disagrees with its entries. */
async function chainTips(
  trx: Trx,
  key: Buffer,
  old: ReadonlyMap<string, ChainSeal>,
): Promise<{ tip: ChainTip; problem: string | null }[]> {
  const heads = await trx.selectFrom("audit_heads").selectAll().execute();
  const lasts = await trx
    .selectFrom("audit_entries")
    .select(["chain_id", (eb) => eb.fn.max("seq").as("last")])
    .groupBy("chain_id")
    .execute();
  const ids = new Set([...heads.map((h) => h.chain_id), ...lasts.map((l) => l.chain_id)]);
  const tips: { tip: ChainTip; problem: string | null }[] = [];
  for (const chainId of [...ids].sort()) {
    const head = heads.find((h) => h.chain_id === chainId);
    const lastSeq = Number(lasts.find((l) => l.chain_id === chainId)?.last ?? 0);
    const at = async (seq: number) =>
      seq < 1
        ? null
        : ((
            await trx
              .selectFrom("audit_entries")
              .select("hash")
              .where("chain_id", "=", chainId)
              .where("seq", "=", seq)
              .executeTakeFirst()
          )?.hash ?? null);
    const lastHash = lastSeq > 0 ? await at(lastSeq) : genesisHash(key, chainId);
    const firstHash = (await at(1)) ?? "";
    const oldSeal = old.get(chainId);
    const tip: ChainTip = {
      chainId,
      seq: lastSeq,
      hash: lastHash ?? "",
      firstHash,
      hashAtOldSeal: oldSeal ? (oldSeal.seq === 0 ? genesisHash(key, chainId) : await at(oldSeal.seq)) : null,
    };
    let problem: string | null = null;
    if (!head) problem = "the chain has no head row";
    else if (headMac(key, chainId, Number(head.seq), head.hash) !== head.mac)
      problem = "its head row is not genuine";
    else if (Number(head.seq) !== lastSeq || head.hash !== tip.hash)
      problem = `its head row (${head.seq}) disagrees with its newest entry (${lastSeq})`;
    tips.push({ tip, problem });
  }
  return tips;
}

export interface SealResult {
  file: string;
  /** Chains whose seal moved forward (or was written for the first time). */
  sealed: number;
  unchanged: number;
  /** Chains whose seal was kept as it was, and why (a shortened or restarted chain, a bad head row). */
  kept: { chainId: string; reason: string }[];
  written: boolean;
  /** Where the sealed heads were also exported (`out`), when they were. */
  exported?: string;
}

/**
 * Brings the seal file up to date with the database, on one consistent snapshot. Seals only move forward
 * along the same chain; `reset` (the operator, after deliberately restoring an older backup) replaces
 * every seal with the chains as they are now and forgets chains that no longer exist.
 */
export async function sealAuditTrail(
  db: Db,
  key: Buffer,
  file: string,
  now: Date,
  options: { reset?: boolean; out?: string } = {},
): Promise<SealResult> {
  const loaded = options.reset ? null : readSealFile(file, key);
  const old = new Map((loaded?.seals ?? []).map((s) => [s.chainId, s]));
  const sealedAt = now.toISOString();
  const { tips, retired } = await inSnapshot(db, async (trx) => ({
    tips: await chainTips(trx, key, old),
    retired: await retiredChains(trx),
  }));
  const next = new Map(old);
  const result: SealResult = { file, sealed: 0, unchanged: 0, kept: [], written: false };
  for (const { tip, problem } of tips) {
    if (problem) {
      result.kept.push({ chainId: tip.chainId, reason: problem });
      continue;
    }
    const decision = decideSeal(key, old.get(tip.chainId) ?? null, tip, sealedAt);
    if (decision.kind === "seal") {
      next.set(tip.chainId, signSeal(key, decision.seal));
      result.sealed++;
    } else if (decision.reason === "unchanged") result.unchanged++;
    else result.kept.push({ chainId: tip.chainId, reason: decision.reason });
  }
  const tipIds = new Set(tips.map((t) => t.tip.chainId));
  for (const s of old.values()) {
    if (tipIds.has(s.chainId)) continue;
    // Removed on purpose (recorded in the keyed platform chain): the seal goes with it.
    if (retired.has(baseChainOf(s.chainId))) {
      next.delete(s.chainId);
      result.sealed++;
    } else if (s.seq > 0)
      result.kept.push({ chainId: s.chainId, reason: `the chain is gone (its seal says ${s.seq} entries)` });
  }
  // A seal file whose list was altered is rewritten only by a reset: rewriting it would re-sign whatever
  // was left in it and erase the evidence.
  if (loaded?.problem) {
    result.kept.push({ chainId: "*", reason: loaded.problem });
    return result;
  }
  if (result.sealed > 0 || !loaded) {
    writeSealFile(file, key, sealedAt, [...next.values()]);
    result.written = true;
  }
  // The export is the seal file as it now stands (same format and MACs), for write-once storage or another
  // machine: whoever later rewinds the database AND the seal file beside it is still caught by the copy.
  if (options.out) {
    writeSealFile(options.out, key, result.written ? sealedAt : (loaded?.writtenAt ?? sealedAt), [
      ...next.values(),
    ]);
    result.exported = options.out;
  }
  return result;
}

/**
 * `salus serve`'s sealing job: every minute, and once more at shutdown (the stop function). Answers the
 * stop function; a failure is logged and retried at the next tick.
 */
export function startAuditSealJob(
  services: Services,
  log: Pick<FastifyBaseLogger, "info" | "warn" | "error">,
  everyMs = 60_000,
): () => Promise<void> {
  const file = sealsFileOf(services.config);
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const tick = () => {
    running = running.then(async () => {
      try {
        const r = await sealAuditTrail(services.db, services.secrets.auditKey, file, services.clock());
        for (const k of r.kept)
          if (k.chainId !== "*")
            log.warn(
              { chainId: k.chainId, reason: k.reason },
              "audit chain seal kept: chain does not extend its seal",
            );
          else log.error({ file, reason: k.reason }, "audit seal file altered");
      } catch (error) {
        log.warn(
          { job: "audit-seal", err: error instanceof Error ? error.message : String(error) },
          "audit seal failed",
        );
      }
    });
  };
  tick();
  const timer = setInterval(() => {
    if (!stopped) tick();
  }, everyMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    tick();
    await running;
  };
}

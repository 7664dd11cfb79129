import type { Db } from "../db/connection.ts";
import { baseChainOf, inSnapshot, type Trx } from "../db/transaction.ts";
import { type ChainedEntry, type ChainVerdict, verifyChain } from "./chain.ts";
import { type ChainSeal, checkAgainstSeal } from "./seals.ts";

export interface VerifyOptions {
  /** The chains' last seals (audit/seal-audit.ts, read from the seal file outside the database). */
  seals?: readonly ChainSeal[] | undefined;
}

/**
 * Platform-chain actions that remove an organization with its audit chain on purpose (an interrupted demo
 * seeding rolled back). The platform chain is keyed like every chain, so such an entry cannot be forged;
 * a chain it names may be gone without that being a wipe, once its organization is gone too.
 */
const RETIRING_ACTIONS = ["demo.rollback"] as const;

/**
 * Chains removed on purpose, as recorded in the platform chain (see RETIRING_ACTIONS). An organization's
 * stripes (`<org>.<k>`) go with it: look a chain up by `baseChainOf(chainId)`.
 */
export async function retiredChains(trx: Trx): Promise<Set<string>> {
  const rows = await trx
    .selectFrom("audit_entries")
    .select("resource_id")
    .where("chain_id", "=", "platform")
    .where("action", "in", [...RETIRING_ACTIONS])
    .where("outcome", "=", "success")
    .execute();
  return new Set(rows.map((r) => r.resource_id).filter((x): x is string => !!x));
}

/** Tables whose rows mean an organization is in use (named in the verdict when its chain is gone). */
const ORGANIZATION_DATA = [
  ["memberships", "members"],
  ["patients", "patients"],
  ["staff_members", "staff"],
  ["locations", "locations"],
  ["appointments", "appointments"],
] as const;

async function dataOf(trx: Trx, organizationId: string): Promise<string> {
  const parts: string[] = [];
  for (const [table, words] of ORGANIZATION_DATA) {
    const row = await trx
      .selectFrom(table)
      .select((eb) => eb.fn.countAll().as("n"))
      .where("organization_id", "=", organizationId)
      .executeTakeFirst();
    const n = Number(row?.n ?? 0);
    if (n > 0) parts.push(`${n} ${words}`);
  }
  return parts.length ? parts.join(", ") : "its settings";
}

/**
 * Verifies every audit chain (each organization's and the platform's) on one consistent snapshot:
 * - each chain is intact as a keyed chain and its head row agrees with its newest entry (core chain.ts);
 * - each organization has a chain, and it begins with the organization's creation: a chain deleted whole
 *   (then begun again by the next audited action) is not a chain of that organization's history;
 * - each chain still holds everything its last seal saw (core seals.ts): a chain cut at its end with an
 *   older head row put back, or deleted and restarted, is named with the entries missing.
 */
export async function verifyAuditTrail(
  db: Db,
  key: Buffer,
  options: VerifyOptions = {},
): Promise<ChainVerdict[]> {
  const seals = new Map((options.seals ?? []).map((s) => [s.chainId, s]));
  return inSnapshot(db, async (trx) => {
    const heads = await trx.selectFrom("audit_heads").selectAll().execute();
    const organizations = await trx.selectFrom("organizations").select(["id", "slug"]).execute();
    const orgIds = new Set(organizations.map((o) => o.id));
    const chainIds = new Set(heads.map((h) => h.chain_id));
    const orphanChains = await trx.selectFrom("audit_entries").select("chain_id").distinct().execute();
    for (const c of orphanChains) chainIds.add(c.chain_id);
    for (const id of orgIds) chainIds.add(id);
    // A sealed chain removed on purpose (its organization gone, the removal in the keyed platform chain)
    // is not a wipe. The platform chain is verified like the others, so a forged removal fails there.
    const retired = await retiredChains(trx);
    const gone = (id: string) => retired.has(baseChainOf(id)) && !orgIds.has(baseChainOf(id));
    for (const id of seals.keys()) if (!gone(id)) chainIds.add(id);
    const verdicts: ChainVerdict[] = [];
    for (const chainId of [...chainIds].sort()) {
      const rows = await trx
        .selectFrom("audit_entries")
        .selectAll()
        .where("chain_id", "=", chainId)
        .orderBy("seq", "asc")
        .execute();
      const entries: ChainedEntry[] = rows.map((r) => ({
        chainId: r.chain_id,
        seq: Number(r.seq),
        at: r.at,
        organizationId: r.organization_id,
        userId: r.user_id,
        actor: r.actor,
        action: r.action,
        resourceType: r.resource_type,
        resourceId: r.resource_id,
        patientId: r.patient_id,
        outcome: r.outcome,
        ip: r.ip,
        requestId: r.request_id,
        detail: r.detail,
        prevHash: r.prev_hash,
        hash: r.hash,
      }));
      const head = heads.find((h) => h.chain_id === chainId);
      const chain = verifyChain(
        key,
        chainId,
        entries,
        head ? { chainId, seq: Number(head.seq), hash: head.hash, mac: head.mac } : null,
      );
      if (!chain.ok) {
        verdicts.push(chain);
        continue;
      }
      const seal = gone(chainId) ? undefined : seals.get(chainId);
      const sealed = seal ? checkAgainstSeal(key, seal, entries) : null;
      if (sealed) {
        verdicts.push(sealed);
        continue;
      }
      if (orgIds.has(chainId)) {
        const first = entries[0];
        if (!first) {
          verdicts.push({
            ok: false,
            chainId,
            seq: 1,
            problem: "missing",
            message: `The organization has data (${await dataOf(trx, chainId)}) but no audit entries: its audit chain was deleted.`,
          });
          continue;
        }
        // Salus writes "organization.create" as entry 1 in the transaction that creates the organization;
        // nobody without the key can write another entry 1, so any other first entry is a restarted chain.
        if (first.action !== "organization.create" || first.resourceId !== chainId) {
          verdicts.push({
            ok: false,
            chainId,
            seq: 1,
            problem: "restarted",
            message: `The chain does not begin with the organization's creation (entry 1 is ${first.action} at ${first.at}): its earlier entries were deleted and the chain started again.`,
          });
          continue;
        }
      }
      verdicts.push(chain);
    }
    return verdicts;
  });
}

/**
 * "slug, name" of each organization by chain id: how `salus audit verify` names a broken chain's practice.
 * Look a chain up with `labelOf`, which also names the organization of a stripe (`<org>.<k>`).
 */
export async function chainLabels(db: Db): Promise<Map<string, string>> {
  const orgs = await db.kysely.selectFrom("organizations").select(["id", "slug", "name"]).execute();
  return new Map(orgs.map((o) => [o.id, `${o.slug}, ${o.name}`]));
}

export function labelOf(labels: ReadonlyMap<string, string>, chainId: string): string | undefined {
  return labels.get(chainId) ?? labels.get(baseChainOf(chainId));
}

import { type ChainedEntry, type ChainVerdict, verifyChain } from "@salus/core";
import type { Db } from "../db/connection.ts";
import { inSnapshot } from "../db/transaction.ts";

/** Verifies every audit chain (each organization's and the platform's) on one consistent snapshot. */
export async function verifyAuditTrail(db: Db, key: Buffer): Promise<ChainVerdict[]> {
  return inSnapshot(db, async (trx) => {
    const heads = await trx.selectFrom("audit_heads").selectAll().execute();
    const chainIds = new Set(heads.map((h) => h.chain_id));
    const orphanChains = await trx.selectFrom("audit_entries").select("chain_id").distinct().execute();
    for (const c of orphanChains) chainIds.add(c.chain_id);
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
      verdicts.push(
        verifyChain(
          key,
          chainId,
          entries,
          head ? { chainId, seq: Number(head.seq), hash: head.hash, mac: head.mac } : null,
        ),
      );
    }
    return verdicts;
  });
}

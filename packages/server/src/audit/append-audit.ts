import { type AuditContent, entryHash, genesisHash, headMac } from "@salus/core";
import type { DialectName } from "../db/connection.ts";
import type { Trx } from "../db/transaction.ts";

export const PLATFORM_CHAIN = "platform";

export interface AuditWriter {
  key: Buffer;
  dialect: DialectName;
}

export type AuditInput = Omit<AuditContent, "chainId">;

/**
 * Appends one entry to the organization's chain inside the caller's transaction, so the entry exists if
 * and only if the work it describes was committed. The chain head row is locked (PostgreSQL) or the
 * whole database is (SQLite `begin immediate`), so concurrent writers extend the chain one at a time.
 */
export async function appendAudit(trx: Trx, writer: AuditWriter, input: AuditInput): Promise<void> {
  const chainId = input.organizationId ?? PLATFORM_CHAIN;
  let query = trx.selectFrom("audit_heads").select(["seq", "hash"]).where("chain_id", "=", chainId);
  if (writer.dialect === "postgres") query = query.forUpdate();
  let head = await query.executeTakeFirst();
  if (!head) {
    // First entry of this chain. A concurrent first writer makes one of the two inserts fail on the
    // primary key, and that transaction is retried (serialization failure on PostgreSQL).
    const genesis = genesisHash(writer.key, chainId);
    await trx
      .insertInto("audit_heads")
      .values({ chain_id: chainId, seq: 0, hash: genesis, mac: headMac(writer.key, chainId, 0, genesis) })
      .execute();
    head = { seq: 0, hash: genesis };
  }
  const content: AuditContent = { ...input, chainId };
  const seq = Number(head.seq) + 1;
  const hash = entryHash(writer.key, content, head.hash);
  await trx
    .insertInto("audit_entries")
    .values({
      chain_id: chainId,
      seq,
      at: content.at,
      organization_id: content.organizationId,
      user_id: content.userId,
      actor: content.actor,
      action: content.action,
      resource_type: content.resourceType,
      resource_id: content.resourceId,
      patient_id: content.patientId,
      outcome: content.outcome,
      ip: content.ip,
      request_id: content.requestId,
      detail: content.detail,
      prev_hash: head.hash,
      hash,
    })
    .execute();
  await trx
    .updateTable("audit_heads")
    .set({ seq, hash, mac: headMac(writer.key, chainId, seq, hash) })
    .where("chain_id", "=", chainId)
    .execute();
}

/** Ensures a chain head exists for a new organization (called when the organization is created). */
export async function ensureChain(trx: Trx, writer: AuditWriter, chainId: string): Promise<void> {
  const genesis = genesisHash(writer.key, chainId);
  await trx
    .insertInto("audit_heads")
    .values({ chain_id: chainId, seq: 0, hash: genesis, mac: headMac(writer.key, chainId, 0, genesis) })
    .onConflict((oc) => oc.column("chain_id").doNothing())
    .execute();
}

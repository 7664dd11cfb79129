import type { DialectName } from "../db/connection.ts";
import { systemTrx } from "../db/scoped.ts";
import { baseChainOf, stripeOf, type Trx } from "../db/transaction.ts";
import { type AuditContent, entryHash, genesisHash, headMac } from "./chain.ts";

export const PLATFORM_CHAIN = "platform";

export interface AuditWriter {
  key: Buffer;
  dialect: DialectName;
}

export type AuditInput = Omit<AuditContent, "chainId">;

/**
 * Appends one entry to the organization's chain inside the caller's transaction, so the entry exists if
 * and only if the work it describes was committed. On PostgreSQL a transaction opened with
 * `auditChain` (db/transaction.ts) holds one of the chain's stripes, a sub-chain `<org>.<k>` with its own
 * head and genesis, and extends that one: up to AUDIT_STRIPES transactions of an organization append at
 * once, each stripe still one entry after another. Otherwise the organization's chain itself (stripe 0)
 * is extended; its head row is locked (PostgreSQL) or the whole database is (SQLite `begin immediate`).
 */
export async function appendAudit(trx: Trx, writer: AuditWriter, input: AuditInput): Promise<void> {
  await appendAuditEntries(trx, writer, [input]);
}

/**
 * Appends several entries of ONE chain (all with the same organization) in order: the head is read and
 * locked once, the entries inserted in one statement, the head moved once. Used by appendAudit (one entry)
 * and by the group committer (audit/group-commit.ts: the entries of concurrent audited reads).
 */
export async function appendAuditEntries(
  trx: Trx,
  writer: AuditWriter,
  inputs: readonly AuditInput[],
): Promise<void> {
  const first = inputs[0];
  if (!first) return;
  const own = first.organizationId ?? PLATFORM_CHAIN;
  if (inputs.some((i) => (i.organizationId ?? PLATFORM_CHAIN) !== own))
    throw new Error("appendAuditEntries: entries of one chain only");
  // The stripe is kept per transaction; a scoped handle (db/scoped.ts) stands for the same transaction.
  const held = stripeOf(systemTrx(trx));
  const chainId = held && baseChainOf(held) === own ? held : own;
  let query = trx.selectFrom("audit_heads").select(["seq", "hash"]).where("chain_id", "=", chainId);
  if (writer.dialect === "postgres") query = query.forUpdate();
  let head = await query.executeTakeFirst();
  if (!head) {
    // First entry of this chain (or stripe). A concurrent first writer makes one of the two inserts fail
    // on the primary key, and that transaction is retried (serialization failure on PostgreSQL).
    const genesis = genesisHash(writer.key, chainId);
    await trx
      .insertInto("audit_heads")
      .values({ chain_id: chainId, seq: 0, hash: genesis, mac: headMac(writer.key, chainId, 0, genesis) })
      .execute();
    head = { seq: 0, hash: genesis };
  }
  let seq = Number(head.seq);
  let prevHash = head.hash;
  const rows = inputs.map((input) => {
    const content: AuditContent = { ...input, chainId };
    seq++;
    const hash = entryHash(writer.key, content, prevHash);
    const row = {
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
      prev_hash: prevHash,
      hash,
    };
    prevHash = hash;
    return row;
  });
  const moveHead = { seq, hash: prevHash, mac: headMac(writer.key, chainId, seq, prevHash) };
  if (writer.dialect === "postgres") {
    // One statement, one round trip fewer on every audited write and group-committed batch: the insert
    // runs as a data-modifying CTE of the head's update (both or neither, in the caller's transaction).
    await trx
      .with("appended", (db) => db.insertInto("audit_entries").values(rows))
      .updateTable("audit_heads")
      .set(moveHead)
      .where("chain_id", "=", chainId)
      .execute();
    return;
  }
  await trx.insertInto("audit_entries").values(rows).execute();
  await trx.updateTable("audit_heads").set(moveHead).where("chain_id", "=", chainId).execute();
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

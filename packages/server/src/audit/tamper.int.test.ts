import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor, createOrganization } from "../admin/organizations.ts";
import { createLocation } from "../directory/locations.ts";
import { closeTestServices, createTestServices, dialect, type TestServices } from "../testing/harness.ts";
import type { ChainProblem } from "./chain.ts";
import { verifyAuditTrail } from "./verify-audit.ts";

/**
 * SEC-AUD-04: the database refuses UPDATE and DELETE on audit entries; and an attacker who gets past that
 * (drops the triggers) and edits, deletes, inserts or reorders entries is caught by the keyed chain, which
 * names the first bad sequence number.
 */
describe(`audit tamper detection (${dialect})`, () => {
  let services: TestServices;
  let n = 0;

  beforeAll(async () => {
    services = await createTestServices();
  });
  afterAll(async () => {
    await closeTestServices(services);
  });

  /** A fresh organization whose chain holds exactly 6 entries (organization.create + 5 location.create). */
  async function freshChain(): Promise<string> {
    n++;
    const org = await createOrganization(services, { slug: `tamper-${n}`, name: `Tamper ${n}` });
    for (let i = 1; i <= 5; i++) {
      await createLocation(services, cliActor(org.id), {
        name: `Clinic ${i}`,
        timeZone: "America/New_York",
        addressLine1: null,
        addressLine2: null,
        city: null,
        state: null,
        postalCode: null,
        phone: null,
      });
    }
    const rows = await entries(org.id);
    expect(rows.map((r) => Number(r.seq))).toEqual([1, 2, 3, 4, 5, 6]);
    return org.id;
  }

  function entries(chainId: string) {
    return services.systemDb
      .selectFrom("audit_entries")
      .selectAll()
      .where("chain_id", "=", chainId)
      .orderBy("seq")
      .execute();
  }

  async function verdictOf(chainId: string) {
    const verdicts = await verifyAuditTrail(services.db, services.secrets.auditKey);
    const mine = verdicts.find((v) => v.chainId === chainId);
    if (!mine) throw new Error(`no verdict for chain ${chainId}`);
    // Tampering with one chain never makes another look bad (each test breaks only its own chain).
    for (const v of verdicts)
      if (v.chainId !== chainId && !broken.has(v.chainId)) expect(v).toMatchObject({ ok: true });
    return mine;
  }
  const broken = new Set<string>();

  async function expectBroken(chainId: string, problem: ChainProblem, seq: number) {
    broken.add(chainId);
    const v = await verdictOf(chainId);
    expect(v).toMatchObject({ ok: false, chainId, problem, seq });
    if (!v.ok && problem !== "head-tampered") expect(v.message).toContain(String(seq));
  }

  async function disableAppendOnly() {
    if (dialect === "postgres") {
      await sql`alter table audit_entries disable trigger audit_entries_append_only`.execute(
        services.systemDb,
      );
    } else {
      await sql`drop trigger if exists audit_entries_no_update`.execute(services.systemDb);
      await sql`drop trigger if exists audit_entries_no_delete`.execute(services.systemDb);
    }
  }

  const db = () => services.systemDb;

  it("the database itself refuses UPDATE and DELETE on audit entries", async () => {
    const chain = await freshChain();
    await expect(
      sql`update audit_entries set action = 'x' where chain_id = ${chain} and seq = 2`.execute(db()),
    ).rejects.toThrow(/append-only/);
    await expect(
      sql`delete from audit_entries where chain_id = ${chain} and seq = 6`.execute(db()),
    ).rejects.toThrow(/append-only/);
    await expect(sql`delete from audit_entries`.execute(db())).rejects.toThrow(/append-only/);
    // SQLite has no TRUNCATE (its `delete from` without WHERE is covered above).
    if (dialect === "postgres") {
      await expect(sql`truncate audit_entries`.execute(db())).rejects.toThrow(/append-only/);
    }
    expect(await entries(chain)).toHaveLength(6);
    expect(await verdictOf(chain)).toEqual({ ok: true, chainId: chain, entries: 6 });
  });

  it("an untouched trail verifies, every chain", async () => {
    const chain = await freshChain();
    const verdicts = await verifyAuditTrail(services.db, services.secrets.auditKey);
    expect(verdicts.length).toBeGreaterThanOrEqual(2);
    for (const v of verdicts) expect(v.ok, JSON.stringify(v)).toBe(true);
    expect(verdicts.find((v) => v.chainId === chain)).toEqual({ ok: true, chainId: chain, entries: 6 });
  });

  it("a wrong key does not verify (the seal is keyed)", async () => {
    const chain = await freshChain();
    const verdicts = await verifyAuditTrail(services.db, Buffer.alloc(32, 7));
    const v = verdicts.find((x) => x.chainId === chain);
    expect(v).toMatchObject({ ok: false, seq: 1 });
  });

  it("an edited entry is found: its seq, problem edited", async () => {
    await disableAppendOnly();
    const chain = await freshChain();
    await db()
      .updateTable("audit_entries")
      .set({ outcome: "success", action: "location.read" })
      .where("chain_id", "=", chain)
      .where("seq", "=", 3)
      .execute();
    await expectBroken(chain, "edited", 3);
  });

  it("an edited entry whose attacker also rewrote its hash is found at that entry", async () => {
    await disableAppendOnly();
    const chain = await freshChain();
    await db()
      .updateTable("audit_entries")
      .set({ actor: "someone-else", hash: "0".repeat(64) })
      .where("chain_id", "=", chain)
      .where("seq", "=", 4)
      .execute();
    await expectBroken(chain, "edited", 4);
  });

  it("a deleted middle entry is found: problem deleted, its seq", async () => {
    await disableAppendOnly();
    const chain = await freshChain();
    await db().deleteFrom("audit_entries").where("chain_id", "=", chain).where("seq", "=", 3).execute();
    await expectBroken(chain, "deleted", 3);
  });

  it("a deleted middle entry with the rest renumbered to close the gap is still found", async () => {
    await disableAppendOnly();
    const chain = await freshChain();
    await db().deleteFrom("audit_entries").where("chain_id", "=", chain).where("seq", "=", 3).execute();
    for (const seq of [4, 5, 6])
      await db()
        .updateTable("audit_entries")
        .set({ seq: seq - 1 })
        .where("chain_id", "=", chain)
        .where("seq", "=", seq)
        .execute();
    await expectBroken(chain, "deleted", 3);
  });

  it("a deleted last entry is found against the chain head", async () => {
    await disableAppendOnly();
    const chain = await freshChain();
    await db().deleteFrom("audit_entries").where("chain_id", "=", chain).where("seq", "=", 6).execute();
    await expectBroken(chain, "deleted", 6);
  });

  it("a deleted last entry with the head moved back is found (the head is sealed)", async () => {
    await disableAppendOnly();
    const chain = await freshChain();
    const fifth = (await entries(chain))[4]!;
    await db().deleteFrom("audit_entries").where("chain_id", "=", chain).where("seq", "=", 6).execute();
    await db()
      .updateTable("audit_heads")
      .set({ seq: 5, hash: fifth.hash })
      .where("chain_id", "=", chain)
      .execute();
    await expectBroken(chain, "head-tampered", 5);
  });

  it("a forged entry inserted in the middle is found: problem inserted, its seq", async () => {
    await disableAppendOnly();
    const chain = await freshChain();
    const rows = await entries(chain);
    for (const seq of [6, 5, 4])
      await db()
        .updateTable("audit_entries")
        .set({ seq: seq + 1 })
        .where("chain_id", "=", chain)
        .where("seq", "=", seq)
        .execute();
    const third = rows[2]!;
    await db()
      .insertInto("audit_entries")
      .values({
        ...third,
        seq: 4,
        action: "patient.read",
        detail: JSON.stringify({ via: "cli", forged: true }),
        prev_hash: third.hash,
        hash: "f".repeat(64),
      })
      .execute();
    await expectBroken(chain, "inserted", 4);
  });

  it("a forged entry appended after the last one is found at its seq", async () => {
    await disableAppendOnly();
    const chain = await freshChain();
    const last = (await entries(chain))[5]!;
    await db()
      .insertInto("audit_entries")
      .values({ ...last, seq: 7, action: "patient.read", prev_hash: last.hash, hash: "a".repeat(64) })
      .execute();
    await expectBroken(chain, "inserted", 7);
  });

  it("two entries swapped (reordered) are found: problem reordered, the first bad seq", async () => {
    await disableAppendOnly();
    const chain = await freshChain();
    // swap 3 and 4 through a free number (the primary key forbids a direct swap)
    const move = (from: number, to: number) =>
      db()
        .updateTable("audit_entries")
        .set({ seq: to })
        .where("chain_id", "=", chain)
        .where("seq", "=", from)
        .execute();
    await move(3, 1000);
    await move(4, 3);
    await move(1000, 4);
    await expectBroken(chain, "reordered", 3);
  });
});

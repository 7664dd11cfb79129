import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor, createOrganization } from "../admin/organizations.ts";
import { systemTrx } from "../db/scoped.ts";
import { baseChainOf } from "../db/transaction.ts";
import { createLocation } from "../directory/locations.ts";
import { closeTestServices, createTestServices, dialect, type TestServices } from "../testing/harness.ts";
import { audited } from "./audited.ts";
import { readSealFile, sealAuditTrail } from "./seal-audit.ts";
import { verifyAuditTrail } from "./verify-audit.ts";

/**
 * Issue 11 item 6: audited requests of one organization no longer queue one by one behind its chain head.
 * On PostgreSQL concurrent audited transactions each hold a stripe (sub-chain `<org>.<k>`); every one still
 * commits its entry with its work, every stripe verifies as a keyed chain and is sealed, and tampering in a
 * stripe (deletion, reordering, tail cut since the seal) is named like tampering in the main chain.
 */
describe(`audit at scale: concurrent audited work of one organization (${dialect})`, () => {
  let services: TestServices;
  let n = 0;
  const sealFile = join(tmpdir(), `salus-audit-scale-${process.pid}.seals`);

  beforeAll(async () => {
    services = await createTestServices();
  });
  afterAll(async () => {
    rmSync(sealFile, { force: true });
    await closeTestServices(services);
  });

  const location = (name: string) => ({
    name,
    timeZone: "America/New_York",
    addressLine1: null,
    addressLine2: null,
    city: null,
    state: null,
    postalCode: null,
    phone: null,
  });

  /** The organization's entries over all its stripes. */
  async function entriesOf(org: string) {
    const rows = await services.systemDb
      .selectFrom("audit_entries")
      .selectAll()
      .where("organization_id", "=", org)
      .orderBy("chain_id")
      .orderBy("seq")
      .execute();
    return rows.filter((r) => baseChainOf(r.chain_id) === org);
  }

  /** 24 audited reads and 8 audited writes at once, each read holding its transaction a little while. */
  async function burst(org: string) {
    n++;
    const actor = cliActor(org);
    const reads = Array.from({ length: 24 }, (_, i) =>
      audited(
        services,
        actor,
        { action: "patient.search", detail: { i }, readOnly: i % 2 === 0 },
        async (trx) => {
          if (dialect === "postgres") await sql`select pg_sleep(0.02)`.execute(systemTrx(trx));
          const row = await trx
            .selectFrom("patients")
            .select((eb) => eb.fn.countAll().as("n"))
            .where("organization_id", "=", org)
            .executeTakeFirstOrThrow();
          return Number(row.n);
        },
      ),
    );
    const writes = Array.from({ length: 8 }, (_, i) =>
      createLocation(services, actor, location(`Scale ${n}-${i}`)),
    );
    return Promise.all([...reads, ...writes]);
  }

  async function verdictsOf(org: string, seals?: Parameters<typeof verifyAuditTrail>[2]) {
    const all = await verifyAuditTrail(services.db, services.secrets.auditKey, seals);
    return all.filter((v) => baseChainOf(v.chainId) === org);
  }

  it("every concurrent audited read and write has its entry, and all chains verify", async () => {
    const org = (await createOrganization(services, { slug: `scale-${Date.now()}`, name: "Scale" })).id;
    const before = (await entriesOf(org)).length;
    const results = await burst(org);
    expect(results).toHaveLength(32);
    const rows = await entriesOf(org);
    expect(rows.length - before).toBe(32);
    expect(rows.filter((r) => r.action === "patient.search")).toHaveLength(24);
    expect(rows.filter((r) => r.action === "location.create")).toHaveLength(8);
    const chains = new Set(rows.map((r) => r.chain_id));
    // SQLite has one writer: one chain. PostgreSQL: overlapping transactions took several stripes.
    if (dialect === "sqlite") expect(chains).toEqual(new Set([org]));
    else expect(chains.size).toBeGreaterThan(1);
    const verdicts = await verdictsOf(org);
    expect(verdicts.length).toBe(chains.size);
    for (const v of verdicts) expect(v).toMatchObject({ ok: true });
    // A quiet organization (one request at a time) keeps using its own chain only.
    const quiet = (await createOrganization(services, { slug: `quiet-${Date.now()}`, name: "Quiet" })).id;
    for (let i = 0; i < 3; i++) await createLocation(services, cliActor(quiet), location(`Quiet ${i}`));
    expect(new Set((await entriesOf(quiet)).map((r) => r.chain_id))).toEqual(new Set([quiet]));
  });

  it("concurrent writes that read what each other write all succeed (serialization retries queue per organization)", async () => {
    const org = (await createOrganization(services, { slug: `scale-c-${Date.now()}`, name: "Contend" })).id;
    const actor = cliActor(org);
    const before = (await entriesOf(org)).length;
    // Each write reads the organization's whole location list, then adds one: on PostgreSQL, side by side
    // in their stripes, they fail serialization against each other and must be retried, never surfaced.
    const writes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        audited(services, actor, { action: "location.create", detail: { i } }, async (trx) => {
          const all = await trx.selectFrom("locations").select("id").execute();
          if (dialect === "postgres") await sql`select pg_sleep(0.01)`.execute(systemTrx(trx));
          const at = new Date().toISOString();
          await trx
            .insertInto("locations")
            .values({
              organization_id: org,
              id: crypto.randomUUID(),
              name: `Contend ${i} of ${all.length}`,
              time_zone: "America/New_York",
              address_line1: null,
              address_line2: null,
              city: null,
              state: null,
              postal_code: null,
              phone: null,
              active: 1,
              created_at: at,
              updated_at: at,
            })
            .execute();
          return all.length;
        }),
      ),
    );
    expect(writes.filter((w) => w.status === "rejected")).toEqual([]);
    expect((await entriesOf(org)).length - before).toBe(20);
    for (const v of await verdictsOf(org)) expect(v).toMatchObject({ ok: true });
  });

  it("a read-only audited operation cannot write, and a read whose entry cannot be committed returns no data", async () => {
    const org = (await createOrganization(services, { slug: `scale-ro-${Date.now()}`, name: "RO" })).id;
    const actor = cliActor(org);
    const count = async () => (await entriesOf(org)).length;
    const before = await count();
    await expect(
      audited(services, actor, { action: "location.create", readOnly: true }, async (trx) => {
        await sql`delete from patients where 1 = 0`.execute(systemTrx(trx));
        return "wrote";
      }),
    ).rejects.toThrow(/read.?only/i);
    // The failure is not a DomainError: nothing was audited and nothing written.
    expect(await count()).toBe(before);
    const db = services.systemDb;
    if (dialect === "postgres") {
      await sql`create or replace function salus_test_refuse_entry() returns trigger language plpgsql as
        $$ begin raise exception 'audit store refused'; end $$`.execute(db);
      await sql`create trigger salus_test_refuse before insert on audit_entries for each row
        when (new.action = 'scale.refused') execute function salus_test_refuse_entry()`.execute(db);
    } else {
      await sql`create trigger salus_test_refuse before insert on audit_entries
        when new.action = 'scale.refused' begin select raise(abort, 'audit store refused'); end`.execute(db);
    }
    try {
      let leaked = false;
      const reads = Array.from({ length: 6 }, (_, i) =>
        audited(
          services,
          actor,
          { action: i === 0 ? "scale.refused" : "patient.search", readOnly: true },
          async () => {
            if (i === 0) leaked = true;
            return `data ${i}`;
          },
        ),
      );
      const settled = await Promise.allSettled(reads);
      expect(leaked).toBe(true);
      // The read whose entry failed gets the error, not the data; the others of its batch still succeed.
      expect(settled[0]).toMatchObject({ status: "rejected" });
      for (const r of settled.slice(1)) expect(r).toMatchObject({ status: "fulfilled" });
      expect(await count()).toBe(before + 5);
    } finally {
      await sql`drop trigger salus_test_refuse${sql.raw(dialect === "postgres" ? " on audit_entries" : "")}`.execute(
        db,
      );
    }
    for (const v of await verdictsOf(org)) expect(v).toMatchObject({ ok: true });
  });

  async function disableAppendOnly() {
    if (dialect === "postgres")
      await sql`alter table audit_entries disable trigger audit_entries_append_only`.execute(
        services.systemDb,
      );
    else {
      await sql`drop trigger if exists audit_entries_no_update`.execute(services.systemDb);
      await sql`drop trigger if exists audit_entries_no_delete`.execute(services.systemDb);
    }
  }
  async function enableAppendOnly() {
    if (dialect === "postgres")
      await sql`alter table audit_entries enable trigger audit_entries_append_only`.execute(
        services.systemDb,
      );
  }

  /** The busiest chain of a burst (on PostgreSQL usually a stripe): where the tampering happens. */
  async function chainWithEntries(org: string, at: number): Promise<string> {
    const rows = await entriesOf(org);
    const counts = new Map<string, number>();
    for (const r of rows) counts.set(r.chain_id, (counts.get(r.chain_id) ?? 0) + 1);
    const stripe = [...counts].find(([id, c]) => id !== org && c >= at)?.[0];
    return stripe ?? org;
  }

  it("a deletion or reordering inside a stripe is named; a stripe's tail cut since its seal is named", async () => {
    const org = (await createOrganization(services, { slug: `scale-t-${Date.now()}`, name: "Tamper" })).id;
    await burst(org);
    await burst(org);
    const chain = await chainWithEntries(org, 3);
    const sealed = await sealAuditTrail(services.db, services.secrets.auditKey, sealFile, new Date());
    expect(sealed.kept.filter((k) => baseChainOf(k.chainId) === org)).toEqual([]);
    const seals = readSealFile(sealFile, services.secrets.auditKey);
    expect(seals?.problem).toBeNull();
    expect(seals?.seals.some((s) => s.chainId === chain)).toBe(true);
    const rows = (await entriesOf(org)).filter((r) => r.chain_id === chain);
    const last = rows[rows.length - 1]!;
    const db = services.systemDb;
    await disableAppendOnly();
    try {
      // Tail cut: the newest entry deleted and the head put back one entry; internally a perfect chain, but
      // the seal saw it.
      const prev = rows[rows.length - 2]!;
      await db
        .deleteFrom("audit_entries")
        .where("chain_id", "=", chain)
        .where("seq", "=", last.seq)
        .execute();
      const { headMac } = await import("./chain.ts");
      await db
        .updateTable("audit_heads")
        .set({
          seq: prev.seq,
          hash: prev.hash,
          mac: headMac(services.secrets.auditKey, chain, Number(prev.seq), prev.hash),
        })
        .where("chain_id", "=", chain)
        .execute();
      const cut = (await verdictsOf(org, { seals: seals?.seals })).find((v) => v.chainId === chain);
      expect(cut).toMatchObject({ ok: false, problem: "missing", seq: Number(last.seq) });
      // Without the seal the cut is invisible (the tamper window is the time since the last seal).
      const unsealed = (await verdictsOf(org)).find((v) => v.chainId === chain);
      expect(unsealed).toMatchObject({ ok: true });
      // A deletion in the middle of the stripe names the entry.
      await db.deleteFrom("audit_entries").where("chain_id", "=", chain).where("seq", "=", 2).execute();
      expect((await verdictsOf(org)).find((v) => v.chainId === chain)).toMatchObject({
        ok: false,
        problem: "deleted",
        seq: 2,
      });
    } finally {
      await enableAppendOnly();
    }
  });

  it("entries swapped between two positions of a stripe are named as reordered or edited", async () => {
    const org = (await createOrganization(services, { slug: `scale-r-${Date.now()}`, name: "Reorder" })).id;
    await burst(org);
    const chain = await chainWithEntries(org, 3);
    const db = services.systemDb;
    await disableAppendOnly();
    try {
      // Swap the seq numbers of entries 1 and 2 (via a free number).
      const move = (from: number, to: number) =>
        db
          .updateTable("audit_entries")
          .set({ seq: to })
          .where("chain_id", "=", chain)
          .where("seq", "=", from)
          .execute();
      await move(1, 1_000_000);
      await move(2, 1);
      await move(1_000_000, 2);
      const v = (await verdictsOf(org)).find((x) => x.chainId === chain);
      expect(v?.ok).toBe(false);
      if (v && !v.ok) expect(["reordered", "deleted", "edited", "restarted"]).toContain(v.problem);
      if (v && !v.ok) expect(v.seq).toBeLessThanOrEqual(2);
    } finally {
      await enableAppendOnly();
    }
  });

  it("a stripe deleted whole after it was sealed is named", async () => {
    const org = (await createOrganization(services, { slug: `scale-w-${Date.now()}`, name: "Wipe" })).id;
    await burst(org);
    const chain = await chainWithEntries(org, 1);
    await sealAuditTrail(services.db, services.secrets.auditKey, sealFile, new Date());
    const seals = readSealFile(sealFile, services.secrets.auditKey)?.seals;
    const db = services.systemDb;
    await disableAppendOnly();
    try {
      await db.deleteFrom("audit_entries").where("chain_id", "=", chain).execute();
      await db.deleteFrom("audit_heads").where("chain_id", "=", chain).execute();
      const v = (await verdictsOf(org, { seals })).find((x) => x.chainId === chain);
      expect(v).toMatchObject({ ok: false, chainId: chain });
    } finally {
      await enableAppendOnly();
    }
  });
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor, createOrganization } from "../admin/organizations.ts";
import { inTransaction } from "../db/transaction.ts";
import { createLocation } from "../directory/locations.ts";
import { closeTestServices, createTestServices, dialect, type TestServices } from "../testing/harness.ts";
import { appendAudit } from "./append-audit.ts";
import type { ChainVerdict } from "./chain.ts";
import { readSealFile, sealAuditTrail, startAuditSealJob } from "./seal-audit.ts";
import { verifyAuditTrail } from "./verify-audit.ts";

/**
 * Issue 9 item 6 / issue 10 item 8 (SEC-AUD-04): tampering that leaves every chain internally perfect,
 * so the keyed chain alone cannot see it, must still fail `salus audit verify`, naming the organization's
 * chain and the entries missing: a chain deleted whole (and started again by the application), every
 * chain deleted by a database owner, and the newest entries deleted with an older head row put back from
 * a backup. The last is only visible against the seals kept outside the database.
 */
describe(`audit wipes and seals (${dialect})`, () => {
  let services: TestServices;
  let dir: string;
  let n = 0;
  const db = () => services.systemDb;
  const key = () => services.secrets.auditKey;

  beforeAll(async () => {
    services = await createTestServices();
    dir = mkdtempSync(join(tmpdir(), "salus-seals-"));
  });
  afterAll(async () => {
    await closeTestServices(services);
    rmSync(dir, { recursive: true, force: true });
  });

  async function addLocations(orgId: string, count: number) {
    for (let i = 1; i <= count; i++) {
      await createLocation(services, cliActor(orgId), {
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
  }

  /** An organization whose chain holds `1 + locations` entries (organization.create, then location.create). */
  async function practice(locations: number): Promise<string> {
    n++;
    const org = await createOrganization(services, { slug: `wipe-${n}`, name: `Wipe ${n}` });
    await addLocations(org.id, locations);
    return org.id;
  }

  async function dropGuards() {
    if (dialect === "postgres") {
      await sql`drop trigger if exists audit_entries_append_only on audit_entries`.execute(db());
      await sql`drop trigger if exists audit_entries_no_truncate on audit_entries`.execute(db());
    } else {
      await sql`drop trigger if exists audit_entries_no_update`.execute(db());
      await sql`drop trigger if exists audit_entries_no_delete`.execute(db());
    }
  }

  async function wipeChain(chainId: string) {
    await sql`delete from audit_entries where chain_id = ${chainId}`.execute(db());
    await sql`delete from audit_heads where chain_id = ${chainId}`.execute(db());
  }

  function verdictOf(verdicts: ChainVerdict[], chainId: string): ChainVerdict {
    const v = verdicts.find((x) => x.chainId === chainId);
    if (!v) throw new Error(`no verdict for ${chainId}: ${JSON.stringify(verdicts)}`);
    return v;
  }

  const sealsOf = (file: string) => readSealFile(file, key())?.seals ?? [];

  it("an untouched trail verifies with and without seals; sealing twice changes nothing", async () => {
    const org = await practice(3);
    const file = join(dir, "untouched.seals");
    const first = await sealAuditTrail(services.db, key(), file, services.clock());
    expect(first.kept).toEqual([]);
    expect(first.sealed).toBeGreaterThanOrEqual(1);
    const again = await sealAuditTrail(services.db, key(), file, services.clock());
    expect(again).toMatchObject({ sealed: 0, kept: [], written: false });
    for (const v of await verifyAuditTrail(services.db, key(), { seals: sealsOf(file) }))
      expect(v.ok, JSON.stringify(v)).toBe(true);
    const seal = sealsOf(file).find((s) => s.chainId === org);
    expect(seal).toMatchObject({ chainId: org, seq: 4 });
  });

  it("the newest entries deleted and an older head row put back: the seal names the entries missing", async () => {
    await dropGuards();
    const org = await practice(40);
    const file = join(dir, "truncated.seals");
    // The operator's job seals the chain at 41 entries; an older backup's head row says 9.
    await sealAuditTrail(services.db, key(), file, services.clock());
    const ninth = await db()
      .selectFrom("audit_entries")
      .select("hash")
      .where("chain_id", "=", org)
      .where("seq", "=", 9)
      .executeTakeFirstOrThrow();
    const oldHead = await db()
      .selectFrom("audit_heads")
      .selectAll()
      .where("chain_id", "=", org)
      .executeTakeFirstOrThrow();
    expect(Number(oldHead.seq)).toBe(41);
    // Take the head row as it was at entry 9 (its MAC is genuine: Salus wrote it at the time).
    const { headMac } = await import("./chain.ts");
    const backupHead = { seq: 9, hash: ninth.hash, mac: headMac(key(), org, 9, ninth.hash) };
    await sql`delete from audit_entries where chain_id = ${org} and seq > 9`.execute(db());
    await db().updateTable("audit_heads").set(backupHead).where("chain_id", "=", org).execute();

    // The chain alone is perfect: this passed `salus audit verify` before the seals.
    expect(verdictOf(await verifyAuditTrail(services.db, key()), org)).toMatchObject({ ok: true });
    const v = verdictOf(await verifyAuditTrail(services.db, key(), { seals: sealsOf(file) }), org);
    expect(v).toMatchObject({ ok: false, problem: "missing", seq: 10 });
    expect(!v.ok && v.message).toContain("entries 10–41 are missing");

    // The periodic sealing does not move the seal back to the shortened chain: the evidence stays.
    const resealed = await sealAuditTrail(services.db, key(), file, services.clock());
    expect(resealed.kept).toContainEqual({
      chainId: org,
      reason: "the chain is shorter than its seal (41)",
    });
    expect(sealsOf(file).find((s) => s.chainId === org)?.seq).toBe(41);
    // Nor once the application has written past it again (entry 10 onward are new, not the sealed ones).
    await addLocations(org, 35);
    await sealAuditTrail(services.db, key(), file, services.clock());
    const after = verdictOf(await verifyAuditTrail(services.db, key(), { seals: sealsOf(file) }), org);
    expect(after).toMatchObject({ ok: false, problem: "restarted", seq: 41 });
    await wipeChain(org);
  });

  it("an organization's whole chain deleted: verify names it, and still does once the app starts a new one", async () => {
    await dropGuards();
    const org = await practice(5);
    const file = join(dir, "wiped.seals");
    await sealAuditTrail(services.db, key(), file, services.clock());
    await wipeChain(org);

    const noChain = verdictOf(await verifyAuditTrail(services.db, key()), org);
    expect(noChain).toMatchObject({ ok: false, problem: "missing", seq: 1 });
    expect(!noChain.ok && noChain.message).toMatch(/has data \(.*5 locations.*\) but no audit entries/);
    const sealed = verdictOf(await verifyAuditTrail(services.db, key(), { seals: sealsOf(file) }), org);
    expect(sealed).toMatchObject({ ok: false, problem: "missing", seq: 1 });
    expect(!sealed.ok && sealed.message).toContain("entries 1–6 are missing");

    // The next audited action starts a fresh chain at entry 1, internally perfect.
    await addLocations(org, 2);
    const restarted = verdictOf(await verifyAuditTrail(services.db, key()), org);
    expect(restarted).toMatchObject({ ok: false, problem: "restarted", seq: 1 });
    expect(!restarted.ok && restarted.message).toContain("does not begin with the organization's creation");
    const vsSeal = verdictOf(await verifyAuditTrail(services.db, key(), { seals: sealsOf(file) }), org);
    expect(vsSeal).toMatchObject({ ok: false, problem: "restarted", seq: 1 });
    expect(!vsSeal.ok && vsSeal.message).toContain("entries 1–6 are missing");
    await wipeChain(org);
  });

  it("the first entries deleted with the head kept: the chain starts late and the gap is named", async () => {
    await dropGuards();
    const org = await practice(5);
    await sql`delete from audit_entries where chain_id = ${org} and seq <= 3`.execute(db());
    const v = verdictOf(await verifyAuditTrail(services.db, key()), org);
    expect(v).toMatchObject({ ok: false, problem: "deleted", seq: 1 });
    expect(!v.ok && v.message).toContain("entries 1–3 were deleted");
    await wipeChain(org);
  });

  it("a forged or edited seal, or a seal removed from the file, is refused", async () => {
    const org = await practice(2);
    const file = join(dir, "forged.seals");
    await sealAuditTrail(services.db, key(), file, services.clock());
    const content = JSON.parse(readFileSync(file, "utf8"));
    const mine = content.seals.find((s: { chainId: string }) => s.chainId === org);
    mine.seq = 2; // claims a shorter chain, to hide a later truncation
    writeFileSync(file, JSON.stringify(content));
    const loaded = readSealFile(file, key())!;
    expect(loaded.problem).toMatch(/was altered/);
    const v = verdictOf(await verifyAuditTrail(services.db, key(), { seals: loaded.seals }), org);
    expect(v).toMatchObject({ ok: false, problem: "seal-invalid" });
    // Sealing again does not launder an altered file.
    const r = await sealAuditTrail(services.db, key(), file, services.clock());
    expect(r.written).toBe(false);
    expect(r.kept.some((k) => k.chainId === "*")).toBe(true);

    content.seals = content.seals.filter((s: { chainId: string }) => s.chainId !== org);
    writeFileSync(file, JSON.stringify(content));
    expect(readSealFile(file, key())!.problem).toMatch(/was altered/);

    // After a deliberate restore the operator replaces the seals: everything verifies again.
    const reset = await sealAuditTrail(services.db, key(), file, services.clock(), { reset: true });
    expect(reset.written).toBe(true);
    expect(readSealFile(file, key())!.problem).toBeNull();
    expect(
      verdictOf(await verifyAuditTrail(services.db, key(), { seals: sealsOf(file) }), org),
    ).toMatchObject({
      ok: true,
    });
  });

  it("salus serve's sealing job writes the seal file, and once more when it stops", async () => {
    const org = await practice(1);
    const file = join(dir, "job.seals");
    const log = { info: () => {}, warn: () => {}, error: () => {} };
    const stop = startAuditSealJob(
      { ...services, config: { ...services.config, sealsFile: file } },
      log,
      3_600_000,
    );
    await addLocations(org, 2);
    await stop();
    // The final seal (at stop) saw the two entries written after the first tick.
    expect(sealsOf(file).find((s) => s.chainId === org)?.seq).toBe(4);
  });

  it("a chain removed on purpose (demo rollback in the keyed platform chain) is not a wipe", async () => {
    await dropGuards();
    const { id: org } = await createOrganization(services, { slug: "rolled-back", name: "Rolled back" });
    const file = join(dir, "retired.seals");
    await sealAuditTrail(services.db, key(), file, services.clock());
    await wipeChain(org);
    await db().deleteFrom("organizations").where("id", "=", org).execute();
    // Without the platform entry, the vanished sealed chain is a wipe...
    const before = verdictOf(await verifyAuditTrail(services.db, key(), { seals: sealsOf(file) }), org);
    expect(before).toMatchObject({ ok: false, problem: "missing" });
    // ...with it (as demo-progress.ts writes it), it is a sanctioned removal, and its seal is dropped.
    await inTransaction(services.db, (trx) =>
      appendAudit(trx, services.audit, {
        at: services.clock().toISOString(),
        organizationId: null,
        userId: null,
        actor: "cli",
        action: "demo.rollback",
        resourceType: "Organization",
        resourceId: org,
        patientId: null,
        outcome: "success",
        ip: null,
        requestId: null,
        detail: null,
      }),
    );
    const after = await verifyAuditTrail(services.db, key(), { seals: sealsOf(file) });
    expect(after.find((v) => v.chainId === org)).toBeUndefined();
    await sealAuditTrail(services.db, key(), file, services.clock());
    expect(sealsOf(file).find((s) => s.chainId === org)).toBeUndefined();
  });

  it("every chain deleted by a database owner (guards dropped): each organization is named", async () => {
    await dropGuards();
    const a = await practice(1);
    const b = await practice(2);
    const file = join(dir, "all.seals");
    await sealAuditTrail(services.db, key(), file, services.clock(), { reset: true });
    if (dialect === "postgres") await sql`truncate audit_entries`.execute(db());
    else await sql`delete from audit_entries`.execute(db());
    await sql`delete from audit_heads`.execute(db());

    const plain = await verifyAuditTrail(services.db, key());
    const orgs = await db().selectFrom("organizations").select("id").execute();
    for (const o of orgs) expect(verdictOf(plain, o.id)).toMatchObject({ ok: false, problem: "missing" });
    const withSeals = await verifyAuditTrail(services.db, key(), { seals: sealsOf(file) });
    expect(verdictOf(withSeals, a)).toMatchObject({ ok: false, problem: "missing", seq: 1 });
    expect(verdictOf(withSeals, b)).toMatchObject({ ok: false, problem: "missing", seq: 1 });
    const bv = verdictOf(withSeals, b);
    expect(!bv.ok && bv.message).toContain("entries 1–3 are missing");
    // The platform chain, if it had entries when sealed, is named too (no organization row to go by).
    const platform = sealsOf(file).find((s) => s.chainId === "platform");
    if (platform && platform.seq > 0)
      expect(verdictOf(withSeals, "platform")).toMatchObject({ ok: false, problem: "missing" });
  });
});

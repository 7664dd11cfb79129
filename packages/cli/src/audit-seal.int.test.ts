import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { cliActor, createOrganization } from "@salus/server/admin/organizations";
import { headMac } from "@salus/server/audit/chain";
import { loadConfig } from "@salus/server/config";
import { createLocation } from "@salus/server/directory/locations";
import { openServices } from "@salus/server/platform/open-services";
import type { Services } from "@salus/server/platform/services";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CliEnv,
  PG_URL,
  runSalus,
  type ScratchDatabase,
  scratchDatabase,
  tempDir,
} from "./testing/cli-harness.ts";

/**
 * `salus audit seal` and `salus audit verify` against the seal file outside the database (issue 9 item 6,
 * issue 10 item 8): the newest entries deleted with an older head row put back, and a whole chain deleted
 * and restarted, pass the chain check but fail verify, naming the organization and the entries missing.
 */
const KINDS = PG_URL ? (["sqlite", "postgres"] as const) : (["sqlite"] as const);

for (const kind of KINDS) {
  describe.sequential(`salus audit seal / verify on ${kind}`, () => {
    const tmp = tempDir();
    let main: ScratchDatabase;
    let env: CliEnv;
    let services: Services;
    let orgId: string;
    let otherId: string;
    const salus = (args: string[]) => runSalus(args, env);

    beforeAll(async () => {
      main = await scratchDatabase(kind, tmp.dir, "main");
      env = { databaseUrl: main.url, secretsFile: join(tmp.dir, "keys") };
      // Set-up in process (each CLI run costs seconds): the CLI runs only the commands under test.
      services = await openServices(
        loadConfig({ SALUS_DATABASE_URL: env.databaseUrl, SALUS_SECRETS_FILE: env.secretsFile }),
      );
      orgId = (await createOrganization(services, { slug: "sealed", name: "Sealed Clinic" })).id;
      otherId = (await createOrganization(services, { slug: "other", name: "Other Clinic" })).id;
      for (let i = 1; i <= 5; i++)
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
    }, 120_000);
    afterAll(async () => {
      await services?.db.close();
      await main?.drop();
      tmp.remove();
    }, 60_000);

    it("seal writes an owner-only file beside the keys; verify checks against it", async () => {
      // --out also exports the sealed heads (for keeping outside the database); --seals checks against a copy.
      const exported = join(tmp.dir, "exported.seals");
      const sealed = await salus(["audit", "seal", "--out", exported]);
      expect(sealed.code, sealed.stderr).toBe(0);
      expect(sealed.stderr).toContain(`Sealed heads exported to ${exported}`);
      const file = join(tmp.dir, "salus.seals");
      expect(existsSync(file)).toBe(true);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(exported, "utf8")).toBe(readFileSync(file, "utf8"));
      const ok = await salus(["audit", "verify"]);
      expect(ok.code, ok.stdout + ok.stderr).toBe(0);
      expect(ok.stderr).toMatch(/Checked against the seals in .*salus\.seals/);
      const copy = await salus(["audit", "verify", "--seals", exported]);
      expect(copy.code, copy.stdout + copy.stderr).toBe(0);
      expect(copy.stderr).toContain(`Checked against the seals in ${exported}`);
    }, 300_000);

    it("entries deleted from the end with an older head row put back: verify exits 1 naming them", async () => {
      const db = services.systemDb;
      // Cut the sealed chain (6 entries) back to entry 1, with entry 1's genuine head row put back; and
      // delete the other organization's chain whole.
      if (kind === "postgres") await sql`drop trigger audit_entries_append_only on audit_entries`.execute(db);
      else await sql`drop trigger audit_entries_no_delete`.execute(db);
      const first = await db
        .selectFrom("audit_entries")
        .select("hash")
        .where("chain_id", "=", orgId)
        .where("seq", "=", 1)
        .executeTakeFirstOrThrow();
      await sql`delete from audit_entries where chain_id = ${orgId} and seq > 1`.execute(db);
      await db
        .updateTable("audit_heads")
        .set({ seq: 1, hash: first.hash, mac: headMac(services.secrets.auditKey, orgId, 1, first.hash) })
        .where("chain_id", "=", orgId)
        .execute();
      await sql`delete from audit_entries where chain_id = ${otherId}`.execute(db);
      await sql`delete from audit_heads where chain_id = ${otherId}`.execute(db);

      const broken = await salus(["audit", "verify"]);
      expect(broken.code).toBe(1);
      expect(broken.stdout).toContain(
        `BROKEN  chain ${orgId}: entry 2 missing. Audit entries 2–6 are missing`,
      );
      expect(broken.stdout).toContain("(organization sealed, Sealed Clinic)");
      expect(broken.stdout).toContain(
        `BROKEN  chain ${otherId}: entry 1 missing. Audit entry 1 is missing: the whole chain was deleted`,
      );
      expect(broken.stdout.match(/BROKEN/g)).toHaveLength(2);
      // Sealing again keeps the evidence, and says so.
      const again = await salus(["audit", "seal"]);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain(
        `Seal of chain ${orgId} kept as it was: the chain is shorter than its seal (6).`,
      );
    }, 300_000);
  });
}

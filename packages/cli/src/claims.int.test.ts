import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tokenizeX12 } from "@salus/core/billing/x12/tokenizer";
import { loadConfig } from "@salus/server/config";
import { openServices } from "@salus/server/platform/open-services";
import type { Services } from "@salus/server/platform/services";
import { seedBillingPractice } from "@salus/server/testing/billing-practice";
import { type Seed, seedTwoOrgs } from "@salus/server/testing/harness";
import { insertTestClaim } from "@salus/server/testing/test-claims";
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
 * `salus claims batch` and `salus claims import-ack` end to end (issue 13 items 6 and 7): the real binary
 * writes the 837P of the ready claims and prints the promised JSON; an acknowledgement imports once.
 */
const KINDS = PG_URL ? (["sqlite", "postgres"] as const) : (["sqlite"] as const);

for (const kind of KINDS) {
  describe.sequential(`salus claims on ${kind}`, () => {
    const tmp = tempDir();
    let main: ScratchDatabase;
    let env: CliEnv;
    let services: Services;
    let seed: Seed;
    const salus = (args: string[]) => runSalus(args, env);

    beforeAll(async () => {
      main = await scratchDatabase(kind, tmp.dir, "claims");
      env = { databaseUrl: main.url, secretsFile: join(tmp.dir, "keys") };
      services = await openServices(
        loadConfig({ SALUS_DATABASE_URL: env.databaseUrl, SALUS_SECRETS_FILE: env.secretsFile }),
      );
      seed = await seedTwoOrgs(services);
      const practice = await seedBillingPractice(services, seed.alpha);
      await services.systemDb
        .updateTable("patients")
        .set({ address_line1: "5 Elm St", city: "Austin", state: "TX", postal_code: "78701" })
        .where("organization_id", "=", seed.alpha.id)
        .execute();
      await insertTestClaim(services, seed.alpha, practice, "CLI-1");
      await insertTestClaim(services, seed.alpha, practice, "CLI-2");
    }, 120_000);
    afterAll(async () => {
      await services?.db.close();
      await main?.drop();
      tmp.remove();
    }, 60_000);

    it("claims batch --json writes the 837P and prints batchId, claims, control number and total", async () => {
      const out = join(tmp.dir, "batch.837");
      const r = await salus(["claims", "batch", "--org", "alpha", "--out", out, "--json"]);
      expect(r.code, r.stderr).toBe(0);
      const json = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(Object.keys(json)).toEqual([
        "batchId",
        "claims",
        "interchangeControlNumber",
        "totalChargeCents",
      ]);
      expect(json).toMatchObject({ claims: 2, interchangeControlNumber: 1, totalChargeCents: 27_500 });
      const doc = tokenizeX12(readFileSync(out, "utf8"));
      expect(doc.segments.filter((s) => s.id === "CLM").map((s) => s.elements[1])).toEqual([
        "CLI-1",
        "CLI-2",
      ]);
      const again = await salus(["claims", "batch", "--org", "alpha", "--out", join(tmp.dir, "none.837")]);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain("No claim is ready to batch");
      expect(existsSync(join(tmp.dir, "none.837"))).toBe(false);
    }, 300_000);

    it("claims import-ack imports a 277CA once and says what it did", async () => {
      const file = join(tmp.dir, "ack.277");
      writeFileSync(
        file,
        [
          "ISA*00*          *00*          *ZZ*CLEARHOUSE     *ZZ*SUB1           *260303*0900*^*00501*000000777*0*T*:~",
          "GS*HN*CLEARHOUSE*SUB1*20260303*0900*777*X*005010X214~",
          "ST*277*0001*005010X214~",
          "BHT*0085*08*B1*20260303*0900*TH~",
          "HL*1**20*1~",
          "HL*2*1*PT~",
          "TRN*2*CLI-1~",
          "STC*A7:562:85*20260303*WQ*137.5~",
          "SE*7*0001~",
          "GE*1*777~",
          "IEA*1*000000777~",
        ].join("\n"),
      );
      const r = await salus(["claims", "import-ack", "--org", "alpha", file]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain("Imported 277CA for batch 1: 0 accepted, 1 rejected; 1 claim updated.");
      expect(r.stderr).toContain(
        "CLI-1: Rejected: invalid information: Entity's National Provider Identifier (NPI): Billing provider",
      );
      const twice = await salus(["claims", "import-ack", "--org", "alpha", file]);
      expect(twice.code).toBe(0);
      expect(twice.stderr).toMatch(/This 277CA was already imported on .*; nothing changed\./);
      const bad = join(tmp.dir, "bad.999");
      writeFileSync(bad, "ISA*00*short~");
      const refused = await salus(["claims", "import-ack", "--org", "alpha", bad]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("Segment 1 (ISA)");
    }, 300_000);
  });
}

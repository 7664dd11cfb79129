import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  closeTestServices,
  createTestServices,
  dialect,
  type Seed,
  seedTwoOrgs,
  type TestServices,
} from "../testing/harness.ts";
import { preparedQuery } from "./prepared.ts";
import { scopeToOrganization } from "./scoped.ts";
import { inTransaction, type Trx } from "./transaction.ts";

/**
 * Prepared queries (db/prepared.ts) answer exactly what the same builder query answers, whatever the
 * values, the organization the handle is scoped to, the list lengths, or the handle (pool, transaction).
 */
describe(`prepared queries (${dialect})`, () => {
  let services: TestServices;
  let seed: Seed;
  let raw: Trx;

  beforeAll(async () => {
    services = await createTestServices();
    seed = await seedTwoOrgs(services);
    raw = services.systemDb;
  });
  afterAll(() => closeTestServices(services));

  const build = (db: Trx, a: { org: string; ids: string[]; active: number }) =>
    db
      .selectFrom("patients")
      .select(["id", "organization_id", "family_name"])
      .where("organization_id", "=", a.org)
      .where("id", "in", a.ids)
      .where("active", "=", a.active)
      .orderBy("id");
  const patients = preparedQuery(build);

  it("gives the builder's rows for every organization, list length and value, scoped or not", async () => {
    const all = [...seed.alpha.patientIds, ...seed.beta.patientIds];
    for (const org of [seed.alpha, seed.beta])
      for (const handle of [raw, scopeToOrganization(raw, org.id), scopeToOrganization(raw, seed.alpha.id)])
        for (const ids of [all.slice(0, 1), all.slice(1, 3), all, [org.patientIds[1]]])
          for (const active of [1, 0]) {
            const a = { org: org.id, ids, active };
            expect(await patients.rows(handle, a)).toEqual(await build(handle, a).execute());
          }
    // Not vacuous: the scoped handle of the other organization sees none of this one's patients.
    const mine = { org: seed.beta.id, ids: all, active: 1 };
    expect(await patients.rows(scopeToOrganization(raw, seed.beta.id), mine)).toHaveLength(2);
    expect(await patients.rows(scopeToOrganization(raw, seed.alpha.id), mine)).toEqual([]);
  });

  it("runs inside a transaction on its connection", async () => {
    const first = await inTransaction(services.db, (trx) =>
      patients.first(scopeToOrganization(trx, seed.alpha.id), {
        org: seed.alpha.id,
        ids: [...seed.alpha.patientIds],
        active: 1,
      }),
    );
    expect(first?.organization_id).toBe(seed.alpha.id);
  });

  it("refuses an argument that shapes the query instead of being a value", async () => {
    const shaped = preparedQuery((db, a: { org: string; named: string }) =>
      db
        .selectFrom("patients")
        .select("id")
        .where("organization_id", "=", a.org)
        .$if(a.named === "", (q) => q.where("id", "=", "x")),
    );
    await expect(shaped.rows(raw, { org: seed.alpha.id, named: "" })).rejects.toThrow(
      /named is not a parameter/,
    );
  });
});

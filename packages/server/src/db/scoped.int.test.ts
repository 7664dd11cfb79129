import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  closeTestServices,
  createTestServices,
  dialect,
  type Seed,
  seedTwoOrgs,
  type TestServices,
} from "../testing/harness.ts";
import { SCOPE_COLUMN, ScopeViolation, scopeToOrganization, systemTrx, transactionKey } from "./scoped.ts";
import type { Trx } from "./transaction.ts";

/**
 * The organization scope (db/scoped.ts) on a real database: two organizations with one of everything,
 * every query shape the code base uses run through alpha's scoped handle, and each touches alpha's rows
 * only (checked through the raw handle).
 */
describe(`organization-scoped handle (${dialect})`, () => {
  let services: TestServices;
  let seed: Seed;
  let raw: Trx;
  let a: Trx;
  let A: string;
  let B: string;

  beforeAll(async () => {
    services = await createTestServices();
    seed = await seedTwoOrgs(services);
    raw = services.systemDb;
    A = seed.alpha.id;
    B = seed.beta.id;
    a = scopeToOrganization(raw, A);
  });
  afterAll(() => closeTestServices(services));

  const now = "2026-03-02T15:00:00.000Z";
  const orgsOf = (rows: { organization_id: string }[]) => [...new Set(rows.map((r) => r.organization_id))];

  it("lists every table with an organization column (schema and migrated database agree)", async () => {
    const rows =
      dialect === "sqlite"
        ? (
            await sql<{ name: string }>`select m.name from sqlite_master m
              where m.type = 'table' and exists (select 1 from pragma_table_info(m.name) c where c.name = 'organization_id')`.execute(
              raw,
            )
          ).rows
        : (
            await sql<{ name: string }>`select table_name as name from information_schema.columns
              where table_schema = current_schema() and column_name = 'organization_id'`.execute(raw)
          ).rows;
    const inDb = rows.map((r) => r.name).sort();
    const listed = Object.keys(SCOPE_COLUMN)
      .filter((t) => t !== "organizations")
      .sort();
    expect(listed).toEqual(inDb);
  });

  it("select: plain, aliased, organizations by id", async () => {
    expect(orgsOf(await a.selectFrom("patients").select("organization_id").execute())).toEqual([A]);
    expect(orgsOf(await a.selectFrom("patients as p").select("p.organization_id").execute())).toEqual([A]);
    // Even a query that names the other organization finds nothing.
    expect(await a.selectFrom("patients").select("id").where("organization_id", "=", B).execute()).toEqual(
      [],
    );
    expect((await a.selectFrom("organizations").select("id").execute()).map((r) => r.id)).toEqual([A]);
  });

  it("select with inner and left joins: the joined table is scoped in ON", async () => {
    // A join on a column that is not the organization would pair alpha's rooms with beta's location.
    const inner = await a
      .selectFrom("rooms")
      .innerJoin("locations", (j) => j.onTrue())
      .select(["rooms.organization_id as r", "locations.organization_id as l"])
      .execute();
    expect(inner.length).toBeGreaterThan(0);
    expect(new Set(inner.flatMap((r) => [r.r, r.l]))).toEqual(new Set([A]));
    const left = await a
      .selectFrom("locations")
      .leftJoin("rooms as r", (j) => j.onTrue())
      .select(["locations.id", "r.organization_id as roomOrg"])
      .execute();
    expect(left.length).toBeGreaterThan(0);
    expect(new Set(left.map((r) => r.roomOrg))).toEqual(new Set([A]));
    const leftNone = await a
      .selectFrom("locations")
      .leftJoin("rooms", (j) => j.on("rooms.organization_id", "=", B))
      .select(["locations.id", "rooms.id as roomId"])
      .execute();
    // A left join keeps the left rows whose joined side is filtered away (the filter is in ON, not WHERE).
    expect(leftNone.length).toBeGreaterThan(0);
    expect(leftNone.every((r) => r.roomId === null)).toBe(true);
  });

  it("subqueries (in, exists, scalar), CTEs, unions and derived tables", async () => {
    const inList = await a
      .selectFrom("patients")
      .select("id")
      .where("id", "in", raw.selectFrom("patients").select("id")) // built on the raw handle, scoped all the same
      .execute();
    expect(inList.map((r) => r.id).sort()).toEqual([...seed.alpha.patientIds].sort());
    const scalar = await a
      .selectFrom("locations")
      .select((eb) => eb.selectFrom("patients").select(eb.fn.countAll().as("n")).as("n"))
      .executeTakeFirstOrThrow();
    expect(Number(scalar.n)).toBe(2);
    const exists = await raw
      .selectFrom("organizations")
      .select("id")
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom("patients")
            .select("id")
            .whereRef("patients.organization_id", "=", "organizations.id"),
        ),
      )
      .execute();
    expect(exists.length).toBe(2); // the raw handle sees both
    const existsScoped = await a
      .selectFrom("locations")
      .select("id")
      .where((eb) =>
        eb.not(eb.exists(eb.selectFrom("patients").select("id").where("organization_id", "=", B))),
      )
      .execute();
    expect(existsScoped.length).toBe(1);
    const cte = await a
      .with("mine", (db) => db.selectFrom("patients").select(["id", "organization_id"]))
      .selectFrom("mine")
      .select(["mine.id", "mine.organization_id"])
      .execute();
    expect(orgsOf(cte)).toEqual([A]);
    const union = await a
      .selectFrom("rooms")
      .select("organization_id")
      .union(a.selectFrom("equipment").select("organization_id"))
      .execute();
    expect(orgsOf(union)).toEqual([A]);
    const derived = await a
      .selectFrom(raw.selectFrom("patients").select(["id", "organization_id"]).as("d"))
      .select("d.organization_id")
      .execute();
    expect(orgsOf(derived)).toEqual([A]);
    const viaRawFragment = await a
      .selectFrom("locations")
      .select("id")
      .where(sql<boolean>`${sql.ref("locations.id")} in (${raw.selectFrom("locations").select("id")})`)
      .execute();
    expect(viaRawFragment.length).toBe(1);
  });

  it("a subquery built on the scoped handle itself is filtered once, not twice", () => {
    const compiled = a
      .selectFrom("patients")
      .select("id")
      .where("id", "in", a.selectFrom("appointments").select("patient_id"))
      .compile();
    expect(compiled.sql.match(/"appointments"\."organization_id"/g)?.length).toBe(1);
    expect(compiled.sql.match(/"patients"\."organization_id"/g)?.length).toBe(1);
  });

  it("update and delete touch the organization's rows only", async () => {
    const beforeB = await raw.selectFrom("rooms").selectAll().where("organization_id", "=", B).execute();
    const updated = await a.updateTable("rooms").set({ updated_at: now }).executeTakeFirst();
    expect(Number(updated.numUpdatedRows)).toBe(1);
    expect(await raw.selectFrom("rooms").selectAll().where("organization_id", "=", B).execute()).toEqual(
      beforeB,
    );
    // update … from (both databases): the FROM table is scoped too.
    const fromUpdate = await a
      .updateTable("rooms")
      .from("locations")
      .set({ updated_at: now })
      .whereRef("rooms.location_id", "=", "locations.id")
      .executeTakeFirst();
    expect(Number(fromUpdate.numUpdatedRows)).toBe(1);
    const deleted = await a.deleteFrom("equipment").executeTakeFirst();
    expect(Number(deleted.numDeletedRows)).toBe(1);
    expect(await raw.selectFrom("equipment").select("organization_id").execute()).toEqual([
      { organization_id: B },
    ]);
  });

  it("insert: the organization is filled in; another organization's id is refused", async () => {
    await a
      .insertInto("rooms")
      .values({
        id: "room-filled",
        location_id: seed.alpha.locationId,
        name: "Filled",
        active: 1,
        created_at: now,
        updated_at: now,
      } as never)
      .execute();
    expect(
      await raw.selectFrom("rooms").select("organization_id").where("id", "=", "room-filled").execute(),
    ).toEqual([{ organization_id: A }]);
    const row = (org: string, id: string) => ({
      organization_id: org,
      id,
      location_id: seed.alpha.locationId,
      name: id,
      active: 1,
      created_at: now,
      updated_at: now,
    });
    await a.insertInto("rooms").values(row(A, "room-own")).execute();
    await expect(a.insertInto("rooms").values(row(B, "room-theirs")).execute()).rejects.toThrow(
      ScopeViolation,
    );
    await expect(
      a
        .insertInto("rooms")
        .values([row(A, "room-x"), row(B, "room-y")])
        .execute(),
    ).rejects.toThrow(ScopeViolation);
    await expect(
      a.updateTable("rooms").set({ organization_id: B }).where("id", "=", "room-own").execute(),
    ).rejects.toThrow(ScopeViolation);
    expect(
      await raw
        .selectFrom("rooms")
        .select("id")
        .where("id", "in", ["room-theirs", "room-x", "room-y"])
        .execute(),
    ).toEqual([]);
  });

  it("insert … select copies the organization's rows only, and its organization column is checked", async () => {
    await a
      .insertInto("rooms")
      .columns(["id", "location_id", "name", "active", "created_at", "updated_at"])
      .expression((eb) =>
        eb
          .selectFrom("rooms")
          .select((s) => [
            sql<string>`${s.ref("id")} || '-copy'`.as("id"),
            "location_id",
            "name",
            "active",
            "created_at",
            "updated_at",
          ])
          .where("id", "not like", "%-copy"),
      )
      .execute();
    const copies = await raw
      .selectFrom("rooms")
      .select("organization_id")
      .where("id", "like", "%-copy")
      .execute();
    expect(copies.length).toBeGreaterThan(0);
    expect(orgsOf(copies)).toEqual([A]);
    await expect(
      a
        .insertInto("rooms")
        .columns(["organization_id", "id", "location_id", "name", "active", "created_at", "updated_at"])
        .expression((eb) =>
          eb
            .selectFrom("locations")
            .select([
              sql<string>`${B}`.as("organization_id"),
              sql<string>`'sneaky'`.as("id"),
              "id as location_id",
              "name",
              "active",
              "created_at",
              "updated_at",
            ]),
        )
        .execute(),
    ).rejects.toThrow(ScopeViolation);
    // A scoped column of the source (or the organization as a value) is accepted.
    await a
      .insertInto("rooms")
      .columns(["organization_id", "id", "location_id", "name", "active", "created_at", "updated_at"])
      .expression((eb) =>
        eb
          .selectFrom("locations")
          .select([
            "locations.organization_id",
            sql<string>`'from-location'`.as("id"),
            "locations.id as location_id",
            "locations.name",
            "locations.active",
            "locations.created_at",
            "locations.updated_at",
          ]),
      )
      .execute();
    expect(
      await raw.selectFrom("rooms").select("organization_id").where("id", "=", "from-location").execute(),
    ).toEqual([{ organization_id: A }]);
  });

  it("upsert: do update only ever updates the organization's row", async () => {
    const theirs = seed.beta.roomId;
    const upsert = (name: string) =>
      a
        .insertInto("rooms")
        .values({
          id: theirs,
          location_id: seed.alpha.locationId,
          name,
          active: 1,
          created_at: now,
          updated_at: now,
        } as never)
        .onConflict((oc) => oc.columns(["organization_id", "id"]).doUpdateSet({ name }))
        .execute();
    await upsert("first");
    await upsert("second");
    const rows = await raw
      .selectFrom("rooms")
      .select(["organization_id", "name"])
      .where("id", "=", theirs)
      .execute();
    expect(rows.find((r) => r.organization_id === A)?.name).toBe("second");
    expect(rows.find((r) => r.organization_id === B)?.name).toBe("Exam 1");
    await a
      .insertInto("rooms")
      .values({
        id: theirs,
        location_id: seed.alpha.locationId,
        name: "n",
        active: 1,
        created_at: now,
        updated_at: now,
      } as never)
      .onConflict((oc) => oc.columns(["organization_id", "id"]).doNothing())
      .execute();
  });

  it("raw statements are refused unless they touch no table; systemTrx is the way out", async () => {
    await expect(sql`select * from patients`.execute(a)).rejects.toThrow(ScopeViolation);
    await expect(sql`update rooms set name = 'x'`.execute(a)).rejects.toThrow(ScopeViolation);
    const both = await sql<{ n: number }>`select count(*) as n from patients`.execute(systemTrx(a));
    expect(Number(both.rows[0]?.n)).toBe(4);
    expect(systemTrx(a)).toBe(raw);
    expect(transactionKey(a)).toBe(transactionKey(raw));
    await expect(a.schema.createTable("x").addColumn("id", "text").execute()).rejects.toThrow(ScopeViolation);
    await expect(
      a
        .with("patients", (db) => db.selectFrom("rooms").select("id"))
        .selectFrom("patients")
        .select("id")
        .execute(),
    ).rejects.toThrow(ScopeViolation);
  });

  it("savepoints run on the scoped handle inside a transaction", async () => {
    await raw.connection().execute(async (conn) => {
      const s = scopeToOrganization(conn, A);
      await sql`begin`.execute(conn);
      try {
        await sql`savepoint scoped_test`.execute(s);
        await sql`release savepoint scoped_test`.execute(s);
      } finally {
        await sql`rollback`.execute(conn);
      }
    });
  });
});

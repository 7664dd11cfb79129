import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inTransaction } from "../db/transaction.ts";
import type { Actor } from "../platform/services.ts";
import {
  closeTestServices,
  createTestServices,
  dialect,
  type Seed,
  seedTwoOrgs,
  type TestServices,
} from "../testing/harness.ts";
import { requirePatientAccess, visiblePatients } from "./patient-access.ts";

/** The choke point on its own: requirePatientAccess and visiblePatients agree, relation by relation. */
describe(`patient access (${dialect})`, () => {
  let services: TestServices;
  let seed: Seed;
  const actorFor = (userId: string, roles: Actor["roles"]): Actor => ({
    organizationId: seed.alpha.id,
    userId,
    label: "test",
    roles,
    permissions: [],
    via: "session",
    ip: null,
    requestId: null,
  });

  beforeAll(async () => {
    services = await createTestServices();
    seed = await seedTwoOrgs(services);
    await services.db.kysely
      .updateTable("staff_members")
      .set({ user_id: seed.alpha.users.clinician.id })
      .where("organization_id", "=", seed.alpha.id)
      .where("id", "=", seed.alpha.practitionerId)
      .execute();
  });
  afterAll(async () => closeTestServices(services));

  async function visible(actor: Actor, section: "demographics" | "clinical"): Promise<string[]> {
    const filter = visiblePatients(services, actor, section);
    let q = services.db.kysely
      .selectFrom("patients")
      .select("id")
      .where("organization_id", "=", actor.organizationId);
    if (filter) q = q.where(filter("patients.id"));
    return (await q.orderBy("id").execute()).map((r) => r.id);
  }
  async function opens(actor: Actor, patientId: string, section: "demographics" | "clinical") {
    try {
      return await inTransaction(services.db, (trx) =>
        requirePatientAccess(trx, services, actor, patientId, section),
      );
    } catch (error) {
      return (error as { code: string }).code;
    }
  }

  it("the front desk sees every patient's demographics and no clinical content", async () => {
    const fd = actorFor(seed.alpha.users["front-desk"].id, ["front-desk"]);
    expect(await visible(fd, "demographics")).toEqual([...seed.alpha.patientIds].sort());
    expect(await visible(fd, "clinical")).toEqual([]);
    expect(await opens(fd, seed.alpha.patientIds[0], "demographics")).toMatchObject({ via: "practice" });
    expect(await opens(fd, seed.alpha.patientIds[0], "clinical")).toBe("not_found");
    expect(await opens(fd, seed.beta.patientIds[0], "demographics")).toBe("not_found");
  });

  it("a clinician sees a patient once a relation exists, through the list and by id alike", async () => {
    const c = actorFor(seed.alpha.users.clinician.id, ["clinician"]);
    const [p0, p1] = seed.alpha.patientIds;
    expect(await visible(c, "demographics")).toEqual([]);
    expect(await opens(c, p0, "clinical")).toBe("not_found");

    await services.db.kysely
      .updateTable("patients")
      .set({ primary_practitioner_id: seed.alpha.practitionerId })
      .where("organization_id", "=", seed.alpha.id)
      .where("id", "=", p0)
      .execute();
    expect(await visible(c, "clinical")).toEqual([p0]);
    expect(await opens(c, p0, "clinical")).toMatchObject({ via: "treating", breakGlassId: null });

    const now = services.clock();
    const grant = randomUUID();
    await services.db.kysely
      .insertInto("care_team_grants")
      .values({
        organization_id: seed.alpha.id,
        id: grant,
        patient_id: p1,
        user_id: c.userId!,
        granted_by: null,
        reason: null,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + 60_000).toISOString(),
        revoked_at: null,
        revoked_by: null,
      })
      .execute();
    expect(await visible(c, "clinical")).toEqual([p0, p1].sort());
    expect(await opens(c, p1, "clinical")).toMatchObject({ via: "care-team" });
    services.clock.advance(61_000);
    expect(await visible(c, "clinical")).toEqual([p0]);
    expect(await opens(c, p1, "clinical")).toBe("not_found");
  });
});

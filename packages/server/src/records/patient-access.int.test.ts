import { randomUUID } from "node:crypto";
import fc from "fast-check";
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
import { requirePatientAccess, requireRelationToCreate, visiblePatients } from "./patient-access.ts";

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
    await services.systemDb
      .updateTable("staff_members")
      .set({ user_id: seed.alpha.users.clinician.id })
      .where("organization_id", "=", seed.alpha.id)
      .where("id", "=", seed.alpha.practitionerId)
      .execute();
  });
  afterAll(async () => closeTestServices(services));

  async function visible(actor: Actor, section: "demographics" | "clinical"): Promise<string[]> {
    const filter = visiblePatients(services, actor, section);
    let q = services.systemDb
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

  it("requirePatientAccess and visiblePatients agree on every mix of relations (property)", async () => {
    const c = actorFor(seed.alpha.users.clinician.id, ["clinician"]);
    const db = services.systemDb;
    const org = seed.alpha.id;
    const patients = [...seed.alpha.patientIds];
    const relation = fc.record({
      primary: fc.boolean(),
      visit: fc.constantFrom(null, "booked", "fulfilled", "cancelled", "entered-in-error", "under-glass"),
      // An encounter written under break-glass (break_glass_id set) is no relation once the grant ends.
      encounter: fc.constantFrom(null, "finished", "entered-in-error", "under-glass"),
      care: fc.constantFrom(null, "active", "expired", "revoked", "open-ended"),
      glass: fc.constantFrom(null, "active", "expired"),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(relation, { minLength: 2, maxLength: 2 }), async (rels) => {
        await db.deleteFrom("care_team_grants").where("organization_id", "=", org).execute();
        await db.deleteFrom("break_glass_grants").where("organization_id", "=", org).execute();
        await db.deleteFrom("appointments").where("organization_id", "=", org).execute();
        await db.deleteFrom("encounters").where("organization_id", "=", org).execute();
        const now = services.clock().getTime();
        const iso = (ms: number) => new Date(now + ms).toISOString();
        const expected: string[] = [];
        for (const [i, r] of rels.entries()) {
          const pid = patients[i]!;
          await db
            .updateTable("patients")
            .set({ primary_practitioner_id: r.primary ? seed.alpha.practitionerId : null })
            .where("organization_id", "=", org)
            .where("id", "=", pid)
            .execute();
          if (r.visit) {
            await db
              .insertInto("appointments")
              .values({
                organization_id: org,
                id: randomUUID(),
                location_id: seed.alpha.locationId,
                patient_id: pid,
                appointment_type_id: randomUUID(),
                practitioner_id: seed.alpha.practitionerId,
                room_id: null,
                start_at: iso(86_400_000),
                end_at: iso(86_400_000 + 1_800_000),
                status: r.visit === "under-glass" ? "booked" : r.visit,
                // A visit booked under break-glass carries the grant's id (expired or not, it opens nothing).
                break_glass_id: r.visit === "under-glass" ? randomUUID() : null,
                overbooked: 0,
                series_id: null,
                series_index: null,
                rescheduled_from_id: null,
                note: null,
                created_by: null,
                cancelled_at: null,
                cancelled_by: null,
                cancel_reason: null,
                late_cancel: 0,
                version: 1,
                created_at: iso(0),
                updated_at: iso(0),
              })
              .execute();
          }
          if (r.encounter) {
            await db
              .insertInto("encounters")
              .values({
                organization_id: org,
                id: randomUUID(),
                patient_id: pid,
                practitioner_id: seed.alpha.practitionerId,
                location_id: seed.alpha.locationId,
                appointment_id: null,
                date: "2026-03-01",
                type: "office-visit",
                reason: null,
                status: r.encounter === "under-glass" ? "finished" : r.encounter,
                sensitive: 0,
                self_pay: 0,
                error_reason: null,
                created_by: null,
                version: 1,
                created_at: iso(0),
                updated_at: iso(0),
                break_glass_id: r.encounter === "under-glass" ? randomUUID() : null,
              })
              .execute();
          }
          if (r.care) {
            await db
              .insertInto("care_team_grants")
              .values({
                organization_id: org,
                id: randomUUID(),
                patient_id: pid,
                user_id: c.userId!,
                granted_by: null,
                reason: null,
                created_at: iso(-7_200_000),
                expires_at: r.care === "open-ended" ? null : iso(r.care === "expired" ? -1 : 3_600_000),
                revoked_at: r.care === "revoked" ? iso(-60_000) : null,
                revoked_by: null,
              })
              .execute();
          }
          if (r.glass) {
            await db
              .insertInto("break_glass_grants")
              .values({
                organization_id: org,
                id: randomUUID(),
                patient_id: pid,
                user_id: c.userId!,
                reason: "property test reason",
                opened_at: iso(-600_000),
                expires_at: iso(r.glass === "expired" ? 0 : 600_000),
                review_status: "pending",
                review_outcome: null,
                review_note: null,
                reviewed_by: null,
                reviewed_at: null,
              })
              .execute();
          }
          const open =
            r.primary ||
            r.visit === "booked" ||
            r.visit === "fulfilled" ||
            r.encounter === "finished" ||
            r.care === "active" ||
            r.care === "open-ended" ||
            r.glass === "active";
          if (open) expected.push(pid);
        }
        const listed = await visible(c, "clinical");
        const opened: string[] = [];
        for (const pid of patients) {
          const a = await opens(c, pid, "clinical");
          if (typeof a === "object") {
            opened.push(pid);
            expect(a.breakGlassId !== null).toBe(rels[patients.indexOf(pid)]!.glass === "active");
          }
        }
        expect(listed).toEqual([...expected].sort());
        expect(opened.sort()).toEqual([...expected].sort());
      }),
      { numRuns: 25 },
    );
    await db.deleteFrom("appointments").where("organization_id", "=", org).execute();
    await db.deleteFrom("encounters").where("organization_id", "=", org).execute();
    await db.deleteFrom("care_team_grants").where("organization_id", "=", org).execute();
    await db.deleteFrom("break_glass_grants").where("organization_id", "=", org).execute();
    await db
      .updateTable("patients")
      .set({ primary_practitioner_id: null })
      .where("organization_id", "=", org)
      .execute();
  });

  it("creating a relation (booking, naming a primary practitioner) needs one already, for clinicians only", async () => {
    const check = (actor: Actor, patientId: string) =>
      inTransaction(services.db, (trx) =>
        requireRelationToCreate(trx, services, actor, patientId, "schedule"),
      ).then(
        () => "ok",
        (e: { code: string }) => e.code,
      );
    const [p0] = seed.alpha.patientIds;
    expect(await check(actorFor(seed.alpha.users.clinician.id, ["clinician"]), p0)).toBe("not_found");
    expect(await check(actorFor(seed.alpha.users["front-desk"].id, ["front-desk"]), p0)).toBe("ok");
    expect(await check(actorFor(seed.alpha.users.clinician.id, ["clinician", "front-desk"]), p0)).toBe("ok");
    // A patient's own reminder link (no staff role) is not a clinician.
    expect(await check({ ...actorFor(seed.alpha.users.hr.id, []), userId: null, via: "token" }, p0)).toBe(
      "ok",
    );
  });

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

    await services.systemDb
      .updateTable("patients")
      .set({ primary_practitioner_id: seed.alpha.practitionerId })
      .where("organization_id", "=", seed.alpha.id)
      .where("id", "=", p0)
      .execute();
    expect(await visible(c, "clinical")).toEqual([p0]);
    expect(await opens(c, p0, "clinical")).toMatchObject({ via: "treating", breakGlassId: null });

    const now = services.clock();
    const grant = randomUUID();
    await services.systemDb
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

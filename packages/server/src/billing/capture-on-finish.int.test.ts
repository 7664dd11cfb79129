import { permissionsFor } from "@salus/core";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEncounter, updateEncounter } from "../clinical/encounters.ts";
import type { Actor } from "../platform/services.ts";
import { seedBillingPractice } from "../testing/billing-practice.ts";
import {
  createTestApp,
  createTestServices,
  dialect,
  type Seed,
  seedTwoOrgs,
  type TestServices,
} from "../testing/harness.ts";

let services: TestServices;
let seed: Seed;
let app: FastifyInstance;
let clinician: Actor;

beforeAll(async () => {
  services = await createTestServices();
  seed = await seedTwoOrgs(services);
  await seedBillingPractice(services, seed.alpha);
  // The server's domain list (loaded with the app) registers billing's reaction to finished visits.
  ({ app } = await createTestApp(services));
  const org = seed.alpha.id;
  await services.systemDb
    .updateTable("staff_members")
    .set({ user_id: seed.alpha.users.clinician.id })
    .where("organization_id", "=", org)
    .where("id", "=", seed.alpha.practitionerId)
    .execute();
  await services.systemDb
    .updateTable("patients")
    .set({ primary_practitioner_id: seed.alpha.practitionerId })
    .where("organization_id", "=", org)
    .where("id", "=", seed.alpha.patientIds[0])
    .execute();
  clinician = {
    organizationId: org,
    userId: seed.alpha.users.clinician.id,
    label: seed.alpha.users.clinician.email,
    roles: ["clinician"],
    permissions: permissionsFor(["clinician"]),
    via: "session",
    ip: null,
    requestId: null,
  };
}, 120_000);
afterAll(async () => {
  await app?.close();
  await services?.cleanup();
});

async function chargesOf(encounterId: string) {
  return services.systemDb
    .selectFrom("charges")
    .select(["procedure_code", "amount_cents", "status", "source_key"])
    .where("encounter_id", "=", encounterId)
    .orderBy("source_key")
    .execute();
}

describe(`charge capture when a visit is finished (${dialect})`, () => {
  it("captures a finished visit's lines in its own transaction, once, and adds lines coded later", async () => {
    const input = {
      date: "2026-02-24",
      practitionerId: seed.alpha.practitionerId,
      locationId: seed.alpha.locationId,
      type: "office-visit" as const,
      diagnoses: ["E11.9"],
      procedures: [{ code: "99213", pointers: [1] }],
    };
    const open = await createEncounter(services, clinician, seed.alpha.patientIds[0], input);
    expect(await chargesOf(open.id)).toEqual([]);

    const finished = await updateEncounter(services, clinician, open.id, {
      status: "finished",
      version: open.version,
    });
    expect(await chargesOf(open.id)).toEqual([
      {
        procedure_code: "99213",
        amount_cents: 12500,
        status: "review",
        source_key: `encounter:${open.id}:1`,
      },
    ]);

    // Coded again while finished: the new line is captured, the first is not charged twice.
    await updateEncounter(services, clinician, open.id, {
      procedures: [
        { code: "99213", pointers: [1] },
        { code: "36415", pointers: [1] },
      ],
      version: finished.version,
    });
    expect((await chargesOf(open.id)).map((c) => [c.procedure_code, c.amount_cents])).toEqual([
      ["99213", 12500],
      ["36415", 1200],
    ]);

    // Created finished: captured at once; but nothing while the practice has no billing identity.
    const direct = await createEncounter(services, clinician, seed.alpha.patientIds[0], {
      ...input,
      date: "2026-02-25",
      status: "finished",
    });
    expect((await chargesOf(direct.id)).map((c) => c.procedure_code)).toEqual(["99213"]);

    const settings = await services.systemDb
      .selectFrom("billing_settings")
      .selectAll()
      .where("organization_id", "=", seed.alpha.id)
      .executeTakeFirstOrThrow();
    await services.systemDb
      .deleteFrom("billing_settings")
      .where("organization_id", "=", seed.alpha.id)
      .execute();
    try {
      const unbilled = await createEncounter(services, clinician, seed.alpha.patientIds[0], {
        ...input,
        date: "2026-02-26",
        status: "finished",
      });
      expect(await chargesOf(unbilled.id)).toEqual([]);
    } finally {
      await services.systemDb.insertInto("billing_settings").values(settings).execute();
    }
  });
});

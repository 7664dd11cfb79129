import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../admin/organizations.ts";
import { seedPrivacy } from "../demo/seed-privacy.ts";
import { createPatient } from "../directory/patients.ts";
import {
  asBearer,
  bearer,
  closeTestServices,
  createTestApp,
  createTestServices,
  dialect,
  type Seed,
  seedTwoOrgs,
  type TestServices,
} from "../testing/harness.ts";

/** The demo's privacy data gives the privacy officer's pages something to show, and obeys the rules. */
describe(`demo privacy seed (${dialect})`, () => {
  let services: TestServices;
  let seed: Seed;

  beforeAll(async () => {
    services = await createTestServices();
    seed = await seedTwoOrgs(services);
    await createPatient(services, cliActor(seed.alpha.id), {
      givenName: "Ada",
      familyName: "Aardvark",
      dateOfBirth: "1950-01-01",
      sex: "female",
      confirmedNotDuplicate: true,
    });
    await seedPrivacy(services, seed.alpha.id);
  });
  afterAll(async () => closeTestServices(services));

  it("a pending amendment on the work list; disclosures whose accounting leaves out TPO and the suspended one", async () => {
    const { app } = await createTestApp(services);
    try {
      const token = await bearer(services, seed.alpha, seed.alpha.users["privacy-officer"].email);
      const pending = await asBearer(app, token, "GET", "/api/amendments?status=pending");
      expect(pending.json().total).toBe(1);
      expect(pending.json().items[0].overdue).toBe(false);
      const rows = await services.systemDb.selectFrom("disclosures").select("patient_id").execute();
      expect(rows).toHaveLength(4);
      const patientId = rows[0]!.patient_id;
      const accounting = await asBearer(
        app,
        token,
        "GET",
        `/api/patients/${patientId}/disclosures/accounting`,
      );
      expect(accounting.json().items.map((d: { category: string }) => d.category)).toEqual([
        "judicial",
        "public-health",
      ]);
    } finally {
      await app.close();
    }
  });
});
